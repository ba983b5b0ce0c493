"""Password reset tokens (core.ports.ResetTokenRepository): `RESET#<sha256 hex>` / `#RESET`.

Only the hash is stored. Each item carries the TTL `expires` and, through `with_expiry_keys`, its entry
in the expiry index, so the daily cleanup removes unused tokens even while DynamoDB's TTL lags. A token
is consumed by a conditional delete: of two resets with one token exactly one removes it.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from ..core.errors import Conflict
from ..core.ports import ResetToken
from .errors import conditional
from .expiry import with_expiry_keys
from .table import Item, ResetTokenItem

SORT_KEY = "#RESET"


def _key(token_hash: str) -> str:
    return f"RESET#{token_hash}"


class ResetTokenStore:
    def create(self, token: ResetToken) -> None:
        item = ResetTokenItem(pk=_key(token.token_hash), sk=SORT_KEY,
                              doc={"user_id": token.user_id, "created_at": token.created_at},
                              expires=datetime.fromtimestamp(token.expires_at, tz=timezone.utc))
        with conditional("This reset token exists already."):
            with_expiry_keys(item).save(condition=Item.pk.does_not_exist())

    def get(self, token_hash: str) -> Optional[ResetToken]:
        try:
            item = ResetTokenItem.get(_key(token_hash), SORT_KEY, consistent_read=True)
        except ResetTokenItem.DoesNotExist:
            return None
        return ResetToken(token_hash=token_hash, user_id=int(item.doc["user_id"]), created_at=item.doc["created_at"],
                          expires_at=int(item.expires.timestamp()))

    def consume(self, token_hash: str) -> bool:
        try:
            with conditional("The reset token was used already."):
                ResetTokenItem(pk=_key(token_hash), sk=SORT_KEY).delete(condition=Item.pk.exists())
        except Conflict:
            return False
        return True

    def delete(self, token_hash: str) -> None:
        ResetTokenItem(pk=_key(token_hash), sk=SORT_KEY).delete()
