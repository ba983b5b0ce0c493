"""The public parts of seed 000 (`/api/public`, `/api/frontend/external`) are rate-limited per client
address: beyond the limit, a clear 429 with `Retry-After` in OTRS's error shape; the customer API is not."""
from __future__ import annotations

import pytest

from tests.api.otrs.conftest import Otrs


@pytest.fixture()
def limit_of_three(otrs: Otrs, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap, settings
    from chalicelib.core.rate_limit import RateLimiter
    from chalicelib.storage.rate_windows import RateWindowStore
    monkeypatch.setenv("HELPDESK_PUBLIC_RATE", "3")
    settings.reset()
    container = bootstrap.container()
    container.public_rate = RateLimiter(RateWindowStore(), container.clock, settings.get().public_rate)


def public(otrs: Otrs, path: str):
    return otrs.api.client.http.request("GET", path, headers={"Accept": "*/*"})


@pytest.mark.usefixtures("limit_of_three")
def test_the_fourth_request_of_a_minute_is_429_with_retry_after(otrs: Otrs) -> None:
    for path in ("/api/public/knowledge-base/categorylist", "/api/frontend/external/config",
                 "/api/public/knowledge-base/article/list"):
        assert public(otrs, path).status_code == 200, path
    refused = public(otrs, "/api/frontend/external/menu")
    assert refused.status_code == 429
    retry = int(refused.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert refused.headers["X-OTRS-API-Version"] == "1.0.0"
    assert refused.json_body == {"Error": f"Rate limit exceeded. Try again in {retry} seconds."}


@pytest.mark.usefixtures("limit_of_three")
def test_the_customer_api_is_not_limited_by_it(otrs: Otrs) -> None:
    for _ in range(5):
        assert otrs.get("/account").status == 200
