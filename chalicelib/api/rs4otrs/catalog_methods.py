"""RS4OTRS's dictionaries: filters/getTicketViews, queues/getQueueList, services/getServiceList,
settings/getLanguageList and setPushNotificationToken, sla/getSLAList, system/getPackageList and
getDynamicFieldList — the core's catalog (groups = queues, states, priorities, SLAs) and object
attributes in RS4OTRS's shapes."""
from __future__ import annotations

from typing import Any, Optional

from ...core import policy
from ...core.model import Group, ObjectAttribute, State
from .routes import Call, RpcError, method, ok
from .ticket_schema import FIELD_TYPES, TICKET_TYPE, TICKET_TYPE_ID

# The languages the agent UI offers (OTRS's DefaultUsedLanguages: code -> English name); fixed here.
LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English (United States)"), ("de", "German"), ("fr", "French"), ("es", "Spanish"),
    ("it", "Italian"), ("nl", "Dutch"), ("pl", "Polish"), ("pt_BR", "Portuguese (Brasil)"),
    ("ru", "Russian"), ("ja", "Japanese"), ("zh_CN", "Chinese (Simplified)"),
)
LANGUAGE_CODES = frozenset(code for code, _ in LANGUAGES)
DEFAULT_LANGUAGE = "en"


def otrs_language(locale: Optional[str]) -> str:
    """A Zammad locale (`en-us`, `pt-br`, `de-de`) as OTRS's language code (`en`, `pt_BR`, `de`): the
    regional variant where the UI offers one, else the language, else English."""
    if not isinstance(locale, str) or not locale.strip():
        return DEFAULT_LANGUAGE
    language, _, region = locale.strip().replace("_", "-").partition("-")
    regional = f"{language.lower()}_{region.upper()}"
    for candidate in (regional, language.lower()):
        if candidate in LANGUAGE_CODES:
            return candidate
    return DEFAULT_LANGUAGE


@method("settings", "getLanguageList")
def language_list(call: Call) -> dict[str, Any]:
    return ok(Languages=[{"ID": code, "Name": name} for code, name in LANGUAGES])


# --- filters/getTicketViews -------------------------------------------------------------------------------

VIEWS = ((-1, "Assigned to me"), (-2, "My Queues"), (-3, "Open"), (-4, "Closed"), (-5, "New notes"),
         (-6, "My locked"), (-7, "My watched"))  # the ViewID values of tickets/getTicketList
SORTS = (("EscalationSolutionTime", "By time to done"), ("Age", "By creating date"), ("Priority", "By priority"),
         ("Changed", "By last update"))
NO_COLOR = "#ffffff"  # RS4OTRS's colour when none is configured
# Which mobile screens offer a state, by state type (OTRS's Ticket::Frontend::AgentMobile*###StateType
# defaults: new tickets, notes and edits may leave a ticket open, pending or closed; the status screen
# offers every state a ticket can be put in; the close screen only closed ones).
CHANGE_TYPES = ("open", "pending reminder", "pending action", "closed")
SCREEN_STATE_TYPES = {
    "AgentMobileNewTicket": CHANGE_TYPES, "AgentMobileTicketNote": CHANGE_TYPES,
    "AgentMobileEditTicket": CHANGE_TYPES, "AgentMobileTicketStatus": ("new",) + CHANGE_TYPES,
    "AgentMobileTicketClose": ("closed",),
}
SELECTABLE_TYPES = ("new",) + CHANGE_TYPES  # merged and removed states are set by the system only


def color(value: Optional[str]) -> str:
    """A configured hex colour; Zammad's `ui_color` CSS class names (`high-priority`) are none."""
    return value if isinstance(value, str) and value.startswith("#") else NO_COLOR


def _state_item(state: State, screens: Optional[dict[str, int]]) -> dict[str, Any]:
    return {"ID": state.id, "Name": state.name, "Default": int(state.default_create),
            "OnTicketCreateScreen": int(state.state_type in SCREEN_STATE_TYPES["AgentMobileNewTicket"]),
            "StateType": state.state_type, "IsVisible": int(not state.is_closed),
            "Color": NO_COLOR, "BackgroundColor": NO_COLOR, "Screens": screens or {}}


@method("filters", "getTicketViews")
def ticket_views(call: Call) -> dict[str, Any]:
    """The dictionaries getTicketList and the update methods take: views, priorities, types, states and
    sort orders. With `QueueID` (a queue the agent may read) the states are those the mobile screens
    offer, each with its `Screens`."""
    catalog = call.container.catalog()
    states = [s for s in catalog.states if s.active and s.state_type in SELECTABLE_TYPES]
    if call.params.get("QueueID") not in (None, ""):
        queue = queue_for(call, call.int_param("QueueID"))
        policy.require(policy.otrs_permission(call.agent, queue.id, "ro"))
        state_items = []
        for state in states:
            screens = {name: 1 for name, types in SCREEN_STATE_TYPES.items() if state.state_type in types}
            if state.state_type in SCREEN_STATE_TYPES["AgentMobileNewTicket"]:
                state_items.append(_state_item(state, screens))
    else:
        state_items = [_state_item(state, None) for state in states]
    return ok(Groups=[
        {"Name": "View", "Exclusive": 1,
         "Items": [{"ID": vid, "Name": name, **({"Default": 1} if i == 0 else {})} for i, (vid, name) in enumerate(VIEWS)]},
        {"Name": "Priority", "Items": [{"ID": p.id, "Default": int(p.default_create), "Name": p.name,
                                        "Color": color(p.ui_color)} for p in catalog.priorities if p.active]},
        {"Name": "Type", "Items": [{"ID": TICKET_TYPE_ID, "Name": TICKET_TYPE, "Abbr": TICKET_TYPE[:3],
                                    "Color": NO_COLOR, "BackgroundColor": NO_COLOR}]},
        {"Name": "State", "Items": state_items},
        {"Name": "Sort", "Exclusive": 1, "Items": [{"Value": value, "Name": name} for value, name in SORTS]},
    ])


