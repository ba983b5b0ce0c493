"""/api/customer/upload/{FormID} (seed 000 L2276-2550): a form's upload cache."""
from __future__ import annotations

import uuid

import pytest

from tests.api.otrs.conftest import Otrs

FORM = "bbcbda800-31f3-11e8-a39e-6ba2f50ba514@localhost"


def multipart(filename: str, data: bytes, content_type: str = "text/plain",
              field: str = "Upload") -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nignored\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(otrs: Otrs, filename: str, data: bytes, form: str = FORM, who: str = "customer", **kw):
    body, content_type = multipart(filename, data, **kw)
    return otrs.request("POST", f"/upload/{form}", raw=body, who=who, headers={"Content-Type": content_type})


def test_upload_list_get_and_delete(otrs: Otrs) -> None:
    first = upload(otrs, "report.txt", b"hello")
    assert first.status == 200, first
    assert first.json == {"FileID": 1, "uploaded": 1,
                          "url": "/api/customer/upload/bbcbda800-31f3-11e8-a39e-6ba2f50ba514%40localhost"}
    assert first.headers["x-otrs-api-version"] == "1.0.0"
    second = otrs.request("POST", f"/upload/{FORM}?Upload=raw.bin", raw=b"\x00\x01",
                          headers={"Content-Type": "application/octet-stream"})
    assert second.status == 200 and second.json["FileID"] == 2
    from chalicelib import bootstrap
    container = bootstrap.container()
    principal = container.authenticator.otrs_customer({"authentication": f"Bearer {otrs.login()}"})
    files = container.uploads.files(principal, FORM)
    assert [(f.file_id, f.filename, f.size) for f in files] == [(1, "report.txt", 5), (2, "raw.bin", 2)]
    got = otrs.get(f"/upload/{FORM}?ContentID={files[0].content_id}")
    assert got.status == 200 and got.body == b"hello"
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    # a browser fetches it with the cookie instead of the header
    cookie = otrs.request("GET", f"/upload/{FORM}?ContentID={files[0].content_id}", who=None,
                          headers={"Cookie": f"AuthenticationCustomer={otrs.login()}"})
    assert cookie.status == 200 and cookie.body == b"hello"
    deleted = otrs.delete(f"/upload/{FORM}", {"Filename": "report.txt"})
    assert deleted.status == 200, deleted
    again = otrs.delete(f"/upload/{FORM}", {"Filename": "report.txt"})
    assert again.status == 404 and again.json == {"Error": "Attachment not found."}
    assert otrs.get(f"/upload/{FORM}?ContentID={files[0].content_id}").status == 404


def test_errors_as_the_seed_documents_them(otrs: Otrs) -> None:
    from chalicelib import bootstrap
    limit = bootstrap.container().settings.max_attachment_bytes
    big = upload(otrs, "big.bin", b"x" * (limit + 1))
    assert big.status == 413 and big.json == {"Errors": {"Upload": {"Message": "Size limit exceeded!"}}}
    nameless = otrs.request("POST", f"/upload/{FORM}", raw=b"data", headers={"Content-Type": "text/plain"})
    assert nameless.status == 422
    assert nameless.json == {"Errors": {"Upload": {"Message": "Invalid upload or UploadFile!"}}}
    no_file = otrs.request("POST", f"/upload/{FORM}", raw=b"--x\r\n\r\n--x--", headers={
        "Content-Type": "multipart/form-data; boundary=x"})
    assert no_file.status == 422 and list(no_file.json["Errors"]) == ["Upload"]
    assert otrs.get(f"/upload/{FORM}").status == 422                       # ContentID required
    assert otrs.delete(f"/upload/{FORM}", {}).status == 422                 # Filename required
    assert upload(otrs, "a.txt", b"x", form="bad form id!").status == 422
    assert otrs.get(f"/upload/{FORM}?ContentID=1", who=None).status == 401


def test_a_form_is_its_uploaders(otrs: Otrs, api) -> None:
    """Another customer (here: a colleague of the same organization) never sees or deletes the files."""
    from tests.api.zammad.test_permissions import add_user
    from chalicelib.core.model import ROLE_CUSTOMER
    add_user(api, "colleague", "colleague@example.com", [ROLE_CUSTOMER], organization_id=1)
    assert upload(otrs, "mine.txt", b"secret").status == 200
    from chalicelib import bootstrap
    container = bootstrap.container()
    mine = container.authenticator.otrs_customer({"authentication": f"Bearer {otrs.login()}"})
    content_id = container.uploads.files(mine, FORM)[0].content_id
    assert otrs.get(f"/upload/{FORM}?ContentID={content_id}", who="colleague").status == 404
    assert otrs.delete(f"/upload/{FORM}", {"Filename": "mine.txt"}, who="colleague").status == 404
    taken = upload(otrs, "theirs.txt", b"x", who="colleague")
    assert taken.status == 404 and taken.json == {"Error": "Attachment not found."}
