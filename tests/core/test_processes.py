"""core.processes: process definitions (validation, admin), and the engine that starts process tickets,
checks dialog submissions and moves tickets along the path; fakes only."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from chalicelib.bootstrap import example_process
from chalicelib.core.errors import Conflict, InvalidInput, NotFound, OperationFailed, PermissionDenied
from chalicelib.core.object_attributes import Definitions, ObjectAttributeInput, ObjectAttributes
from chalicelib.core.ports import StoredProcess
from chalicelib.core.processes import (AGENT_INTERFACE, CUSTOMER_INTERFACE, FieldProblem, NoActivity, ProcessAdmin,
                                       ProcessEngine, Submission, SubmissionInvalid, entity_id, parse_definition)
from chalicelib.core.tickets import AttachmentInput
from tests.core.fakes import FakeObjectAttributeRepository, FakeProcessRepository, World, make_world

OPEN, CLOSED = 2, 4
EXAMPLE = example_process(1, OPEN, CLOSED)
PROCESS = EXAMPLE["EntityID"]
ACTIVITY = {name: entity_id("Activity", name) for name in ("Request", "Approval", "Delivery", "Declined")}
DIALOG = {name: entity_id("ActivityDialog", name) for name in ("Request", "Approval", "Delivery")}


@dataclass
class Env:
    w: World
    repo: FakeProcessRepository
    admin: ProcessAdmin
    engine: ProcessEngine

    def put(self, definition: dict) -> None:
        self.admin.put(self.w.admin, definition)


@pytest.fixture()
def env() -> Env:
    w = make_world()
    repo = FakeProcessRepository()
    env = Env(w, repo, ProcessAdmin(repo), ProcessEngine(repo, w.tickets, w.clock))
    env.put(copy.deepcopy(EXAMPLE))
    return env


def request(**values: Any) -> Submission:
    values = {"Title": "A new laptop", "Body": "Mine broke.", **values}
    return Submission(CUSTOMER_INTERFACE, values={k: v for k, v in values.items() if v is not None})


def problems(raised: pytest.ExceptionInfo) -> dict[str, FieldProblem]:
    return raised.value.problems


def minimal(**dialog_fields: dict) -> dict:
    """A one-activity process whose start dialog holds the given fields (plus what a start needs)."""
    fields = {"Title": {"Display": 2}, "Article": {"Display": 2}, "QueueID": {"Display": 0, "DefaultValue": 1},
              **dialog_fields}
    return {
        "EntityID": entity_id("Process", "minimal"), "Name": "Minimal",
        "StartActivity": entity_id("Activity", "only"), "StartActivityDialog": entity_id("ActivityDialog", "only"),
        "Activities": {entity_id("Activity", "only"): {"Name": "Only",
                                                       "ActivityDialogs": [entity_id("ActivityDialog", "only")]}},
        "ActivityDialogs": {entity_id("ActivityDialog", "only"): {
            "Name": "Only", "Interface": [CUSTOMER_INTERFACE], "Fields": fields}},
    }


# --- definitions ---------------------------------------------------------------------------------

def test_the_example_parses_into_its_parts() -> None:
    process = parse_definition(EXAMPLE)
    assert process.name == "Hardware request" and process.state == "Active"
    assert process.start_activity == ACTIVITY["Request"] and process.start_dialog == DIALOG["Request"]
    request_dialog = process.dialogs[DIALOG["Request"]]
    assert [f.name for f in request_dialog.fields] == ["Title", "Article", "PriorityID", "QueueID"]
    assert process.path[ACTIVITY["Approval"]] == (
        (entity_id("Transition", "Approved"), ACTIVITY["Delivery"]),
        (entity_id("Transition", "Declined"), ACTIVITY["Declined"]))


def _mutate(change: Callable[[dict], None]) -> dict:
    definition = copy.deepcopy(EXAMPLE)
    change(definition)
    return definition


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.update(EntityID="Process-1"), "EntityID must be Process-<32 hex>"),
    (lambda d: d.update(State="Paused"), "State must be one of"),
    (lambda d: d.update(StartActivity=entity_id("Activity", "nowhere")), "StartActivity must name"),
    (lambda d: d.update(StartActivityDialog=DIALOG["Approval"]), "StartActivityDialog must be one of"),
    (lambda d: d["Activities"][ACTIVITY["Approval"]]["ActivityDialogs"].append(entity_id("ActivityDialog", "x")),
     "is not defined"),
    (lambda d: d["Path"][ACTIVITY["Request"]].update({entity_id("Transition", "x"): {
        "ActivityEntityID": ACTIVITY["Approval"]}}), "transition 'Transition-"),
    (lambda d: d["Path"][ACTIVITY["Request"]][entity_id("Transition", "Submitted")].update(
        ActivityEntityID=entity_id("Activity", "x")), "ActivityEntityID must name one of the Activities"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]]["Fields"]["PriorityID"].update(Display=3), "Display must be"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]]["Fields"]["QueueID"].pop("DefaultValue"),
     "a hidden field needs a DefaultValue"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]]["Fields"]["Article"].update(Display=0), "no hidden Article"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]]["Fields"].update(Colour={"Display": 1}), "unknown field"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]]["Fields"]["Article"].update(Display=1),
     "must require the Article"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]]["Fields"]["Title"].update(Display=1),
     "must require Title or give it a DefaultValue"),
    (lambda d: d["ActivityDialogs"][DIALOG["Delivery"]]["Fields"].update(QueueID={"Display": 1}),
     "a customer dialog after the start cannot set QueueID"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]].update(FieldOrder=["Title"]), "FieldOrder must list"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]].update(Interface=["Web"]), "Interface must list"),
    (lambda d: d["ActivityDialogs"][DIALOG["Request"]]["Fields"]["PriorityID"].update(DefaultValue="high"),
     "DefaultValue must be an integer id"),
    (lambda d: d["Transitions"][entity_id("Transition", "Approved")].update(Condition={"Article": "x"}),
     "is not a ticket field"),
    (lambda d: d["Transitions"][entity_id("Transition", "Approved")].update(Condition={"StateID": [2]}),
     "must be a single value"),
    (lambda d: d.update(Name=" "), "Process.Name must be a non-empty string"),
    (lambda d: d.update(Activities={}), "Activities must define at least one activity"),
    (lambda d: d.update(Description="x" * 100_001), "exceeds 100000 characters"),
])
def test_definition_problems_are_named(change: Callable[[dict], None], expected: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_definition(_mutate(change))
    assert expected in raised.value.message


def test_every_problem_is_listed_at_once() -> None:
    def break_two(d: dict) -> None:
        d.update(State="Paused", StartActivity="nowhere")
    with pytest.raises(InvalidInput) as raised:
        parse_definition(_mutate(break_two))
    assert len(raised.value.details["problems"]) == 2


@pytest.mark.parametrize("change", [
    lambda d: d.update(StartActivity=[]),
    lambda d: d["ActivityDialogs"][DIALOG["Request"]].update(FieldOrder=[{"x": 1}]),
    lambda d: d["Activities"][ACTIVITY["Request"]].update(ActivityDialogs=[{"x": 1}]),
    lambda d: d["Path"][ACTIVITY["Request"]].update({entity_id("Transition", "Submitted"): {"ActivityEntityID": []}}),
    lambda d: d["ActivityDialogs"][DIALOG["Request"]].update(Fields=[]),
])
def test_values_of_the_wrong_kind_are_problems_not_crashes(change: Callable[[dict], None]) -> None:
    with pytest.raises(InvalidInput):
        parse_definition(_mutate(change))


def test_a_definition_must_be_an_object() -> None:
    with pytest.raises(InvalidInput, match="The definition must be an object"):
        parse_definition(["not", "a", "process"])


# --- administration ------------------------------------------------------------------------------

def test_only_admins_manage_definitions(env: Env) -> None:
    for caller in (env.w.agent, env.w.customer_a):
        with pytest.raises(PermissionDenied):
            env.admin.put(caller, copy.deepcopy(EXAMPLE))
        with pytest.raises(PermissionDenied):
            env.admin.list(caller)


def test_put_creates_then_replaces_with_versions(env: Env) -> None:
    assert env.admin.get(env.w.admin, PROCESS).version == 1
    changed = _mutate(lambda d: d.update(Name="Hardware order"))
    assert env.admin.put(env.w.admin, changed).version == 2
    assert [p.name for p in env.admin.list(env.w.admin)] == ["Hardware order"]
    with pytest.raises(NotFound):
        env.admin.get(env.w.admin, entity_id("Process", "none"))


def test_put_never_overwrites_a_concurrent_change(env: Env) -> None:
    real_get = env.repo.get

    def stale_get(entity: str) -> Any:
        found = real_get(entity)
        env.repo.processes[entity].version += 1  # another admin saved in between
        return found
    env.repo.get = stale_get  # type: ignore[method-assign]
    with pytest.raises(Conflict):
        env.admin.put(env.w.admin, _mutate(lambda d: d.update(Name="Lost")))


def test_an_invalid_definition_is_not_stored(env: Env) -> None:
    with pytest.raises(InvalidInput):
        env.admin.put(env.w.admin, _mutate(lambda d: d.update(State="Paused")))
    assert env.admin.get(env.w.admin, PROCESS).state == "Active"


# --- starting a process ----------------------------------------------------------------------------

def test_a_customer_starts_a_ticket_that_moves_to_approval(env: Env) -> None:
    place = env.engine.start(env.w.customer_a, PROCESS, request())
    ticket = env.w.ticket_repo.get(place.ticket.id)
    assert (ticket.title, ticket.group_id, ticket.priority_id) == ("A new laptop", 1, 2)  # defaults: queue, priority
    assert ticket.customer_id == env.w.customer_a.id
    assert ticket.preferences["process"] == {"ProcessEntityID": PROCESS, "ActivityEntityID": ACTIVITY["Approval"]}
    article = env.w.ticket_repo.articles(ticket.id)[0]
    assert (article.subject, article.body, article.sender, article.type) == (
        "A new laptop", "Mine broke.", "Customer", "web")
    assert place.activity.name == "Approval" and place.dialogs == ()  # the approval is for agents


def test_given_values_win_over_defaults(env: Env) -> None:
    place = env.engine.start(env.w.customer_a, PROCESS, request(PriorityID="3", Subject="Laptop please"))
    ticket = env.w.ticket_repo.get(place.ticket.id)
    assert ticket.priority_id == 3 and env.w.ticket_repo.articles(ticket.id)[0].subject == "Laptop please"


def test_missing_and_undisplayed_fields_are_reported_together(env: Env) -> None:
    with pytest.raises(SubmissionInvalid) as raised:
        env.engine.start(env.w.customer_a, PROCESS, Submission(CUSTOMER_INTERFACE, values={
            "StateID": 4, "QueueID": 1, "DynamicField_colour": "red", "EndpointIgnored": 1}))
    assert problems(raised) == {
        "StateID": FieldProblem("IncorrectDisplayConfig", 4), "QueueID": FieldProblem("IncorrectDisplayConfig", 1),
        "DynamicField_colour": FieldProblem("IncorrectDisplayConfig", "red"),
        "Title": FieldProblem("Required"), "Body": FieldProblem("Required")}
    assert env.w.ticket_repo.tickets == {}


@pytest.mark.parametrize("values, field, fragment", [
    ({"PriorityID": "high"}, "PriorityID", "must be an integer id"),
    ({"PriorityID": 99}, "PriorityID", "No lookup value found for 'priority': 99"),
    ({"Title": ["x"]}, "Title", "Title must be a text."),
    ({"Body": {"html": "x"}}, "Body", "Body must be a text."),
])
def test_refused_values_are_invalid_with_the_reason(env: Env, values: dict, field: str, fragment: str) -> None:
    with pytest.raises(SubmissionInvalid) as raised:
        env.engine.start(env.w.customer_a, PROCESS, request(**values))
    assert list(problems(raised)) == [field] and problems(raised)[field].validator == "Invalid"
    assert fragment in problems(raised)[field].message
    assert env.w.ticket_repo.tickets == {}


def test_unknown_inactive_and_fading_processes_start_nothing(env: Env) -> None:
    for process_id in (entity_id("Process", "unknown"), "not-an-id"):
        with pytest.raises(NoActivity):
            env.engine.start(env.w.customer_a, process_id, request())
    for state in ("Inactive", "FadeAway"):
        env.put(_mutate(lambda d: d.update(State=state)))
        with pytest.raises(NoActivity) as raised:
            env.engine.start(env.w.customer_a, PROCESS, request())
        assert raised.value.message == "No activity found to the current ticket state."


def test_the_start_takes_only_its_start_dialog(env: Env) -> None:
    submission = request()
    submission.dialog_id = DIALOG["Delivery"]
    with pytest.raises(NoActivity):
        env.engine.start(env.w.customer_a, PROCESS, submission)
    submission.dialog_id = DIALOG["Request"]
    assert env.engine.start(env.w.customer_a, PROCESS, submission).activity.name == "Approval"


def test_a_customer_cannot_speak_as_the_agent_interface(env: Env) -> None:
    submission = request()
    submission.interface = AGENT_INTERFACE
    with pytest.raises(PermissionDenied):
        env.engine.start(env.w.customer_a, PROCESS, submission)


def test_a_start_dialog_only_for_agents_is_denied_to_customers(env: Env) -> None:
    env.put(_mutate(lambda d: d["ActivityDialogs"][DIALOG["Request"]].update(Interface=[AGENT_INTERFACE])))
    with pytest.raises(PermissionDenied):
        env.engine.start(env.w.customer_a, PROCESS, request())
    assert env.engine.startable(env.w.customer_a) == [] and len(env.engine.startable(env.w.agent)) == 1


def test_uploads_become_the_articles_attachments(env: Env) -> None:
    submission = request()
    submission.attachments = [AttachmentInput("spec.txt", b"16 GB", "text/plain")]
    place = env.engine.start(env.w.customer_a, PROCESS, submission)
    assert [a.filename for a in env.w.ticket_repo.articles(place.ticket.id)[0].attachments] == ["spec.txt"]


# --- moving on -----------------------------------------------------------------------------------------

def _started(env: Env) -> int:
    return env.engine.start(env.w.customer_a, PROCESS, request()).ticket.id


def _decide(env: Env, ticket_id: int, state_id: int) -> Any:
    return env.engine.submit(env.w.agent, ticket_id, PROCESS, Submission(
        AGENT_INTERFACE, DIALOG["Approval"], {"StateID": state_id, "Body": "Decided."}))


def test_approval_leads_to_delivery_which_the_customer_confirms(env: Env) -> None:
    ticket_id = _started(env)
    assert _decide(env, ticket_id, OPEN).activity.name == "Delivery"
    place = env.engine.place(env.w.customer_a, ticket_id)
    assert place.activity.name == "Delivery" and [d.name for d in place.dialogs] == ["Confirm delivery"]
    confirmed = env.engine.submit(env.w.customer_a, ticket_id, PROCESS,
                                  Submission(CUSTOMER_INTERFACE, values={"Body": "Arrived, thanks."}))
    ticket = env.w.ticket_repo.get(ticket_id)
    assert ticket.state_id == CLOSED  # the dialog's hidden default
    assert confirmed.activity.name == "Delivery"  # no path leads further
    assert env.w.ticket_repo.articles(ticket_id)[-1].subject == "A new laptop"  # subject: the ticket's title


def test_declining_leads_to_an_activity_without_dialogs(env: Env) -> None:
    ticket_id = _started(env)
    assert _decide(env, ticket_id, CLOSED).activity.name == "Declined"
    assert env.engine.place(env.w.customer_a, ticket_id).dialogs == ()
    with pytest.raises(NoActivity):
        env.engine.submit(env.w.customer_a, ticket_id, PROCESS,
                          Submission(CUSTOMER_INTERFACE, values={"Body": "Why?"}))


def test_without_a_matching_transition_the_ticket_stays(env: Env) -> None:
    ticket_id = _started(env)
    assert _decide(env, ticket_id, 3).activity.name == "Approval"  # pending reminder: neither condition


def test_the_first_matching_transition_in_path_order_wins(env: Env) -> None:
    def both_match(d: dict) -> None:
        for transition in d["Transitions"].values():
            transition["Condition"] = {}
    env.put(_mutate(both_match))
    assert _decide(env, _started(env), CLOSED).activity.name == "Delivery"


def test_customers_cannot_fill_agent_dialogs_or_foreign_tickets(env: Env) -> None:
    ticket_id = _started(env)
    with pytest.raises(PermissionDenied):
        env.engine.submit(env.w.customer_a, ticket_id, PROCESS,
                          Submission(CUSTOMER_INTERFACE, DIALOG["Approval"], {"StateID": OPEN}))
    with pytest.raises(PermissionDenied):  # the activity offers customers nothing
        env.engine.submit(env.w.customer_a, ticket_id, PROCESS, Submission(CUSTOMER_INTERFACE, values={}))
    with pytest.raises(PermissionDenied):  # another organization's customer
        env.engine.place(env.w.customer_c, ticket_id)
    assert env.engine.place(env.w.customer_b, ticket_id).activity.name == "Approval"  # shared organization


def test_a_dialog_of_another_activity_or_process_is_no_activity(env: Env) -> None:
    ticket_id = _started(env)
    with pytest.raises(NoActivity):
        env.engine.submit(env.w.agent, ticket_id, PROCESS, Submission(AGENT_INTERFACE, DIALOG["Delivery"], {}))
    with pytest.raises(NoActivity):
        env.engine.submit(env.w.agent, ticket_id, entity_id("Process", "other"),
                          Submission(AGENT_INTERFACE, DIALOG["Approval"], {"StateID": OPEN}))
    plain = env.w.new_ticket()
    with pytest.raises(NoActivity):
        env.engine.place(env.w.agent, plain.id)


def test_fading_processes_go_on_and_inactive_ones_stop(env: Env) -> None:
    ticket_id = _started(env)
    env.put(_mutate(lambda d: d.update(State="FadeAway")))
    assert env.engine.place(env.w.customer_a, ticket_id).process.state == "FadeAway"
    env.put(_mutate(lambda d: d.update(State="Inactive")))
    with pytest.raises(NoActivity):
        env.engine.place(env.w.customer_a, ticket_id)


# --- dynamic fields ------------------------------------------------------------------------------------

def _with_fields(env: Env) -> None:
    repo = FakeObjectAttributeRepository()
    definitions = Definitions(repo)
    attributes = ObjectAttributes(repo, lambda: definitions, env.w.ids, env.w.clock)
    env.w.tickets.fields = lambda: definitions.ticket_fields()
    for name, option in (("model", {}), ("budget", {"permission": ["ticket.agent"]})):
        attributes.create(env.w.admin, ObjectAttributeInput(
            object="Ticket", name=name, display=name.title(), data_type="select",
            data_option={"options": {"small": "Small", "large": "Large"}, "default": "", **option}))
    attributes.execute_migrations(env.w.admin)


def test_dynamic_fields_are_set_checked_and_can_steer_transitions(env: Env) -> None:
    _with_fields(env)
    definition = minimal(DynamicField_model={"Display": 2})
    only = entity_id("Activity", "only")
    definition["Activities"][entity_id("Activity", "big")] = {"Name": "Big", "ActivityDialogs": []}
    definition["Transitions"] = {entity_id("Transition", "big"): {"Name": "Big", "Condition": {
        "DynamicField_model": "LARGE"}}}
    definition["Path"] = {only: {entity_id("Transition", "big"): {"ActivityEntityID": entity_id("Activity", "big")}}}
    env.put(definition)
    process_id = definition["EntityID"]
    small = env.engine.start(env.w.customer_a, process_id, request(DynamicField_model="small"))
    assert env.w.ticket_repo.get(small.ticket.id).attributes == {"model": "small"} and small.activity.name == "Only"
    assert env.engine.start(env.w.customer_a, process_id, request(DynamicField_model="large")).activity.name == "Big"
    with pytest.raises(SubmissionInvalid) as raised:
        env.engine.start(env.w.customer_a, process_id, request(DynamicField_model="huge"))
    assert problems(raised)["DynamicField_model"].validator == "Invalid"
    assert "invalid value 'huge'" in problems(raised)["DynamicField_model"].message


@pytest.mark.parametrize("name", ["budget", "undefined"])
def test_a_field_the_caller_cannot_set_is_could_not_set_dynamic_field_value(env: Env, name: str) -> None:
    _with_fields(env)
    definition = minimal(**{f"DynamicField_{name}": {"Display": 1}})
    env.put(definition)
    before = dict(env.w.ticket_repo.tickets)
    with pytest.raises(OperationFailed) as raised:
        env.engine.start(env.w.customer_a, definition["EntityID"], request(**{f"DynamicField_{name}": "small"}))
    assert raised.value.identifier == "CouldNotSetDynamicFieldValue"
    assert env.w.ticket_repo.tickets == before


# --- failed steps ---------------------------------------------------------------------------------------

def test_a_hidden_default_that_no_longer_resolves_is_could_not_prepare_data(env: Env) -> None:
    env.put(_mutate(lambda d: d["ActivityDialogs"][DIALOG["Request"]]["Fields"]["QueueID"].update(DefaultValue=99)))
    with pytest.raises(OperationFailed) as raised:
        env.engine.start(env.w.customer_a, PROCESS, request())
    assert raised.value.identifier == "CouldNotPrepareData"


def test_a_stored_definition_that_no_longer_parses_is_could_not_prepare_data(env: Env) -> None:
    env.repo.processes[PROCESS] = StoredProcess(PROCESS, {"EntityID": PROCESS}, 1)
    with pytest.raises(OperationFailed) as raised:
        env.engine.start(env.w.customer_a, PROCESS, request())
    assert raised.value.identifier == "CouldNotPrepareData"


def test_a_create_that_conflicts_is_could_not_create_ticket(env: Env) -> None:
    env.w.ticket_repo.fail_next_write = Conflict("The number is taken.")
    with pytest.raises(OperationFailed) as raised:
        env.engine.start(env.w.customer_a, PROCESS, request())
    assert raised.value.identifier == "CouldNotCreateTicket"


def _always_conflicting(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    def conflict(*args: Any, **kwargs: Any) -> None:
        raise Conflict("Someone else wrote.")
    monkeypatch.setattr(env.w.ticket_repo, "save", conflict)


def test_updates_that_keep_conflicting_name_the_failed_step(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket_id = _started(env)
    _decide(env, ticket_id, OPEN)
    _always_conflicting(env, monkeypatch)
    with pytest.raises(OperationFailed) as raised:  # an article and a state: the ticket update
        env.engine.submit(env.w.customer_a, ticket_id, PROCESS, Submission(CUSTOMER_INTERFACE, values={"Body": "x"}))
    assert raised.value.identifier == "CouldNotUpdateTicket"
    def article_only(d: dict) -> None:
        d["ActivityDialogs"][DIALOG["Delivery"]].update(Fields={"Article": {"Display": 1}}, FieldOrder=["Article"])
    env.put(_mutate(article_only))
    with pytest.raises(OperationFailed) as raised:  # only an article
        env.engine.submit(env.w.customer_a, ticket_id, PROCESS, Submission(CUSTOMER_INTERFACE, values={"Body": "x"}))
    assert raised.value.identifier == "CouldNotCreateTicketArticle"


def test_a_process_state_that_cannot_be_written_is_could_not_set_ticket_process_state(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    _always_conflicting(env, monkeypatch)  # the create is no save: only the process state write fails
    with pytest.raises(OperationFailed) as raised:
        env.engine.start(env.w.customer_a, PROCESS, request())
    assert raised.value.identifier == "CouldNotSetTicketProcessState"
    (ticket,) = env.w.ticket_repo.tickets.values()
    assert "process" not in ticket.preferences  # the ticket stands; OTRS reports the failed step


def test_two_saves_of_one_activity_cannot_both_move_the_ticket(env: Env) -> None:
    ticket_id = _started(env)

    def moved_meanwhile(_: int) -> None:  # another request decides between our load and our save
        current = env.w.ticket_repo.tickets[ticket_id]
        current.preferences = {"process": {"ProcessEntityID": PROCESS, "ActivityEntityID": ACTIVITY["Declined"]}}
        current.version += 1
    env.w.ticket_repo.before_next_save = moved_meanwhile
    with pytest.raises(OperationFailed) as raised:
        _decide(env, ticket_id, OPEN)
    assert raised.value.identifier == "CouldNotSetTicketProcessState"
    assert env.w.ticket_repo.get(ticket_id).preferences["process"]["ActivityEntityID"] == ACTIVITY["Declined"]


def test_startable_lists_active_processes_for_the_callers_interface(env: Env) -> None:
    assert [p.name for p in env.engine.startable(env.w.customer_a)] == ["Hardware request"]
    env.put(_mutate(lambda d: d.update(State="FadeAway")))
    assert env.engine.startable(env.w.customer_a) == []
