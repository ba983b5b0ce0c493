"""The ticket service on in-memory fakes: create, update, follow-ups, lists, search, articles, delete."""
from __future__ import annotations

import base64
import logging
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from chalicelib.core import tickets as tickets_module
from chalicelib.core.errors import Conflict, InvalidInput, LookupFailed, NotFound, PermissionDenied
from chalicelib.core.model import ROLE_CUSTOMER, Organization
from chalicelib.core.tickets import SearchRequest, blob_key, parse_query
from tests.core.fakes import (ARCHIVE_GROUP, SALES_GROUP, ArticleInput, AttachmentInput, CustomerRef, Ref,
                              TicketInput, World, make_world)

NOW = "2024-03-01T09:00:00.000Z"
PNG = b"\x89PNG\r\n\x1a\n-inline-"


@pytest.fixture()
def w() -> World:
    return make_world()


def note(body: str = "More details.", **kw) -> ArticleInput:
    return ArticleInput(body=body, **kw)


def file(name: str = "log.txt", data: bytes = b"line 1\n", mime: str = "text/plain", **kw) -> AttachmentInput:
    return AttachmentInput(name, data, mime, **kw)


def state_name(w: World, ticket_id: int) -> str:
    return w.catalog().state_by_id(w.ticket_repo.tickets[ticket_id].state_id).name