# --- queues/getQueueList ----------------------------------------------------------------------------------

QUEUE_SEPARATOR = "::"  # OTRS writes a sub-queue's name as its path: "Sales::Europe"


def queue_for(call: Call, group_id: int) -> Group:
    group = call.container.catalog().group_by_id(group_id)
    if group is None or not group.active:
        raise RpcError(f"No queue with QueueID {group_id}")
    return group


def queue_tree(groups: list[Group], accessible: set[int]) -> list[dict[str, Any]]:
    """Queues nested by their `::` path under `Childs` [sic]; an ancestor the agent cannot use (or that is
    no queue of its own) is kept with Accessible 0 so the tree stays whole."""
    by_name = {g.name: g for g in groups}
    roots: list[dict[str, Any]] = []
    nodes: dict[str, dict[str, Any]] = {}
    for group in sorted((g for g in groups if g.id in accessible), key=lambda g: g.name):
        parts = group.name.split(QUEUE_SEPARATOR)
        siblings = roots
        for depth in range(1, len(parts) + 1):
            path = QUEUE_SEPARATOR.join(parts[:depth])
            if path not in nodes:
                known = by_name.get(path)
                nodes[path] = {"ID": known.id if known else None, "Name": path, "FullName": path,
                               "Accessible": int(bool(known and known.id in accessible)), "Childs": []}
                siblings.append(nodes[path])
            siblings = nodes[path]["Childs"]
    return roots


@method("queues", "getQueueList")
def queue_list(call: Call) -> dict[str, Any]:
    """Queues (= the core's groups) where the agent has ro or rw; ForCreateTicket=1 adds those with
    create, ForUpdateQueue=1 those with move_into."""
    wanted = ["ro", "rw"]
    if str(call.params.get("ForCreateTicket", "0")) == "1":
        wanted.append("create")
    if str(call.params.get("ForUpdateQueue", "0")) == "1":
        wanted.append("move_into")
    groups = [g for g in call.container.catalog().groups if g.active]
    accessible = {g.id for g in groups if any(policy.otrs_permission(call.agent, g.id, p) for p in wanted)}
    queues = [{"ID": g.id, "Name": g.name, "FullName": g.name, "Accessible": 1}
              for g in sorted(groups, key=lambda g: g.name) if g.id in accessible]
    return ok(Queues=queues, QueueTree=queue_tree(groups, accessible))


# --- services, SLAs ---------------------------------------------------------------------------------------

@method("services", "getServiceList")
def service_list(call: Call) -> dict[str, Any]:
    """The core has no services (tickets carry none): an empty list, and with CustomerUserLogin the
    empty tree beside it, as RS4OTRS answers then."""
    if call.params.get("CustomerUserLogin") not in (None, ""):
        return ok(Services=[], ServiceTree=[])
    return ok(Services=[])


@method("sla", "getSLAList")
def sla_list(call: Call) -> dict[str, Any]:
    """The core's SLAs. Their conditions do not name services (there are none), so every ServiceID
    answers the same list; the parameter stays required as documented."""
    call.require("ServiceID")
    policy.require(policy.can_read_slas(call.agent))
    return ok(SLAList=[{"ID": s.id, "Title": s.name} for s in call.container.catalog().slas if s.active])


# --- settings ---------------------------------------------------------------------------------------------

@method("settings", "setPushNotificationToken")
def push_notification_token(call: Call) -> dict[str, Any]:
    """The caller's device token; the agents a ticket change notifies get a push there (core.push)."""
    call.container.push_tokens.register(call.agent, call.params.get("Token"))
    return ok()


# --- system -----------------------------------------------------------------------------------------------

# What this service implements, named as RS4OTRS's packages: the API at the level of RS4OTRS-METHODS.md
# (6.44.2, the newest change documented) and the Mobile package's push token support.
PACKAGES = ({"Name": "RS4OTRS_API", "Version": "6.44.2"}, {"Name": "RS4OTRS_Mobile", "Version": "6.0.4"})


@method("system", "getPackageList")
def package_list(call: Call) -> dict[str, Any]:
    return ok(Packages=[dict(package) for package in PACKAGES])


def dynamic_field(attribute: ObjectAttribute) -> dict[str, Any]:
    """A custom Ticket attribute as an OTRS dynamic field definition."""
    config: dict[str, Any] = {}
    options = attribute.data_option.get("options")
    if isinstance(options, dict):
        config["PossibleValues"] = dict(options)
    if attribute.data_option.get("default") not in (None, ""):
        config["DefaultValue"] = attribute.data_option["default"]
    return {"ID": attribute.id, "Name": attribute.name, "Label": attribute.display,
            "FieldType": FIELD_TYPES.get(attribute.data_type, "Text"), "ObjectType": attribute.object,
            "Config": config, "Screens": {}}


@method("system", "getDynamicFieldList")
def dynamic_field_list(call: Call) -> dict[str, Any]:
    """The custom Ticket attributes tickets may hold now (object_attributes' usable ones), keyed by
    ObjectType; the built-in columns are ticket fields, not dynamic fields."""
    fields = call.container.object_definitions().ticket_fields().attributes.values()
    by_object: dict[str, list[dict[str, Any]]] = {}
    for attribute in sorted(fields, key=lambda a: (a.position, a.name)):
        by_object.setdefault(attribute.object, []).append(dynamic_field(attribute))
    return ok(DynamicFields=by_object)
