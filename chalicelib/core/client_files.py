"""Files a client uploads before naming them (by uuid) in a new ticket, a reopen or a comment.

- A file belongs to its uploader: anyone else's uuid, an expired one or one already attached is refused
  (InvalidInput on `files`), so uuids reveal nothing about other people's uploads.
- Limits: each file at most `max_bytes` (the attachment limit, 413 beyond), at most `max_files` live
  uploads per owner (what a client may have waiting), unused files expire after `ttl_hours`.
- Attaching: `take` gives the files as attachment inputs; the ticket write happens; `release` then
  removes the uploads (a failed write leaves them in place for the retry).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Callable, Sequence

from .errors import InvalidInput, NotFound, TooLarge
from .model import ClientFile, Principal
from .ports import BlobStore, ClientFileRepository, Clock, NewBlob
from .tickets import AttachmentInput
from .uploads import clean_content_type, clean_filename
from .users import iso

DEFAULT_FILENAME = "file"


@dataclass(frozen=True)
class FileLimits:
    max_bytes: int
    max_files: int
    ttl_hours: int


def blob_key(owner_id: int, file_id: str) -> str:
    """Under `uploads/`, whose bucket lifecycle rule removes the bytes of files nobody attached."""
    return f"uploads/tickets-api/{owner_id}/{file_id}"


class ClientFiles:
    def __init__(self, files: ClientFileRepository, blobs: BlobStore, clock: Clock, limits: FileLimits,
                 new_id: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self._files = files
        self._blobs = blobs
        self._clock = clock
        self._limits = limits
        self._new_id = new_id

    def upload(self, principal: Principal, filename: str, content_type: str, data: bytes) -> ClientFile:
        if not data:
            raise InvalidInput("The file is empty.", field="file")
        if len(data) > self._limits.max_bytes:
            raise TooLarge(f"The file exceeds {self._limits.max_bytes} bytes.", field="file",
                           limit=self._limits.max_bytes)
        now = self._now_epoch()
        if self._files.count_live(principal.id, now) >= self._limits.max_files:
            raise InvalidInput(f"At most {self._limits.max_files} uploaded files may wait to be attached; "
                               "attach or let some expire first.", field="file")
        file = ClientFile(id=self._new_id(), owner_id=principal.id,
                          filename=clean_filename(filename) or DEFAULT_FILENAME, size=len(data),
                          content_type=clean_content_type(content_type), created_at=iso(self._clock),
                          expires_at=now + self._limits.ttl_hours * 3600)
        key = blob_key(principal.id, file.id)
        self._blobs.put(NewBlob(key=key, data=data, content_type=file.content_type, filename=file.filename))
        try:
            self._files.put(file)
        except BaseException:
            self._blobs.delete([key])  # no bytes without their metadata
            raise
        return file

    def take(self, principal: Principal, file_ids: Sequence[str]) -> list[tuple[ClientFile, AttachmentInput]]:
        """The caller's live files, in the order named, with their bytes as attachment inputs."""
        if not file_ids:
            return []
        found = self._files.owned(principal.id, file_ids)
        now = self._now_epoch()
        taken = []
        for position, file_id in enumerate(file_ids):
            file = found.get(file_id)
            if file is None or file.expires_at <= now:
                raise self._unusable(position, file_id)
            try:
                data = self._blobs.get(blob_key(file.owner_id, file.id))
            except NotFound:  # the bytes went (lifecycle rule) before the metadata did
                raise self._unusable(position, file_id) from None
            media, _, parameters = file.content_type.partition(";")
            charset = parameters.partition("=")[2].strip() or None
            taken.append((file, AttachmentInput(file.filename, data, media.strip(), charset)))
        return taken

    @staticmethod
    def _unusable(position: int, file_id: str) -> InvalidInput:
        return InvalidInput(f"files[{position}]: no uploaded file {file_id} of yours is waiting to be attached "
                            "(unknown, expired or already attached).", field="files")

    def release(self, principal: Principal, files: Sequence[ClientFile]) -> None:
        """The files became attachments (their bytes were copied to the article): remove the uploads."""
        if not files:
            return
        self._files.delete(principal.id, [file.id for file in files])
        self._blobs.delete([blob_key(file.owner_id, file.id) for file in files])

    def _now_epoch(self) -> int:
        return int(self._clock.now().timestamp())
