"""policy.otrs_permission: OTRS's seven group permissions over the core's access levels."""
from __future__ import annotations

import pytest

from chalicelib.core import policy
from chalicelib.core.model import ROLE_ADMIN, ROLE_AGENT, ROLE_CUSTOMER, Principal, User

ALL = ["ro", "move_into", "create", "note", "owner", "priority", "rw"]


def principal(role_ids: list[int], group_access: dict[str, list[str]]) -> Principal:
    user = User(id=7, login="u", role_ids=role_ids, group_access=group_access)
    return Principal(user=user, permissions=user.permissions)


@pytest.mark.parametrize("levels, held", [
    (["full"], ALL),
    (["read"], ["ro"]),
    (["create"], ["create"]),
    (["change"], ["move_into", "note", "owner", "priority", "rw"]),
    (["read", "change"], ["ro", "move_into", "note", "owner", "priority", "rw"]),
    (["overview"], []),
])
def test_levels_map_onto_otrs_permissions(levels: list[str], held: list[str]) -> None:
    agent = principal([ROLE_AGENT], {"1": levels})
    assert policy.otrs_permissions(agent, 1) == held
    assert policy.otrs_permissions(agent, 2) == []
    assert policy.otrs_permission(agent, 1, "RW") == ("rw" in held)  # OTRS writes them in upper case too


def test_admins_hold_everything_and_customers_nothing() -> None:
    assert policy.otrs_permissions(principal([ROLE_ADMIN, ROLE_AGENT], {}), 5) == ALL
    assert policy.otrs_permissions(principal([ROLE_CUSTOMER], {"1": ["full"]}), 1) == []


def test_an_unknown_permission_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        policy.otrs_permission(principal([ROLE_AGENT], {"1": ["full"]}), 1, "write")
