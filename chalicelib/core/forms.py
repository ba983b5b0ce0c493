"""The external frontend's forms: OTRS 7's customer web app renders its login, registration, password
recovery, preference and ticket screens from a schema the backend sends, and asks the backend to validate
what was typed before it submits. This module says which fields each form has (label, type, whether
required, choices, limits) and checks values against them; the rules proper stay where the writes are
(customer_accounts, tickets, processes, object_attributes) and run after these checks, so a form never
accepts what its endpoint refuses. The choices (queues, priorities, processes) come from the callers,
who read them from the catalog and the policy.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional
from zoneinfo import available_timezones

from .customer_accounts import COUNT_MAX, COUNT_PREFERENCES, TEXT_MAX
from .errors import DomainError, InvalidInput
from .frontend_content import FIELD_TYPES
from .model import ObjectAttribute

# Field types the frontend renders (OTRS's field widgets).
TEXT, PASSWORD, EMAIL, NUMBER = "Text", "Password", "Email", "Number"
RICHTEXT, DROPDOWN, CHECKBOX, ATTACHMENT = "RichText", "Dropdown", "Checkbox", "Attachment"
TEXT_TYPES = (TEXT, PASSWORD, EMAIL, RICHTEXT, "TextArea")
# Keys a process form's body carries besides the dialog's values.
PROCESS_CONTROL_KEYS = ("EndpointContext", "ProcessID", "ActivityDialogEntityID")
DYNAMIC_FIELD_PREFIX = "DynamicField_"
CHOICE_TYPES = ("select", "multiselect")  # object attribute types whose value is one (or more) of `options`


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One field as the frontend renders it; `max_length`/`min_length` bound texts, `minimum`/`maximum`
    numbers."""
    name: str
    label: str
    description: str
    type: str = TEXT
    required: bool = False
    options: tuple[Option, ...] = ()
    default: Any = None
    max_length: Optional[int] = None
    min_length: Optional[int] = None
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    multiple: bool = False
    # the value's type, limits and choices are the rule's to check (a custom field's: check_value), the
    # schema checks presence only, so the form takes what the core takes (e.g. 5 for a text field)
    checked_by_rule: bool = False


@dataclass(frozen=True)
class FieldError:
    """Why a value was refused, and what the frontend may show with it (`Data`)."""
    message: str
    data: dict[str, Any]


Rule = Callable[[Any], Any]  # raises InvalidInput (or another DomainError) for a refused value


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _schema_problem(field: FormField, value: Any) -> Optional[str]:
    """What the schema itself promises: a required value given, text where text is asked, the length
    limits, one of the options. The core's rules run only on values that pass these."""
    if blank(value):
        return f"{field.name} is required." if field.required else None
    if field.checked_by_rule:
        return None
    if field.type in TEXT_TYPES:
        if not isinstance(value, str):
            return f"{field.name} must be a text."
        if field.max_length is not None and len(value) > field.max_length:
            return f"{field.name} must be at most {field.max_length} characters long."
    if field.options:
        chosen = value if field.multiple and isinstance(value, list) else [value]
        allowed = {option.value for option in field.options}
        if any(isinstance(item, bool) or str(item) not in allowed for item in chosen):
            return f"{field.name} must be one of the offered options."
    return None


def _data(field: FormField, value: Any, error: Optional[DomainError] = None) -> dict[str, Any]:
    """`Data` of an error: the refused value (never a password) and what the core attached to it."""
    data: dict[str, Any] = {} if field.type == PASSWORD else {"Value": value}
    if error is not None and error.details.get("data") is not None:
        data["Arguments"] = error.details["data"]
    return data


def validate(fields: Iterable[FormField], values: dict[str, Any],
             rules: Optional[dict[str, Rule]] = None) -> dict[str, FieldError]:
    """Every field of the form checked against its schema, then its rule (when given and the value is not
    blank): the problems by field name, {} for valid data. Keys the form does not have are not looked at."""
    errors: dict[str, FieldError] = {}
    for field in fields:
        value = values.get(field.name)
        problem = _schema_problem(field, value)
        if problem is not None:
            errors[field.name] = FieldError(problem, _data(field, value))
            continue
        rule = (rules or {}).get(field.name)
        if rule is None or blank(value):
            continue
        try:
            rule(value)
        except DomainError as error:
            errors[field.name] = FieldError(error.message, _data(field, value, error))
    return errors


# --- account forms ----------------------------------------------------------------------------------

def login_form() -> list[FormField]:
    """The fields of /api/customer/auth/login; only their presence is checked (never the account)."""
    return [FormField("Username", "Username", "Your login or email address.", TEXT, required=True),
            FormField("Password", "Password", "Your password.", PASSWORD, required=True)]


def _email_field() -> FormField:
    return FormField("EmailAddress", "Email", "The email address of your account.", EMAIL, required=True,
                     max_length=TEXT_MAX)


def registration_form() -> list[FormField]:
    """register's fields; the password is generated and mailed, so the form asks for none."""
    return [FormField("FirstName", "Firstname", "Your first name.", TEXT, required=True, max_length=TEXT_MAX),
            FormField("LastName", "Lastname", "Your last name.", TEXT, required=True, max_length=TEXT_MAX),
            _email_field()]


