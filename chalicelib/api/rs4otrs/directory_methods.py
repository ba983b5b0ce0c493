"""RS4OTRS customers/* and users/*: customer users (users holding the Customer role) and their companies
(organizations, keyed by OTRS's CustomerID as core.users.customer_id renders it), agents and the
caller's group permissions in OTRS's names. Lists walk the directory's id-ordered list partition or its
indexes (never a scan), capped like the Zammad dialect's searches."""
from __future__ import annotations

import logging
from typing import Any, Iterable, Optional

from ...core import policy
from ...core.errors import InvalidInput
from ...core.model import Organization, User, grants
from ...core.users import (SEARCH_CAP, SearchRequest, UserInput, company_id, customer_id,
                           organization_by_customer_id)
from .catalog_methods import otrs_language
from .routes import Call, RpcError, method, ok
from .ticket_schema import blank, server_time, unix

log = logging.getLogger(__name__)

NOT_DEFINED = "Not defined"  # RS4OTRS 6.42.1: a customer user's missing first or last name
CREATE_FAILED = "Couldn't create customer user"
NO_PARAMETER = "No CustomerUser parameter"
NO_CUSTOMER_USER = "No CustomerUser"
DEFAULT_LIST_LIMIT = 250  # OTRS's CustomerUserSearchListLimit default
CUSTOMER_TEXT = {"Firstname": "firstname", "Lastname": "lastname", "Login": "login", "Email": "email",
                 "Phone": "phone", "Mobile": "mobile", "Fax": "fax", "Street": "street", "Zip": "zip",
                 "City": "city", "Country": "country", "Comment": "note"}


def is_customer_user(user: User) -> bool:
    """OTRS keeps customer users apart from agents: a user with the Customer role and no agent role."""
    return grants(user.permissions, "ticket.customer") and not grants(user.permissions, "ticket.agent")


def is_agent(user: User) -> bool:
    return grants(user.permissions, "ticket.agent")


def text(call: Call, name: str) -> Optional[str]:
    """A text parameter (numbers accepted as their digits); None when absent or empty."""
    value = call.params.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RpcError(f"Invalid value for {name}: {value!r}")
    return value.strip() or None


def organizations_of(call: Call, users: Iterable[User]) -> dict[int, Organization]:
    return call.container.users.organizations_by_id(u.organization_id for u in users)


# --- customers ------------------------------------------------------------------------------------------

@method("customers", "createCustomerUser")
def create_customer_user(call: Call) -> dict[str, Any]:
    """A customer user in the company `CustomerID` names (an organization's domain or name; the new
    user's own Login means "no company"). Any refusal (taken login or e-mail, unknown company, invalid
    e-mail) is RS4OTRS's one message; the reason is logged."""
    call.require("Firstname", "Lastname", "CustomerID", "Login", "Email")
    values = {field: text(call, name) for name, field in CUSTOMER_TEXT.items()}
    login, company = values["login"] or "", text(call, "CustomerID") or ""
    directory = call.container.users
    organization = organization_by_customer_id(directory.organizations, company)
    if organization is None and company != login:
        log.info("createCustomerUser: no company %r", company)
        raise RpcError(CREATE_FAILED)
    if directory.users.by_login(login.lower()) is not None:
        log.info("createCustomerUser: login taken")
        raise RpcError(CREATE_FAILED)
    preferences = {key: value for key, value in (("UserTitle", text(call, "Title")),
                                                 ("UserLanguage", text(call, "InterfaceLanguage"))) if value}
    data = UserInput(text={k: v for k, v in values.items() if v is not None},
                     organization_id=organization.id if organization else None,
                     clear_organization=organization is None, password=text(call, "Password"),
                     preferences=preferences or None)
    try:
        directory.create(call.agent, data)
    except InvalidInput as refused:
        log.info("createCustomerUser refused: %s", refused.message)
        raise RpcError(CREATE_FAILED) from None
    return ok()


@method("customers", "getCustomerList")
def customer_list(call: Call) -> dict[str, Any]:
    """The companies: active organizations, in id order."""
    organizations = call.container.organizations.page(call.agent, 0, SEARCH_CAP)
    return ok(CustomerCompanies=[{"CustomerID": company_id(o), "Name": o.name}
                                 for o in organizations if o.active])


def customer_user_record(user: User, organization: Optional[Organization]) -> dict[str, Any]:
    """getCustomerUser's flat CustomerUser map."""
    preferences = user.preferences or {}
    return {
        "UserLogin": user.login, "UserEmail": blank(user.email), "UserCustomerID": customer_id(user, organization),
        "UserFirstname": blank(user.firstname), "UserLastname": blank(user.lastname),
        "UserTitle": blank(str(preferences.get("UserTitle", ""))), "UserPhone": blank(user.phone),
        "UserMobile": blank(user.mobile), "UserFax": blank(user.fax), "UserStreet": blank(user.street),
        "UserZip": blank(user.zip), "UserCity": blank(user.city), "UserCountry": blank(user.country),
        "UserComment": blank(user.note), "ValidID": 1 if user.active else 2,
    }


