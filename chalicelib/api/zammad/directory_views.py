"""Zammad's /users and /organizations: thin views over core.users (UserDirectory, OrganizationDirectory).

Parse the request here, one core call, render as Zammad does (`expand`, `full`). POST /users also
serves self-signup without credentials (an `anonymous` route: credentials, when sent, are checked).
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from chalice import Response

from ...core.errors import InvalidInput
from ...core.model import GROUP_ACCESS_LEVELS, ROLE_NAMES, Organization, User
from ...core.users import (ORGANIZATION_FLAG_FIELDS, ORGANIZATION_TEXT_FIELDS, USER_FLAG_FIELDS, USER_TEXT_FIELDS,
                           OrganizationInput, UserInput)
from ..http import flag
from . import schema
from .routes import (Call, Forms, json_response, list_window, path_id, render_many, render_one, route,
                     search_request)

# --- parsing -------------------------------------------------------------------------------------


def _texts(body: dict[str, Any], names: Iterable[str]) -> dict[str, str]:
    out = {}
    for name in names:
        if name in body:
            value = schema._text(body, name)
            out[name] = "" if value is None else value
    return out


def _flags(body: dict[str, Any], names: Iterable[str]) -> dict[str, bool]:
    return {name: schema._bool(body[name], name) for name in names if body.get(name) is not None}


def _names(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    raise InvalidInput(f"Invalid value for param '{name}': {value!r}", field=name)


def _levels(value: Any, name: str) -> list[str]:
    levels = [value] if isinstance(value, str) else value
    if not isinstance(levels, list) or not all(isinstance(v, str) for v in levels):
        raise InvalidInput(f"Invalid value for param '{name}': {value!r}", field=name)
    for level in levels:
        if level not in GROUP_ACCESS_LEVELS:
            raise InvalidInput(f"Invalid value for param '{name}': {level}", field=name)
    return levels


def _group_map(value: Any, name: str, by_id: bool) -> dict[str, list[str]]:
    """Zammad's group_ids: {gid: [levels]} (or a level string), or a list of ids meaning full access."""
    if isinstance(value, list):
        return {str(schema._int(v, name)) if by_id else str(v): ["full"] for v in value}
    if not isinstance(value, dict):
        raise InvalidInput(f"Invalid value for param '{name}': {value!r}", field=name)
    return {str(schema._int(k, name)) if by_id else str(k): _levels(v, name) for k, v in value.items()}


def user_input(body: Any) -> UserInput:
    body = schema._object(body)
    data = UserInput(text=_texts(body, USER_TEXT_FIELDS), flags=_flags(body, USER_FLAG_FIELDS))
    if body.get("organization") not in (None, ""):
        organization = body["organization"]
        if not isinstance(organization, str):
            raise InvalidInput(f"Invalid value for param 'organization': {organization!r}", field="organization")
        data.organization_name = organization
    elif "organization_id" in body:
        if body["organization_id"] in (None, ""):
            data.clear_organization = True
        else:
            data.organization_id = schema._int(body["organization_id"], "organization_id")
    if body.get("roles") is not None:
        data.role_names = _names(body["roles"], "roles")
    elif body.get("role_ids") is not None:
        data.role_ids = [schema._int(v, "role_ids") for v in _names(body["role_ids"], "role_ids")]
    if body.get("groups") is not None:
        data.group_names = _group_map(body["groups"], "groups", by_id=False)
    elif body.get("group_ids") is not None:
        data.group_ids = _group_map(body["group_ids"], "group_ids", by_id=True)
    if body.get("password") is not None:
        password = body["password"]
        if not isinstance(password, str):
            raise InvalidInput("Invalid value for param 'password'", field="password")
        data.password = password
    if body.get("preferences") is not None:
        preferences = body["preferences"]
        if not isinstance(preferences, dict):
            raise InvalidInput("Invalid value for param 'preferences'", field="preferences")
        data.preferences = preferences
    return data


def organization_input(body: Any) -> OrganizationInput:
    body = schema._object(body)
    return OrganizationInput(text=_texts(body, ORGANIZATION_TEXT_FIELDS),
                             flags=_flags(body, ORGANIZATION_FLAG_FIELDS))


# --- rendering -----------------------------------------------------------------------------------


class DirectoryNames:
    """Logins and organization/group names the rendering mentions, loaded in one batch each."""

    def __init__(self, call: Call, users: Iterable[User] = (), organizations: Iterable[Organization] = ()) -> None:
        users, organizations = list(users), list(organizations)
        ids = {uid for u in users for uid in (u.created_by_id, u.updated_by_id)}
        ids |= {uid for o in organizations for uid in (o.created_by_id, o.updated_by_id)}
        directory = call.container.users
        self.users = directory.many(ids)
        self.organizations = directory.organizations_by_id(u.organization_id for u in users)
        self._call = call

    def login(self, user_id: Optional[int]) -> Optional[str]:
        user = self.users.get(user_id) if user_id is not None else None
        return user.login if user else None

    def group_name(self, group_id: str) -> Optional[str]:
        group = self._call.container.catalog().group_by_id(int(group_id))
        return group.name if group else None


def user_out(u: User) -> dict[str, Any]:
    return schema.user(u)


def user_expanded(u: User, names: DirectoryNames) -> dict[str, Any]:
    out = schema.user(u)
    organization = names.organizations.get(u.organization_id) if u.organization_id else None
    groups = {}
    for gid, levels in u.group_access.items():
        name = names.group_name(gid)
        if name:
            groups[name] = list(levels)
    out.update({
        "roles": [ROLE_NAMES[r] for r in u.role_ids if r in ROLE_NAMES],
        "organization": organization.name if organization else None,
        "organizations": [], "authorizations": [], "groups": groups,
        "created_by": names.login(u.created_by_id), "updated_by": names.login(u.updated_by_id),
    })
    return out


