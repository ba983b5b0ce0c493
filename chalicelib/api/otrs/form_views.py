"""The external frontend's form endpoints (seed 000 OTRS-35..43, `POST /api/frontend/external/form/...`):
each answers the schema OTRS 7's web app renders a form from, `{"Schema": {"Fields": [...]}}`. With the
header `X-OTRS-API-ValidateFormData` the body carries the form's data and is validated first: 422
`{"Errors": {Field: {"Message", "Data"}}}` per refused field, else the schema again. Validation never
writes anything (no account, ticket, article, upload or process step).

The fields and their checks are the customer API's own (core/forms.py lists them; the rules are those of
core/customer_accounts.py, the ticket and article create views' parsing, the process engine's dialog
check and the object attributes' value check), so a form accepts exactly what its endpoint accepts.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ...core import customer_accounts, forms
from ...core import frontend_content as fc
from ...core.errors import InvalidInput, NotFound, PermissionDenied
from ...core.forms import FieldError, FormField, Option
from ...core.model import Ticket
from ...core.object_attributes import ObjectAttribute, TicketFields, check_value
from ...core.processes import (ARTICLE, HIDDEN, ID_FIELDS, REQUIRED, ActivityDialog, NoActivity, Process,
                               Submission, SubmissionInvalid, check_submission, interface_of)
from ...core.uploads import check_form_id
from . import schema
from .account_views import require_offered
from .article_views import CANNOT_REOPEN, CUSTOMER_NEXT_STATE_TYPES, no_existence_leak, parse_article_request
from .routes import Call, frontend_route, json_response
from .ticket_views import (access_denied, creatable_queues, create_screen_fields, follow_up_possible,
                           parse_ticket_request, positive_int)

VALIDATE_HEADER = "x-otrs-api-validateformdata"
NOT_VALIDATING = ("", "0", "false", "no", "off")
UNKNOWN_CATEGORY = "Unknown personal preference category."
# The process endpoints' validator names, as field messages.
PROBLEM_TEXTS = {"Required": "{} is required.", "IncorrectDisplayConfig": "{} is not a field of this dialog.",
                 "Invalid": "{} is invalid."}

Check = Callable[[dict[str, Any]], dict[str, FieldError]]


# --- the schema, and validating against it ----------------------------------------------------------

def render_field(field: FormField) -> dict[str, Any]:
    """One field as the frontend's form renderer reads it (limits and choices only where they apply)."""
    out: dict[str, Any] = {"Name": field.name, "Label": field.label, "Description": field.description,
                           "Type": field.type, "Required": 1 if field.required else 0}
    if field.options:
        out["Options"] = [{"Value": option.value, "Label": option.label} for option in field.options]
    if field.multiple:
        out["Multiple"] = 1
    if field.default is not None:
        out["Default"] = field.default
    for key, value in (("MaxLength", field.max_length), ("MinLength", field.min_length), ("Min", field.minimum),
                       ("Max", field.maximum)):
        if value is not None:
            out[key] = value
    return out


def _validating(call: Call) -> bool:
    return call.headers.get(VALIDATE_HEADER, "").strip().lower() not in NOT_VALIDATING


def parsed_by(parse: Callable[[dict[str, Any]], Any]) -> Check:
    """An endpoint's own parsing (first problem first, InvalidInput) as a form check."""
    def check(values: dict[str, Any]) -> dict[str, FieldError]:
        try:
            parse(values)
        except InvalidInput as error:
            name = next(iter(schema.field_errors(error)))
            return forms.invalid_field(error, name, values.get(name))
        return {}
    return check


