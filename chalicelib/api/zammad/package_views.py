"""Zammad's package management (`/api/v1/packages`, admins only) as the source of OTRS's public package
repository (seed 000 OTRS-95, core/packages.py): list, upload (`POST`, an OTRS `.opm` file as the
multipart part `file_upload` like Zammad's package form, or JSON `{"filename", "data" (base64),
"mime-type"}` like Zammad's attachments) and remove (`DELETE` with `{"id"}`, as Zammad's uninstall).
Uploading the same name and version again replaces the file."""
from __future__ import annotations

from typing import Any

from ...core.errors import InvalidInput
from ...core.packages import Package
from ..http import multipart_file
from .routes import Call, route
from .schema import _object, attachment_input


def package(p: Package) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "version": p.version, "vendor": p.vendor, "url": p.url,
            "license": p.license, "description": p.description, "framework": p.frameworks, "file": p.filename,
            "size": p.size, "sha256": p.sha256, "created_at": p.created_at, "created_by_id": p.created_by_id}


def uploaded_bytes(call: Call) -> bytes:
    if (call.content_type or "").lower().startswith("multipart/form-data"):
        found = multipart_file(call.raw_body or b"", call.content_type or "", ("file_upload",))
        if found is None:
            raise InvalidInput("Need a package file to upload (multipart part 'file_upload').", field="file_upload")
        return found[2]
    return attachment_input(_object(call.body()), 0, call.limits()).data


@route("/packages")
def list_packages(call: Call) -> Any:
    return {"packages": [package(p) for p in call.container.packages.managed(call.principal)]}


@route("/packages", methods=("POST",))
def upload_package(call: Call) -> Any:
    call.container.packages.require_manager(call.principal)
    return package(call.container.packages.add(call.principal, uploaded_bytes(call)))


@route("/packages", methods=("DELETE",))
def remove_package(call: Call) -> Any:
    body = call.body() if call.raw_body else {}
    call.container.packages.remove(call.principal, body.get("id") if isinstance(body, dict) else None)
    return {}
