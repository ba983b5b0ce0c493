"""The signing key from Secrets Manager (moto): fetched on first use, sessions survive one rotation."""
from __future__ import annotations

from typing import Iterator

import jwt
import pytest

from chalicelib.auth.tokens import InvalidJwt, JwtCodec
from chalicelib.storage.signing_keys import SecretsManagerKeys

REGION = "us-east-1"
AUDIENCE = "zammad"


def key(name: str) -> str:
    """A secret value as long as HS256 wants (PyJWT warns below 32 bytes)."""
    return name.ljust(48, ".")


class Clock:
    """Monotonic seconds that a test moves by hand (the cache's age)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def secrets() -> Iterator[object]:
    import boto3
    from moto import mock_aws
    with mock_aws():
        yield boto3.client("secretsmanager", region_name=REGION)


def create(secrets: object, value: str) -> str:
    return secrets.create_secret(Name="helpdesk-dev/jwt-signing-key", SecretString=value)["ARN"]  # type: ignore


def rotate(secrets: object, arn: str, value: str) -> None:
    """What the operator runs: a new value becomes AWSCURRENT, the old one AWSPREVIOUS."""
    secrets.put_secret_value(SecretId=arn, SecretString=value)  # type: ignore


def codec(arn: str, clock: Clock) -> JwtCodec:
    return JwtCodec(SecretsManagerKeys(arn, REGION, max_age=300, min_refresh=30, clock=clock), "helpdesk", 3600)


def signed_with(token: str, key: str) -> bool:
    try:
        jwt.decode(token, key, algorithms=["HS256"], audience=AUDIENCE, issuer="helpdesk")
        return True
    except jwt.InvalidSignatureError:
        return False


def test_nothing_is_fetched_before_first_use(secrets: object) -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:helpdesk-dev/jwt-signing-key"
    keys = SecretsManagerKeys(arn, REGION)
    before_the_secret_exists = JwtCodec(keys, "helpdesk", 3600)  # building the container reads nothing
    with pytest.raises(RuntimeError, match="has no AWSCURRENT value"):
        before_the_secret_exists.issue(1, AUDIENCE)  # the first use does: a clear error, no token
    arn = create(secrets, key("now-it-exists"))
    token, _ = JwtCodec(SecretsManagerKeys(arn, REGION), "helpdesk", 3600).issue(1, AUDIENCE)
    assert signed_with(token, key("now-it-exists"))


def test_tokens_are_signed_with_the_current_value(secrets: object) -> None:
    arn = create(secrets, key("first-key"))
    token, claims = codec(arn, Clock()).issue(7, AUDIENCE)
    assert signed_with(token, key("first-key"))
    assert codec(arn, Clock()).verify(token, AUDIENCE).subject == 7 == claims.subject


def test_a_rotation_keeps_sessions_and_signs_new_tokens_with_the_new_key(secrets: object) -> None:
    arn = create(secrets, key("old-key"))
    old_session, _ = codec(arn, Clock()).issue(7, AUDIENCE)
    rotate(secrets, arn, key("new-key"))
    fresh_container = codec(arn, Clock())
    assert fresh_container.verify(old_session, AUDIENCE).subject == 7  # AWSPREVIOUS still verifies
    new_session, _ = fresh_container.issue(8, AUDIENCE)
    assert signed_with(new_session, key("new-key")) and not signed_with(new_session, key("old-key"))
    rotate(secrets, arn, key("newest-key"))  # a second rotation: the first key is gone
    with pytest.raises(InvalidJwt):
        codec(arn, Clock()).verify(old_session, AUDIENCE)
    assert codec(arn, Clock()).verify(new_session, AUDIENCE).subject == 8


def test_a_container_with_cached_keys_accepts_a_newer_key_after_a_refresh(secrets: object) -> None:
    arn = create(secrets, key("old-key"))
    clock = Clock()
    warm_container = codec(arn, clock)
    warm_container.issue(1, AUDIENCE)  # keys cached now
    rotate(secrets, arn, key("new-key"))
    signed_elsewhere, _ = codec(arn, Clock()).issue(9, AUDIENCE)
    clock.now += 31  # past min_refresh, well inside max_age: only the mismatch makes it look again
    assert warm_container.verify(signed_elsewhere, AUDIENCE).subject == 9
    assert signed_with(warm_container.issue(2, AUDIENCE)[0], key("new-key"))


class CountedKeys(SecretsManagerKeys):
    """Records when it reads Secrets Manager."""

    def __init__(self, arn: str, clock: Clock) -> None:
        super().__init__(arn, REGION, max_age=300, min_refresh=30, clock=clock)
        self.reads: list[float] = []
        self._now = clock

    def _fetch(self) -> None:
        self.reads.append(self._now())
        super()._fetch()


def test_forged_tokens_cannot_make_it_fetch_more_than_once_per_min_refresh(secrets: object) -> None:
    clock = Clock()
    keys = CountedKeys(create(secrets, key("the-key")), clock)
    container = JwtCodec(keys, "helpdesk", 3600)
    container.issue(1, AUDIENCE)
    forged = jwt.encode({"sub": "1", "jti": "x", "iat": 1, "exp": 2 ** 31, "iss": "helpdesk", "aud": AUDIENCE},
                        key("guessed"), algorithm="HS256")
    for _ in range(5):
        with pytest.raises(InvalidJwt):
            container.verify(forged, AUDIENCE)
    assert keys.reads == [1000.0]  # the first use; no refresh allowed before 1030
    clock.now += 30
    for _ in range(5):
        with pytest.raises(InvalidJwt):
            container.verify(forged, AUDIENCE)
    assert keys.reads == [1000.0, 1030.0]


def test_the_cache_is_reread_after_max_age(secrets: object) -> None:
    arn = create(secrets, key("old-key"))
    clock = Clock()
    keys = SecretsManagerKeys(arn, REGION, max_age=300, min_refresh=30, clock=clock)
    assert keys.current() == key("old-key")
    rotate(secrets, arn, key("new-key"))
    clock.now += 299
    assert keys.current() == key("old-key")
    clock.now += 1
    assert keys.accepted() == (key("new-key"), key("old-key"))


def test_a_deployed_stage_reads_the_key_from_the_secret_not_the_environment(
        seeded: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """settings + bootstrap with HELPDESK_JWT_SECRET_ARN: a login through the app signs with the secret."""
    import boto3

    from chalicelib import bootstrap, settings
    arn = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="helpdesk-test/jwt-signing-key", SecretString=key("deployed-key"))["ARN"]
    monkeypatch.setenv("HELPDESK_JWT_SECRET_ARN", arn)
    monkeypatch.delenv("HELPDESK_JWT_SECRET", raising=False)
    bootstrap.reset()
    assert settings.get().jwt_secret_arn == arn and settings.get().jwt_secret == ""
    container = bootstrap.container()
    agent = container.user_store.by_email(seeded["agent"]["email"])
    token, _ = container.authenticator.issue_jwt(agent, AUDIENCE)
    assert signed_with(token, key("deployed-key"))
    assert container.authenticator.token_expiry(token, AUDIENCE) is not None


def test_local_runs_keep_the_fixed_key(seeded: dict) -> None:
    from chalicelib import bootstrap, settings
    container = bootstrap.container()
    assert settings.get().jwt_secret_arn == "" and settings.get().jwt_secret
    token, _ = container.authenticator.issue_jwt(container.user_store.by_email(seeded["agent"]["email"]), AUDIENCE)
    assert signed_with(token, settings.get().jwt_secret)
