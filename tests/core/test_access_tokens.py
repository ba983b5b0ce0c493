"""Personal access tokens: shown once, stored as a hash, listed and deleted by their owner only."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from chalicelib.auth.authorizers import Authenticator
from chalicelib.core.access_tokens import hash_token
from chalicelib.core.errors import AuthenticationFailed, InvalidInput, NotFound, PermissionDenied
from chalicelib.core.model import Principal, User
from tests.core.fakes import World, make_world


@pytest.fixture()
def w() -> World:
    return make_world()


def test_create_returns_the_secret_once_and_stores_its_hash(w: World) -> None:
    token, raw = w.access_tokens.create(w.agent, "  CI  ", ["ticket.agent", "ticket.agent", "admin.user"],
                                        "2030-01-31T00:00:00Z")
    assert len(raw) >= 40
    assert token.token_hash == hash_token(raw) != raw
    assert token.user_id == w.agent.id and token.label == "CI"
    assert token.permissions == ["admin.user", "ticket.agent"]     # de-duplicated, sorted
    assert token.expires_at == "2030-01-31"                          # a date, as Zammad keeps it
    assert token.created_at == "2024-03-01T09:00:00.000Z"
    stored = w.token_repo.by_hash(hash_token(raw))
    assert stored == token
    assert all(raw not in repr(t) for t in w.token_repo.tokens.values())


def test_each_token_gets_its_own_secret_and_id(w: World) -> None:
    first, raw1 = w.access_tokens.create(w.agent, "one", ["ticket.agent"], None)
    second, raw2 = w.access_tokens.create(w.agent, "two", ["ticket.agent"], None)
    assert raw1 != raw2 and first.id != second.id
    assert first.expires_at is None


def test_list_shows_only_the_callers_tokens_in_id_order(w: World) -> None:
    a1, _ = w.access_tokens.create(w.agent, "a1", ["ticket.agent"], None)
    w.access_tokens.create(w.customer_a, "other", ["ticket.customer"], None)
    a2, _ = w.access_tokens.create(w.agent, "a2", ["ticket.agent"], None)
    assert [t.id for t in w.access_tokens.list(w.agent)] == [a1.id, a2.id]
    assert [t.label for t in w.access_tokens.list(w.customer_a)] == ["other"]
    assert w.access_tokens.list(w.reader) == []


def test_delete_own_token(w: World) -> None:
    token, raw = w.access_tokens.create(w.agent, "gone", ["ticket.agent"], None)
    w.access_tokens.delete(w.agent, token.id)
    assert w.access_tokens.list(w.agent) == []
    assert w.token_repo.by_hash(hash_token(raw)) is None


def test_cannot_delete_someone_elses_token(w: World) -> None:
    token, _ = w.access_tokens.create(w.agent, "mine", ["ticket.agent"], None)
    with pytest.raises(InvalidInput, match=r"^The API token could not be found\.$"):
        w.access_tokens.delete(w.admin, token.id)
    assert len(w.access_tokens.list(w.agent)) == 1


def test_delete_unknown_token(w: World) -> None:
    with pytest.raises(InvalidInput):
        w.access_tokens.delete(w.agent, 999)


@pytest.mark.parametrize("label, permissions, expires_at, field, message", [
    ("", ["ticket.agent"], None, "label", "Need label!"),
    ("   ", ["ticket.agent"], None, "label", "Need label!"),
    ("x", [], None, "permission", "Permission can't be blank"),
    ("x", ["ticket.agent", "root"], None, "permission", "Invalid permission 'root'"),
    ("x", ["ticket.agent"], "tomorrow", "expires_at", "Invalid value for param 'expires_at': tomorrow"),
    ("x", ["ticket.agent"], "31.01.2030", "expires_at", "Invalid value for param 'expires_at': 31.01.2030"),
])
def test_create_validation(w: World, label: str, permissions: list[str], expires_at: str, field: str,
                           message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        w.access_tokens.create(w.agent, label, permissions, expires_at)
    assert caught.value.message == message and caught.value.field == field
    assert w.token_repo.tokens == {}


def test_users_without_the_permission_cannot_manage_tokens(w: World) -> None:
    bare = User(id=900, login="bare")
    principal = Principal(bare, bare.permissions)
    with pytest.raises(PermissionDenied):
        w.access_tokens.create(principal, "x", ["ticket.agent"], None)
    with pytest.raises(PermissionDenied):
        w.access_tokens.list(principal)
    with pytest.raises(PermissionDenied):
        w.access_tokens.delete(principal, 1)


# --- the token in use (auth layer, with the same fakes) ----------------------------------------


def authenticator(w: World) -> Authenticator:
    return Authenticator(w.user_repo, w.org_repo, w.token_repo, w.revocations,
                         jwt=None, clock=w.clock)  # type: ignore[arg-type]  # no JWTs in these tests


def test_token_authenticates_and_narrows_permissions(w: World) -> None:
    _, raw = w.access_tokens.create(w.admin, "read tickets", ["ticket.agent"], None)
    principal = authenticator(w).zammad({"authorization": f"Token token={raw}"})
    assert principal.id == w.admin.id and principal.auth_type == "token_auth"
    assert principal.is_agent and not principal.is_admin
    assert w.token_repo.by_hash(hash_token(raw)).last_used_at == "2024-03-01T09:00:00.000Z"


def test_deleted_and_expired_tokens_stop_working(w: World) -> None:
    auth = authenticator(w)
    token, raw = w.access_tokens.create(w.agent, "short", ["ticket.agent"], "2024-03-02")
    assert auth.zammad({"authorization": f"Token token={raw}"}).id == w.agent.id
    w.clock.set(datetime(2024, 3, 2, 0, 0, tzinfo=timezone.utc))
    with pytest.raises(AuthenticationFailed, match="token expired"):
        auth.zammad({"authorization": f"Token token={raw}"})
    w.access_tokens.delete(w.agent, token.id)
    with pytest.raises(AuthenticationFailed, match="Can't find User for Token"):
        auth.zammad({"authorization": f"Token token={raw}"})
