"""The form upload cache (core/uploads.py) on in-memory fakes: FileIDs, ownership, limits, names, reading,
deleting, take + clear into a ticket, expiry, and writes that lose a race with a concurrent request."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from chalicelib.core.errors import Conflict, InvalidInput, NotFound, OperationFailed, TooLarge
from chalicelib.core.uploads import (INVALID_UPLOAD, SIZE_LIMIT_EXCEEDED, UploadCache, UploadLimits, blob_key,
                                     clean_content_type, clean_filename)
from tests.core.fakes import FakeUploadRepository, World, make_world

FORM = "1711962000.4242.form@localhost"
OTHER_FORM = "other-form"
FQDN = "helpdesk.test"
LIMITS = UploadLimits(max_bytes=1_000, max_files=3, ttl_hours=24)
HOUR = 3600


class Setup:
    def __init__(self) -> None:
        self.world: World = make_world()
        self.repository = FakeUploadRepository()
        self.cache = UploadCache(self.repository, self.world.blobs, self.world.clock, LIMITS, fqdn=FQDN)

    def upload(self, name: str = "log.txt", data: bytes = b"line 1\n", form: str = FORM, who=None,
               content_type: str = "text/plain"):
        return self.cache.add(who or self.world.customer_a, form, name, content_type, data)

    def advance_hours(self, hours: float) -> None:
        self.world.clock.advance(hours * HOUR)

    def epoch(self, hours_from_now: float = 0) -> int:
        return int((self.world.clock.now() + timedelta(hours=hours_from_now)).timestamp())


@pytest.fixture()
def s() -> Setup:
    return Setup()


# --- ids -----------------------------------------------------------------------------------------

def test_file_ids_count_per_form_and_content_ids_are_unique(s: Setup) -> None:
    first, second = s.upload("a.txt"), s.upload("b.txt")
    elsewhere = s.upload("c.txt", form=OTHER_FORM)
    assert (first.file_id, second.file_id, elsewhere.file_id) == (1, 2, 1)
    assert re.fullmatch(rf"1\.[0-9a-f]{{16}}@{re.escape(FQDN)}", first.content_id)
    assert len({first.content_id, second.content_id, elsewhere.content_id}) == 3
    assert [f.filename for f in s.cache.files(s.world.customer_a, FORM)] == ["a.txt", "b.txt"]
    assert first.created_at == "2024-03-01T09:00:00.000Z" and first.size == len(b"line 1\n")


def test_file_ids_are_never_reused_within_a_form(s: Setup) -> None:
    s.upload("a.txt"), s.upload("b.txt")
    s.cache.delete(s.world.customer_a, FORM, "b.txt")
    assert s.upload("c.txt").file_id == 3
    assert [f.file_id for f in s.cache.files(s.world.customer_a, FORM)] == [1, 3]


# --- ownership -----------------------------------------------------------------------------------

def test_a_form_is_its_first_uploaders_and_reads_as_empty_to_others(s: Setup) -> None:
    mine = s.upload("secret.pdf", b"%PDF")
    other = s.world.customer_b
    assert s.cache.files(other, FORM) == [] and s.cache.take(other, FORM) == []
    with pytest.raises(NotFound):
        s.cache.get(other, FORM, mine.content_id)
    with pytest.raises(NotFound):
        s.cache.delete(other, FORM, "secret.pdf")
    with pytest.raises(NotFound) as refused:
        s.upload("mine-now.txt", who=other)
    assert refused.value.details["key"] == FORM
    s.cache.clear(other, FORM)                      # someone else's: left alone
    assert s.cache.get(s.world.customer_a, FORM, mine.content_id)[1] == b"%PDF"
    assert [f.filename for f in s.cache.files(s.world.customer_a, FORM)] == ["secret.pdf"]


# --- limits and validation -----------------------------------------------------------------------

def test_a_file_over_the_size_limit_is_413_with_the_seeds_message(s: Setup) -> None:
    assert s.upload("exact.bin", b"x" * LIMITS.max_bytes).size == LIMITS.max_bytes
    with pytest.raises(TooLarge) as refused:
        s.upload("big.bin", b"x" * (LIMITS.max_bytes + 1))
    assert (refused.value.message, refused.value.details["field"]) == (SIZE_LIMIT_EXCEEDED, "Upload")
    assert len(s.cache.files(s.world.customer_a, FORM)) == 1
    assert len(s.world.blobs.objects) == 1          # nothing stored for the refused one


def test_at_most_max_files_per_form_then_room_again_after_a_delete(s: Setup) -> None:
    for name in ("a", "b", "c"):
        s.upload(name)
    with pytest.raises(InvalidInput) as refused:
        s.upload("d")
    assert refused.value.field == "Upload" and "at most 3" in refused.value.message
    assert len(s.world.blobs.objects) == 3
    s.cache.delete(s.world.customer_a, FORM, "b")
    assert s.upload("d").file_id == 4               # the refused attempt gave out no FileID
    assert [f.filename for f in s.cache.files(s.world.customer_a, FORM)] == ["a", "c", "d"]


@pytest.mark.parametrize("name", ["", None, "   ", "dir/", "C:\\Users\\", "..", "../", "\x00\x1f"])
def test_a_missing_or_pathless_filename_is_the_seeds_422(s: Setup, name) -> None:
    with pytest.raises(InvalidInput) as refused:
        s.upload(name)
    assert (refused.value.message, refused.value.field) == (INVALID_UPLOAD, "Upload")
    assert s.repository.forms == {} and s.world.blobs.objects == {}


@pytest.mark.parametrize("form_id", ["", "a" * 251, "a#b", "a/b", "a b", "ä", "x\n"])
def test_a_bad_form_id_is_invalid_input_on_every_operation(s: Setup, form_id: str) -> None:
    customer = s.world.customer_a
    for operation in (lambda: s.upload(form=form_id), lambda: s.cache.files(customer, form_id),
                      lambda: s.cache.get(customer, form_id, "1.x@y"), lambda: s.cache.take(customer, form_id),
                      lambda: s.cache.delete(customer, form_id, "a"), lambda: s.cache.clear(customer, form_id)):
        with pytest.raises(InvalidInput) as refused:
            operation()
        assert refused.value.field == "FormID"


def test_a_form_id_of_250_allowed_characters_is_fine(s: Setup) -> None:
    form_id = ("Az09@._:-" * 28)[:250]
    assert s.upload(form=form_id).file_id == 1
    assert blob_key(form_id, 1) in s.world.blobs.objects


# --- names and types -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, clean", [
    ("report.pdf", "report.pdf"),
    ("C:\\Users\\me\\Desktop\\report.pdf", "report.pdf"),
    ("../../etc/passwd", "passwd"),
    ("  spaced name.txt  ", "spaced name.txt"),
    ("evil\r\nX-Header: 1.txt", "evilX-Header: 1.txt"),
    (".htaccess", ".htaccess"),
    ("Größe ünd 日本.txt", "Größe ünd 日本.txt"),
])
def test_filenames_lose_paths_and_control_characters(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_long_filenames_are_cut_keeping_a_short_extension() -> None:
    assert clean_filename("a" * 300 + ".pdf") == "a" * 251 + ".pdf"
    assert clean_filename("b" * 300) == "b" * 255
    assert clean_filename("c" * 10 + "." + "d" * 300) == ("c" * 10 + "." + "d" * 300)[:255]


@pytest.mark.parametrize("raw, clean", [
    ("TEXT/Plain; Charset=\"UTF-8\"", "text/plain; charset=UTF-8"),
    ("image/png", "image/png"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("text/html; charset=<script>", "text/html"),
    ("", "application/octet-stream"),
    (None, "application/octet-stream"),
    ("<script>alert(1)</script>", "application/octet-stream"),
    ("text/plain\r\nX: y", "application/octet-stream"),
])
def test_content_types_are_normalised_or_octet_stream(raw, clean: str) -> None:
    assert clean_content_type(raw) == clean


def test_the_stored_file_carries_the_clean_name_and_type(s: Setup) -> None:
    stored = s.cache.add(s.world.customer_a, FORM, "..\\x\\notes.txt", "Text/Plain; charset=utf-8", b"hi")
    assert (stored.filename, stored.content_type) == ("notes.txt", "text/plain; charset=utf-8")
    blob = s.world.blobs.objects[blob_key(FORM, 1)]
    assert (blob.filename, blob.content_type, blob.data) == ("notes.txt", "text/plain; charset=utf-8", b"hi")


# --- get and delete ---------------------------------------------------------------------------------

def test_get_by_content_id_returns_the_file_and_its_bytes(s: Setup) -> None:
    s.upload("a.txt", b"AAA")
    second = s.upload("b.png", b"\x89PNG", content_type="image/png")
    found, data = s.cache.get(s.world.customer_a, FORM, second.content_id)
    assert (found, data) == (second, b"\x89PNG")
    with pytest.raises(NotFound) as missing:
        s.cache.get(s.world.customer_a, FORM, "2.0000000000000000@" + FQDN)
    assert missing.value.entity == "Attachment"


def test_delete_by_filename_removes_every_file_of_that_name_and_its_bytes(s: Setup) -> None:
    keep = s.upload("keep.txt")
    s.upload("dup.png"), s.upload("dup.png")
    s.cache.delete(s.world.customer_a, FORM, "dup.png")
    assert s.cache.files(s.world.customer_a, FORM) == [keep]
    assert sorted(s.world.blobs.objects) == [blob_key(FORM, 1)]
    with pytest.raises(NotFound) as missing:
        s.cache.delete(s.world.customer_a, FORM, "dup.png")
    assert (missing.value.entity, missing.value.key) == ("Attachment", "dup.png")
    with pytest.raises(NotFound):
        s.cache.delete(s.world.customer_a, FORM, "")


def test_delete_matches_the_name_as_it_was_cleaned(s: Setup) -> None:
    s.upload("C:\\docs\\plan.txt")
    s.cache.delete(s.world.customer_a, FORM, "C:\\docs\\plan.txt")
    assert s.cache.files(s.world.customer_a, FORM) == []


def test_a_file_whose_bytes_are_gone_is_not_found(s: Setup) -> None:
    stored = s.upload("a.txt")
    s.world.blobs.objects.clear()     # e.g. removed by the bucket's lifecycle rule
    with pytest.raises(NotFound):
        s.cache.get(s.world.customer_a, FORM, stored.content_id)
    with pytest.raises(NotFound):
        s.cache.take(s.world.customer_a, FORM)


# --- take and clear into a ticket -------------------------------------------------------------------

def test_take_gives_attachments_a_ticket_accepts_and_clear_empties_the_form(s: Setup) -> None:
    customer = s.world.customer_a
    s.cache.add(customer, FORM, "notes.txt", "text/plain; charset=utf-8", b"hello")
    s.cache.add(customer, FORM, "shot.png", "image/png", b"\x89PNG")
    attachments = s.cache.take(customer, FORM)
    assert [(a.filename, a.data, a.mime_type, a.charset) for a in attachments] == [
        ("notes.txt", b"hello", "text/plain", "utf-8"), ("shot.png", b"\x89PNG", "image/png", None)]
    assert len(s.cache.files(customer, FORM)) == 2     # take alone keeps them (the ticket write may fail)
    ticket_input = s.world.ticket_input(for_customer=customer)
    ticket_input.article.attachments = attachments
    ticket, article = s.world.tickets.create(customer, ticket_input)
    assert [(a.filename, a.size) for a in article.attachments] == [("notes.txt", 5), ("shot.png", 4)]
    s.cache.clear(customer, FORM)
    assert s.cache.files(customer, FORM) == [] and s.cache.take(customer, FORM) == []
    assert not any(key.startswith(f"uploads/{FORM}/") for key in s.world.blobs.objects)
    assert s.upload("next.txt").file_id == 1           # a cleared form starts afresh


def test_take_of_an_unknown_form_is_empty_and_clear_of_it_does_nothing(s: Setup) -> None:
    assert s.cache.take(s.world.customer_a, "never-used") == []
    s.cache.clear(s.world.customer_a, "never-used")


# --- expiry ------------------------------------------------------------------------------------------

def test_a_form_expires_ttl_after_its_last_upload(s: Setup) -> None:
    s.upload("a.txt")
    s.advance_hours(20)
    s.upload("b.txt")                                  # moves the expiry of the form and of a.txt
    assert s.repository.file_expiry[(FORM, 1)] == s.repository.file_expiry[(FORM, 2)] == s.epoch(24)
    s.advance_hours(23.9)                              # 43.9 h after the first upload
    assert [f.filename for f in s.cache.files(s.world.customer_a, FORM)] == ["a.txt", "b.txt"]
    s.advance_hours(0.1)
    assert s.cache.files(s.world.customer_a, FORM) == [] and s.cache.take(s.world.customer_a, FORM) == []


def test_an_expired_form_starts_a_new_generation_for_whoever_uploads(s: Setup) -> None:
    old = s.upload("old.txt")
    s.advance_hours(25)
    with pytest.raises(NotFound):
        s.cache.get(s.world.customer_a, FORM, old.content_id)
    fresh = s.upload("fresh.txt", who=s.world.customer_b)
    assert fresh.file_id == 1 and fresh.content_id != old.content_id
    assert [f.filename for f in s.cache.files(s.world.customer_b, FORM)] == ["fresh.txt"]
    assert s.cache.files(s.world.customer_a, FORM) == []
    with pytest.raises(NotFound):
        s.upload("mine.txt")                           # now customer B's form


# --- races ---------------------------------------------------------------------------------------------

def test_an_upload_that_loses_the_last_place_is_refused_and_leaves_no_bytes(s: Setup) -> None:
    s.upload("a"), s.upload("b")
    s.repository.before_write = lambda: s.upload("concurrent")   # runs inside the next add
    with pytest.raises(InvalidInput) as refused:
        s.upload("late")
    assert refused.value.field == "Upload"
    assert [f.filename for f in s.cache.files(s.world.customer_a, FORM)] == ["a", "b", "concurrent"]
    assert sorted(s.world.blobs.objects) == [blob_key(FORM, i) for i in (1, 2, 4)]   # 3 was "late"'s


def test_an_upload_racing_a_delete_retries_and_refreshes_the_remaining_files(s: Setup) -> None:
    s.upload("a"), s.upload("b")
    s.advance_hours(2)
    s.repository.before_write = lambda: s.cache.delete(s.world.customer_a, FORM, "a")
    assert s.upload("c").file_id == 3
    assert [f.filename for f in s.cache.files(s.world.customer_a, FORM)] == ["b", "c"]
    assert s.repository.file_expiry[(FORM, 2)] == s.epoch(24)


def test_an_upload_racing_a_clear_fails_as_could_not_add_and_leaves_no_bytes(s: Setup) -> None:
    s.upload("a")
    s.repository.before_write = lambda: s.cache.clear(s.world.customer_a, FORM)
    with pytest.raises(OperationFailed) as failed:
        s.upload("b")
    assert failed.value.identifier == "CouldNotAddFile"
    assert s.world.blobs.objects == {}


def test_a_delete_that_keeps_losing_races_fails_as_could_not_delete(s: Setup) -> None:
    s.upload("a")

    def always_conflicting(*_args) -> None:
        raise Conflict("The upload form changed meanwhile.")
    s.repository.remove = always_conflicting           # type: ignore[method-assign]
    with pytest.raises(OperationFailed) as failed:
        s.cache.delete(s.world.customer_a, FORM, "a")
    assert failed.value.identifier == "CouldNotDeleteFile"
    assert blob_key(FORM, 1) in s.world.blobs.objects  # bytes stay with their still listed file