def user_assets(users: list[User], names: DirectoryNames) -> dict[str, Any]:
    assets: dict[str, dict[str, Any]] = {}
    for u in users:
        assets.setdefault("User", {})[str(u.id)] = user_out(u)
        if u.organization_id in names.organizations:
            assets.setdefault("Organization", {})[str(u.organization_id)] = organization_out(
                names.organizations[u.organization_id], [])
    return assets


def organization_out(o: Organization, member_ids: Iterable[int]) -> dict[str, Any]:
    out = schema.organization(o, member_ids)
    out["vip"] = o.vip
    return out


def organization_expanded(o: Organization, member_ids: list[int], names: DirectoryNames) -> dict[str, Any]:
    out = organization_out(o, member_ids)
    out.update({"created_by": names.login(o.created_by_id), "updated_by": names.login(o.updated_by_id)})
    return out


def user_forms(call: Call) -> Forms:
    return Forms(plain=user_out,
                 expanded=lambda users: [user_expanded(u, names) for names in [DirectoryNames(call, users)]
                                         for u in users],
                 assets=lambda users: user_assets(users, DirectoryNames(call, users)))


def organization_forms(call: Call) -> Forms:
    def members(o: Organization) -> list[int]:
        return call.container.organizations.member_ids(call.principal, o)
    return Forms(plain=lambda o: organization_out(o, members(o)),
                 expanded=lambda orgs: [organization_expanded(o, members(o), names)
                                        for names in [DirectoryNames(call, organizations=orgs)] for o in orgs],
                 assets=lambda orgs: {"Organization": {str(o.id): organization_out(o, members(o)) for o in orgs}})


def render_users(call: Call, users: list[User], full_key: str = "record_ids") -> Any:
    return render_many(call, users, user_forms(call), full_key)


def render_user(call: Call, u: User, status: int = 200) -> Response:
    return render_one(call, u, user_forms(call), status)


def render_organizations(call: Call, organizations: list[Organization], full_key: str = "record_ids") -> Any:
    return render_many(call, organizations, organization_forms(call), full_key)


def render_organization(call: Call, o: Organization, status: int = 200) -> Response:
    return render_one(call, o, organization_forms(call), status)


# --- users -----------------------------------------------------------------------------------------

@route("/users")
def list_users(call: Call) -> Any:
    offset, limit = list_window(call)
    return render_users(call, call.container.users.page(call.principal, offset, limit))


@route("/users/search")
def search_users(call: Call) -> Any:
    users = call.container.users.search(call.principal, search_request(call))
    return render_users(call, users, full_key="user_ids")


@route("/users/{user_id}")
def show_user(call: Call, user_id: str) -> Any:
    return render_user(call, call.container.users.show(call.principal, path_id(user_id, "User")))


@route("/users", methods=("POST",), anonymous=True)
def create_user(call: Call) -> Any:
    """Agents and admins create users; without credentials this is Zammad's self-signup."""
    if call.principal is None:
        return signup(call)
    user = call.container.users.create(call.principal, user_input(call.body()))
    return render_user(call, user, 201)


def signup(call: Call) -> Response:
    body = schema._object(call.body())
    if not flag({"signup": str(body.get("signup", ""))}, "signup"):
        raise InvalidInput("Only signup with not authenticate user possible!")
    call.container.users.signup(user_input(body))
    return json_response({"message": "ok"}, 201)


@route("/users/{user_id}", methods=("PUT",))
def update_user(call: Call, user_id: str) -> Any:
    user = call.container.users.update(call.principal, path_id(user_id, "User"), user_input(call.body()))
    return render_user(call, user)


@route("/users/{user_id}", methods=("DELETE",))
def delete_user(call: Call, user_id: str) -> Any:
    call.container.users.delete(call.principal, path_id(user_id, "User"))
    return {}


# --- organizations ---------------------------------------------------------------------------------

@route("/organizations")
def list_organizations(call: Call) -> Any:
    offset, limit = list_window(call)
    return render_organizations(call, call.container.organizations.page(call.principal, offset, limit))


@route("/organizations/search")
def search_organizations(call: Call) -> Any:
    found = call.container.organizations.search(call.principal, search_request(call))
    return render_organizations(call, found, full_key="organization_ids")


@route("/organizations/{organization_id}")
def show_organization(call: Call, organization_id: str) -> Any:
    organization = call.container.organizations.show(call.principal, path_id(organization_id, "Organization"))
    return render_organization(call, organization)


@route("/organizations", methods=("POST",))
def create_organization(call: Call) -> Any:
    organization = call.container.organizations.create(call.principal, organization_input(call.body()))
    return render_organization(call, organization, 201)


@route("/organizations/{organization_id}", methods=("PUT",))
def update_organization(call: Call, organization_id: str) -> Any:
    organization = call.container.organizations.update(
        call.principal, path_id(organization_id, "Organization"), organization_input(call.body()))
    return render_organization(call, organization)


@route("/organizations/{organization_id}", methods=("DELETE",))
def delete_organization(call: Call, organization_id: str) -> Any:
    call.container.organizations.delete(call.principal, path_id(organization_id, "Organization"))
    return {}


@route("/organization/{org_id}", methods=("DELETE",))
def delete_organization_singular(call: Call, org_id: str) -> Any:
    """Seed 001 documents the delete at the singular path; its samples (and Zammad) use the plural."""
    call.container.organizations.delete(call.principal, path_id(org_id, "Organization"))
    return {}
