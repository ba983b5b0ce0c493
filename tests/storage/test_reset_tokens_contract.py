"""Contract of the password reset token store (storage/reset_tokens.py), on DynamoDB (moto) and on the
fake the core tests use; the item layout, its expiry index entry and the cleanup on moto; and the
customer accounts service as the composition root wires it (moto, the outbox mailer)."""
from __future__ import annotations

import hashlib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.ports import ResetToken
from tests.core.fakes import FakeClock, FakeResetTokenRepository
from tests.storage.test_contract import BOTH, _adapter
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)

EXPIRES = datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)


def make_token(name: str = "token", user_id: int = 7) -> ResetToken:
    return ResetToken(token_hash=hashlib.sha256(name.encode()).hexdigest(), user_id=user_id,
                      created_at="2026-12-01T09:15:00.000Z", expires_at=int(EXPIRES.timestamp()))


def _dynamodb() -> Any:
    from chalicelib.storage.reset_tokens import ResetTokenStore
    return ResetTokenStore()


@pytest.fixture(params=BOTH)
def tokens(request: pytest.FixtureRequest) -> Any:
    return _adapter(request, _dynamodb, FakeResetTokenRepository)


# --- the port's behaviour, on both -------------------------------------------------------------------

def test_a_token_is_found_by_its_hash_as_stored(tokens: Any) -> None:
    token = make_token()
    tokens.create(token)
    assert tokens.get(token.token_hash) == token
    assert tokens.get(make_token("other").token_hash) is None


def test_a_hash_is_stored_once(tokens: Any) -> None:
    tokens.create(make_token(user_id=7))
    with pytest.raises(Conflict):
        tokens.create(make_token(user_id=8))
    assert tokens.get(make_token().token_hash).user_id == 7


def test_consume_removes_the_token_for_the_first_caller_only(tokens: Any) -> None:
    token = make_token()
    tokens.create(token)
    assert tokens.consume(token.token_hash) is True
    assert tokens.get(token.token_hash) is None
    assert tokens.consume(token.token_hash) is False
    assert tokens.consume(make_token("never-stored").token_hash) is False


def test_of_concurrent_consumes_exactly_one_wins(tokens: Any) -> None:
    token = make_token()
    tokens.create(token)
    start = threading.Barrier(8)

    def consume() -> bool:
        start.wait()
        return tokens.consume(token.token_hash)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: consume(), range(8)))
    assert sorted(results) == [False] * 7 + [True]


def test_delete_removes_the_token_and_tolerates_a_missing_one(tokens: Any) -> None:
    kept, dropped = make_token("kept"), make_token("dropped")
    tokens.create(kept)
    tokens.create(dropped)
    tokens.delete(dropped.token_hash)
    tokens.delete(dropped.token_hash)
    assert tokens.get(dropped.token_hash) is None
    assert tokens.get(kept.token_hash) == kept


def test_a_deleted_token_can_be_stored_again(tokens: Any) -> None:
    token = make_token()
    tokens.create(token)
    assert tokens.consume(token.token_hash)
    tokens.create(token)  # what a reset does when the new password's mail fails
    assert tokens.get(token.token_hash) == token


# --- DynamoDB only: the item, its expiry, the calls ---------------------------------------------------

def test_the_item_holds_the_hash_in_its_key_and_expires_through_ttl_and_the_expiry_index(dynamo: None) -> None:
    from chalicelib.core.cleanup import Cleanup
    from chalicelib.storage.expiry import ExpiryStore, partition
    from chalicelib.storage.table import ResetTokenItem

    token = make_token()
    _dynamodb().create(token)
    item = ResetTokenItem.get(f"RESET#{token.token_hash}", "#RESET")
    assert item.doc == {"user_id": 7, "created_at": "2026-12-01T09:15:00.000Z"}
    assert item.expires == EXPIRES
    assert item.gsi7pk == partition(EXPIRES.date())
    (found,) = ExpiryStore().expired(EXPIRES.date(), token.expires_at, 10)
    assert found.key == (f"RESET#{token.token_hash}", "#RESET")
    Cleanup(ExpiryStore(), FakeClock(datetime(2026, 12, 2, 0, 5, tzinfo=timezone.utc)), 100).run()
    assert _dynamodb().get(token.token_hash) is None


def test_consume_is_one_conditional_delete(dynamodb_calls: list[str]) -> None:
    store = _dynamodb()
    token = make_token()
    store.create(token)
    dynamodb_calls.clear()
    assert store.consume(token.token_hash) and not store.consume(token.token_hash)
    assert dynamodb_calls == ["DeleteItem", "DeleteItem"]


# --- the wired service: register, recover, reset on moto ---------------------------------------------

def outbox_mails(directory: Path, to: str) -> list[Any]:
    mails = [BytesParser(policy=policy.default).parsebytes(path.read_bytes())
             for path in sorted(directory.glob("*.eml"))]
    return [mail for mail in mails if mail["To"] == to]


def test_the_container_registers_recovers_and_resets_through_dynamodb_and_the_outbox(
        dynamo: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap
    from chalicelib.auth.tokens import verify_password
    from chalicelib.core.model import ROLE_CUSTOMER

    monkeypatch.setenv("HELPDESK_OUTBOX_DIR", str(tmp_path))
    bootstrap.reset()
    container = bootstrap.container()
    accounts = container.customer_accounts

    user = accounts.register("Portal.User@Example.com", "Portal", "User")
    stored = container.user_store.by_login("portal.user@example.com")
    assert stored is not None and stored.id == user.id and stored.role_ids == [ROLE_CUSTOMER]
    (welcome,) = outbox_mails(tmp_path, "portal.user@example.com")
    password = re.search(r"^Password: (\S+)$", welcome.get_content(), re.MULTILINE).group(1)
    assert verify_password(password, stored.password_hash)

    accounts.recover("portal.user@example.com")
    token = re.search(r"^([A-Za-z0-9_-]{43})$", outbox_mails(tmp_path, "portal.user@example.com")[-1].get_content(),
                      re.MULTILINE).group(1)
    accounts.reset(token)
    new_password = re.search(r"^Password: (\S+)$", outbox_mails(tmp_path, "portal.user@example.com")[-1]
                             .get_content(), re.MULTILINE).group(1)
    stored = container.user_store.get(user.id)
    assert verify_password(new_password, stored.password_hash) and not verify_password(password, stored.password_hash)
    assert _dynamodb().get(hashlib.sha256(token.encode()).hexdigest()) is None
