"""Custom object attributes (Zammad's object manager): definitions, their pending migrations, and the
validation of the values tickets hold for them.

Zammad's life cycle, kept here: a created attribute is `to_create`/`to_migrate` and not yet a field of
its object; a changed one keeps serving its old `data_option` while the new one waits in
`data_option_new` (`to_config`); a removed one is `to_delete`. `execute_migrations` applies all of
it, `discard_changes` drops it. The built-in Ticket fields are listed (not editable) beside the
custom ones. Only the Ticket object takes custom attributes here.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Optional

from . import policy
from .errors import InvalidInput, NotFound
from .model import ObjectAttribute, Principal
from .ports import Clock, IdAllocator, ObjectAttributeRepository
from .users import iso

ENTITY = "ObjectManager::Attribute"
OBJECT_LOOKUP_IDS = {"Ticket": 2}  # Zammad's object_lookup ids (seed 001 shows Ticket as 2)
CREATE_POSITION = 1550             # Zammad's controller places every new attribute here
CUSTOM_ID_BASE = 100               # built-in attributes hold the ids below this

# Zammad's data types; the ones a ticket value can be checked against here are SUPPORTED.
DATA_TYPES = (
    "input", "user_autocompletion", "checkbox", "select", "multiselect", "tree_select", "multi_tree_select",
    "datetime", "date", "tag", "richtext", "textarea", "integer", "autocompletion_ajax",
    "autocompletion_ajax_customer_organization", "autocompletion_ajax_external_data_source", "boolean",
    "user_permission", "group_permissions", "active",
)
TEXT_TYPES = ("input", "textarea", "richtext")
SUPPORTED = TEXT_TYPES + ("select", "multiselect", "boolean", "integer", "date", "datetime")
# A changed data_type may only move between these (Zammad's data_type_must_not_change).
CHANGEABLE_TYPES = ("tree_select", "select", "input", "checkbox")
INPUT_TYPES = ("text", "password", "tel", "fax", "email", "url")
# Zammad's reserved words, plus every column and association the Ticket object already has.
RESERVED_WORDS = frozenset((
    "destroy", "true", "false", "integer", "select", "drop", "create", "alter", "index", "table", "varchar",
    "blob", "date", "datetime", "timestamp", "url", "icon", "initials", "avatar", "permission", "validate",
    "subscribe", "unsubscribe", "translate", "search", "_type", "_doc", "_id", "id",
))
TICKET_COLUMNS = frozenset((
    "id", "number", "title", "group", "group_id", "state", "state_id", "priority", "priority_id", "owner",
    "owner_id", "customer", "customer_id", "organization", "organization_id", "note", "type", "pending_time",
    "preferences", "article", "articles", "article_ids", "article_count", "tags", "time_unit",
    "first_response_at", "first_response_escalation_at", "first_response_in_min", "first_response_diff_in_min",
    "close_at", "close_escalation_at", "close_in_min", "close_diff_in_min", "update_escalation_at",
    "update_in_min", "update_diff_in_min", "last_contact_at", "last_contact_agent_at",
    "last_contact_customer_at", "last_owner_update_at", "create_article_type_id", "create_article_sender_id",
    "create_article_type", "create_article_sender", "escalation_at", "created_by", "created_by_id",
    "updated_by", "updated_by_id", "created_at", "updated_at", "ticket_time_accounting_ids", "attributes",
    "version", "mentions", "links", "checklist", "shared_draft",
))
_NAME = re.compile(r"^[a-z0-9_]+$")
MAX_DEFINITION_BYTES = 100_000  # data_option, data_option_new and screens together (one item stays far below 400 KB)


def _builtin(id: int, name: str, display: str, data_type: str, position: int, data_option: dict[str, Any],
             screens: dict[str, Any], active: bool = True) -> ObjectAttribute:
    return ObjectAttribute(id=id, object="Ticket", name=name, display=display, data_type=data_type,
                           data_option=data_option, editable=False, active=active, screens=screens,
                           position=position, created_at="2014-06-04T10:00:00.000Z",
                           updated_at="2014-06-04T10:00:00.000Z")


# The fixed Ticket fields as Zammad seeds them (ids in Zammad's seed order).
BUILTIN_TICKET_ATTRIBUTES: tuple[ObjectAttribute, ...] = (
    _builtin(1, "title", "Title", "input", 15,
             {"type": "text", "maxlength": 200, "null": False, "translate": False},
             {"create_top": {"-all-": {"null": False}}, "edit": {}}),
    _builtin(2, "customer_id", "Customer", "user_autocompletion", 10,
             {"relation": "User", "autocapitalize": False, "multiple": False, "guess": True, "null": False,
              "limit": 200, "placeholder": "Enter Person or Organization/Company", "minLengt": 2,
              "translate": False, "permission": ["ticket.agent"]},
             {"create_top": {"-all-": {"null": False}}, "edit": {}}),
    _builtin(3, "type", "Type", "select", 20,
             {"default": "", "options": {"Incident": "Incident", "Problem": "Problem",
                                         "Request for Change": "Request for Change"},
              "nulloption": True, "multiple": False, "null": True, "translate": True},
             {"create_middle": {"-all-": {"null": False, "item_class": "column"}},
              "edit": {"ticket.agent": {"null": False}}}, active=False),
    _builtin(4, "group_id", "Group", "select", 25,
             {"default": "", "relation": "Group", "relation_condition": {"access": "full"}, "nulloption": True,
              "multiple": False, "null": False, "translate": False, "only_shown_if_selectable": True,
              "permission": ["ticket.agent", "ticket.customer"]},
             {"create_middle": {"-all-": {"null": False, "item_class": "column"}},
              "edit": {"ticket.agent": {"null": False}}}),
    _builtin(5, "owner_id", "Owner", "select", 30,
             {"default": "", "relation": "User", "relation_condition": {"roles": "Agent"}, "nulloption": True,
              "multiple": False, "null": True, "translate": False, "permission": ["ticket.agent"]},
             {"create_middle": {"-all-": {"null": True, "item_class": "column"}}, "edit": {"-all-": {"null": True}}}),
    _builtin(6, "state_id", "State", "select", 40,
             {"relation": "TicketState", "nulloption": True, "multiple": False, "null": False, "default": 2,
              "translate": True},
             {"create_middle": {"ticket.agent": {"null": False, "item_class": "column"}},
              "edit": {"ticket.agent": {"nulloption": False, "null": False}}}),
    _builtin(7, "pending_time", "Pending till", "datetime", 41,
             {"future": True, "past": False, "diff": 24, "null": True, "translate": True,
              "permission": ["ticket.agent"]},
             {"create_middle": {"-all-": {"null": False, "item_class": "column"}}, "edit": {"-all-": {"null": False}}}),
    _builtin(8, "priority_id", "Priority", "select", 80,
             {"relation": "TicketPriority", "nulloption": False, "multiple": False, "null": False, "default": 2,
              "translate": True},
             {"create_middle": {"ticket.agent": {"null": False, "item_class": "column"}},
              "edit": {"ticket.agent": {"null": False}}}),
    _builtin(9, "tags", "Tags", "tag", 900, {"type": "text", "null": True, "translate": False},
             {"create_bottom": {"ticket.agent": {"null": True}}, "edit": {}}),
)


@dataclass
class ObjectAttributeInput:
    """A create or update body. None means "not given"."""
    object: Optional[str] = None
    name: Optional[str] = None
    display: Optional[str] = None
    data_type: Optional[str] = None
    data_option: Optional[dict[str, Any]] = None
    active: Optional[bool] = None
    position: Optional[int] = None
    screens: Optional[dict[str, Any]] = None


def _invalid(*messages: str, field: Optional[str] = None) -> InvalidInput:
    """ActiveRecord::RecordInvalid as Zammad's controller reports it."""
    return InvalidInput("Validation failed: " + ", ".join(messages), field=field)


