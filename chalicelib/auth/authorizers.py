"""Credentials -> Principal, with the texts each dialect documents for failures.

Authentication runs in each dialect's route wrapper, not in an API Gateway authorizer: a gateway
authorizer answers a missing header with its own bare 401 before any code runs, while Zammad
documents 403 "Authentication required" (see docs/decisions.md). The wrapper and this module give
the same answer under `chalice local` and behind API Gateway.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections import OrderedDict
from typing import Mapping, Optional

from ..core.errors import AuthenticationFailed, PermissionDenied
from ..core.model import AccessToken, Principal, User, grants
from ..core.ports import AccessTokenRepository, Clock, OrganizationRepository, RevocationList, UserRepository
from ..core.users import iso
from ..core.access_tokens import hash_token
from .tokens import InvalidJwt, JwtCodec, challenge_token, verify_password

ZAMMAD_AUDIENCE = "zammad"
LOGIN_FAILED = "Login failed. Have you double-checked your credentials and completed the email verification step?"
VERIFIED_CACHE_SIZE = 1024


class _VerifiedPasswords:
    """Remembers recent successful password checks so Basic auth does not pay scrypt on every request."""

    def __init__(self, size: int = VERIFIED_CACHE_SIZE, ttl_seconds: int = 300) -> None:
        self._entries: OrderedDict[str, float] = OrderedDict()
        self._size = size
        self._ttl = ttl_seconds

    @staticmethod
    def _key(stored_hash: str, password: str) -> str:
        return hashlib.sha256(f"{stored_hash}\0{password}".encode()).hexdigest()

    def check(self, password: str, stored_hash: str) -> bool:
        key = self._key(stored_hash, password)
        seen = self._entries.get(key)
        if seen is not None and time.monotonic() - seen < self._ttl:
            return True
        if not verify_password(password, stored_hash):
            return False
        self._entries[key] = time.monotonic()
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return True


_verified = _VerifiedPasswords()


def effective_permissions(user: User, token: Optional[AccessToken]) -> frozenset[str]:
    """A token narrows its user's permissions to what it was created for, never widens them."""
    own = user.permissions
    if token is None:
        return own
    allowed = set(token.permissions)
    return frozenset({p for p in own if grants(allowed, p)} | {p for p in allowed if grants(own, p)})


