"""The package repository on fakes: parsing `.opm` files, the index, files, admins only."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from chalicelib.core.errors import InvalidInput, NotFound, PermissionDenied, TooLarge
from chalicelib.core.packages import MAX_PACKAGE_BYTES, PackageRepository, parse_package
from tests.api.otrs.test_package_repository import opm
from tests.core.fakes import FakeFrontendContentRepository, make_world


@pytest.fixture()
def setup() -> tuple:
    w = make_world()
    return w, PackageRepository(FakeFrontendContentRepository(), w.blobs, w.ids, w.clock)


def test_parse_takes_the_english_description_and_every_framework() -> None:
    package = parse_package(opm(description="Short <b>"))
    assert (package.name, package.version, package.vendor, package.frameworks) == \
        ("FAQ", "7.0.1", "Example GmbH", ["7.0.x"])
    assert package.description == "Short <b>" and package.filename == "FAQ-7.0.1.opm"


def test_too_large_or_entity_declaring_files_are_refused() -> None:
    with pytest.raises(TooLarge):
        parse_package(b" " * (MAX_PACKAGE_BYTES + 1))
    with pytest.raises(InvalidInput):
        parse_package(b'<!doctype x SYSTEM "file:///etc/passwd"><otrs_package/>')


def test_index_files_and_removal(setup: tuple) -> None:
    w, packages = setup
    with pytest.raises(PermissionDenied):
        packages.add(w.agent, opm())
    added = packages.add(w.admin, opm(name="Survey", version="1.2"))
    packages.add(w.admin, opm(name="Calendar", version="2.0"))
    index = ElementTree.fromstring(packages.index())
    assert [entry.findtext("File") for entry in index.findall("Package")] == ["Calendar-2.0.opm", "Survey-1.2.opm"]
    assert packages.file("Survey-1.2.opm")[1] == opm(name="Survey", version="1.2")
    packages.remove(w.admin, added.id)
    with pytest.raises(NotFound):
        packages.file("Survey-1.2.opm")
    assert w.blobs.objects.get(added.blob_key) is None
    with pytest.raises(InvalidInput):
        packages.file("../otrs.xml")