def humanize(name: str) -> str:
    """Rails' attribute humanizing: "my_field" -> "My field"."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def _digits(value: Any) -> bool:
    """Ruby's `value.to_s.match?(/^\\d+$/)`, on the JSON values a body can carry."""
    return not isinstance(value, bool) and isinstance(value, (int, str)) and re.fullmatch(r"\d+", str(value)) is not None


def normalize_data_option(data_type: str, given: Optional[dict[str, Any]]) -> dict[str, Any]:
    """The defaults Zammad's controller and model fill in before validating."""
    if given is None:
        option: dict[str, Any] = {"default": "", "options": {}, "relation": "", "null": True}
    else:
        option = dict(given)
        if "default" not in option:
            option["default"] = "" if data_type in ("input", "select", "tree_select") else None
        if option.get("null") is None:
            option["null"] = True
        if not isinstance(option.get("options"), (dict, list)):
            option["options"] = {}
        if not isinstance(option.get("relation"), str):
            option["relation"] = ""
    if data_type == "boolean":
        if isinstance(option.get("options"), dict):
            option["options"] = {str(k).lower(): v for k, v in option["options"].items()}
        if option.get("default") in ("true", "false"):
            option["default"] = option["default"] == "true"
    if data_type in ("select", "multiselect", "tree_select", "checkbox"):
        if option.get("nulloption") is None:
            option["nulloption"] = True
        option["maxlength"] = option.get("maxlength") or 255
    return option