class Authenticator:
    def __init__(self, users: UserRepository, organizations: OrganizationRepository,
                 tokens: AccessTokenRepository, revocations: RevocationList, jwt: JwtCodec, clock: Clock) -> None:
        self._users = users
        self._organizations = organizations
        self._tokens = tokens
        self._revocations = revocations
        self._jwt = jwt
        self._clock = clock

    # --- Zammad: Basic, Token token=, Bearer, X-On-Behalf-Of ------------------------------

    def zammad(self, headers: Mapping[str, str]) -> Principal:
        authorization = (headers.get("authorization") or "").strip()
        scheme, _, value = authorization.partition(" ")
        scheme = scheme.lower()
        if scheme == "basic" and value:
            principal = self._basic(value.strip())
        elif scheme == "token" and value:
            principal = self._access_token(value.strip())
        elif scheme == "bearer" and value:
            principal = self._bearer(value.strip(), ZAMMAD_AUDIENCE,
                                     invalid="The provided token is invalid.", expired="OAuth2 token is expired!")
        else:
            raise AuthenticationFailed("Authentication required", missing=True)
        on_behalf_of = (headers.get("from") or headers.get("x-on-behalf-of") or "").strip()
        return self._on_behalf_of(principal, on_behalf_of) if on_behalf_of else principal

    def _basic(self, encoded: str) -> Principal:
        try:
            login, sep, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise AuthenticationFailed("Invalid BasicAuth credentials") from None
        if not sep or not login:
            raise AuthenticationFailed("Invalid BasicAuth credentials")
        user = self._users.by_login(login.lower()) or self._users.by_email(login.lower())
        if user is None or not user.password_hash or not _verified.check(password, user.password_hash):
            raise AuthenticationFailed("Invalid BasicAuth credentials")
        return self._principal(user, "basic_auth")

    def _access_token(self, value: str) -> Principal:
        raw = value[len("token="):] if value.lower().startswith("token=") else value
        raw = raw.strip().strip('"')
        token = self._tokens.by_hash(hash_token(raw)) if raw else None
        user = self._users.get(token.user_id) if token else None
        if token is None or user is None:
            raise AuthenticationFailed("Can't find User for Token")
        today = self._clock.now().date().isoformat()
        if token.expires_at and today >= token.expires_at[:10]:
            raise AuthenticationFailed("Not authorized (token expired)!")
        return self._principal(user, "token_auth", token)

    def _bearer(self, raw: str, audience: str, invalid: str, expired: str) -> Principal:
        try:
            claims = self._jwt.verify(raw, audience)
        except InvalidJwt as error:
            raise AuthenticationFailed(expired if error.expired else invalid) from None
        if self._revocations.is_revoked(claims.jti, int(self._clock.now().timestamp())):
            raise AuthenticationFailed(invalid)
        user = self._users.get(claims.subject)
        if user is None:
            raise AuthenticationFailed(invalid)
        return self._principal(user, "token_auth")

    def _on_behalf_of(self, principal: Principal, key: str) -> Principal:
        if not principal.has("admin.user"):
            raise PermissionDenied("Current user has no permission to use 'From'/'X-On-Behalf-Of'!")
        user = None
        if key.isdigit():
            user = self._users.get(int(key))
        user = user or self._users.by_login(key.lower()) or self._users.by_email(key.lower())
        if user is None:
            raise PermissionDenied(f"No such user '{key}'")
        acting = self._principal(user, principal.auth_type)
        return Principal(user=acting.user, permissions=acting.permissions,
                         shared_organization=acting.shared_organization, auth_type=acting.auth_type,
                         real_user_id=principal.id)

    # --- shared ------------------------------------------------------------------------

    def password_login(self, login: str, password: str) -> User:
        """For dialects with a login call (OAuth password grant, OTRS, RS4OTRS)."""
        user = self._users.by_login(login.lower()) or self._users.by_email(login.lower())
        if user is None or not user.password_hash or not _verified.check(password, user.password_hash):
            raise AuthenticationFailed(LOGIN_FAILED)
        if not user.active:
            raise AuthenticationFailed(LOGIN_FAILED)
        return user

    def issue_jwt(self, user: User, audience: str) -> tuple[str, int]:
        token, claims = self._jwt.issue(user.id, audience, now=int(self._clock.now().timestamp()))
        return token, claims.expires_at

    def revoke_jwt(self, raw: str, audience: str) -> bool:
        """Logout: the token stops working now, everywhere. Invalid tokens are simply not revoked."""
        try:
            claims = self._jwt.verify(raw, audience)
        except InvalidJwt:
            return False
        self._revocations.revoke(claims.jti, claims.expires_at)
        return True

    # >>> otrs: the OTRS 7 customer interface (seed 000)
    def otrs_customer(self, headers: Mapping[str, str], cookie_allowed: bool = False,
                      fake_login_allowed: bool = False) -> Principal:
        """A customer user's principal, or 401 `Bad token.` (no, invalid, expired or revoked token) /
        403 `Access denied.` (an agent's token: this interface is for customer users). The fake login
        header works only on a development server (settings.otrs_dev_server), never by default."""
        fake = (headers.get("x-otrs-api-fakecustomerlogin") or "").strip()
        if fake and fake_login_allowed:
            user = self._users.by_login(fake.lower()) or self._users.by_email(fake.lower())
            if user is None:
                raise AuthenticationFailed(OTRS_BAD_TOKEN)
            principal = self._principal(user, "fake_login")
        else:
            raw = otrs_token(headers, cookie_allowed)
            if raw is None:
                raise AuthenticationFailed(OTRS_BAD_TOKEN, missing=True)
            principal = self._bearer(raw, OTRS_CUSTOMER_AUDIENCE, invalid=OTRS_BAD_TOKEN, expired=OTRS_BAD_TOKEN)
        if not principal.is_customer:
            raise PermissionDenied(OTRS_ACCESS_DENIED)
        return principal

    def token_expiry(self, raw: str, audience: str) -> Optional[int]:
        """When a valid token expires (epoch seconds), None if it is not valid."""
        try:
            return self._jwt.verify(raw, audience).expires_at
        except InvalidJwt:
            return None
    # <<< otrs

    # >>> rs4otrs: the agent RPC's session (a JWT passed as the parameter named by SessionName)
    def rs4otrs_session(self, raw: str) -> tuple[Principal, str]:
        """The agent behind a session token and its ChallengeToken; AuthenticationFailed with RS4OTRS's
        text for a missing, invalid, expired, revoked token or a user who is not an agent."""
        principal = self._bearer(raw, RS4OTRS_AUDIENCE, invalid=RS4OTRS_SESSION_INVALID,
                                 expired=RS4OTRS_SESSION_INVALID)
        if not principal.is_agent:
            raise AuthenticationFailed(RS4OTRS_SESSION_INVALID)
        claims = self._jwt.verify(raw, RS4OTRS_AUDIENCE)
        return principal, challenge_token(self._jwt.signing_key, claims.jti)

    def rs4otrs_challenge(self, raw: str) -> str:
        """The ChallengeToken that belongs to a session token (given at login, asked for at logout)."""
        return challenge_token(self._jwt.signing_key, self._jwt.verify(raw, RS4OTRS_AUDIENCE).jti)
    # <<< rs4otrs

    # >>> tickets-api: the numbered Tickets API's X-Token (a personal access token), customers only
    def tickets_api(self, headers: Mapping[str, str]) -> tuple[Principal, str]:
        """The customer behind `X-Token: <access token>` and the token's hash (what per-token limits key on).
        AuthenticationFailed (401) for a missing, unknown or expired token; PermissionDenied (403) for a
        token whose user, or whose permissions, are not a customer's (an agent's token)."""
        raw = (headers.get("x-token") or "").strip()
        if not raw:
            raise AuthenticationFailed("X-Token header is required.", missing=True)
        principal = self._access_token(raw)
        if not principal.is_customer:
            raise PermissionDenied("The Tickets API is for customers; this token's user is not one.")
        return principal, hash_token(raw)
    # <<< tickets-api

    def _principal(self, user: User, auth_type: str, token: Optional[AccessToken] = None) -> Principal:
        if not user.active:
            raise AuthenticationFailed(LOGIN_FAILED)
        if token is not None:
            now = iso(self._clock)
            if (token.last_used_at or "")[:16] != now[:16]:  # at most one write a minute per token
                self._tokens.touch(token, now)
        permissions = effective_permissions(user, token)
        shared = False
        if user.organization_id and grants(permissions, "ticket.customer"):
            organization = self._organizations.get(user.organization_id)
            shared = bool(organization and organization.shared and organization.active)
        return Principal(user=user, permissions=permissions, shared_organization=shared, auth_type=auth_type)


# >>> otrs: the OTRS 7 customer interface's JWT (header or cookie), customer users only
OTRS_CUSTOMER_AUDIENCE = "otrs-customer"
OTRS_BAD_TOKEN = "Bad token."
OTRS_ACCESS_DENIED = "Access denied."
OTRS_COOKIES = ("AuthenticationCustomer", "Authentication")


def otrs_token(headers: Mapping[str, str], cookie_allowed: bool) -> Optional[str]:
    """The token as OTRS's customer interface sends it: `Authentication: Bearer <jwt>` (sic; the usual
    `Authorization` works too) or, where the endpoint allows it, the httpOnly cookie."""
    for name in ("authentication", "authorization"):
        scheme, _, value = (headers.get(name) or "").strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    if cookie_allowed:
        for part in (headers.get("cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name in OTRS_COOKIES and value:
                return value
    return None

# <<< otrs


# >>> rs4otrs
RS4OTRS_AUDIENCE = "rs4otrs"
RS4OTRS_SESSION_INVALID = "Session invalid. Please log in again."
# <<< rs4otrs
