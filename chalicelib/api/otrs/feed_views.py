"""Two public OTRS endpoints that serve files rather than JSON (seed 000):

- OTRS-58 `GET /api/public/calendar?CalendarID=&User=&Token=`: a calendar subscription feed (iCalendar,
  core/calendar_feed.py). `Token` is a personal access token of `User` (Zammad's /api/v1/user_access_token:
  the user makes it and revokes it); a wrong, expired or revoked token, or one of another user, is the
  seed's only documented error, 422 on `Token` (one message for all, so the answer tells nothing about
  which part was wrong). A valid token of someone who may not read calendars (customers) is 403.
- OTRS-95 `GET /api/public/package/repository?File=`: `otrs.xml` is the repository index, any other name
  the package file (`.opm`) as an attachment; a name no package has is 404 (what a package manager
  fetching a URL expects), a missing or malformed File 422.
"""
from __future__ import annotations

from typing import Any

from chalice import Response

from ...core.errors import AuthenticationFailed, NotFound
from ...core.model import Principal
from ...core.packages import INDEX_FILE, PACKAGE_TYPE
from ..http import download_headers
from . import schema
from .routes import Call, public_route
from .ticket_views import positive_int

TOKEN_REFUSED = "Token is not a valid personal access token of this User."
FEED_HEADERS = {"Content-Type": "text/calendar; charset=utf-8",
                "Content-Disposition": 'inline; filename="calendar.ics"',
                "Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
PACKAGE_NOT_FOUND = "Package file was not found."


def required_param(call: Call, name: str) -> str:
    value = (call.params.get(name) or "").strip()
    if not value:
        raise schema.invalid(name, f"{name} is required.")
    return value


def subscriber(call: Call, login: str, raw_token: str) -> Principal:
    """The user a personal access token belongs to, when that is `login` (their login or email)."""
    try:
        principal = call.container.authenticator.zammad({"authorization": f"Token token={raw_token}"})
    except AuthenticationFailed:
        raise schema.invalid("Token", TOKEN_REFUSED) from None
    if login.lower() not in {principal.user.login.lower(), (principal.user.email or "").lower()}:
        raise schema.invalid("Token", TOKEN_REFUSED)
    return principal


@public_route("/calendar", auth=False)
def calendar_feed(call: Call) -> Response:
    """OTRS-58: the calendar's public holidays and, for an agent, the deadlines of the agent's tickets."""
    calendar_id = positive_int(required_param(call, "CalendarID"), "CalendarID")
    login, raw_token = required_param(call, "User"), required_param(call, "Token")
    text = call.container.calendar_feed.render(subscriber(call, login, raw_token), calendar_id)
    return Response(body=text.encode("utf-8"), status_code=200, headers=dict(FEED_HEADERS))


@public_route("/package/repository", auth=False)
def package_repository(call: Call) -> Any:
    """OTRS-95: the index (`File=otrs.xml`) or one package file. A leading `/` (how index entries are
    sometimes written) is ignored."""
    name = required_param(call, "File").lstrip("/")
    packages = call.container.packages
    if name == INDEX_FILE:
        return Response(body=packages.index().encode("utf-8"), status_code=200,
                        headers={"Content-Type": "application/xml; charset=utf-8", "Cache-Control": "no-cache",
                                 "X-Content-Type-Options": "nosniff"})
    try:
        package, data = packages.file(name)
    except NotFound as error:
        error.details["otrs_message"] = PACKAGE_NOT_FOUND
        raise
    return Response(body=data, status_code=200,
                    headers={**download_headers(PACKAGE_TYPE, package.filename, len(data), inline_wanted=False),
                             "ETag": f'"{package.sha256[:32]}"'})
