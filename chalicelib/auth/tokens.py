"""Password hashing and JWTs. Pinned algorithm, required claims, no Chalice here."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any, Optional, Protocol, Sequence, Union

ALGORITHM = "HS256"
SCRYPT_R, SCRYPT_P = 8, 1
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]


def hash_password(password: str, cost: int = 14) -> str:
    """scrypt with a random salt; the parameters travel with the hash so they can be raised later."""
    n = 2 ** cost
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(n, SCRYPT_R, SCRYPT_P,
                                         base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                               dklen=len(base64.b64decode(digest)))
    return hmac.compare_digest(candidate, base64.b64decode(digest))


@dataclass(frozen=True)
class Claims:
    subject: int
    jti: str
    expires_at: int
    audience: str


class InvalidJwt(Exception):
    def __init__(self, message: str, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class SigningKeys(Protocol):
    """Where the HS256 keys come from: one fixed key locally, Secrets Manager in AWS (storage/)."""

    def current(self) -> str:
        """The key new tokens are signed with."""

    def accepted(self) -> Sequence[str]:
        """Every key a token may carry, current first (after a rotation: the previous one too)."""

    def refresh(self) -> bool:
        """Re-read the keys if allowed now; True if they changed (a token signed elsewhere with a key
        newer than this container's copy then verifies on the retry)."""


class StaticKeys:
    """One key that never changes (local runs and tests: HELPDESK_JWT_SECRET or the .local file)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret

    def current(self) -> str:
        return self._secret

    def accepted(self) -> Sequence[str]:
        return (self._secret,)

    def refresh(self) -> bool:
        return False


class JwtCodec:
    def __init__(self, keys: Union[str, SigningKeys], issuer: str, ttl_seconds: int) -> None:
        self._keys: SigningKeys = StaticKeys(keys) if isinstance(keys, str) else keys
        self._issuer = issuer
        self._ttl = ttl_seconds

    @property
    def signing_key(self) -> str:
        """The current key (also binds RS4OTRS challenge tokens to the deployment)."""
        return self._keys.current()

    def issue(self, user_id: int, audience: str, now: Optional[int] = None,
              ttl_seconds: Optional[int] = None) -> tuple[str, Claims]:
        import jwt
        issued = int(now if now is not None else time.time())
        claims = Claims(subject=user_id, jti=uuid.uuid4().hex, expires_at=issued + (ttl_seconds or self._ttl),
                        audience=audience)
        payload: dict[str, Any] = {"sub": str(user_id), "jti": claims.jti, "iat": issued,
                                   "exp": claims.expires_at, "iss": self._issuer, "aud": audience}
        return jwt.encode(payload, self._keys.current(), algorithm=ALGORITHM), claims

    def verify(self, token: str, audience: str) -> Claims:
        import jwt
        try:
            payload = self._decode(token, audience)
        except jwt.ExpiredSignatureError as error:
            raise InvalidJwt("expired", expired=True) from error
        except (jwt.PyJWTError, ValueError, UnicodeError) as error:  # garbage in: not a token of ours
            raise InvalidJwt(str(error)) from error
        try:
            subject = int(payload["sub"])
        except (TypeError, ValueError) as error:
            raise InvalidJwt("bad subject") from error
        return Claims(subject=subject, jti=str(payload["jti"]), expires_at=int(payload["exp"]), audience=audience)

    def _decode(self, token: str, audience: str) -> dict[str, Any]:
        """Checked against each accepted key (a rotation leaves tokens signed with the previous one valid);
        when none matches, once more after a refresh (another container may already sign with a newer key)."""
        import jwt
        for attempt in range(2):
            for key in self._keys.accepted():
                try:
                    return jwt.decode(token, key, algorithms=[ALGORITHM], audience=audience,
                                      issuer=self._issuer, options={"require": REQUIRED_CLAIMS})
                except jwt.InvalidSignatureError:
                    continue  # signed with another key, or forged: the next key decides
            if attempt or not self._keys.refresh():
                break
        raise jwt.InvalidSignatureError("Signature verification failed")


# >>> rs4otrs: the challenge token RS4OTRS's logout asks for
def challenge_token(secret: str, jti: str) -> str:
    """32 hex characters bound to one session (its jti) by the signing key: logout proves it holds the
    login answer without the server storing anything."""
    import hashlib
    import hmac
    return hmac.new(secret.encode(), f"challenge:{jti}".encode(), hashlib.sha256).hexdigest()[:32]
# <<< rs4otrs
