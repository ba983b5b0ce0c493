"""PynamoDB failures -> core errors, so services never see an adapter exception type."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError

from ..core.errors import Conflict

CONDITION_FAILED = ("ConditionalCheckFailedException", "TransactionCanceledException")


@contextmanager
def conditional(message: str) -> Iterator[None]:
    """A failed condition means someone else won the race: report a Conflict, nothing was written."""
    try:
        yield
    except (PutError, UpdateError, DeleteError, TransactWriteError) as error:
        if error.cause_response_code in CONDITION_FAILED:
            raise Conflict(message) from error
        raise
