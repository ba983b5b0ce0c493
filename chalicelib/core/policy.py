"""Who may do what. Pure predicates over (Principal, object) and the list scopes derived from them.

Every read or write of a ticket, article or attachment in every dialect asks here first.
Zammad's model: agents act on the groups they hold an access level for ("full" implies every
level; holding `admin` implies full access to every group); customers act on their own tickets and
on their organization's tickets when that organization is shared; internal articles are for agents.
"""
from __future__ import annotations

from .errors import PermissionDenied
from .model import Article, Principal, Ticket
from .ports import TicketScope


def group_levels(principal: Principal, group_id: int) -> set[str]:
    if not principal.is_agent:
        return set()
    if principal.is_admin:
        return {"full"}
    return set(principal.user.group_access.get(str(group_id), ()))


def has_group_access(principal: Principal, group_id: int, level: str) -> bool:
    levels = group_levels(principal, group_id)
    return "full" in levels or level in levels


def is_customer_of(principal: Principal, ticket: Ticket) -> bool:
    if not principal.has("ticket.customer"):
        return False
    if ticket.customer_id == principal.id:
        return True
    org_id = principal.user.organization_id
    return bool(principal.shared_organization and org_id and ticket.organization_id == org_id)


def can_read_ticket(principal: Principal, ticket: Ticket) -> bool:
    return has_group_access(principal, ticket.group_id, "read") or is_customer_of(principal, ticket)


def can_change_ticket(principal: Principal, ticket: Ticket) -> bool:
    return has_group_access(principal, ticket.group_id, "change") or is_customer_of(principal, ticket)


def can_create_in_group(principal: Principal, group_id: int) -> bool:
    if principal.is_agent:
        return has_group_access(principal, group_id, "create")
    return principal.has("ticket.customer")


def can_delete_ticket(principal: Principal, ticket: Ticket) -> bool:
    return principal.is_admin


def can_read_article(principal: Principal, ticket: Ticket, article: Article) -> bool:
    if not can_read_ticket(principal, ticket):
        return False
    return sees_internal(principal, ticket) or not article.internal


def can_read_groups(principal: Principal) -> bool:
    """Group admins manage groups; agents read them to route tickets."""
    return principal.has("admin.group") or principal.is_agent


def can_manage_access_tokens(principal: Principal) -> bool:
    return principal.has("user_preferences.access_token")


def can_act_on_behalf(principal: Principal) -> bool:
    return principal.has("admin.user")


def sees_internal(principal: Principal, ticket: Ticket) -> bool:
    return has_group_access(principal, ticket.group_id, "read")


def ticket_scope(principal: Principal) -> TicketScope:
    """The partitions a ticket list walks for this caller (never a scan of all tickets)."""
    if principal.is_agent:
        if principal.is_admin:
            return TicketScope(everything=True)
        readable = tuple(sorted(
            int(gid) for gid, levels in principal.user.group_access.items()
            if "full" in levels or "read" in levels
        ))
        return TicketScope(group_ids=readable)
    if principal.has("ticket.customer"):
        org_id = principal.user.organization_id if principal.shared_organization else None
        return TicketScope(customer_id=principal.id, organization_id=org_id)
    return TicketScope()


def require(allowed: bool, message: str = "Not authorized") -> None:
    if not allowed:
        raise PermissionDenied(message)


# >>> catalog: states, priorities, groups, roles
# Zammad's controller policies: ticket states and priorities are `admin.object`, groups `admin.group`,
# roles `admin.role` (index/show also for agents and customers, limited to the roles they hold).
def can_manage_states(principal: Principal) -> bool:
    return principal.has("admin.object")


def can_manage_priorities(principal: Principal) -> bool:
    return principal.has("admin.object")


def can_manage_groups(principal: Principal) -> bool:
    return principal.has("admin.group")


def reads_all_roles(principal: Principal) -> bool:
    return principal.has("admin.role")


def can_read_role(principal: Principal, role_id: int) -> bool:
    """Zammad's RolePolicy#show?: role admins read every role, everybody else the roles they hold."""
    return reads_all_roles(principal) or role_id in principal.user.role_ids


def reads_role_in_full(principal: Principal) -> bool:
    """Customers see only id, permissions, groups and active of their role (RolePolicy's field scope)."""
    return reads_all_roles(principal) or principal.is_agent
# <<< catalog
# >>> directory: users and organizations
# Zammad's UserPolicy / OrganizationPolicy and the users/organizations controller policies.
from .model import User  # noqa: E402

