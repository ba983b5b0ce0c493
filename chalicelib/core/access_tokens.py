"""Personal access tokens (Zammad's user_access_token): the secret is shown once, only its hash is kept."""
from __future__ import annotations

import hashlib
import re
import secrets
from typing import Optional

from . import policy
from .errors import InvalidInput
from .model import PERMISSIONS, AccessToken, Principal
from .ports import AccessTokenRepository, Clock, IdAllocator
from .users import iso

KNOWN_PERMISSIONS = frozenset(name for _, name, _ in PERMISSIONS)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class AccessTokens:
    def __init__(self, tokens: AccessTokenRepository, ids: IdAllocator, clock: Clock) -> None:
        self._tokens = tokens
        self._ids = ids
        self._clock = clock

    def list(self, principal: Principal) -> list[AccessToken]:
        policy.require(policy.can_manage_access_tokens(principal))
        return sorted(self._tokens.for_user(principal.id), key=lambda t: t.id)

    def create(self, principal: Principal, label: str, permissions: list[str],
               expires_at: Optional[str]) -> tuple[AccessToken, str]:
        policy.require(policy.can_manage_access_tokens(principal))
        if not label.strip():
            raise InvalidInput("Need label!", field="label")
        unknown = [p for p in permissions if p not in KNOWN_PERMISSIONS]
        if unknown:
            raise InvalidInput(f"Invalid permission '{unknown[0]}'", field="permission")
        if not permissions:
            raise InvalidInput("Permission can't be blank", field="permission")
        if expires_at and not DATE.match(expires_at):
            raise InvalidInput(f"Invalid value for param 'expires_at': {expires_at}", field="expires_at")
        raw = secrets.token_urlsafe(48)
        now = iso(self._clock)
        token = AccessToken(id=self._ids.next_id("access_token"), user_id=principal.id, label=label.strip(),
                            token_hash=hash_token(raw), permissions=sorted(set(permissions)),
                            expires_at=expires_at[:10] if expires_at else None, created_at=now, updated_at=now)
        self._tokens.create(token)
        return token, raw

    def delete(self, principal: Principal, token_id: int) -> None:
        policy.require(policy.can_manage_access_tokens(principal))
        for token in self._tokens.for_user(principal.id):
            if token.id == token_id:
                self._tokens.delete(token)
                return
        raise InvalidInput("The API token could not be found.", field="id")