@method("customers", "getCustomerUser")
def get_customer_user(call: Call) -> dict[str, Any]:
    login = text(call, "CustomerUser")
    if login is None:
        raise RpcError(NO_PARAMETER)
    user = call.container.users.users.by_login(login.lower())
    if user is None or not is_customer_user(user):
        raise RpcError(NO_CUSTOMER_USER)
    policy.require(policy.can_read_user(call.agent, user))
    organization = organizations_of(call, [user]).get(user.organization_id or 0)
    return ok(**customer_user_record(user, organization))


def _narrowed(call: Call) -> Optional[set[int]]:
    """The ids the optional filters allow (each an index lookup); None when no filter was given."""
    directory = call.container.users
    allowed: Optional[set[int]] = None

    def keep(found: Iterable[int]) -> None:
        nonlocal allowed
        found = set(found)
        allowed = found if allowed is None else allowed & found

    login, email, company, search = (text(call, name) for name in ("Login", "Email", "CustomerID", "Search"))
    if login is not None:
        keep([u.id for u in [directory.users.by_login(login.lower())] if u])
    if email is not None:
        keep([u.id for u in [directory.users.by_email(email.lower())] if u])
    if company is not None:
        organization = organization_by_customer_id(directory.organizations, company)
        if organization is not None:
            keep(directory.member_ids(organization.id))
        else:  # customers without a company are keyed by their own login
            keep([u.id for u in [directory.users.by_login(company.lower())] if u and not u.organization_id])
    if search is not None:
        keep(u.id for u in directory.search(call.agent, SearchRequest(query=search, limit=SEARCH_CAP)))
    return allowed


@method("customers", "getCustomerUserList")
def customer_user_list(call: Call) -> dict[str, Any]:
    """Customer users matching every given filter (Search: words and `field:value` as the Zammad search
    takes them; Login, Email: exact; CustomerID: the company's members), at most `Limit` (default 250)."""
    limit = call.int_param("Limit") if call.params.get("Limit") not in (None, "") else DEFAULT_LIST_LIMIT
    if limit < 1:
        raise RpcError(f"Invalid value for Limit: {call.params.get('Limit')!r}")
    directory = call.container.users
    allowed = _narrowed(call)
    if allowed is None:
        users = directory.page(call.agent, 0, SEARCH_CAP)
    else:
        found = directory.many(sorted(allowed)[:SEARCH_CAP])
        users = [found[uid] for uid in sorted(found)]
    customers = [u for u in users if is_customer_user(u) and policy.can_read_user(call.agent, u)][:limit]
    organizations = organizations_of(call, customers)
    return ok(CustomerUsers=[{
        "CustomerUser": customer_id(u, organizations.get(u.organization_id or 0)),
        "Login": u.login, "Email": blank(u.email),
        "Firstname": u.firstname or NOT_DEFINED, "Lastname": u.lastname or NOT_DEFINED, "Avatar": None,
    } for u in customers])


# --- users ----------------------------------------------------------------------------------------------

def agent_record(user: User) -> dict[str, Any]:
    """getUserList's agent record: identity, language, login data; never the password hash."""
    preferences = user.preferences or {}
    return {
        "UserID": user.id, "UserLogin": user.login, "UserEmail": blank(user.email),
        "UserFirstname": blank(user.firstname), "UserLastname": blank(user.lastname),
        "UserFullname": user.fullname, "UserTitle": blank(str(preferences.get("UserTitle", ""))),
        "UserLanguage": otrs_language(preferences.get("locale")),
        "UserTimeZone": blank(preferences.get("timezone")),
        "ValidID": 1 if user.active else 2, "UserLoginFailed": user.login_failed,
        "UserLastLogin": unix(user.last_login), "UserLastLoginTimestamp": server_time(user.last_login),
        "CreateTime": server_time(user.created_at), "ChangeTime": server_time(user.updated_at),
    }


@method("users", "getUserList")
def user_list(call: Call) -> dict[str, Any]:
    """Active agents; with QueueID those holding access to that queue's group."""
    directory = call.container.users
    if call.params.get("QueueID") not in (None, ""):
        group_id = call.int_param("QueueID")
        if call.container.catalog().group_by_id(group_id) is None:
            raise RpcError(f"No queue with QueueID {group_id}")
        agents = directory.agents_for_group(group_id)
    else:
        agents = [u for u in directory.page(call.agent, 0, SEARCH_CAP) if is_agent(u)]
    agents = [u for u in agents if u.active]
    return ok(Users=[agent_record(u) for u in agents], Count=len(agents))


@method("users", "getUserPermissions")
def user_permissions(call: Call) -> dict[str, Any]:
    """The caller's groups with the OTRS permissions they hold there; each group is one queue here."""
    groups = []
    for group in call.container.catalog().groups:
        held = policy.otrs_permissions(call.agent, group.id)
        if group.active and held:
            groups.append({"ID": group.id, "Name": group.name, "Permissions": held,
                           "Queues": [{"ID": group.id, "Name": group.name}]})
    return ok(Groups=groups)