def _any_admin(principal: Principal) -> bool:
    """Zammad's `admin.*`: any admin permission."""
    return any(p == "admin" or p.startswith("admin.") for p in principal.permissions)


def reads_all_users(principal: Principal) -> bool:
    return principal.has("admin.user") or principal.is_agent


def can_read_user(principal: Principal, user: User) -> bool:
    if _any_admin(principal) or principal.is_agent or user.id == principal.id:
        return True
    if not principal.has("ticket.customer"):
        return False
    own_org = principal.user.organization_id
    return bool(own_org and user.organization_id == own_org)


def can_search_users(principal: Principal) -> bool:
    return reads_all_users(principal)


def can_create_users(principal: Principal) -> bool:
    return principal.has("admin.user") or principal.is_agent


def can_assign_roles_and_groups(principal: Principal) -> bool:
    """Only user admins grant roles or group access; agents' attempts are ignored (Zammad)."""
    return principal.has("admin.user")


def can_change_user(principal: Principal, user: User) -> bool:
    """Admins change anyone; agents change customers only (never agents or admins); customers nobody."""
    if principal.has("admin.user"):
        return True
    if not principal.is_agent:
        return False
    held = user.permissions
    return "ticket.customer" in held and not any(p == "admin" or p.startswith("admin.") or p == "ticket.agent"
                                                 for p in held)


def can_delete_user(principal: Principal, user: User) -> bool:
    return principal.has("admin.user")


def reads_all_organizations(principal: Principal) -> bool:
    return principal.has("admin.organization") or principal.is_agent


def can_read_organization(principal: Principal, organization_id: int) -> bool:
    return reads_all_organizations(principal) or principal.user.organization_id == organization_id


def can_search_organizations(principal: Principal) -> bool:
    return reads_all_organizations(principal)


def can_manage_organizations(principal: Principal) -> bool:
    return principal.has("admin.organization")


def reads_group(user: User, group_id: int) -> bool:
    """An active agent holding a level on the group that lets them read it (not admin's implicit access)."""
    if not user.active or "ticket.agent" not in user.permissions:
        return False
    levels = set(user.group_access.get(str(group_id), ()))
    return "full" in levels or "read" in levels

# <<< directory
# >>> ticket-links: tags, links, merge, history
# Zammad's TagsControllerPolicy, LinksControllerPolicy, the merge service and ticket_history:
# changing tags, links and merging need the agent's change access (`agent_update_access?`);
# a ticket's tags (seed 001: `ticket.agent` or `admin.tag`) and history (`ticket.agent`) are for agents.

def can_read_ticket_tags(principal: Principal, ticket: Ticket) -> bool:
    return (principal.is_agent or principal.has("admin.tag")) and has_group_access(principal, ticket.group_id, "read")


def can_change_ticket_tags(principal: Principal, ticket: Ticket) -> bool:
    return has_group_access(principal, ticket.group_id, "change")


def can_search_tags(principal: Principal) -> bool:
    """Zammad's tag_search is open to every signed-in user (tag names, no objects)."""
    return True


def can_manage_tags(principal: Principal) -> bool:
    return principal.has("admin.tag")


def can_read_ticket_links(principal: Principal, ticket: Ticket) -> bool:
    return can_read_ticket(principal, ticket)


def can_change_ticket_links(principal: Principal, ticket: Ticket) -> bool:
    return has_group_access(principal, ticket.group_id, "change")


def can_merge_ticket(principal: Principal, ticket: Ticket) -> bool:
    return has_group_access(principal, ticket.group_id, "change")


def can_read_ticket_history(principal: Principal, ticket: Ticket) -> bool:
    return principal.is_agent and has_group_access(principal, ticket.group_id, "read")
# <<< ticket-links
# >>> notifications: online notifications
# Zammad's OnlineNotificationsControllerPolicy: show, update and destroy are `own?` only.
from .model import OnlineNotification  # noqa: E402


def can_read_notification(principal: Principal, notification: OnlineNotification) -> bool:
    return notification.user_id == principal.id


def can_change_notification(principal: Principal, notification: OnlineNotification) -> bool:
    return notification.user_id == principal.id


def receives_ticket_notifications(user: User) -> bool:
    """Online notifications go to active agents (Zammad's group recipients and owners are agents)."""
    return user.active and "ticket.agent" in user.permissions
# <<< notifications
# >>> object-attributes: custom ticket fields (object_manager_attributes)
def can_manage_object_attributes(principal: Principal) -> bool:
    """Zammad's object manager: `admin.object` (held by every admin)."""
    return principal.has("admin.object")