def form_answer(call: Call, fields: list[FormField], values: dict[str, Any],
                rules: Optional[dict[str, forms.Rule]] = None, whole: Optional[Check] = None,
                about: Optional[dict[str, Any]] = None) -> Any:
    """The form's schema (`about`: what it is the form of); when asked to validate, 422 with every refused
    field first. `whole` runs the endpoint's own checks once every field passed the schema and its rule."""
    if _validating(call):
        errors = forms.validate(fields, values, rules)
        if not errors and whole is not None:
            errors = whole(values)
        if errors:
            return json_response({"Errors": {name: {"Message": error.message, "Data": error.data}
                                             for name, error in errors.items()}}, 422)
    return {"Schema": {**(about or {}), "Fields": [render_field(field) for field in fields]}}


def _options(items: Any) -> list[Option]:
    return [Option(str(item.id), item.name) for item in items]


# --- OTRS-35..37 account forms (no token) ---------------------------------------------------------------

@frontend_route("/form/auth/login", methods=("POST",), auth=False)
def login_form(call: Call) -> Any:
    """Presence only: whether the account exists is for the login itself to say (and it does not)."""
    return form_answer(call, forms.login_form(), call.optional_body())


@frontend_route("/form/account/register", methods=("POST",), auth=False)
def registration_form(call: Call) -> Any:
    """register's field rules; an address already registered is the registration's own answer (a form
    that told it would let anybody find out who is a customer)."""
    require_offered(call.container.settings.customer_registration)
    return form_answer(call, forms.registration_form(), call.optional_body(), customer_accounts.REGISTRATION_RULES)


@frontend_route("/form/account/recover", methods=("POST",), auth=False)
def recovery_form(call: Call) -> Any:
    require_offered(call.container.settings.customer_password_recovery)
    return form_answer(call, forms.recovery_form(), call.optional_body(), customer_accounts.RECOVERY_RULES)


# --- OTRS-38 personal preferences --------------------------------------------------------------------------

@frontend_route("/form/personal-preferences/{Category}", methods=("POST",))
def preference_form(call: Call, Category: str) -> Any:
    """The preferences of one of the configured categories (OTRS-49), checked as saving them checks them."""
    configured = call.container.frontend_content.setting_value(fc.PREFERENCE_CATEGORIES).get("Categories", [])
    if Category not in {category.get("Key") for category in configured}:
        raise InvalidInput(UNKNOWN_CATEGORY, field="Category", data={"Category": Category})
    customer = call.customer
    fields = forms.preference_form(Category, customer.user.preferences or {},
                                   call.container.settings.password_min_length,
                                   customer.has("user_preferences.password"))
    accounts = call.container.customer_accounts
    rules: dict[str, forms.Rule] = {
        field.name: (lambda value, key=field.name: accounts.check_preference(customer, key, value)) for field in fields}
    return form_answer(call, fields, call.optional_body(), rules)


# --- OTRS-39 ticket, OTRS-42 follow-up article ----------------------------------------------------------------

def _ticket_fields(call: Call) -> Optional[TicketFields]:
    fields = call.container.tickets.fields
    return fields() if fields is not None else None


def _attribute_rule(call: Call, attribute: ObjectAttribute) -> forms.Rule:
    return lambda value: check_value(attribute, value, call.container.clock.now())


@frontend_route("/form/ticket", methods=("POST",))
def ticket_form(call: Call) -> Any:
    """The create screen: the queues the customer may create in, active priorities, the one ticket type,
    and the custom fields the TicketCreate screen setting turns on (1 shown, 2 required)."""
    catalog = call.container.catalog()
    priorities = [p for p in catalog.priorities if p.active]
    default_priority = next((str(p.id) for p in priorities if p.default_create), None)
    rules: dict[str, forms.Rule] = {"FormID": check_form_id}
    dynamic: list[FormField] = []
    for attribute, required in create_screen_fields(call):
        field = forms.attribute_field(attribute, required=required)
        dynamic.append(field)
        rules[field.name] = _attribute_rule(call, attribute)
    fields = forms.ticket_form(_options(creatable_queues(catalog, call.customer)),
                               [Option(str(schema.TICKET_TYPE_ID), schema.TICKET_TYPE)], _options(priorities),
                               default_priority, dynamic)
    return form_answer(call, fields, call.optional_body(), rules, parsed_by(lambda values: parse_ticket_request(call, values)))


