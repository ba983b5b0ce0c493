"""Zammad's /ticket_states, /ticket_priorities, /groups (writes) and /roles: thin views over
core.catalog_admin.CatalogAdmin.

The reads of states, priorities and groups stay in routes.py; this module adds the administrative
writes on the same paths (Chalice merges the methods of one path) and the roles.
"""
from __future__ import annotations

from typing import Any

from ...core.catalog_admin import (FLAG, NUMBER, OPTIONAL_NUMBER, OPTIONAL_TEXT, TEXT, KINDS, CatalogInput)
from ...core.errors import InvalidInput
from ...core.model import PERMISSIONS, ROLES_DEFINED_AT, SYSTEM_USER_ID, Role
from ...core import policy
from . import schema
from .routes import Call, Forms, json_response, list_window, path_id, render_many, render_one, route

RENDER = {"state": schema.state, "priority": schema.priority, "group": schema.group}
PERMISSION_NAMES = {pid: name for pid, name, _ in PERMISSIONS}

# --- parsing ---------------------------------------------------------------------------------------


def _value(body: dict[str, Any], name: str, kind: str) -> Any:
    raw = body[name]
    if kind == FLAG:
        if raw is None:
            raise InvalidInput(f"Invalid value for param '{name}': null", field=name)
        return schema._bool(raw, name)
    if kind in (NUMBER, OPTIONAL_NUMBER):
        if raw in (None, ""):
            if kind == NUMBER:
                raise InvalidInput(f"Attribute '{name}' required!", field=name)
            return None
        return schema._int(raw, name)
    text = schema._text(body, name)
    if text is None:
        if kind == OPTIONAL_TEXT:
            return None
        text = ""
    return text


def catalog_input(body: Any, kind_name: str) -> CatalogInput:
    """Only the fields of the kind are read; everything else a client sends (ids, timestamps,
    `created_by_id`, `user_ids`...) is ignored, as Zammad ignores unknown or protected attributes."""
    body = schema._object(body)
    fields = KINDS[kind_name].fields
    data = CatalogInput(values={name: _value(body, name, kind) for name, kind in fields.items() if name in body})
    if kind_name == "state" and body.get("state_type") not in (None, ""):
        state_type = body["state_type"]
        if not isinstance(state_type, str):
            raise InvalidInput(f"Invalid value for param 'state_type': {state_type!r}", field="state_type")
        data.state_type = state_type
    return data


# --- states, priorities, groups ---------------------------------------------------------------------

def _create(call: Call, kind: str) -> Any:
    obj = call.container.catalog_admin.create(call.principal, kind, catalog_input(call.body(), kind))
    return json_response(RENDER[kind](obj), 201)


def _update(call: Call, kind: str, raw_id: str) -> Any:
    object_id = path_id(raw_id, KINDS[kind].entity)
    obj = call.container.catalog_admin.update(call.principal, kind, object_id, catalog_input(call.body(), kind))
    return RENDER[kind](obj)


def _delete(call: Call, kind: str, raw_id: str) -> Any:
    call.container.catalog_admin.delete(call.principal, kind, path_id(raw_id, KINDS[kind].entity))
    return {}


@route("/ticket_states", methods=("POST",))
def create_state(call: Call) -> Any:
    return _create(call, "state")


@route("/ticket_states/{state_id}", methods=("PUT",))
def update_state(call: Call, state_id: str) -> Any:
    return _update(call, "state", state_id)


@route("/ticket_states/{state_id}", methods=("DELETE",))
def delete_state(call: Call, state_id: str) -> Any:
    return _delete(call, "state", state_id)


@route("/ticket_priorities", methods=("POST",))
def create_priority(call: Call) -> Any:
    return _create(call, "priority")


@route("/ticket_priorities/{priority_id}", methods=("PUT",))
def update_priority(call: Call, priority_id: str) -> Any:
    return _update(call, "priority", priority_id)


@route("/ticket_priorities/{priority_id}", methods=("DELETE",))
def delete_priority(call: Call, priority_id: str) -> Any:
    return _delete(call, "priority", priority_id)


@route("/groups", methods=("POST",))
def create_group(call: Call) -> Any:
    return _create(call, "group")


@route("/groups/{group_id}", methods=("PUT",))
def update_group(call: Call, group_id: str) -> Any:
    return _update(call, "group", group_id)


@route("/groups/{group_id}", methods=("DELETE",))
def delete_group(call: Call, group_id: str) -> Any:
    return _delete(call, "group", group_id)


# --- roles -------------------------------------------------------------------------------------------

def role_out(role: Role, full: bool = True) -> dict[str, Any]:
    """Zammad's Role; callers without `admin.role` or `ticket.agent` get RolePolicy's field scope."""
    out: dict[str, Any] = {"id": role.id, "permission_ids": role.permission_ids, "group_ids": {},
                           "active": role.active}
    if full:
        out.update({
            "name": role.name, "preferences": {}, "default_at_signup": role.default_at_signup, "note": role.note,
            "updated_by_id": SYSTEM_USER_ID, "created_by_id": SYSTEM_USER_ID,
            "created_at": ROLES_DEFINED_AT, "updated_at": ROLES_DEFINED_AT, "knowledge_base_permission_ids": [],
        })
    return out


def role_expanded(role: Role, full: bool) -> dict[str, Any]:
    out = role_out(role, full)
    out.update({"permissions": [PERMISSION_NAMES[pid] for pid in role.permission_ids], "groups": {}})
    if full:
        out.update({"created_by": "-", "updated_by": "-"})
    return out


def role_forms(call: Call) -> Forms:
    full = policy.reads_role_in_full(call.principal)
    return Forms(plain=lambda r: role_out(r, full),
                 expanded=lambda roles: [role_expanded(r, full) for r in roles],
                 assets=lambda roles: {"Role": {str(r.id): role_out(r, full) for r in roles}})


@route("/roles")
def list_roles(call: Call) -> Any:
    offset, limit = list_window(call)
    roles = call.container.catalog_admin.roles(call.principal)[offset:offset + limit]
    return render_many(call, roles, role_forms(call))


@route("/roles/{role_id}")
def show_role(call: Call, role_id: str) -> Any:
    role = call.container.catalog_admin.role(call.principal, path_id(role_id, "Role"))
    return render_one(call, role, role_forms(call))
