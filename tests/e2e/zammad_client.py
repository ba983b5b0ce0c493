"""The real zammad_py client as the e2e tests use it: one connection per role, and its errors read back."""
from __future__ import annotations

from typing import Any

from zammad_py import ZammadAPI

# zammad_py raises HTTPError(response.text) without the status: Zammad's error texts tell them apart.
STATUS_BY_TEXT = {"Not authorized": 403, "Couldn't find": 404, "has references": 422,
                  "already been taken": 422, "already used": 422}


def connect(live_server: Any, role: str) -> ZammadAPI:
    email, password = live_server.auth(role)
    return ZammadAPI(url=live_server.base_url + "/", username=email, password=password)


def status_of(raised: Any) -> int:
    """The status behind a `pytest.raises(HTTPError)`, recognised by Zammad's error text."""
    text = str(raised.value)
    return next((status for marker, status in STATUS_BY_TEXT.items() if marker in text), 0)