def data_option_problems(data_type: str, option: dict[str, Any]) -> list[str]:
    """Zammad's data_option_must_have_appropriate_values, plus the shape checks values rely on here."""
    checks: list[tuple[bool, str]] = []
    if data_type == "input":
        checks = [(option.get("type") not in INPUT_TYPES, "must have one of text/password/tel/fax/email/url for :type"),
                  (not _digits(option.get("maxlength")), "must have integer for :maxlength")]
    elif data_type == "richtext":
        checks = [(not _digits(option.get("maxlength")), "must have integer for :maxlength")]
    elif data_type == "textarea":
        checks = [("maxlength" in option and not _digits(option.get("maxlength")), "must have integer for :maxlength")]
    elif data_type == "integer":
        checks = [(not _digits(option.get("min")), "must have integer for :min"),
                  (not _digits(option.get("max")), "must have integer for :max")]
        if _digits(option.get("min")) and _digits(option.get("max")):
            checks.append((int(option["min"]) > int(option["max"]), "must have :min not larger than :max"))
    elif data_type in ("select", "multiselect", "tree_select", "checkbox"):
        options = option.get("options")
        checks = [("default" not in option, "must have value for :default"),
                  (options is None and option.get("relation") is None,
                   "must have non-nil value for either :options or :relation")]
        if data_type in ("select", "multiselect"):
            checks.append((not isinstance(options, dict) or not all(
                isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in options.values()),
                "must have a hash of value => display text for :options"))
    elif data_type == "boolean":
        checks = [("default" not in option or option.get("default") not in (True, False, None),
                   "must have boolean/undefined value for :default"),
                  (option.get("options") is None, "must have non-nil value for :options")]
    elif data_type == "datetime":
        checks = [(not isinstance(option.get("future"), bool), "must have boolean value for :future"),
                  (not isinstance(option.get("past"), bool), "must have boolean value for :past"),
                  (option.get("diff") is None, "must have integer value for :diff (in hours)")]
    elif data_type == "date":
        checks = [(option.get("diff") is None, "must have integer value for :diff (in days)")]
    return ["Data option " + message for failed, message in checks if failed]


def name_problems(name: str, object_name: str) -> list[str]:
    """Zammad's check_name texts; the object's own columns count as taken."""
    problems = []
    if re.fullmatch(r".+?_(id|ids)", name, re.IGNORECASE):
        problems.append("Name can't get used because *_id and *_ids are not allowed")
    if re.search(r"\s", name):
        problems.append("Name spaces are not allowed")
    if not _NAME.match(name):
        problems.append("Name Only letters from a-z because numbers from 0-9 and _ are allowed")
    if not re.search(r"[a-z]", name):
        problems.append("Name At least one letters is needed")
    if name in RESERVED_WORDS:
        problems.append(f"Name {name} is a reserved word! (1)")
    elif object_name == "Ticket" and name in TICKET_COLUMNS:
        problems.append(f"Name {name} already exists!")
    return problems


def _check_size(attribute: ObjectAttribute) -> None:
    size = len(json.dumps([attribute.data_option, attribute.data_option_new, attribute.screens, attribute.display]))
    if size > MAX_DEFINITION_BYTES:
        raise _invalid(f"Data option is too large (at most {MAX_DEFINITION_BYTES} bytes with screens and display)",
                       field="data_option")


def _check_data_type(data_type: Optional[str]) -> str:
    if not data_type:
        raise _invalid("Data type can't be blank", field="data_type")
    if data_type not in DATA_TYPES:
        raise _invalid(f"Data type {data_type} is not a valid data type", field="data_type")
    if data_type not in SUPPORTED:
        raise _invalid(f"Data type {data_type} is not supported for custom attributes here "
                       f"(supported: {', '.join(SUPPORTED)})", field="data_type")
    return data_type