def _own_ticket(call: Call, ticket_id: str) -> Ticket:
    """The customer's ticket; 403 Access denied for anyone else's and for none, as the article create."""
    wanted = positive_int(ticket_id, "TicketID")
    try:
        with no_existence_leak():
            return call.container.tickets.get(call.customer, wanted)
    except PermissionDenied:
        raise access_denied() from None


@frontend_route("/form/ticket/{TicketID}/article", methods=("POST",))
def article_form(call: Call, TicketID: str) -> Any:
    """The follow-up screen of the customer's ticket; 403 when its queue takes no follow-up on a closed
    ticket (the article create's answer)."""
    ticket = _own_ticket(call, TicketID)
    if not follow_up_possible(call, ticket):
        raise PermissionDenied(CANNOT_REOPEN)
    catalog = call.container.catalog()
    states = [s for s in catalog.states if s.active and s.state_type in CUSTOMER_NEXT_STATE_TYPES]
    fields = forms.article_form(_options(states), _options(p for p in catalog.priorities if p.active))
    return form_answer(call, fields, call.optional_body(), {"FormID": check_form_id},
                       parsed_by(lambda values: parse_article_request(call, values)))


# --- OTRS-40, 41, 43 process dialogs --------------------------------------------------------------------------

def _control(body: dict[str, Any], name: str, required: bool = False) -> Optional[str]:
    value = body.get(name)
    if value in (None, "") or (isinstance(value, str) and not value.strip()):
        if required:
            raise schema.invalid(name, f"{name} is required.")
        return None
    if not isinstance(value, str):
        raise schema.invalid(name, f"{name} must be a string.")
    return value.strip()


def _dialog_fields(call: Call, dialog: ActivityDialog) -> tuple[list[FormField], dict[str, forms.Rule]]:
    """The dialog's shown fields in its order: the Article as Subject, Body and the upload form; ids as
    the choices the core accepts; custom fields as their attribute says."""
    catalog = call.container.catalog()
    choices = {"PriorityID": ("Priority", _options(p for p in catalog.priorities if p.active)),
               "QueueID": ("Queue", _options(creatable_queues(catalog, call.customer))),
               "StateID": ("State", _options(s for s in catalog.states if s.active))}
    ticket_fields = _ticket_fields(call)
    fields: list[FormField] = []
    rules: dict[str, forms.Rule] = {}
    for item in dialog.fields:
        if item.display == HIDDEN:
            continue
        required = item.display == REQUIRED
        if item.name == ARTICLE:
            fields += [FormField("Subject", "Subject", item.description, forms.TEXT),
                       FormField("Body", "Text", item.description, forms.RICHTEXT, required=required),
                       forms.attachment_field()]
            rules["FormID"] = check_form_id
        elif item.name == "Title":
            fields.append(FormField("Title", "Title", item.description, forms.TEXT, required=required,
                                    default=item.default))
        elif item.name in ID_FIELDS:
            label, options = choices[item.name]
            fields.append(FormField(item.name, label, item.description, forms.DROPDOWN, required=required,
                                    options=tuple(options), default=None if item.default is None else str(item.default)))
        else:
            name = item.name[len(forms.DYNAMIC_FIELD_PREFIX):]
            if ticket_fields is None or name not in ticket_fields.attributes:
                continue  # not defined (any more): the engine refuses such a dialog's save
            fields.append(forms.attribute_field(ticket_fields.attributes[name], required, item.description,
                                                item.default))
            rules[item.name] = _attribute_rule(call, ticket_fields.attributes[name])
    return fields, rules


