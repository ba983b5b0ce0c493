"""Domain errors. Each dialect maps them by class to its own status code and error shape."""
from __future__ import annotations

from typing import Any, Optional


class DomainError(Exception):
    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    """The request is understood but its content is wrong (Zammad 422, OTRS 422 field errors)."""
    code = "invalid"

    def __init__(self, message: str, field: Optional[str] = None, **details: Any) -> None:
        super().__init__(message, field=field, **details)
        self.field = field


class LookupFailed(InvalidInput):
    """A related object named by the caller does not exist."""
    code = "lookup_failed"

    def __init__(self, field: str, value: Any) -> None:
        super().__init__(f"No lookup value found for '{field}': {_inspect(value)}", field=field, value=value)
        self.value = value


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, entity: str, key: Any, attribute: str = "id") -> None:
        super().__init__(f"Couldn't find {entity} with '{attribute}'={key}", entity=entity, key=key)
        self.entity = entity
        self.key = key


class AuthenticationFailed(DomainError):
    """Credentials were given but are not valid (or none were given: `missing=True`)."""
    code = "unauthenticated"

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message, missing=missing)
        self.missing = missing


class PermissionDenied(DomainError):
    code = "forbidden"

    def __init__(self, message: str = "Not authorized") -> None:
        super().__init__(message)


class Conflict(DomainError):
    """A concurrent change or a uniqueness rule stopped the write; nothing was written."""
    code = "conflict"


class TooLarge(DomainError):
    code = "too_large"


class OperationFailed(DomainError):
    """The request was valid but the operation could not be done, for a reason clients tell apart by
    `identifier` (OTRS's custom 900 list: `{"ErrorIdentifier": ..., "ErrorMessage": ...}`; other
    dialects answer 422 with the message)."""
    code = "failed"

    def __init__(self, identifier: str, message: str) -> None:
        super().__init__(message, identifier=identifier)
        self.identifier = identifier


def _inspect(value: Any) -> str:
    """Ruby's #inspect for the scalar values a lookup error quotes."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# >>> otrs-articles
class FollowUpRejected(InvalidInput):
    """A customer's follow-up on a closed ticket whose group takes none (`follow_up_possible`
    "new_ticket"). Zammad answers it as any invalid input (422); OTRS's customer API as 403
    "Can't reopen ticket, not possible in this queue!"."""
    code = "follow_up_rejected"
# <<< otrs-articles
# >>> tickets-api
class RateLimited(DomainError):
    """Too many requests in the current window; the caller may try again in `retry_after` seconds."""
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Rate limit exceeded. Try again in {retry_after} seconds.", retry_after=retry_after)
        self.retry_after = retry_after
# <<< tickets-api