class Definitions:
    """The attribute definitions one request sees: loaded with one read on first use."""

    def __init__(self, repository: ObjectAttributeRepository) -> None:
        self._repository = repository
        self._stored: Optional[list[ObjectAttribute]] = None

    def stored(self) -> list[ObjectAttribute]:
        if self._stored is None:
            self._stored = self._repository.all()
        return self._stored

    def forget(self) -> None:
        """A write happened: read again on next use."""
        self._stored = None

    def all(self) -> list[ObjectAttribute]:
        """Built-in and custom attributes in Zammad's list order (position, then name)."""
        return sorted([*BUILTIN_TICKET_ATTRIBUTES, *self.stored()], key=lambda a: (a.position, a.name, a.id))

    def by_id(self, attribute_id: int) -> Optional[ObjectAttribute]:
        return next((a for a in [*BUILTIN_TICKET_ATTRIBUTES, *self.stored()] if a.id == attribute_id), None)

    def by_name(self, object_name: str, name: str) -> Optional[ObjectAttribute]:
        return next((a for a in [*BUILTIN_TICKET_ATTRIBUTES, *self.stored()]
                     if a.object == object_name and a.name == name), None)

    def ticket_fields(self) -> "TicketFields":
        tickets = [a for a in self.stored() if a.object == "Ticket"]
        return TicketFields([a for a in tickets if a.usable], existing=[a.name for a in tickets if not a.to_create])


class TicketFields:
    """The custom fields a ticket may hold now, and the check of their values."""

    def __init__(self, attributes: Iterable[ObjectAttribute], existing: Optional[Iterable[str]] = None) -> None:
        self.attributes = {a.name: a for a in attributes}
        # Fields whose values are shown: migrated ones, inactive included (Zammad keeps their column).
        self.existing = frozenset(self.attributes if existing is None else existing)

    def names(self) -> frozenset[str]:
        return frozenset(self.attributes)

    def check(self, principal: Principal, values: dict[str, Any], now: datetime) -> dict[str, Any]:
        """Values of the defined fields the caller may set, normalized; other keys are ignored as Zammad
        ignores unknown parameters. None clears a field."""
        out: dict[str, Any] = {}
        for name, raw in values.items():
            attribute = self.attributes.get(name)
            if attribute is None or not _may_set(principal, attribute):
                continue
            out[name] = check_value(attribute, raw, now)
        return out


def _may_set(principal: Principal, attribute: ObjectAttribute) -> bool:
    required = attribute.data_option.get("permission")
    if not isinstance(required, list) or not required:
        return True
    return any(isinstance(p, str) and principal.has(p) for p in required)


def check_value(attribute: ObjectAttribute, raw: Any, now: datetime) -> Any:
    """One value against its attribute's type and data_option; InvalidInput (422) with a clear text."""
    label = humanize(attribute.name)
    option = attribute.data_option
    kind = attribute.data_type

    def bad(message: str) -> InvalidInput:
        return _invalid(f"{label} {message}", field=attribute.name)

    if raw is None or (raw == "" and kind not in TEXT_TYPES):
        return None
    if kind in TEXT_TYPES:
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
            raise bad("is not a text")
        value = str(raw)
        maxlength = option.get("maxlength")
        if kind != "richtext" and _digits(maxlength) and len(value) > int(maxlength):
            raise bad(f"is longer than the allowed length {int(maxlength)}")
        return value
    if kind in ("select", "multiselect"):
        options = option.get("options") if isinstance(option.get("options"), dict) else {}
        chosen = raw if kind == "multiselect" and isinstance(raw, list) else [raw]
        keys = []
        for item in chosen:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise bad("is not a valid option")
            key = str(item)
            if key not in options:
                allowed = ", ".join(str(k) for k in options) or "none defined"
                raise bad(f"has an invalid value '{key}' (allowed: {allowed})")
            keys.append(key)
        return keys if kind == "multiselect" else keys[0]
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise bad("is not a boolean (true or false)")
    if kind == "integer":
        if isinstance(raw, bool):
            raise bad("is not a number")
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, float) and raw.is_integer():
            value = int(raw)
        elif isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
            value = int(raw)
        else:
            raise bad("is not a number")
        if _digits(option.get("min")) and value < int(option["min"]):
            raise bad(f"is smaller than the allowed minimum value of {int(option['min'])}")
        if _digits(option.get("max")) and value > int(option["max"]):
            raise bad(f"is larger than the allowed maximum value of {int(option['max'])}")
        return value
    if kind == "date":
        text = raw.strip() if isinstance(raw, str) else ""
        try:  # a date, or the date part of a time (as a date column casts it)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", text):
                raise ValueError(text)
            return date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise bad("is not a valid date (YYYY-MM-DD)") from None
    if kind == "datetime":
        if not isinstance(raw, str):
            raise bad("is not a valid date and time (ISO 8601)")
        try:
            moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            raise bad("is not a valid date and time (ISO 8601)") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        if option.get("past") is False and moment < now:
            raise bad("does not allow past dates.")
        if option.get("future") is False and moment > now:
            raise bad("does not allow future dates.")
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    raise bad(f"has the unsupported data type {kind}")