def _dialog_check(call: Call, dialog: ActivityDialog) -> Check:
    """The engine's check of a submission (every key a shown field, every required one given)."""
    def check(values: dict[str, Any]) -> dict[str, FieldError]:
        submitted = {k: v for k, v in values.items() if k not in forms.PROCESS_CONTROL_KEYS}
        try:
            check_submission(dialog, Submission(interface_of(call.customer), dialog.entity_id, submitted))
        except SubmissionInvalid as error:
            return {key: FieldError(PROBLEM_TEXTS.get(problem.validator, "{} is invalid.").format(key),
                                    {"Validator": problem.validator, "Value": problem.value})
                    for key, problem in error.problems.items()}
        return {}
    return check


def _dialog_answer(call: Call, process: Process, dialog: ActivityDialog, body: dict[str, Any]) -> Any:
    fields, rules = _dialog_fields(call, dialog)
    about = {"ProcessEntityID": process.entity_id, "ActivityDialogEntityID": dialog.entity_id,
             "Name": dialog.name}
    return form_answer(call, fields, body, rules, _dialog_check(call, dialog), about)


def _start_form(call: Call, process_id: Optional[str], id_field: str) -> Any:
    """Without a process: the choice of the processes the customer may start; with one: its start dialog."""
    body = call.optional_body()
    _control(body, "EndpointContext", required=True)
    chosen = _control(body, "ProcessID")
    if process_id is not None and chosen is not None and chosen != process_id:
        raise schema.invalid("ProcessID", "ProcessID must be the process of the path.")
    process_id = process_id or chosen
    startable = call.container.processes.startable(call.customer)
    if process_id is None:
        choice = FormField("ProcessID", "Process", "The process to start.", forms.DROPDOWN, required=True,
                           options=tuple(Option(p.entity_id, p.name) for p in startable))
        return form_answer(call, [choice], body)
    process = next((p for p in startable if p.entity_id == process_id), None)
    if process is None:
        raise schema.invalid(id_field, f"{process_id} is not a process you may start.")
    dialog_id = _control(body, "ActivityDialogEntityID")
    if dialog_id is not None and dialog_id != process.start_dialog:
        raise schema.invalid("ActivityDialogEntityID", f"{dialog_id} is not the process' start dialog.")
    return _dialog_answer(call, process, process.dialogs[process.start_dialog], body)


@frontend_route("/form/ticket/process", methods=("POST",))
def process_start_form(call: Call) -> Any:
    return _start_form(call, None, "ProcessID")


@frontend_route("/form/ticket/process/{ProcessEntityID}", methods=("POST",))
def process_start_form_for(call: Call, ProcessEntityID: str) -> Any:
    return _start_form(call, ProcessEntityID, "ProcessEntityID")


@frontend_route("/form/ticket/{TicketID}/process", methods=("POST",))
def process_ticket_form(call: Call, TicketID: str) -> Any:
    """The dialog the customer may fill now on their process ticket (ActivityDialogEntityID picks one of
    the current activity's, else the first); 403 for a ticket not theirs, 422 for one in no process."""
    ticket_id = positive_int(TicketID, "TicketID")
    try:  # whose ticket it is comes first: a foreign one is 403 whatever the body says
        place = call.container.processes.place(call.customer, ticket_id)
    except NoActivity:
        raise schema.invalid("TicketID", "The ticket is in no running process.") from None
    except (NotFound, PermissionDenied):
        raise access_denied() from None
    body = call.optional_body()
    _control(body, "EndpointContext", required=True)
    chosen = _control(body, "ProcessID")
    if chosen is not None and chosen != place.process.entity_id:
        raise schema.invalid("ProcessID", "ProcessID must be the ticket's process.")
    dialog_id = _control(body, "ActivityDialogEntityID")
    dialog = next((d for d in place.dialogs if dialog_id in (None, d.entity_id)), None)
    if dialog is None:
        raise schema.invalid("ActivityDialogEntityID", "No such dialog is yours to fill at the ticket's activity."
                             if dialog_id else "The ticket's activity has no dialog for you to fill.")
    return _dialog_answer(call, place.process, dialog, body)
