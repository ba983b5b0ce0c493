"""OTRS process tickets (seed 000 OTRS-17, OTRS-18, OTRS-27): start a ticket in a process, show where a
process ticket stands, save an activity dialog on it. The core (core/processes.py) checks the dialog,
writes through TicketService and moves the ticket along the process' path; these views translate the
request and render OTRS's answers, including the process endpoints' own 422 body
(`{"Errors": {Field: {"Validator": "Required"|"IncorrectDisplayConfig"|"Invalid", ...}}}`).

Starting a process (`POST /ticket/process/{id}`) and reading a ticket's process (`GET
/ticket/process/{id}`) share one path template: API Gateway allows a single variable name per path
level, so the segment is `{ProcessEntityIDOrTicketID}` (ENDPOINTS.md A-16).
"""
from __future__ import annotations

from typing import Any, Optional

from ...core.errors import InvalidInput, NotFound, PermissionDenied
from ...core.processes import (INTERFACES, FieldProblem, NoActivity, Place, Submission, SubmissionInvalid)
from ...core.tickets import AttachmentInput
from . import schema
from .routes import Call, json_response, message, route
from .ticket_views import access_denied, body_content_type, positive_int

SAVED = "Successfully saved."
CONTROL_KEYS = ("EndpointContext", "Interface", "FormID", "ActivityDialogEntityID")
SHARED_SEGMENT = "/ticket/process/{ProcessEntityIDOrTicketID}"


def _text(body: dict[str, Any], name: str, required: bool, problems: dict[str, FieldProblem]) -> Optional[str]:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems[name] = FieldProblem("Required")
        return None
    if not isinstance(value, str):
        problems[name] = FieldProblem("Invalid", value, f"{name} must be a string.")
        return None
    return value.strip()


def _submission(call: Call) -> tuple[Submission, Optional[str]]:
    """The submitted dialog and its FormID; 422 (validator body) when a required key is missing."""
    body = call.body()
    problems: dict[str, FieldProblem] = {}
    _text(body, "EndpointContext", True, problems)
    interface = _text(body, "Interface", True, problems)
    if interface is not None and interface not in INTERFACES:
        problems["Interface"] = FieldProblem("Invalid", interface, f"Interface must be one of {', '.join(INTERFACES)}.")
    dialog_id = _text(body, "ActivityDialogEntityID", False, problems)
    form_id = _text(body, "FormID", False, problems)
    if problems:
        raise SubmissionInvalid(problems)
    values = {k: v for k, v in body.items() if k not in CONTROL_KEYS}
    attachments: list[AttachmentInput] = call.container.uploads.take(call.customer, form_id) if form_id else []
    body_text = values.get("Body")
    content_type = body_content_type(body_text) if isinstance(body_text, str) else "text/plain"
    return Submission(interface=interface or "", dialog_id=dialog_id, values=values, attachments=attachments,
                      content_type=content_type), form_id


def _save(call: Call, save: Any) -> Any:
    """Run a dialog save: its 422s in the validator shape, a foreign or unknown ticket 403, and on
    success the uploads of the FormID are done with."""
    try:
        submission, form_id = _submission(call)
        place: Place = save(submission)
    except SubmissionInvalid as error:
        return json_response(schema.process_errors(error.problems), 422)
    except NoActivity:
        raise
    except (NotFound, PermissionDenied):
        raise access_denied() from None
    except InvalidInput as error:  # the body itself or the FormID: still the process endpoints' shape
        name = schema.FIELD_NAMES.get(error.field or "", error.field) or "Request"
        return json_response(schema.process_errors({name: FieldProblem("Invalid", None, error.message)}), 422)
    if form_id:
        call.container.uploads.clear(call.customer, form_id)
    return {**message(SAVED), "TicketID": place.ticket.id, "TicketNumber": schema.ticket_number(place.ticket),
            "ProcessEntityID": place.process.entity_id, "ActivityEntityID": place.activity.entity_id}


@route(SHARED_SEGMENT, methods=("POST",))
def start_process_ticket(call: Call, ProcessEntityIDOrTicketID: str) -> Any:
    """A new ticket from the process' start dialog (OTRS-17)."""
    return _save(call, lambda submission: call.container.processes.start(
        call.customer, ProcessEntityIDOrTicketID, submission))


@route("/ticket/{TicketID}/process/{ProcessEntityID}", methods=("POST",))
def save_process_dialog(call: Call, TicketID: str, ProcessEntityID: str) -> Any:
    """A dialog of the ticket's current activity (OTRS-27)."""
    def save(submission: Submission) -> Place:
        ticket_id = positive_int(TicketID, "TicketID")
        return call.container.processes.submit(call.customer, ticket_id, ProcessEntityID, submission)
    return _save(call, save)


@route(SHARED_SEGMENT)
def process_information(call: Call, ProcessEntityIDOrTicketID: str) -> Any:
    """Where the ticket stands in its process and the dialogs the customer may fill now (OTRS-18)."""
    context = call.params.get("EndpointContext")
    if not context or not context.strip():
        raise schema.invalid("EndpointContext", "EndpointContext is required.")
    ticket_id = positive_int(ProcessEntityIDOrTicketID, "TicketID")
    try:
        place = call.container.processes.place(call.customer, ticket_id)
    except NoActivity:
        raise
    except (NotFound, PermissionDenied):
        raise access_denied() from None
    return schema.process_place(place)
