"""Contract of the upload cache store (storage/uploads.py) on DynamoDB (moto) and on the fake; then, on moto
only: the items' expiry keys (the cleanup job finds expired uploads), the cache over the real table and S3,
and the DynamoDB calls each operation makes."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from chalicelib.core.cleanup import Cleanup
from chalicelib.core.errors import Conflict, InvalidInput, NotFound, TooLarge
from chalicelib.core.model import ROLE_CUSTOMER, Principal, UploadedFile, User
from chalicelib.core.uploads import UploadCache, UploadLimits, blob_key
from tests.core.fakes import FakeClock, FakeUploadRepository
from tests.storage.test_contract import BOTH, _adapter, _s3
from tests.storage.test_contract import dynamo, dynamodb_calls  # noqa: F401  (fixtures)

NOW = datetime(2026, 12, 1, 10, 15, tzinfo=timezone.utc)
T0 = int(NOW.timestamp())
HOUR = 3600
LATER = T0 + 24 * HOUR
FORM = "1764584100.77.form@localhost"
OWNER, STRANGER = 10, 11


def _store() -> Any:
    from chalicelib.storage.uploads import UploadStore
    return UploadStore()


@pytest.fixture(params=BOTH)
def repo(request: pytest.FixtureRequest) -> Any:
    return _adapter(request, _store, FakeUploadRepository)


def file(file_id: int, name: str = "", content_id: str = "") -> UploadedFile:
    return UploadedFile(file_id=file_id, filename=name or f"f{file_id}.txt", size=3, content_type="text/plain",
                        content_id=content_id or f"{file_id}.abc@helpdesk.test", created_at="2026-12-01T10:15:00.000Z")


def upload(repo: Any, form_id: str = FORM, owner: int = OWNER, max_files: int = 5, now: int = T0,
           expires: int = LATER, name: str = "") -> UploadedFile:
    """Reserve a FileID and add a file under it, as the core does."""
    form = repo.reserve(form_id, owner, max_files, now, expires)
    added = file(form.last_file_id, name)
    repo.add(form_id, owner, added, form.file_ids, max_files, expires)
    return added


# --- the port's behaviour, on both --------------------------------------------------------------------

def test_reserve_counts_per_form_and_sets_owner_and_expiry(repo: Any) -> None:
    assert repo.read(FORM) == (None, [])
    first = repo.reserve(FORM, OWNER, 5, T0, LATER)
    assert (first.owner_id, first.last_file_id, first.file_ids, first.expires_at) == (OWNER, 1, frozenset(), LATER)
    assert repo.reserve(FORM, OWNER, 5, T0, LATER + 1).last_file_id == 2
    assert repo.reserve("another", OWNER, 5, T0, LATER).last_file_id == 1
    form, files = repo.read(FORM)
    assert (form.last_file_id, form.expires_at, files) == (2, LATER + 1, [])


def test_reserve_refuses_a_strangers_a_full_or_an_expired_form_and_writes_nothing(repo: Any) -> None:
    upload(repo, max_files=2), upload(repo, max_files=2)
    before = repo.read(FORM)
    for attempt in (lambda: repo.reserve(FORM, STRANGER, 5, T0, LATER),
                    lambda: repo.reserve(FORM, OWNER, 2, T0, LATER),
                    lambda: repo.reserve(FORM, OWNER, 5, LATER, LATER + 24 * HOUR)):   # expired at LATER
        with pytest.raises(Conflict):
            attempt()
    assert repo.read(FORM) == before


def test_add_admits_the_file_and_read_lists_the_forms_files_in_order(repo: Any) -> None:
    added = [upload(repo, name=name) for name in ("a.txt", "b.txt", "c.txt")]
    form, files = repo.read(FORM)
    assert (form.file_ids, files) == (frozenset({1, 2, 3}), added)


def test_add_refuses_a_strangers_a_full_a_used_id_or_a_vanished_other_and_writes_nothing(repo: Any) -> None:
    first = upload(repo)
    reserved = repo.reserve(FORM, OWNER, 5, T0, LATER)
    before = repo.read(FORM)
    for owner, added, others, max_files in ((STRANGER, file(2), {1}, 5), (OWNER, file(2), {1}, 1),
                                            (OWNER, first, set(), 5), (OWNER, file(2), {1, 7}, 5)):
        with pytest.raises(Conflict):
            repo.add(FORM, owner, added, others, max_files, LATER)
    assert repo.read(FORM) == before
    repo.add(FORM, OWNER, file(reserved.last_file_id), reserved.file_ids, 5, LATER)
    assert repo.read(FORM)[0].file_ids == {1, 2}


def test_restart_takes_over_an_expired_form_as_a_new_generation(repo: Any) -> None:
    upload(repo, name="old-1"), upload(repo, name="old-2")
    with pytest.raises(Conflict):
        repo.restart(FORM, STRANGER, T0, LATER)             # still live
    fresh = repo.restart(FORM, STRANGER, LATER, LATER + HOUR)
    assert (fresh.owner_id, fresh.last_file_id, fresh.file_ids, fresh.expires_at) == (
        STRANGER, 1, frozenset(), LATER + HOUR)
    assert repo.read(FORM) == (fresh, [])                   # the old generation's items are not its files
    repo.add(FORM, STRANGER, file(1, "new-1"), fresh.file_ids, 5, LATER + HOUR)
    assert [f.filename for f in repo.read(FORM)[1]] == ["new-1"]
    assert repo.restart("never-used", OWNER, T0, LATER).last_file_id == 1


def test_remove_takes_the_owners_files_out_and_drop_forgets_the_form(repo: Any) -> None:
    for _ in range(3):
        upload(repo)
    with pytest.raises(Conflict):
        repo.remove(FORM, STRANGER, [1])
    repo.remove(FORM, OWNER, [1, 3])
    form, files = repo.read(FORM)
    assert (form.file_ids, [f.file_id for f in files]) == (frozenset({2}), [2])
    repo.remove(FORM, OWNER, [2])
    assert repo.read(FORM)[0].file_ids == frozenset()
    assert upload(repo).file_id == 4
    repo.drop(FORM, [4, 99])                                # 99 never existed: no error
    assert repo.read(FORM) == (None, [])
    repo.drop(FORM, [])


# --- DynamoDB only: the items, the expiry index ---------------------------------------------------------

def items(form_id: str = FORM) -> dict[str, Any]:
    from chalicelib.storage.table import UploadItem
    return {item.sk: item for item in UploadItem.query(f"UPLOAD#{form_id}", consistent_read=True)}


def day_of(epoch: int) -> str:
    return "EXPIRES#" + datetime.fromtimestamp(epoch, tz=timezone.utc).date().isoformat()


def test_every_item_carries_the_ttl_and_gsi7_keys_and_an_upload_moves_them_all(dynamo: None) -> None:
    from chalicelib.storage.uploads import UploadStore
    store = UploadStore()
    upload(store)
    later = LATER + 20 * HOUR
    upload(store, now=T0 + 20 * HOUR, expires=later)
    stored = items()
    assert sorted(stored) == ["#FORM", "FILE#0000000001", "FILE#0000000002"]
    for sk, item in stored.items():
        assert type(item).__name__ == "UploadItem"
        assert int(item.expires.timestamp()) == later
        assert (item.gsi7pk, item.gsi7sk) == (day_of(later), f"{later:012d}#UPLOAD#{FORM}#{sk}")
    assert (stored["#FORM"].owner_id, stored["#FORM"].last_file_id, stored["#FORM"].file_ids) == (OWNER, 2, {1, 2})
    assert stored["FILE#0000000002"].doc["filename"] == "f2.txt"


def test_the_cleanup_job_finds_and_removes_expired_uploads_only(dynamo: None) -> None:
    from chalicelib.storage.expiry import ExpiryStore
    from chalicelib.storage.uploads import UploadStore
    store = UploadStore()
    upload(store, form_id="abandoned", now=T0 - 25 * HOUR, expires=T0 - HOUR)
    upload(store, form_id="abandoned", now=T0 - 25 * HOUR, expires=T0 - HOUR)
    upload(store, form_id="live", expires=T0 + HOUR)
    found = ExpiryStore().expired(NOW.date(), T0, 100)
    assert sorted(e.key for e in found) == [("UPLOAD#abandoned", "#FORM"), ("UPLOAD#abandoned", "FILE#0000000001"),
                                            ("UPLOAD#abandoned", "FILE#0000000002")]
    report = Cleanup(ExpiryStore(), FakeClock(NOW), 100).run(NOW)
    assert report.deleted == 3
    assert items("abandoned") == {} and sorted(items("live")) == ["#FORM", "FILE#0000000001"]
    assert store.read("abandoned") == (None, [])


def test_an_upload_refreshes_more_files_than_one_transaction_holds(dynamo: None,
                                                                   dynamodb_calls: list[str]) -> None:
    from chalicelib.storage.codec import to_doc
    from chalicelib.storage.expiry import with_expiry_keys
    from chalicelib.storage.table import UploadItem
    from chalicelib.storage.uploads import TRANSACTION_LIMIT, UploadStore
    store = UploadStore()
    count = TRANSACTION_LIMIT + 1
    expires = datetime.fromtimestamp(LATER, tz=timezone.utc)
    with UploadItem.batch_write() as batch:     # the form as `count` uploads leave it, written in bulk
        pk = f"UPLOAD#{FORM}"
        batch.save(with_expiry_keys(UploadItem(pk=pk, sk="#FORM", owner_id=OWNER, last_file_id=count,
                                               file_ids=set(range(1, count + 1)), expires=expires)))
        for file_id in range(1, count + 1):
            batch.save(with_expiry_keys(UploadItem(pk=pk, sk=f"FILE#{file_id:010d}", doc=to_doc(file(file_id)),
                                                   expires=expires)))
    dynamodb_calls.clear()
    upload(store, max_files=200, expires=LATER + HOUR)       # refreshes 101 others: 98 + one more transaction
    assert dynamodb_calls == ["UpdateItem", "TransactWriteItems", "TransactWriteItems"]
    assert {int(item.expires.timestamp()) for item in items().values()} == {LATER + HOUR}
    assert len(store.read(FORM)[1]) == count + 1


# --- DynamoDB and S3: the cache itself, and what each operation costs -----------------------------------

def customer(user_id: int) -> Principal:
    user = User(id=user_id, login=f"c{user_id}@example.com", role_ids=[ROLE_CUSTOMER])
    return Principal(user=user, permissions=user.permissions)


class Real:
    def __init__(self) -> None:
        from chalicelib.storage.uploads import UploadStore
        self.blobs = _s3()
        self.clock = FakeClock(NOW)
        self.cache = UploadCache(UploadStore(), self.blobs, self.clock,
                                 UploadLimits(max_bytes=100, max_files=3, ttl_hours=24), fqdn="helpdesk.test")
        self.me, self.stranger = customer(OWNER), customer(STRANGER)

    def add(self, name: str, data: bytes = b"abc", who: Any = None) -> UploadedFile:
        return self.cache.add(who or self.me, FORM, name, "text/plain", data)


@pytest.fixture()
def real(dynamo: None) -> Real:
    return Real()


def test_the_cache_keeps_bytes_in_s3_under_the_forms_prefix(real: Real) -> None:
    first, second = real.add("a.txt", b"AAA"), real.add("b.txt", b"BBB")
    assert real.blobs.get(blob_key(FORM, 2)) == b"BBB" and blob_key(FORM, 2) == f"uploads/{FORM}/2"
    assert real.cache.get(real.me, FORM, first.content_id) == (first, b"AAA")
    assert real.cache.files(real.stranger, FORM) == []
    real.cache.delete(real.me, FORM, "a.txt")
    with pytest.raises(NotFound):
        real.blobs.get(blob_key(FORM, 1))
    assert [(a.filename, a.data) for a in real.cache.take(real.me, FORM)] == [("b.txt", b"BBB")]
    real.cache.clear(real.me, FORM)
    assert real.cache.files(real.me, FORM) == []
    with pytest.raises(NotFound):
        real.blobs.get(blob_key(FORM, 2))
    assert second.file_id == 2


def test_each_operation_makes_a_fixed_small_number_of_dynamodb_calls(real: Real, dynamodb_calls: list[str]) -> None:
    def calls(operation: Any) -> list[str]:
        dynamodb_calls.clear()
        operation()
        return list(dynamodb_calls)

    assert calls(lambda: real.add("a.txt")) == ["UpdateItem", "TransactWriteItems"]
    assert calls(lambda: real.add("b.txt")) == ["UpdateItem", "TransactWriteItems"]   # refreshing a.txt too
    stored = real.cache.files(real.me, FORM)
    assert calls(lambda: real.cache.files(real.me, FORM)) == ["Query"]
    assert calls(lambda: real.cache.get(real.me, FORM, stored[1].content_id)) == ["Query"]
    assert calls(lambda: real.cache.take(real.me, FORM)) == ["Query"]
    assert calls(lambda: real.cache.delete(real.me, FORM, "a.txt")) == ["Query", "TransactWriteItems"]
    assert calls(lambda: real.cache.clear(real.me, FORM)) == ["Query", "BatchWriteItem"]
    assert "Scan" not in dynamodb_calls


def test_refusals_cost_one_more_query_and_an_expired_form_one_restart(real: Real,
                                                                       dynamodb_calls: list[str]) -> None:
    for name in ("a", "b", "c"):
        real.add(name)
    dynamodb_calls.clear()
    with pytest.raises(InvalidInput):
        real.add("d")                                     # full
    assert dynamodb_calls == ["UpdateItem", "Query"]
    dynamodb_calls.clear()
    with pytest.raises(NotFound):
        real.add("e", who=real.stranger)
    assert dynamodb_calls == ["UpdateItem", "Query"]
    real.clock.advance(24 * HOUR)
    dynamodb_calls.clear()
    assert real.add("new", who=real.stranger).file_id == 1
    assert dynamodb_calls == ["UpdateItem", "Query", "UpdateItem", "TransactWriteItems"]
    assert [f.filename for f in real.cache.files(real.stranger, FORM)] == ["new"]


def test_the_container_wires_the_cache_to_the_table_and_bucket_with_the_settings(aws: None,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import bootstrap
    monkeypatch.setenv("HELPDESK_UPLOAD_MAX_FILES", "1")
    monkeypatch.setenv("HELPDESK_MAX_ATTACHMENT_BYTES", "4")
    bootstrap.reset()
    bootstrap.provision(demo=False)
    uploads = bootstrap.container().uploads
    me = customer(OWNER)
    stored = uploads.add(me, FORM, "a.txt", "text/plain", b"1234")
    assert uploads.get(me, FORM, stored.content_id) == (stored, b"1234")
    with pytest.raises(TooLarge):
        uploads.add(me, FORM, "b.txt", "text/plain", b"12345")
    with pytest.raises(InvalidInput):
        uploads.add(me, FORM, "c.txt", "text/plain", b"1")
