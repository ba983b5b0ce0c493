"""Access tokens (stored by hash, listed per user) and the JWT revocation list (with TTL)."""
from __future__ import annotations

from typing import Optional

from ..core.model import AccessToken
from .codec import from_doc, to_doc
from .errors import conditional
from .expiry import with_expiry_keys
from .table import AccessTokenItem, Item, RevokedItem, sortable

TOKEN_SK = "#TOKEN"


class AccessTokenStore:
    @staticmethod
    def _item(token: AccessToken) -> AccessTokenItem:
        return AccessTokenItem(pk=f"TOKEN#{token.token_hash}", sk=TOKEN_SK, doc=to_doc(token),
                               gsi1pk=f"USERTOKENS#{token.user_id}", gsi1sk=sortable(token.id))

    def by_hash(self, token_hash: str) -> Optional[AccessToken]:
        try:
            return from_doc(AccessToken, AccessTokenItem.get(f"TOKEN#{token_hash}", TOKEN_SK).doc)
        except AccessTokenItem.DoesNotExist:
            return None

    def for_user(self, user_id: int) -> list[AccessToken]:
        return [from_doc(AccessToken, item.doc) for item in Item.gsi1.query(f"USERTOKENS#{user_id}")]

    def create(self, token: AccessToken) -> None:
        with conditional("This token exists already."):
            self._item(token).save(condition=Item.pk.does_not_exist())

    def delete(self, token: AccessToken) -> None:
        AccessTokenItem(pk=f"TOKEN#{token.token_hash}", sk=TOKEN_SK).delete()

    def touch(self, token: AccessToken, when: str) -> None:
        token.last_used_at = when
        self._item(token).save()


class RevocationStore:
    def revoke(self, jti: str, until_epoch: int) -> None:
        from datetime import datetime, timezone
        with_expiry_keys(RevokedItem(pk=f"REVOKED#{jti}", sk="#REVOKED", doc={},
                                     expires=datetime.fromtimestamp(until_epoch, tz=timezone.utc))).save()

    def is_revoked(self, jti: str, now_epoch: int) -> bool:
        """TTL deletion can lag for days, so expiry is checked here as well."""
        try:
            item = RevokedItem.get(f"REVOKED#{jti}", "#REVOKED", consistent_read=True)
        except RevokedItem.DoesNotExist:
            return False
        return item.expires is None or item.expires.timestamp() > now_epoch