def value_matches(value: Any, wanted: str) -> bool:
    """A search filter `name:value` against a stored value (case-insensitive; any element of a list)."""
    if value is None:
        return False
    if isinstance(value, list):
        return any(value_matches(v, wanted) for v in value)
    if isinstance(value, bool):
        return ("true" if value else "false") == wanted.lower()
    return str(value).lower() == wanted.lower()


class ObjectAttributes:
    """The object manager's use cases. Every call needs `admin.object`."""

    def __init__(self, repository: ObjectAttributeRepository, definitions: Callable[[], Definitions],
                 ids: IdAllocator, clock: Clock) -> None:
        self._repository = repository
        self._definitions = definitions
        self._ids = ids
        self._clock = clock

    def definitions(self) -> Definitions:
        return self._definitions()

    @staticmethod
    def _authorize(principal: Principal) -> None:
        policy.require(policy.can_manage_object_attributes(principal))

    def list(self, principal: Principal) -> list[ObjectAttribute]:
        self._authorize(principal)
        return self.definitions().all()

    def get(self, principal: Principal, attribute_id: int) -> ObjectAttribute:
        self._authorize(principal)
        found = self.definitions().by_id(attribute_id)
        if found is None:
            raise NotFound(ENTITY, attribute_id)
        return found

    def create(self, principal: Principal, data: ObjectAttributeInput) -> ObjectAttribute:
        self._authorize(principal)
        object_name = self._object(data.object)
        if not (data.name or "").strip():
            raise _invalid("Name can't be blank", field="name")
        name = data.name.strip().lower()
        definitions = self.definitions()
        if definitions.by_name(object_name, name) is not None:
            raise InvalidInput("already exists", field="name")
        data_type = _check_data_type(data.data_type)
        data_option = normalize_data_option(data_type, data.data_option)
        problems = name_problems(name, object_name) + data_option_problems(data_type, data_option)
        if problems:
            raise _invalid(*problems)
        now = iso(self._clock)
        attribute = ObjectAttribute(
            id=CUSTOM_ID_BASE + self._ids.next_id("object_attribute"), object=object_name, name=name,
            display=data.display if data.display is not None else name, data_type=data_type,
            data_option=data_option, editable=True, active=True if data.active is None else data.active,
            screens=data.screens or {}, to_create=True, to_migrate=True, to_delete=False, to_config=False,
            position=CREATE_POSITION, created_by_id=principal.id, updated_by_id=principal.id,
            created_at=now, updated_at=now,
        )
        _check_size(attribute)
        self._repository.create(attribute)
        attribute.version = 1
        definitions.forget()
        return attribute

    def update(self, principal: Principal, attribute_id: int, data: ObjectAttributeInput) -> ObjectAttribute:
        """Zammad's ObjectManager::Attribute.add on an existing record: names, display, position, active
        and screens apply at once; a new data_option waits in data_option_new until migrations run."""
        current = self.get(principal, attribute_id)
        if data.object is not None and data.object != current.object:
            raise InvalidInput("does not exist", field="object")
        if data.name is not None and data.name.strip().lower() != current.name:
            raise InvalidInput("does not exist", field="name")
        if not current.editable:
            raise _invalid("Name Attribute not editable!", field="name")
        changed = replace(current, data_option=dict(current.data_option),
                          data_option_new=dict(current.data_option_new), screens=dict(current.screens))
        if data.data_type is not None and data.data_type != current.data_type:
            new_type = _check_data_type(data.data_type)
            if current.data_type not in CHANGEABLE_TYPES or new_type not in CHANGEABLE_TYPES:
                raise _invalid("Data type can't be altered after creation (delete the attribute and create "
                               "another with the desired value)", field="data_type")
            changed.data_type = new_type
        for name in ("display", "position", "active"):
            value = getattr(data, name)
            if value is not None and value != getattr(current, name):
                setattr(changed, name, value)
                changed.to_config = True
        if data.screens is not None:
            changed.screens = data.screens
        if changed.data_type != current.data_type:
            changed.to_config = True
        effective = current.data_option_new if current.to_config and current.data_option_new else current.data_option
        if data.data_option is not None or changed.data_type != current.data_type:
            option = normalize_data_option(changed.data_type,
                                           data.data_option if data.data_option is not None else effective)
            if option != effective or changed.to_config:
                old_length, new_length = current.data_option.get("maxlength"), option.get("maxlength")
                if old_length is not None and new_length is not None and str(old_length) != str(new_length):
                    changed.to_migrate = True
                changed.data_option_new = option
                changed.to_config = True
        elif changed.to_config and not changed.data_option_new:
            changed.data_option_new = dict(current.data_option)
        problems = data_option_problems(changed.data_type, changed.data_option_new if changed.to_config
                                        else changed.data_option)
        if problems:
            raise _invalid(*problems)
        changed.updated_at = iso(self._clock)
        changed.updated_by_id = principal.id
        _check_size(changed)
        self._repository.save(changed, current.version)
        changed.version = current.version + 1
        self.definitions().forget()
        return changed

    def delete(self, principal: Principal, attribute_id: int) -> None:
        """Zammad's remove: a never migrated attribute goes at once, others wait for migrations."""
        attribute = self.get(principal, attribute_id)
        if not attribute.editable:
            raise InvalidInput(f"{attribute.object}.{attribute.name} can't be removed!")
        if attribute.to_create:
            self._repository.delete(attribute)
        else:
            changed = replace(attribute, to_delete=True, updated_at=iso(self._clock), updated_by_id=principal.id)
            self._repository.save(changed, attribute.version)
        self.definitions().forget()

    def execute_migrations(self, principal: Principal) -> int:
        """Apply every pending change; returns how many attributes it touched. Idempotent: a rerun
        after a failure finishes what is left."""
        self._authorize(principal)
        definitions = self.definitions()
        done = 0
        now = iso(self._clock)
        for attribute in definitions.stored():
            if not (attribute.to_create or attribute.to_migrate or attribute.to_delete or attribute.to_config):
                continue
            done += 1
            if attribute.to_delete:
                self._repository.delete(attribute)
                continue
            changed = replace(attribute, data_option=dict(attribute.data_option))
            if attribute.to_config:
                new = dict(attribute.data_option_new or attribute.data_option)
                if changed.data_type in ("select", "multiselect") and isinstance(new.get("options"), dict):
                    history = dict(attribute.data_option.get("historical_options") or {})
                    if isinstance(attribute.data_option.get("options"), dict):
                        history.update(attribute.data_option["options"])
                    history.update(new["options"])
                    new["historical_options"] = history
                changed.data_option = new
            elif changed.data_type in ("select", "multiselect") and isinstance(changed.data_option.get("options"), dict):
                changed.data_option["historical_options"] = dict(changed.data_option["options"])
            changed.data_option_new = {}
            changed.to_create = changed.to_migrate = changed.to_delete = changed.to_config = False
            changed.updated_at = now
            self._repository.save(changed, attribute.version)
        definitions.forget()
        return done

    def discard_changes(self, principal: Principal) -> int:
        """Drop pending changes: never migrated attributes go, pending removals and configs are reset."""
        self._authorize(principal)
        definitions = self.definitions()
        done = 0
        for attribute in definitions.stored():
            if attribute.to_create:
                self._repository.delete(attribute)
                done += 1
            elif attribute.to_delete or attribute.to_config or attribute.to_migrate:
                self._repository.save(replace(attribute, to_migrate=False, to_delete=False, to_config=False,
                                              data_option_new={}), attribute.version)
                done += 1
        definitions.forget()
        return done

    @staticmethod
    def _object(object_name: Optional[str]) -> str:
        if not object_name:
            raise _invalid("Object can't be blank", field="object")
        if object_name not in OBJECT_LOOKUP_IDS:
            raise InvalidInput(f"Object '{object_name}' does not take custom attributes here "
                               f"(supported: {', '.join(OBJECT_LOOKUP_IDS)})", field="object")
        return object_name