# <<< object-attributes
# >>> sla-admin: calendars and SLAs
# Zammad's CalendarsControllerPolicy / SlasControllerPolicy: `admin.calendar` / `admin.sla` (admins hold
# both through `admin`). Agents read them too: a ticket shows the SLA that applies and its deadlines.
def can_manage_calendars(principal: Principal) -> bool:
    return principal.has("admin.calendar")


def can_read_calendars(principal: Principal) -> bool:
    return can_manage_calendars(principal) or principal.is_agent


def can_manage_slas(principal: Principal) -> bool:
    return principal.has("admin.sla")


def can_read_slas(principal: Principal) -> bool:
    return can_manage_slas(principal) or principal.is_agent
# <<< sla-admin
# >>> otrs-notifications: personal notifications of a ticket's customer
from .model import User  # noqa: E402


def receives_customer_notifications(user: User) -> bool:
    """A ticket's customer is told of replies and state changes when they can read them in the customer
    interface: an active customer who is not an agent (agents get the agents' notifications instead)."""
    permissions = user.permissions
    return user.active and "ticket.customer" in permissions and "ticket.agent" not in permissions
# <<< otrs-notifications
# >>> otrs-process: process definitions
def can_manage_processes(principal: Principal) -> bool:
    """OTRS's process management screen is for admins (Zammad's `admin` tree here)."""
    return principal.is_admin
# <<< otrs-process
# >>> rs4otrs: OTRS group permissions over the core's group access levels
# OTRS names seven permissions on a queue's group; the core keeps Zammad's levels (read, create, change,
# overview, full — "full" implies every level). Reading is `ro`, opening tickets `create`, every change
# (a note, the owner, the priority, moving in, full `rw`) is `change`.
OTRS_PERMISSION_LEVELS = {
    "ro": "read", "move_into": "change", "create": "create", "note": "change", "owner": "change",
    "priority": "change", "rw": "change",
}


def otrs_permission(principal: Principal, group_id: int, permission: str) -> bool:
    """Whether the agent holds OTRS's `permission` (ro, move_into, create, note, owner, priority, rw;
    any case) on the group. An unknown permission name is a programming error (ValueError)."""
    level = OTRS_PERMISSION_LEVELS.get(permission.lower())
    if level is None:
        raise ValueError(f"unknown OTRS permission {permission!r}")
    return has_group_access(principal, group_id, level)


def otrs_permissions(principal: Principal, group_id: int) -> list[str]:
    """Every OTRS permission the agent holds on the group, in OTRS's order (for getUserPermissions)."""
    return [name for name in OTRS_PERMISSION_LEVELS if otrs_permission(principal, group_id, name)]
# <<< rs4otrs
# >>> tickets-api: the numbered Tickets API (client side)
def can_rate_ticket(principal: Principal, ticket: Ticket) -> bool:
    """Votes are the client's opinion of the service: the ticket's customers (own or shared organization)
    rate a ticket and its articles, agents never."""
    return not principal.is_agent and is_customer_of(principal, ticket)
# <<< tickets-api
# >>> kb: the knowledge base
def can_edit_knowledge_base(principal: Principal) -> bool:
    """Zammad's `knowledge_base.editor` manages categories and answers (admins too). The public reads
    only what is published, with no principal at all (core/knowledge_base.py)."""
    return principal is not None and (principal.has("knowledge_base.editor") or principal.is_admin)
# <<< kb
# >>> otrs-frontend: the external frontend's content
def can_manage_frontend(principal: Principal) -> bool:
    """The external interface's menu, pages, images and service catalogue are system configuration: admins."""
    return principal.is_admin


def customer_group_permission(principal: Principal, group_id: int, permission: str) -> bool:
    """OTRS's customer group permission (`rw` or `ro`) on a queue group, as the core grants it: customers may
    open tickets in every group (`can_create_in_group`), which is OTRS's rw (and rw implies ro)."""
    if permission not in ("rw", "ro") or principal.is_agent:
        return False
    return can_create_in_group(principal, group_id)
# <<< otrs-frontend
# >>> chat
def can_work_chats(principal: Principal) -> bool:
    """Zammad's `chat.agent` (agents hold it through their role) sees every channel's chats and works them;
    admins too."""
    return principal.has("chat.agent") or principal.is_admin


def can_manage_chat_channels(principal: Principal) -> bool:
    """Chat topics (channels) are Zammad's `admin.channel_chat`."""
    return principal.has("admin.channel_chat")
# <<< chat
