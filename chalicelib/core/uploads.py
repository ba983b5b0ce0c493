"""The form upload cache (OTRS's FormID / WebUploadCache): files a customer uploads while composing a
ticket or a reply, kept until the ticket or article created with that FormID attaches them.

- A form belongs to the first user who uploads to it. To anyone else it reads as empty and its files as
  absent, so nobody learns what others upload; only an upload to it fails (NotFound).
- FileIDs count 1, 2, 3... per form (the form's counter); ContentIDs are unique (`<FileID>.<random>@<fqdn>`).
- The form expires `ttl_hours` after its last upload; an expired form reads as empty and the next upload to
  its FormID starts a new generation (FileID 1 again, whoever uploads). The storage TTL and the daily cleanup
  remove what is left; reads never rely on that having happened.
- Creating a ticket or article: `take` gives the files as attachment inputs, the ticket write happens, then
  `clear` empties the form (a failed write leaves the uploads in place for the retry).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Iterable, Optional

from .errors import Conflict, DomainError, InvalidInput, NotFound, OperationFailed, TooLarge
from .model import Principal, UploadedFile
from .ports import BlobStore, Clock, NewBlob, UploadForm, UploadRepository
from .tickets import AttachmentInput
from .users import iso

FORM_ID = re.compile(r"[A-Za-z0-9@._:-]{1,250}")
INVALID_UPLOAD = "Invalid upload or UploadFile!"   # the seed's 422 message for a missing or nameless file
SIZE_LIMIT_EXCEEDED = "Size limit exceeded!"       # the seed's 413 message
COULD_NOT_ADD = ("CouldNotAddFile", "The system was unable to add the attachment in the upload cache.")
COULD_NOT_DELETE = ("CouldNotDeleteFile", "The system was unable to delete the attachment from the upload cache.")
FORM_ENTITY = "UploadForm"
FILE_ENTITY = "Attachment"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
MAX_FILENAME_LENGTH = 255
MAX_KEPT_EXTENSION = 16     # a shortened filename keeps an extension up to this long
ATTEMPTS = 4                # tries of a write that lost a race with a concurrent upload or delete

_PATH_SEPARATORS = re.compile(r"[\\/]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
_MEDIA_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]{1,127}/[a-z0-9!#$&^_.+-]{1,127}")
_CHARSET = re.compile(r"[A-Za-z0-9._:-]{1,40}")


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int      # per file (settings.max_attachment_bytes: what an attachment may be anyway)
    max_files: int      # per form
    ttl_hours: int      # after the last upload


def check_form_id(form_id: str) -> str:
    if not isinstance(form_id, str) or not FORM_ID.fullmatch(form_id):
        raise InvalidInput("FormID must be 1 to 250 characters of letters, digits and @ . _ : -", field="FormID")
    return form_id


def clean_filename(raw: Optional[str]) -> str:
    """The name without any path (Windows or POSIX) or control characters, at most 255 characters (keeping
    a short extension); '' when nothing usable is left. Path parts would otherwise travel into attachment
    names and download headers."""
    name = _CONTROL_CHARACTERS.sub("", _PATH_SEPARATORS.split(raw or "")[-1]).strip()
    if not name.strip("."):
        return ""
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        suffix = dot + extension if stem and len(extension) <= MAX_KEPT_EXTENSION else ""
        name = name[:MAX_FILENAME_LENGTH - len(suffix)] + suffix
    return name


def clean_content_type(raw: Optional[str]) -> str:
    """`type/subtype` lower-cased, with a `; charset=...` kept when well formed; anything unparseable is
    application/octet-stream (served as a download, never rendered)."""
    media, _, parameters = (raw or "").partition(";")
    media = media.strip().lower()
    if not _MEDIA_TYPE.fullmatch(media):
        return DEFAULT_CONTENT_TYPE
    charset = _charset(parameters)
    return f"{media}; charset={charset}" if charset else media


def _charset(parameters: str) -> Optional[str]:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        value = value.strip().strip('"')
        if name.strip().lower() == "charset" and _CHARSET.fullmatch(value):
            return value
    return None


def blob_key(form_id: str, file_id: int) -> str:
    return f"uploads/{form_id}/{file_id}"


class UploadCache:
    def __init__(self, repository: UploadRepository, blobs: BlobStore, clock: Clock, limits: UploadLimits,
                 fqdn: str, token: Callable[[], str] = lambda: secrets.token_hex(8)) -> None:
        self._repository = repository
        self._blobs = blobs
        self._clock = clock
        self._limits = limits
        self._fqdn = fqdn
        self._token = token

    # --- reading ------------------------------------------------------------------------------

    def files(self, principal: Principal, form_id: str) -> list[UploadedFile]:
        """The caller's files in the form, by FileID; [] for an absent, expired or someone else's form."""
        check_form_id(form_id)
        form, files = self._repository.read(form_id)
        return files if self._is_callers(form, principal, self._now_epoch()) else []

    def get(self, principal: Principal, form_id: str, content_id: str) -> tuple[UploadedFile, bytes]:
        for file in self.files(principal, form_id):
            if file.content_id == content_id:
                return file, self._bytes(form_id, file)
        raise NotFound(FILE_ENTITY, content_id, "ContentID")

    def take(self, principal: Principal, form_id: str) -> list[AttachmentInput]:
        """The form's files as the attachments of the ticket or article being created. The form keeps them
        until `clear`, called once that write succeeded."""
        attachments = []
        for file in self.files(principal, form_id):
            media, _, parameters = file.content_type.partition(";")
            attachments.append(AttachmentInput(file.filename, self._bytes(form_id, file), media, _charset(parameters)))
        return attachments

    # --- writing ------------------------------------------------------------------------------

    def add(self, principal: Principal, form_id: str, filename: Optional[str], content_type: Optional[str],
            data: bytes) -> UploadedFile:
        check_form_id(form_id)
        name = clean_filename(filename)
        if not name or data is None:
            raise InvalidInput(INVALID_UPLOAD, field="Upload")
        if len(data) > self._limits.max_bytes:
            raise TooLarge(SIZE_LIMIT_EXCEEDED, field="Upload", limit=self._limits.max_bytes)
        now_epoch = self._now_epoch()
        expires_at = now_epoch + int(timedelta(hours=self._limits.ttl_hours).total_seconds())
        form = self._reserve(principal.id, form_id, now_epoch, expires_at)
        file_id = form.last_file_id
        file = UploadedFile(file_id=file_id, filename=name, size=len(data),
                            content_type=clean_content_type(content_type),
                            content_id=f"{file_id}.{self._token()}@{self._fqdn}", created_at=iso(self._clock))
        key = blob_key(form_id, file_id)
        self._blobs.put(NewBlob(key=key, data=data, content_type=file.content_type, filename=name))
        try:
            self._admit(principal.id, form_id, file, form.file_ids, now_epoch, expires_at)
        except DomainError:
            self._blobs.delete([key])   # the bytes of a file the form did not take
            raise
        return file

    def _admit(self, owner_id: int, form_id: str, file: UploadedFile, others: frozenset[int], now_epoch: int,
               expires_at: int) -> None:
        """Put the stored file into the form under its reserved FileID, retrying while only the form's other
        files changed meanwhile (one was deleted: refresh the rest)."""
        for _ in range(ATTEMPTS):
            try:
                self._repository.add(form_id, owner_id, file, others, self._limits.max_files, expires_at)
                return
            except Conflict:
                current, _files = self._repository.read(form_id)
            if not self._still_reserved(current, owner_id, file.file_id, now_epoch):
                break
            if len(current.file_ids) >= self._limits.max_files:   # a concurrent upload took the last place
                raise self._too_many()
            others = current.file_ids
        raise OperationFailed(*COULD_NOT_ADD)

    def delete(self, principal: Principal, form_id: str, filename: Optional[str]) -> None:
        """Remove the caller's files of that name (the API deletes by name; names are not unique)."""
        name = clean_filename(filename)
        for _ in range(ATTEMPTS):
            doomed = [file for file in self.files(principal, form_id) if file.filename == name]
            if not name or not doomed:
                raise NotFound(FILE_ENTITY, filename, "Filename")
            try:
                self._repository.remove(form_id, principal.id, [file.file_id for file in doomed])
            except Conflict:
                continue   # the form changed meanwhile: look again
            self._blobs.delete(self._keys(form_id, doomed))
            return
        raise OperationFailed(*COULD_NOT_DELETE)

    def clear(self, principal: Principal, form_id: str) -> None:
        """Empty the caller's form after its files became attachments (or to abandon it); someone else's
        form, or none, is left alone."""
        check_form_id(form_id)
        form, files = self._repository.read(form_id)
        if form is None or form.owner_id != principal.id:
            return
        self._repository.drop(form_id, [file.file_id for file in files])
        self._blobs.delete(self._keys(form_id, files))

    # --- helpers ------------------------------------------------------------------------------

    def _reserve(self, owner_id: int, form_id: str, now_epoch: int, expires_at: int) -> UploadForm:
        """The next FileID of the caller's form: reserve it, or find out why not. An expired form (the
        caller's or not) is restarted as a new generation."""
        max_files = self._limits.max_files
        for _ in range(ATTEMPTS):
            try:
                return self._repository.reserve(form_id, owner_id, max_files, now_epoch, expires_at)
            except Conflict:
                form, _files = self._repository.read(form_id)
            if form is None:
                continue   # cleared meanwhile: reserve on the fresh form
            if form.expires_at <= now_epoch:
                try:
                    return self._repository.restart(form_id, owner_id, now_epoch, expires_at)
                except Conflict:
                    continue   # another upload restarted it first
            if form.owner_id != owner_id:
                raise NotFound(FORM_ENTITY, form_id, "FormID")
            if len(form.file_ids) >= max_files:
                raise self._too_many()
        raise OperationFailed(*COULD_NOT_ADD)

    @staticmethod
    def _still_reserved(form: Optional[UploadForm], owner_id: int, file_id: int, now_epoch: int) -> bool:
        """The FileID given out is still this upload's to use: same owner, same generation, not used."""
        return (form is not None and form.owner_id == owner_id and form.expires_at > now_epoch
                and form.last_file_id >= file_id and file_id not in form.file_ids)

    def _too_many(self) -> InvalidInput:
        return InvalidInput(f"Too many files in this form (at most {self._limits.max_files})", field="Upload")

    def _bytes(self, form_id: str, file: UploadedFile) -> bytes:
        try:
            return self._blobs.get(blob_key(form_id, file.file_id))
        except NotFound:
            raise NotFound(FILE_ENTITY, file.filename, "Filename") from None

    @staticmethod
    def _keys(form_id: str, files: Iterable[UploadedFile]) -> list[str]:
        return [blob_key(form_id, file.file_id) for file in files]

    @staticmethod
    def _is_callers(form: Optional[UploadForm], principal: Principal, now_epoch: int) -> bool:
        return form is not None and form.owner_id == principal.id and form.expires_at > now_epoch

    def _now_epoch(self) -> int:
        return int(self._clock.now().timestamp())