def recovery_form() -> list[FormField]:
    return [_email_field()]


# --- personal preferences -----------------------------------------------------------------------------

PREFERENCE_LABELS = {
    "UserLanguage": ("Language", "The language of the interface, e.g. en or pt_BR."),
    "UserTimeZone": ("Time zone", "Times are shown in this time zone."),
    "TicketListTicketsPerPage": ("Tickets per page", "How many tickets a page of your ticket list shows."),
    "UserShowTickets": ("Tickets shown", "How many tickets the overview shows."),
}
# The preference categories (ExternalFrontend::PersonalPreferences) and the stored preferences each one
# edits; a category configured without any (Notifications: the core stores no notification choices yet)
# has an empty form.
PREFERENCE_CATEGORY_KEYS = {
    "UserProfile": ("UserLanguage", "UserTimeZone", *COUNT_PREFERENCES),
    "Security": ("Password",),
}


def preference_form(category: str, current: dict[str, Any], password_min_length: int,
                    may_change_password: bool) -> list[FormField]:
    """The preferences a category edits, each defaulting to the customer's current value."""
    fields = []
    for key in PREFERENCE_CATEGORY_KEYS.get(category, ()):
        if key == "Password":
            if may_change_password:
                fields.append(FormField("Password", "New password", "Your new password.", PASSWORD,
                                        required=True, min_length=password_min_length))
            continue
        label, description = PREFERENCE_LABELS[key]
        default = current.get(key)
        if key == "UserTimeZone":
            zones = tuple(Option(zone, zone) for zone in sorted(available_timezones()))
            fields.append(FormField(key, label, description, DROPDOWN, options=zones, default=default))
        elif key in COUNT_PREFERENCES:
            fields.append(FormField(key, label, description, NUMBER, default=default, minimum=1, maximum=COUNT_MAX))
        else:
            fields.append(FormField(key, label, description, TEXT, default=default, max_length=TEXT_MAX))
    return fields


# --- ticket forms -------------------------------------------------------------------------------------

def attachment_field() -> FormField:
    return FormField("FormID", "Attachments", "Files uploaded to this form (POST /api/customer/upload/{FormID}).",
                     ATTACHMENT)


def ticket_form(queues: list[Option], types: list[Option], priorities: list[Option], default_priority: Optional[str],
                dynamic_fields: list[FormField]) -> list[FormField]:
    """The fields of /api/customer/ticket (POST); the first queue is the default one. No SLA field: SLAs
    follow from their conditions, customers do not pick them."""
    return [FormField("Title", "Subject", "What your request is about.", TEXT, required=True),
            FormField("QueueID", "To", "Which team gets the ticket.", DROPDOWN, options=tuple(queues),
                      default=queues[0].value if queues else None),
            FormField("TypeID", "Type", "The kind of request.", DROPDOWN, options=tuple(types)),
            FormField("PriorityID", "Priority", "How urgent it is.", DROPDOWN, options=tuple(priorities),
                      default=default_priority),
            FormField("Body", "Text", "Describe your request.", RICHTEXT, required=True),
            *dynamic_fields, attachment_field()]


def article_form(states: list[Option], priorities: list[Option]) -> list[FormField]:
    """The fields of /api/customer/ticket/{TicketID}/article (POST), a customer's follow-up."""
    return [FormField("Subject", "Subject", "The subject of your reply.", TEXT, required=True),
            FormField("Body", "Text", "Your reply.", RICHTEXT, required=True),
            FormField("NextStateID", "Next state", "The state the ticket moves to.", DROPDOWN,
                      options=tuple(states)),
            FormField("PriorityID", "Priority", "How urgent it is.", DROPDOWN, options=tuple(priorities)),
            attachment_field()]


def attribute_field(attribute: ObjectAttribute, required: bool = False, description: str = "",
                    default: Any = None) -> FormField:
    """A custom ticket field (object attribute) as `DynamicField_<name>`, rendered as the external
    frontend's dynamic fields are (frontend_content.FIELD_TYPES). Only selections list `Options`: a
    boolean's labels are no choice of values (it takes true/false)."""
    option = attribute.data_option
    kind = attribute.data_type
    choices = option.get("options") if kind in CHOICE_TYPES and isinstance(option.get("options"), dict) else {}

    def bound(key: str) -> Optional[int]:
        value = option.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return FormField(
        DYNAMIC_FIELD_PREFIX + attribute.name, attribute.display, description or str(option.get("note") or ""),
        NUMBER if kind == "integer" else FIELD_TYPES.get(kind, TEXT), required=required,
        options=tuple(Option(str(key), str(label)) for key, label in choices.items()),
        default=default if default is not None else option.get("default"),
        max_length=bound("maxlength") if kind != "richtext" else None,
        minimum=bound("min") if kind == "integer" else None, maximum=bound("max") if kind == "integer" else None,
        multiple=kind == "multiselect", checked_by_rule=True)


def invalid_field(error: InvalidInput, name: str, value: Any) -> dict[str, FieldError]:
    """A refusal of the endpoint's own parsing, keyed by the form field it names."""
    return {name: FieldError(error.message, {"Value": value} if name != "Password" else {})}
