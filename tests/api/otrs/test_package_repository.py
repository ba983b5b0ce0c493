"""OTRS-95 `GET /api/public/package/repository`: the index `otrs.xml` and the package files admins upload
through /api/v1/packages."""
from __future__ import annotations

import base64
import xml.etree.ElementTree as ElementTree
from xml.sax.saxutils import escape
from typing import Any

import pytest

from tests.conftest import Api, Reply

PACKAGES = "/api/v1/packages"


def opm(name: str = "FAQ", version: str = "7.0.1", description: str = "A FAQ module & more.") -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8" ?>\n<otrs_package version="1.0">\n  <Name>{name}</Name>\n'
            f'  <Version>{version}</Version>\n  <Framework>7.0.x</Framework>\n  <Vendor>Example GmbH</Vendor>\n'
            f'  <URL>https://example.com/</URL>\n  <License>GNU GPL</License>\n'
            f'  <Description Lang="de">Ein FAQ-Modul.</Description>\n'
            f'  <Description Lang="en">{escape(description)}</Description>\n'
            f'  <Filelist><File Location="Kernel/FAQ.pm" Permission="644" Encode="Base64">MQ==</File></Filelist>\n'
            f'</otrs_package>\n').encode()


def upload(api: Api, data: bytes, who: str = "admin") -> Reply:
    return api.post(PACKAGES, {"filename": "package.opm", "data": base64.b64encode(data).decode(),
                               "mime-type": "application/octet-stream"}, who=who)


def repository(api: Api, file: str) -> Reply:
    return Reply(api.client.http.request("GET", f"/api/public/package/repository?File={file}",
                                         headers={"Accept": "*/*"}, body=b""))


@pytest.fixture()
def uploaded(api: Api) -> dict[str, Any]:
    reply = upload(api, opm())
    assert reply.status == 200, reply
    return reply.json


def test_admins_upload_and_the_index_lists_them(api: Api, uploaded: dict[str, Any]) -> None:
    assert (uploaded["name"], uploaded["version"], uploaded["file"]) == ("FAQ", "7.0.1", "FAQ-7.0.1.opm")
    assert uploaded["description"] == "A FAQ module & more." and uploaded["framework"] == ["7.0.x"]
    assert api.get(PACKAGES).json == {"packages": [uploaded]}
    reply = repository(api, "otrs.xml")
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/xml")
    assert reply.headers["x-otrs-api-version"] == "1.0.0"
    root = ElementTree.fromstring(reply.body)
    assert root.tag == "otrs_package_list"
    [entry] = root.findall("Package")
    assert {child.tag: child.text for child in entry} == {
        "Name": "FAQ", "Version": "7.0.1", "Vendor": "Example GmbH", "URL": "https://example.com/",
        "License": "GNU GPL", "Description": "A FAQ module & more.", "Framework": "7.0.x", "File": "FAQ-7.0.1.opm"}


def test_a_package_file_downloads_as_an_attachment(api: Api, uploaded: dict[str, Any]) -> None:
    for name in ("FAQ-7.0.1.opm", "/FAQ-7.0.1.opm"):
        reply = repository(api, name)
        assert reply.status == 200, reply
        assert reply.body == opm()
        assert reply.headers["content-type"] == "application/octet-stream"
        assert reply.headers["content-disposition"].startswith('attachment; filename="FAQ-7.0.1.opm"')


def test_the_same_version_replaces_and_removal_empties(api: Api, uploaded: dict[str, Any]) -> None:
    again = upload(api, opm(description="Fixed."))
    assert again.status == 200 and again.json["id"] == uploaded["id"]
    assert repository(api, "FAQ-7.0.1.opm").body == opm(description="Fixed.")
    newer = upload(api, opm(version="7.0.2")).json
    assert [p["file"] for p in api.get(PACKAGES).json["packages"]] == ["FAQ-7.0.1.opm", "FAQ-7.0.2.opm"]
    assert api.delete(PACKAGES, {"id": uploaded["id"]}).json == {}
    assert repository(api, "FAQ-7.0.1.opm").status == 404
    assert [p["id"] for p in api.get(PACKAGES).json["packages"]] == [newer["id"]]
    assert api.delete(PACKAGES, {"id": uploaded["id"]}).status == 404


def test_unknown_and_malformed_names(api: Api, uploaded: dict[str, Any]) -> None:
    missing = repository(api, "Nothing-1.0.opm")
    assert missing.status == 404 and missing.json == {"Error": "Package file was not found."}
    for name in ("", "../etc/passwd", "a%20b"):
        reply = repository(api, name)
        assert reply.status == 422 and list(reply.json["Errors"]) == ["File"], reply


def test_only_admins_manage_packages(api: Api) -> None:
    for who in ("agent", "customer"):
        assert upload(api, opm(), who=who).status == 403
        assert api.get(PACKAGES, who=who).status == 403
        assert api.delete(PACKAGES, {"id": 1}, who=who).status == 403
    assert api.get(PACKAGES, who=None).status in (401, 403)


@pytest.mark.parametrize("data", [
    b"",
    b"not xml at all",
    b"<otrs_package><Version>1.0</Version></otrs_package>",
    b"<otrs_package><Name>../x</Name><Version>1.0</Version></otrs_package>",
    b"<otrs_package><Name>X</Name><Version>one</Version></otrs_package>",
    b"<other><Name>X</Name><Version>1.0</Version></other>",
    b'<!DOCTYPE x [<!ENTITY a "aaaa">]><otrs_package><Name>&a;</Name><Version>1.0</Version></otrs_package>',
])
def test_uploads_that_are_no_package_are_422(api: Api, data: bytes) -> None:
    reply = upload(api, data)
    assert reply.status == 422, reply
    assert api.get(PACKAGES).json == {"packages": []}