def test_core_and_fakes_need_no_aws_libraries() -> None:
    """These tests run on fakes only: importing them must not pull in boto3, botocore or PynamoDB."""
    code = ("import sys, tests.core.fakes, chalicelib.core.tickets; "
            "print(sorted(m for m in ('boto3', 'botocore', 'pynamodb', 'moto') if m in sys.modules))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- create ----------------------------------------------------------------------------------


def test_create_with_defaults(w: World) -> None:
    ticket, article = w.tickets.create(w.agent, w.ticket_input())
    assert (ticket.state_id, ticket.priority_id, ticket.owner_id) == (1, 2, 1)   # new, 2 normal, unassigned
    assert ticket.number == f"45{ticket.id:03d}"
    assert ticket.version == 1
    assert ticket.customer_id == w.customer_a.id and ticket.organization_id == 1
    assert ticket.article_ids == [article.id]
    assert (ticket.created_at, ticket.updated_at, ticket.created_by_id) == (NOW, NOW, w.agent.id)
    assert (ticket.create_article_type_id, ticket.create_article_sender_id) == (10, 1)  # note, Agent
    assert (article.type, article.sender, article.internal) == ("note", "Agent", False)
    assert article.from_ == "Agent" and article.ticket_id == ticket.id
    assert ticket.first_response_at is None          # the agent's first article is no response
    assert w.ticket_repo.get(ticket.id) == ticket
    assert w.ticket_repo.by_number(ticket.number).id == ticket.id


def test_create_by_names_and_ids(w: World) -> None:
    ticket, _ = w.tickets.create(w.agent, w.ticket_input(
        group=Ref("group", name="users"),          # case-insensitive fallback
        state=Ref("state", name="open"), priority=Ref("priority", id=3),
        customer=CustomerRef(email="C@Private.Example"),
        owner_id=w.agent.id, note="n", type="problem", preferences={"channel": "phone"},
    ))
    assert (ticket.group_id, ticket.state_id, ticket.priority_id) == (1, 2, 3)
    assert ticket.customer_id == w.customer_c.id and ticket.organization_id == 2
    assert ticket.owner_id == w.agent.id
    assert (ticket.note, ticket.type, ticket.preferences) == ("n", "problem", {"channel": "phone"})


def test_customer_by_login(w: World) -> None:
    ticket, _ = w.tickets.create(w.agent, w.ticket_input(customer=CustomerRef(login="d@private.example")))
    assert ticket.customer_id == w.customer_d.id


@pytest.mark.parametrize("overrides, message", [
    ({"group": Ref("group", id=99)}, "No lookup value found for 'group': 99"),
    ({"group": Ref("group", name="Nope")}, "No lookup value found for 'group': \"Nope\""),
    ({"state": Ref("state", name="gone")}, "No lookup value found for 'state': \"gone\""),
    ({"priority": Ref("priority", id=9)}, "No lookup value found for 'priority': 9"),
    ({"customer": CustomerRef(id=999)}, "No lookup value found for 'customer_id': 999"),
    ({"customer": CustomerRef(email="nobody@example.com")},
     "No lookup value found for 'customer': \"nobody@example.com\""),
    ({"customer": CustomerRef(login="ghost")}, "No lookup value found for 'customer': \"ghost\""),
    ({"article": note(type=Ref("type", name="pigeon"))}, "No lookup value found for 'type': \"pigeon\""),
    ({"article": note(sender=Ref("sender", id=7))}, "No lookup value found for 'sender': 7"),
])
def test_create_lookup_failures(w: World, overrides: dict, message: str) -> None:
    with pytest.raises(LookupFailed) as caught:
        w.tickets.create(w.agent, w.ticket_input(**overrides))
    assert caught.value.message == message
    assert w.ticket_repo.tickets == {}


@pytest.mark.parametrize("overrides, field, message", [
    ({"title": None}, "title", "Missing required value for field 'title'!"),
    ({"title": "   "}, "title", "Missing required value for field 'title'!"),
    ({"group": None}, "group", "The required value 'group_id' is missing."),
    ({"group": Ref("group")}, "group", "The required value 'group_id' is missing."),
    ({"customer": None}, "customer", "The required value 'customer_id' is missing."),
    ({"customer": CustomerRef()}, "customer", "The required value 'customer_id' is missing."),
    ({"article": None}, "article", "article hash is missing"),
    ({"article": ArticleInput(body=None)}, "article.body", "Need at least an 'article body' field."),
    ({"article": ArticleInput(body=" \n ")}, "article.body", "Need at least an 'article body' field."),
])
def test_create_missing_values(w: World, overrides: dict, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        w.tickets.create(w.agent, w.ticket_input(**overrides))
    assert (caught.value.field, caught.value.message) == (field, message)
    assert w.ticket_repo.tickets == {}


def test_empty_body_is_fine_with_an_attachment(w: World) -> None:
    _, article = w.tickets.create(w.agent, w.ticket_input(article=ArticleInput(body="", attachments=[file()])))
    assert article.body == "" and len(article.attachments) == 1


def test_title_is_trimmed(w: World) -> None:
    assert w.new_ticket(title="  Spaces  ").title == "Spaces"


@pytest.mark.parametrize("who, group_id", [("agent", SALES_GROUP), ("reader", 1), ("no_groups", 1)])
def test_agents_create_only_where_they_may(w: World, who: str, group_id: int) -> None:
    with pytest.raises(PermissionDenied):
        w.tickets.create(w.principals[who], w.ticket_input(group=Ref("group", id=group_id)))


def test_customer_is_always_the_customer(w: World) -> None:
    """A customer cannot choose the customer, the owner or preferences: they are forced or dropped."""
    ticket, _ = w.tickets.create(w.customer_c, w.ticket_input(
        group=Ref("group", id=SALES_GROUP), customer=CustomerRef(id=w.customer_a.id), owner_id=w.agent.id,
        preferences={"escalate": True},
    ))
    assert ticket.customer_id == w.customer_c.id and ticket.organization_id == 2
    assert ticket.owner_id == 1 and ticket.preferences == {}
    assert ticket.created_by_id == w.customer_c.id


def test_customer_needs_no_customer_field(w: World) -> None:
    ticket, _ = w.tickets.create(w.customer_a, w.ticket_input(customer=None))
    assert ticket.customer_id == w.customer_a.id


def test_customer_article_is_forced_to_customer_sender(w: World) -> None:
    _, article = w.tickets.create(w.customer_a, w.ticket_input(article=note(
        type=Ref("type", name="email"), sender=Ref("sender", name="Agent"), internal=True)))
    assert (article.sender, article.type, article.internal) == ("Customer", "note", False)


@pytest.mark.parametrize("type_name", ["note", "web"])
def test_customer_keeps_note_and_web_types(w: World, type_name: str) -> None:
    _, article = w.tickets.create(w.customer_a, w.ticket_input(article=note(type=Ref("type", name=type_name))))
    assert article.type == type_name


def test_customer_first_article_counts_as_customer_contact(w: World) -> None:
    ticket, _ = w.tickets.create(w.customer_a, w.ticket_input())
    assert ticket.last_contact_customer_at == ticket.last_contact_at == NOW
    assert ticket.create_article_sender_id == 2


def test_agent_may_choose_sender_type_and_internal(w: World) -> None:
    _, article = w.tickets.create(w.agent, w.ticket_input(article=note(
        type=Ref("type", name="Phone"), sender=Ref("sender", name="customer"), internal=True, from_="Nicole")))
    assert (article.type, article.sender, article.internal, article.from_) == ("phone", "Customer", True, "Nicole")


# --- guessed customers -------------------------------------------------------------------------


def test_guess_creates_a_customer(w: World) -> None:
    ticket, _ = w.tickets.create(w.agent, w.ticket_input(customer=CustomerRef(guess=" New.Person@Example.com ")))
    created = w.user_repo.by_email("new.person@example.com")
    assert created is not None and ticket.customer_id == created.id
    assert created.login == "new.person@example.com" and created.role_ids == [ROLE_CUSTOMER]
    assert created.created_by_id == w.agent.id and created.organization_id is None


def test_guess_finds_an_existing_customer(w: World) -> None:
    before = len(w.user_repo.users)
    ticket, _ = w.tickets.create(w.agent, w.ticket_input(customer=CustomerRef(guess="B@SHARED.example")))
    assert ticket.customer_id == w.customer_b.id and len(w.user_repo.users) == before


def test_guessed_customer_joins_the_organization_owning_the_domain(w: World) -> None:
    w.org_repo.create(Organization(id=3, name="Acme", domain="acme.test", domain_assignment=True))
    ticket, _ = w.tickets.create(w.agent, w.ticket_input(customer=CustomerRef(guess="joe@acme.test")))
    assert ticket.organization_id == 3


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two words@example.com", ""])
def test_guess_with_an_invalid_email(w: World, email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        w.tickets.create(w.agent, w.ticket_input(customer=CustomerRef(guess=email)))
    assert caught.value.message == f"Invalid email '{email.strip()}' of customer"
    assert caught.value.field == "customer_id"


GUESS = CustomerRef(guess="only-if-valid@example.com")


@pytest.mark.parametrize("overrides", [
    {"title": ""},
    {"group": Ref("group", name="Nope")},
    {"group": Ref("group", id=SALES_GROUP)},     # no create permission there
    {"article": None},
    {"article": ArticleInput(body="")},
    {"state": Ref("state", name="Nope")},
    {"priority": Ref("priority", name="Nope")},
    {"owner_id": 999},
], ids=["title", "group", "group-permission", "article", "body", "state", "priority", "owner"])
def test_guessed_customer_is_created_only_after_validation(w: World, overrides: dict) -> None:
    with pytest.raises((InvalidInput, PermissionDenied)):
        w.tickets.create(w.agent, w.ticket_input(customer=GUESS, **overrides))
    assert w.user_repo.by_email(GUESS.guess) is None


@pytest.mark.parametrize("article", [note(type=Ref("type", name="pigeon")), note(sender=Ref("sender", id=7))],
                         ids=["type", "sender"])
def test_guessed_customer_is_not_created_for_a_bad_article_type_or_sender(w: World, article: ArticleInput) -> None:
    with pytest.raises(LookupFailed):
        w.tickets.create(w.agent, w.ticket_input(customer=GUESS, article=article))
    assert w.user_repo.by_email(GUESS.guess) is None


# --- owners ----------------------------------------------------------------------------------


@pytest.mark.parametrize("owner, valid", [
    ("agent", True),           # full access to group 1
    ("admin", True),           # admins may own anywhere
    ("reader", False),         # read access is not enough to own
    ("no_groups", False),
    ("customer_a", False),
    (None, True),              # unassigned
])
def test_owner_validation(w: World, owner: str, valid: bool) -> None:
    owner_id = w.principals[owner].id if owner else None
    data = w.ticket_input(owner_id=owner_id)
    if valid:
        ticket, _ = w.tickets.create(w.agent, data)
        assert ticket.owner_id == (owner_id or 1)
    else:
        with pytest.raises(InvalidInput) as caught:
            w.tickets.create(w.agent, data)
        assert caught.value.message == f"Invalid value for param 'owner_id': {owner_id}"


def test_owner_must_have_access_to_the_ticket_group(w: World) -> None:
    with pytest.raises(InvalidInput):
        w.tickets.create(w.admin, w.ticket_input(group=Ref("group", id=SALES_GROUP), owner_id=w.agent.id))


def test_inactive_agent_cannot_own(w: World) -> None:
    w.add_user("retired", "retired@example.com", [2], {"1": ["full"]}, active=False)
    with pytest.raises(InvalidInput):
        w.tickets.create(w.agent, w.ticket_input(owner_id=w.principals["retired"].id))


def test_unknown_owner_and_system_owner(w: World) -> None:
    with pytest.raises(InvalidInput, match="'owner_id': 999"):
        w.tickets.create(w.agent, w.ticket_input(owner_id=999))
    ticket, _ = w.tickets.create(w.agent, w.ticket_input(owner_id=1))
    assert ticket.owner_id == 1


# --- attachments and inline images ----------------------------------------------------------


def test_attachments_go_to_the_blob_store(w: World) -> None:
    ticket, article = w.tickets.create(w.agent, w.ticket_input(article=note(attachments=[
        file("a.txt", b"alpha", charset="UTF-8"), file("b.pdf", b"%PDF-1.4", "application/pdf")])))
    a, b = article.attachments
    assert (a.filename, a.size, a.content_type) == ("a.txt", 5, "text/plain")
    assert a.preferences == {"Mime-Type": "text/plain", "Charset": "UTF-8"}
    assert b.preferences == {"Mime-Type": "application/pdf"} and a.id != b.id
    key = blob_key(ticket.id, article.id, a.id)
    assert key == f"tickets/{ticket.id}/articles/{article.id}/{a.id}"
    assert w.blobs.get(key) == b"alpha" and w.blobs.objects[key].content_type == "text/plain"
    assert w.blobs.objects[key].filename == "a.txt"
    assert w.tickets.attachment(w.customer_a, ticket.id, article.id, b.id) == (b, b"%PDF-1.4")


def test_inline_data_uri_images_become_attachments(w: World) -> None:
    html = f'<p>Screenshot:</p><img src="data:image/png;base64,{base64.b64encode(PNG).decode()}">'
    ticket, article = w.tickets.create(w.agent, w.ticket_input(article=note(html, content_type="text/html")))
    (image,) = article.attachments
    assert image.content_id and image.content_id.endswith("@helpdesk.local")
    assert f'src="cid:{image.content_id}"' in article.body and "data:" not in article.body
    assert image.preferences == {"Mime-Type": "image/png", "Content-ID": image.content_id,
                                 "Content-Disposition": "inline"}
    assert w.blobs.get(blob_key(ticket.id, article.id, image.id)) == PNG
    stored = w.ticket_repo.article(article.id)
    assert stored.body == article.body and stored.attachments == [image]


def test_data_uris_in_plain_text_are_not_touched(w: World) -> None:
    body = f'<img src="data:image/png;base64,{base64.b64encode(PNG).decode()}">'
    _, article = w.tickets.create(w.agent, w.ticket_input(article=note(body)))
    assert article.body == body and article.attachments == [] and w.blobs.objects == {}


def test_failed_ticket_write_leaves_no_orphan_blobs(w: World) -> None:
    w.ticket_repo.fail_next_write = RuntimeError("table unavailable")
    with pytest.raises(RuntimeError, match="table unavailable"):
        w.tickets.create(w.agent, w.ticket_input(article=note(attachments=[file("a"), file("b")])))
    assert w.blobs.objects == {} and len(w.blobs.deleted) == 2
    assert w.ticket_repo.tickets == {}


def test_failed_blob_upload_removes_the_blobs_already_written(w: World) -> None:
    w.blobs.fail_put_after = 1
    with pytest.raises(OSError):
        w.tickets.create(w.agent, w.ticket_input(article=note(attachments=[file("a"), file("b"), file("c")])))
    assert w.blobs.objects == {} and len(w.blobs.deleted) == 1
    assert w.ticket_repo.tickets == {}


def test_failed_cleanup_keeps_the_original_error(w: World, caplog: pytest.LogCaptureFixture) -> None:
    def broken_delete(keys: list[str]) -> None:
        raise OSError("S3 down too")
    w.blobs.delete = broken_delete  # type: ignore[method-assign]
    w.ticket_repo.fail_next_write = RuntimeError("table unavailable")
    with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError, match="table unavailable"):
        w.tickets.create(w.agent, w.ticket_input(article=note(attachments=[file()])))
    assert "could not remove blobs" in caplog.text


def test_failed_article_write_on_update_leaves_no_orphan_blobs(w: World) -> None:
    ticket = w.new_ticket()
    w.ticket_repo.fail_next_write = RuntimeError("boom")
    with pytest.raises(RuntimeError):
        w.tickets.add_article(w.agent, ticket.id, note(attachments=[file()]))
    assert w.blobs.objects == {}
    assert w.ticket_repo.get(ticket.id).article_ids == ticket.article_ids


# --- update ----------------------------------------------------------------------------------


def test_partial_update_changes_only_what_was_given(w: World) -> None:
    ticket = w.new_ticket(priority=Ref("priority", id=3), note="keep me")
    w.clock.advance(30)
    updated, article = w.tickets.update(w.agent, ticket.id, TicketInput(title="Printer fixed?"))
    assert article is None
    assert updated.title == "Printer fixed?" and updated.version == ticket.version + 1
    assert updated.updated_by_id == w.agent.id and updated.updated_at > ticket.updated_at
    assert replace(updated, title=ticket.title, version=ticket.version, updated_at=ticket.updated_at) == ticket
    assert w.ticket_repo.get(ticket.id) == updated


def test_update_by_names(w: World) -> None:
    ticket = w.new_ticket()
    updated, _ = w.tickets.update(w.agent, ticket.id, TicketInput(
        state=Ref("state", name="pending reminder"), priority=Ref("priority", name="1 low"),
        pending_time="2024-03-05T00:00:00Z", owner_id=w.agent.id, preferences={"x": 1}))
    assert (updated.state_id, updated.priority_id, updated.owner_id) == (3, 1, w.agent.id)
    assert updated.pending_time == "2024-03-05T00:00:00Z" and updated.preferences == {"x": 1}
    assert updated.last_owner_update_at is not None


def test_update_rejects_a_blank_title_and_bad_refs(w: World) -> None:
    ticket = w.new_ticket()
    with pytest.raises(InvalidInput, match="Missing required value for field 'title'!"):
        w.tickets.update(w.agent, ticket.id, TicketInput(title=" "))
    with pytest.raises(LookupFailed, match="'state': \"solved\""):
        w.tickets.update(w.agent, ticket.id, TicketInput(state=Ref("state", name="solved")))
    assert w.ticket_repo.get(ticket.id) == ticket


def test_closing_sets_close_at(w: World) -> None:
    ticket = w.new_ticket()
    closed, _ = w.tickets.update(w.agent, ticket.id, TicketInput(state=Ref("state", name="closed")))
    assert closed.close_at == closed.updated_at


def test_update_of_a_missing_ticket(w: World) -> None:
    with pytest.raises(NotFound, match=r"^Couldn't find Ticket with 'id'=999$"):
        w.tickets.update(w.agent, 999, TicketInput(title="x"))


@pytest.mark.parametrize("who", ["reader", "no_groups", "customer_c", "customer_d"])
def test_update_needs_change_permission(w: World, who: str) -> None:
    ticket = w.new_ticket()
    with pytest.raises(PermissionDenied):
        w.tickets.update(w.principals[who], ticket.id, TicketInput(title="mine now"))
    assert w.ticket_repo.get(ticket.id).title == ticket.title


def test_shared_organization_colleague_may_update(w: World) -> None:
    ticket = w.new_ticket()
    updated, _ = w.tickets.update(w.customer_b, ticket.id, TicketInput(title="Also affects me"))
    assert updated.title == "Also affects me"


def test_customer_cannot_move_reassign_or_change_customer(w: World) -> None:
    ticket = w.new_ticket()
    updated, _ = w.tickets.update(w.customer_a, ticket.id, TicketInput(
        group=Ref("group", id=SALES_GROUP), owner_id=w.agent.id, customer=CustomerRef(id=w.customer_c.id),
        preferences={"vip": True}))
    assert (updated.group_id, updated.owner_id, updated.customer_id) == (1, 1, w.customer_a.id)
    assert updated.preferences == {}


def test_agent_cannot_move_a_ticket_to_a_group_without_access(w: World) -> None:
    ticket = w.new_ticket()
    with pytest.raises(PermissionDenied):
        w.tickets.update(w.agent, ticket.id, TicketInput(group=Ref("group", id=SALES_GROUP)))


def test_moving_a_ticket_unassigns_an_owner_without_access_to_the_new_group(w: World) -> None:
    ticket = w.new_ticket(owner_id=w.agent.id)
    moved, _ = w.tickets.update(w.admin, ticket.id, TicketInput(group=Ref("group", name="Sales")))
    assert (moved.group_id, moved.owner_id) == (SALES_GROUP, 1)


def test_changing_the_customer_moves_the_organization(w: World) -> None:
    ticket = w.new_ticket()
    updated, _ = w.tickets.update(w.agent, ticket.id, TicketInput(customer=CustomerRef(id=w.customer_c.id)))
    assert (updated.customer_id, updated.organization_id) == (w.customer_c.id, 2)


def test_concurrent_write_is_retried_and_not_lost(w: World) -> None:
    """Another request changes the priority between our load and our save: both changes survive."""
    ticket = w.new_ticket()

    def other_request(ticket_id: int) -> None:
        w.tickets.update(w.admin, ticket_id, TicketInput(priority=Ref("priority", name="3 high")))

    w.ticket_repo.before_next_save = other_request
    updated, article = w.tickets.update(w.agent, ticket.id, TicketInput(title="Still broken", article=note(
        attachments=[file()])))
    stored = w.ticket_repo.get(ticket.id)
    assert (stored.title, stored.priority_id) == ("Still broken", 3)
    assert stored.version == ticket.version + 2 == updated.version
    assert stored.article_ids == ticket.article_ids + [article.id]
    # the first attempt's attachment bytes were removed; only the saved article's remain
    assert list(w.blobs.objects) == [blob_key(ticket.id, article.id, article.attachments[0].id)]
    assert len(w.ticket_repo.articles(ticket.id)) == 2


def test_endless_conflicts_give_up_with_conflict(w: World) -> None:
    ticket = w.new_ticket()

    def keep_interfering(ticket_id: int) -> None:
        current = w.ticket_repo.get(ticket_id)
        w.ticket_repo.save(current, current.version)       # bumps the version, re-arms below
        w.ticket_repo.before_next_save = keep_interfering

    w.ticket_repo.before_next_save = keep_interfering
    with pytest.raises(Conflict, match="changed by someone else"):
        w.tickets.update(w.agent, ticket.id, TicketInput(title="never"))
    w.ticket_repo.before_next_save = None
    assert w.ticket_repo.get(ticket.id).title == ticket.title
    assert w.ticket_repo.saves == tickets_module.SAVE_ATTEMPTS


def test_add_article_updates_contacts(w: World) -> None:
    ticket = w.new_ticket()
    after_customer, _ = w.tickets.add_article(w.customer_a, ticket.id, note("Any news?"))
    assert after_customer.last_contact_customer_at == after_customer.last_contact_at
    assert after_customer.first_response_at is None
    w.clock.advance(60)
    after_internal, _ = w.tickets.add_article(w.agent, ticket.id, note("checking", internal=True))
    assert after_internal.first_response_at is None
    w.clock.advance(60)
    replied, reply = w.tickets.add_article(w.agent, ticket.id, note("Fixed it."))
    assert replied.first_response_at == replied.last_contact_agent_at == reply.created_at
    assert len(replied.article_ids) == 4 and replied.article_ids[-1] == reply.id


def test_on_behalf_article_records_the_real_user(w: World) -> None:
    ticket = w.new_ticket()
    acting = replace(w.customer_a, real_user_id=w.admin.id)
    _, article = w.tickets.add_article(acting, ticket.id, note())
    assert article.created_by_id == w.customer_a.id and article.origin_by_id == w.admin.id


# --- follow-ups ------------------------------------------------------------------------------


def closed_ticket(w: World, group_id: int = 1):
    ticket = w.new_ticket(by=w.admin, group=Ref("group", id=group_id), state=Ref("state", name="closed"))
    assert w.catalog().state_by_id(ticket.state_id).is_closed
    return ticket


def test_customer_reply_reopens_a_closed_ticket(w: World) -> None:
    ticket = closed_ticket(w)
    updated, _ = w.tickets.add_article(w.customer_a, ticket.id, note("It is broken again."))
    assert w.catalog().state_by_id(updated.state_id).name == "open"
    assert state_name(w, ticket.id) == "open"


def test_follow_up_to_a_new_ticket_group_is_refused(w: World) -> None:
    ticket = closed_ticket(w, ARCHIVE_GROUP)
    with pytest.raises(InvalidInput) as caught:
        w.tickets.add_article(w.customer_a, ticket.id, note("Again!"))
    assert caught.value.message == "Cannot follow-up on a closed ticket. Please create a new ticket."
    assert state_name(w, ticket.id) == "closed"
    assert len(w.ticket_repo.articles(ticket.id)) == 1


def test_agent_with_change_access_may_log_a_customer_follow_up(w: World) -> None:
    ticket = closed_ticket(w, ARCHIVE_GROUP)
    w.tickets.add_article(w.admin, ticket.id, note("Customer called", sender=Ref("sender", name="Customer")))
    assert state_name(w, ticket.id) == "open"


def test_agent_note_leaves_a_closed_ticket_closed(w: World) -> None:
    ticket = closed_ticket(w)
    w.tickets.add_article(w.agent, ticket.id, note("for the record"))
    assert state_name(w, ticket.id) == "closed"


def test_reply_with_an_explicit_new_state_keeps_that_state(w: World) -> None:
    ticket = closed_ticket(w)
    w.tickets.update(w.customer_a, ticket.id, TicketInput(state=Ref("state", name="pending reminder"),
                                                          article=note()))
    assert state_name(w, ticket.id) == "pending reminder"


def test_customer_reply_to_an_open_ticket_keeps_its_state(w: World) -> None:
    ticket = w.new_ticket(state=Ref("state", name="pending reminder"))
    w.tickets.add_article(w.customer_a, ticket.id, note())
    assert state_name(w, ticket.id) == "pending reminder"


# --- lists -----------------------------------------------------------------------------------


@pytest.fixture()
def listed(w: World) -> dict[str, int]:
    """Six tickets: four in group 1 (customers A, B, C, D) and two in Sales (A, C)."""
    made = {}
    for name, group_id, customer in (("g1_a", 1, "customer_a"), ("g1_b", 1, "customer_b"),
                                     ("g1_c", 1, "customer_c"), ("g1_d", 1, "customer_d"),
                                     ("sales_a", SALES_GROUP, "customer_a"), ("sales_c", SALES_GROUP, "customer_c")):
        made[name] = w.new_ticket(by=w.admin, for_customer=w.principals[customer], group=Ref("group", id=group_id),
                                  title=f"Ticket {name}").id
    return made


@pytest.mark.parametrize("who, expected", [
    ("admin", ["g1_a", "g1_b", "g1_c", "g1_d", "sales_a", "sales_c"]),
    ("agent", ["g1_a", "g1_b", "g1_c", "g1_d"]),
    ("reader", ["g1_a", "g1_b", "g1_c", "g1_d"]),
    ("no_groups", []),
    ("customer_a", ["g1_a", "g1_b", "sales_a"]),      # own + shared organization colleagues
    ("customer_b", ["g1_a", "g1_b", "sales_a"]),
    ("customer_c", ["g1_c", "sales_c"]),              # unshared: not D's tickets
    ("customer_d", ["g1_d"]),
])
def test_page_is_scoped(w: World, listed: dict[str, int], who: str, expected: list[str]) -> None:
    ids = [t.id for t in w.tickets.page(w.principals[who], 0, 50)]
    assert ids == [listed[name] for name in expected]


def test_page_offset_and_limit(w: World, listed: dict[str, int]) -> None:
    assert [t.id for t in w.tickets.page(w.admin, 2, 3)] == [listed["g1_c"], listed["g1_d"], listed["sales_a"]]
    assert w.tickets.page(w.admin, 6, 10) == []
    assert w.tickets.page(w.admin, 0, 0) == []


def test_get_checks_read_permission(w: World, listed: dict[str, int]) -> None:
    assert w.tickets.get(w.customer_b, listed["g1_a"]).id == listed["g1_a"]
    with pytest.raises(PermissionDenied):
        w.tickets.get(w.customer_d, listed["g1_c"])
    with pytest.raises(PermissionDenied):
        w.tickets.get(w.agent, listed["sales_a"])
    with pytest.raises(NotFound):
        w.tickets.get(w.admin, 999)


# --- search ----------------------------------------------------------------------------------


@pytest.fixture()
def searchable(w: World) -> dict[str, int]:
    made = {}
    for name, title, body, group_id, customer in (
        ("printer", "Printer jammed", "Paper stuck in tray two", 1, "customer_a"),
        ("scanner", "Scanner offline", "The scanner next to the printer is offline", 1, "customer_b"),
        ("vpn", "VPN drops", "Connection drops every hour", SALES_GROUP, "customer_a"),
        ("laptop", "Laptop battery", "Battery dies quickly, printer unrelated", 1, "customer_c"),
    ):
        made[name] = w.new_ticket(by=w.admin, for_customer=w.principals[customer], group=Ref("group", id=group_id),
                                  title=title, article=note(body, subject=title)).id
    w.tickets.update(w.admin, made["scanner"], TicketInput(state=Ref("state", name="open"),
                                                           priority=Ref("priority", name="3 high")))
    return made


def search(w: World, who: str, query: str, **kw) -> list[int]:
    return [t.id for t in w.tickets.search(w.principals[who], SearchRequest(query=query, **kw)).tickets]


def test_search_by_words(w: World, searchable: dict[str, int]) -> None:
    found = search(w, "admin", "printer", sort_by="id", order_by="asc")
    assert found == [searchable["printer"], searchable["scanner"], searchable["laptop"]]
    assert search(w, "admin", "PRINTER paper") == [searchable["printer"]]        # all words must match
    assert search(w, "admin", "printer AND offline") == [searchable["scanner"]]
    assert search(w, "admin", "printer kangaroo") == []


def test_search_finds_ticket_numbers(w: World, searchable: dict[str, int]) -> None:
    number = w.ticket_repo.tickets[searchable["vpn"]].number
    assert search(w, "admin", number) == [searchable["vpn"]]


@pytest.mark.parametrize("query, expected", [
    ("state:open", ["scanner"]),
    ("state.name:new", ["printer", "vpn", "laptop"]),
    ("state:New", ["printer", "vpn", "laptop"]),
    ('priority:"3 high"', ["scanner"]),
    ("priority_id:2", ["printer", "vpn", "laptop"]),
    ("group:Sales", ["vpn"]),
    ("group_id:1", ["printer", "scanner", "laptop"]),
    ("title:battery", ["laptop"]),
    ("printer state:new", ["printer", "laptop"]),                 # words and filters combine
    ("*", ["printer", "scanner", "vpn", "laptop"]),
])
def test_search_field_filters(w: World, searchable: dict[str, int], query: str, expected: list[str]) -> None:
    assert search(w, "admin", query, sort_by="id", order_by="asc") == [searchable[n] for n in expected]


def test_search_by_number_and_customer_filters(w: World, searchable: dict[str, int]) -> None:
    vpn = w.ticket_repo.tickets[searchable["vpn"]]
    assert search(w, "admin", f"number:{vpn.number}") == [vpn.id]
    assert search(w, "admin", f"id:{vpn.id}") == [vpn.id]
    by_c = search(w, "admin", f"customer_id:{w.customer_c.id}")
    assert by_c == [searchable["laptop"]]
    assert search(w, "admin", "organization_id:1", sort_by="id", order_by="asc") == \
        [searchable["printer"], searchable["scanner"], searchable["vpn"]]


@pytest.mark.parametrize("who, expected", [
    ("agent", ["printer", "scanner", "laptop"]),   # not the Sales ticket
    ("customer_a", ["printer", "scanner"]),         # own + shared colleague's; VPN lacks the word
    ("customer_c", ["laptop"]),
    ("customer_d", []),
    ("no_groups", []),
])
def test_search_applies_permissions(w: World, searchable: dict[str, int], who: str, expected: list[str]) -> None:
    result = w.tickets.search(w.principals[who], SearchRequest("printer", sort_by="id", order_by="asc"))
    assert [t.id for t in result.tickets] == [searchable[n] for n in expected]
    assert result.total_count == len(expected)


def test_search_without_words_walks_the_callers_scope(w: World, searchable: dict[str, int]) -> None:
    assert search(w, "customer_a", "state:new", sort_by="id", order_by="asc") == \
        [searchable["printer"], searchable["vpn"]]
    assert search(w, "no_groups", "state:new") == []


def test_search_sorting(w: World, searchable: dict[str, int]) -> None:
    ids = searchable
    # default: newest created first, as Zammad sorts its search
    assert search(w, "admin", "")[:1] == [ids["laptop"]]
    assert search(w, "admin", "", sort_by="title", order_by="asc") == \
        [ids["laptop"], ids["printer"], ids["scanner"], ids["vpn"]]
    assert search(w, "admin", "", sort_by="id", order_by="DESC") == \
        [ids["laptop"], ids["vpn"], ids["scanner"], ids["printer"]]
    assert search(w, "admin", "", sort_by="no_such_field") == search(w, "admin", "")
    assert search(w, "admin", "", sort_by="created_at", order_by="asc") == \
        [ids["printer"], ids["scanner"], ids["vpn"], ids["laptop"]]


def test_search_paging_keeps_the_total(w: World, searchable: dict[str, int]) -> None:
    result = w.tickets.search(w.admin, SearchRequest("", offset=1, limit=2, sort_by="id", order_by="asc"))
    assert [t.id for t in result.tickets] == [searchable["scanner"], searchable["vpn"]]
    assert result.total_count == 4
    beyond = w.tickets.search(w.admin, SearchRequest("", offset=10, limit=2))
    assert (beyond.tickets, beyond.total_count) == ([], 4)


def test_search_sees_later_articles(w: World, searchable: dict[str, int]) -> None:
    w.tickets.add_article(w.agent, searchable["printer"], note("Replaced the fuser unit"))
    assert search(w, "admin", "fuser") == [searchable["printer"]]


def test_words_of_internal_articles_are_found_only_by_who_may_read_them(w: World, searchable: dict[str, int]) -> None:
    printer = searchable["printer"]
    w.tickets.add_article(w.agent, printer, ArticleInput(body="toner supplier overcharges", internal=True))
    assert search(w, "agent", "overcharges") == [printer]
    assert search(w, "agent", "overcharges paper") == [printer]        # one internal, one public word
    assert search(w, "customer_a", "overcharges") == []
    assert search(w, "customer_a", "paper") == [printer]               # public words still match
    w.tickets.add_article(w.admin, searchable["vpn"], ArticleInput(body="overcharges again", internal=True))
    assert search(w, "agent", "overcharges") == [printer]              # the Sales ticket stays hidden
    w.tickets.add_article(w.customer_a, printer, note("the supplier overcharges"))
    assert search(w, "customer_a", "overcharges") == [printer]         # now a public word too


def test_failed_indexing_does_not_fail_the_write(w: World, caplog: pytest.LogCaptureFixture) -> None:
    w.search.fail_next_add = RuntimeError("index down")
    with caplog.at_level(logging.ERROR):
        ticket = w.new_ticket(title="Unindexed")
    assert w.ticket_repo.get(ticket.id) is not None
    assert "search indexing failed" in caplog.text


@pytest.mark.parametrize("query, words, filters", [
    ("printer paper", {"printer", "paper"}, []),
    ("state:open printer", {"printer"}, [("state", "open")]),
    ('state:"pending reminder"', set(), [("state", "pending reminder")]),
    ("a AND b2 *", {"b2"}, []),
    ("foo:bar", {"foo", "bar"}, []),          # unknown fields are words
    ("state:", {"state"}, []),                # no value: a word
    ("   ", set(), []),
])
def test_parse_query(query: str, words: set[str], filters: list) -> None:
    assert parse_query(query) == (words, filters)


# --- articles and attachments ----------------------------------------------------------------


@pytest.fixture()
def with_internal(w: World):
    ticket, first = w.tickets.create(w.agent, w.ticket_input(article=note(attachments=[file("public.txt")])))
    _, internal = w.tickets.add_article(w.agent, ticket.id, note("internal only", internal=True,
                                                                attachments=[file("secret.txt", b"s3cret")]))
    return ticket, first, internal


def test_internal_articles_are_hidden_from_customers(w: World, with_internal) -> None:
    ticket, first, internal = with_internal
    assert [a.id for a in w.tickets.articles(w.customer_a, ticket.id)[1]] == [first.id]
    assert [a.id for a in w.tickets.articles(w.customer_b, ticket.id)[1]] == [first.id]
    assert [a.id for a in w.tickets.articles(w.reader, ticket.id)[1]] == [first.id, internal.id]
    with pytest.raises(PermissionDenied):
        w.tickets.article(w.customer_a, internal.id)
    with pytest.raises(PermissionDenied):
        w.tickets.attachment(w.customer_a, ticket.id, internal.id, internal.attachments[0].id)
    assert w.tickets.article(w.agent, internal.id)[1].id == internal.id
    assert w.tickets.attachment(w.agent, ticket.id, internal.id, internal.attachments[0].id)[1] == b"s3cret"


def test_articles_of_a_ticket_the_caller_cannot_read(w: World, with_internal) -> None:
    ticket, first, _ = with_internal
    with pytest.raises(PermissionDenied):
        w.tickets.articles(w.customer_c, ticket.id)
    with pytest.raises(PermissionDenied):
        w.tickets.article(w.customer_d, first.id)


def test_attachment_lookup_errors(w: World, with_internal) -> None:
    ticket, first, _ = with_internal
    other = w.new_ticket()
    attachment_id = first.attachments[0].id
    with pytest.raises(NotFound, match=r"^Couldn't find Ticket::Article with 'id'=999$"):
        w.tickets.attachment(w.agent, ticket.id, 999, attachment_id)
    with pytest.raises(PermissionDenied, match="^The article does not belong to the specified ticket.$"):
        w.tickets.attachment(w.agent, other.id, first.id, attachment_id)
    with pytest.raises(PermissionDenied, match="^The file does not belong to the specified article.$"):
        w.tickets.attachment(w.agent, ticket.id, first.id, attachment_id + 100)
    with pytest.raises(PermissionDenied):
        w.tickets.attachment(w.customer_c, ticket.id, first.id, attachment_id)


def test_attachment_with_lost_bytes_is_not_found(w: World, with_internal) -> None:
    ticket, first, _ = with_internal
    attachment = first.attachments[0]
    w.blobs.objects.clear()
    with pytest.raises(NotFound, match="Couldn't find Store"):
        w.tickets.attachment(w.agent, ticket.id, first.id, attachment.id)


# --- delete ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "reader", "customer_a"])
def test_delete_requires_admin(w: World, with_internal, who: str) -> None:
    ticket, _, _ = with_internal
    with pytest.raises(PermissionDenied, match=r"admin permission required"):
        w.tickets.delete(w.principals[who], ticket.id)
    assert w.ticket_repo.get(ticket.id) is not None and len(w.blobs.objects) == 2


def test_delete_removes_ticket_articles_blobs_and_index_entries(w: World, with_internal) -> None:
    ticket, first, internal = with_internal
    keep = w.new_ticket(title="Printer keeps working")
    assert w.search.tokens_of(ticket.id)
    w.tickets.delete(w.admin, ticket.id)
    with pytest.raises(NotFound):
        w.tickets.get(w.admin, ticket.id)
    assert w.ticket_repo.by_number(ticket.number) is None
    assert w.ticket_repo.article(first.id) is None and w.ticket_repo.article(internal.id) is None
    assert w.blobs.objects == {}
    assert w.search.tokens_of(ticket.id) == set()
    assert search(w, "admin", "printer") == [keep.id]


def test_delete_of_a_missing_ticket(w: World) -> None:
    with pytest.raises(NotFound):
        w.tickets.delete(w.admin, 999)


def test_delete_removes_index_entries_of_every_article(w: World) -> None:
    ticket = w.new_ticket(article=note(" ".join(f"first{i:03d}" for i in range(150))))
    w.tickets.add_article(w.agent, ticket.id, note(" ".join(f"second{i:03d}" for i in range(150))))
    w.tickets.delete(w.admin, ticket.id)
    assert w.search.tokens_of(ticket.id) == set()


def test_delete_removes_index_entries_of_an_earlier_title(w: World) -> None:
    ticket = w.new_ticket(title="Kangaroo", article=note("body"))
    w.tickets.update(w.agent, ticket.id, TicketInput(title="Wombat"))
    w.tickets.delete(w.admin, ticket.id)
    assert w.search.tokens_of(ticket.id) == set()


# --- observers ---------------------------------------------------------------------------------


class Recorder:
    def __init__(self, fail: bool = False) -> None:
        self.changes: list = []
        self.fail = fail

    def ticket_changed(self, change) -> None:
        self.changes.append(change)
        if self.fail:
            raise RuntimeError("observer down")


def test_observers_hear_every_committed_write(w: World, caplog: pytest.LogCaptureFixture) -> None:
    broken, recorder = Recorder(fail=True), Recorder()
    w.tickets.observers += [broken, recorder]
    with caplog.at_level(logging.ERROR):
        ticket = w.new_ticket(title="Observed")
        w.tickets.update(w.agent, ticket.id, TicketInput(title="Observed twice", article=note("reply")))
        w.tickets.delete(w.admin, ticket.id)
    kinds = [(c.kind, c.actor.id) for c in recorder.changes]
    assert kinds == [("created", w.agent.id), ("updated", w.agent.id), ("deleted", w.admin.id)]
    created, updated, deleted = recorder.changes
    assert created.before is None and created.after.title == "Observed" and created.article is not None
    assert (updated.before.title, updated.after.title, updated.article.body) == ("Observed", "Observed twice", "reply")
    assert deleted.after is None and deleted.before.id == ticket.id
    assert "ticket observer Recorder failed" in caplog.text          # logged, and the writes stood


def test_observers_hear_nothing_of_a_refused_write(w: World) -> None:
    recorder = Recorder()
    w.tickets.observers.append(recorder)
    with pytest.raises(InvalidInput):
        w.tickets.create(w.admin, TicketInput(title="", group=Ref("group", id=1)))
    assert recorder.changes == []
