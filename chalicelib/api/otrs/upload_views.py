"""A form's upload cache (seed 000 L2276-2550, OTRS's WebUploadCache): files a customer uploads while
filling a form, attached to the ticket or article the form then creates (`FormID`). Over
core.uploads.UploadCache; the bytes live in S3, the list in the table, both expire."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional
from urllib.parse import quote

from chalice import Response

from ...core.errors import InvalidInput, NotFound, TooLarge
from ..http import content_disposition, multipart_file
from .routes import API_VERSION, Call, message, route

INVALID_UPLOAD = "Invalid upload or UploadFile!"
FILE_FIELDS = ("Upload", "upload", "UploadFile", "file")


@contextmanager
def attachment_not_found() -> Iterator[None]:
    """The seed's 404 text for a file that is not (or no longer, or not the caller's) in the form."""
    try:
        yield
    except NotFound as error:
        error.details["otrs_message"] = "Attachment not found."
        raise


def uploaded_file(call: Call) -> tuple[Optional[str], str, bytes]:
    """(filename, content type, bytes) of the upload: a multipart/form-data file part (named `Upload`,
    as OTRS's form sends it, or any other file part), or the raw body with the name in `?Upload=`."""
    raw = call.raw_body or b""
    limit = call.container.settings.max_body_bytes
    if len(raw) > limit:
        raise TooLarge("Size limit exceeded!", field="Upload")
    content_type = call.content_type or ""
    if content_type.lower().startswith("multipart/form-data"):
        found = multipart_file(raw, content_type, FILE_FIELDS)
        if found is None:
            raise InvalidInput(INVALID_UPLOAD, field="Upload")
        return found
    name = call.params.get("Upload") or call.params.get("upload")
    if not name or not raw:
        raise InvalidInput(INVALID_UPLOAD, field="Upload")
    return name, content_type or "application/octet-stream", raw


@route("/upload/{FormID}", methods=("POST",))
def add_upload(call: Call, FormID: str) -> Any:  # noqa: N803  (the seed's parameter name)
    filename, content_type, data = uploaded_file(call)
    with attachment_not_found():  # someone else's live form: as if there were nothing to add to
        file = call.container.uploads.add(call.customer, FormID, filename, content_type, data)
    return {"FileID": file.file_id, "uploaded": 1, "url": f"/api/customer/upload/{quote(FormID, safe='')}"}


@route("/upload/{FormID}", methods=("GET",), cookie=True)
def get_upload(call: Call, FormID: str) -> Any:  # noqa: N803
    content_id = call.params.get("ContentID")
    if not content_id:
        raise InvalidInput("ContentID is required.", field="ContentID")
    with attachment_not_found():
        file, data = call.container.uploads.get(call.customer, FormID, content_id)
    return Response(body=data, status_code=200, headers={
        "Content-Type": "application/octet-stream", "X-OTRS-API-Version": API_VERSION,
        "Content-Disposition": content_disposition("attachment", file.filename),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})


@route("/upload/{FormID}", methods=("DELETE",))
def delete_upload(call: Call, FormID: str) -> Any:  # noqa: N803
    filename = call.body().get("Filename")
    if not isinstance(filename, str) or not filename.strip():
        raise InvalidInput("Filename is required.", field="Filename")
    with attachment_not_found():
        call.container.uploads.delete(call.customer, FormID, filename)
    return message("Deleted the attachment successfully.")
