"""Domain errors -> HTTP status, by class. Each dialect renders the body in its own shape."""
from __future__ import annotations

import logging
import secrets

from ..core.errors import (AuthenticationFailed, Conflict, DomainError, InvalidInput, NotFound, OperationFailed,
                           PermissionDenied, TooLarge)

STATUS_BY_CLASS: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (PermissionDenied, 403),
    (Conflict, 409),
    (TooLarge, 413),
    (InvalidInput, 422),
    (OperationFailed, 422),
]


def logged_failure(log: logging.Logger) -> str:
    """An unexpected failure: the traceback goes to the log under a short id, the client gets only the id."""
    error_id = secrets.token_urlsafe(6)
    log.exception("Error ID %s", error_id)
    return f"Error ID {error_id}: Please contact your administrator."


def status_for(error: DomainError) -> int:
    if isinstance(error, AuthenticationFailed):
        return 403 if error.missing else 401
    for cls, status in STATUS_BY_CLASS:
        if isinstance(error, cls):
            return status
    return 400


# >>> tickets-api
from ..core.errors import RateLimited  # noqa: E402

STATUS_BY_CLASS.append((RateLimited, 429))
# <<< tickets-api
