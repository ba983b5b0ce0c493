"""OTRS's public package repository (seed 000 OTRS-95, `GET /api/public/package/repository?File=...`): the
packages (OTRS `.opm` files) an admin uploaded, listed in the repository index `otrs.xml` that OTRS's
package manager reads, and each downloadable under its file name `<Name>-<Version>.opm`.

Admins add and remove packages through Zammad's /api/v1/packages (policy.can_manage_frontend: system
configuration). The metadata lives in the frontend content partition (kind `PACKAGE`, one Query lists
them all, one GetItem finds one file); the bytes live in S3.
"""
from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass, field, fields
from . import policy
from .errors import InvalidInput, NotFound, TooLarge
from .model import Principal
from .ports import BlobStore, Clock, FrontendContentRepository, IdAllocator, NewBlob, StoredContent
from .users import iso

KIND = "PACKAGE"
INDEX_FILE = "otrs.xml"
PACKAGE_TYPE = "application/octet-stream"
MAX_PACKAGE_BYTES = 5 * 1024 * 1024       # served through API Gateway, whose answers stop at 6 MB
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
VERSION = re.compile(r"^[0-9][0-9A-Za-z.\-]{0,29}$")
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}$")
TEXT_FIELDS = ("Vendor", "URL", "License")
MAX_TEXT = 2000


@dataclass
class Package:
    id: int
    name: str
    version: str
    vendor: str = ""
    url: str = ""
    license: str = ""
    description: str = ""
    frameworks: list[str] = field(default_factory=list)
    size: int = 0
    sha256: str = ""
    created_at: str = ""
    created_by_id: int = 1
    stored_version: int = 0

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.opm"

    @property
    def blob_key(self) -> str:
        return f"packages/{self.filename}"


def _text(element: ElementTree.Element, tag: str) -> str:
    found = element.find(tag)
    value = (found.text or "").strip() if found is not None else ""
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"The package's {tag} is longer than {MAX_TEXT} characters.", field="file")
    return value


def parse_package(data: bytes) -> Package:
    """Name, version and the index fields of an `.opm` file (OTRS's `<otrs_package>` XML); 422 otherwise.
    Document type declarations are refused: a package never needs entities, and expanding them is the
    classic XML bomb."""
    if not data:
        raise InvalidInput("The package file is empty.", field="file")
    if len(data) > MAX_PACKAGE_BYTES:
        raise TooLarge(f"The package is larger than {MAX_PACKAGE_BYTES} bytes.", field="file")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise InvalidInput("A package must not declare a document type or entities.", field="file")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise InvalidInput(f"The package is not valid XML: {error}.", field="file") from None
    if root.tag != "otrs_package":
        raise InvalidInput("The package must be an OTRS package (<otrs_package>).", field="file")
    name, version = _text(root, "Name"), _text(root, "Version")
    if not NAME.fullmatch(name):
        raise InvalidInput("The package's Name must be letters, digits, '_' and '-'.", field="file")
    if not VERSION.fullmatch(version):
        raise InvalidInput("The package's Version must be like 1.0.2.", field="file")
    descriptions = root.findall("Description")
    english = next((d for d in descriptions if d.get("Lang", "en") == "en"), descriptions[0] if descriptions else None)
    return Package(id=0, name=name, version=version, vendor=_text(root, "Vendor"), url=_text(root, "URL"),
                   license=_text(root, "License"), description=((english.text or "").strip() if english is not None
                                                                else "")[:MAX_TEXT],
                   frameworks=[(f.text or "").strip() for f in root.findall("Framework") if (f.text or "").strip()],
                   size=len(data), sha256=hashlib.sha256(data).hexdigest())


def _decode(stored: StoredContent) -> Package:
    names = {f.name for f in fields(Package)}
    return Package(**{k: v for k, v in stored.doc.items() if k in names}, stored_version=stored.version)


class PackageRepository:
    def __init__(self, repository: FrontendContentRepository, blobs: BlobStore, ids: IdAllocator,
                 clock: Clock) -> None:
        self._repository = repository
        self._blobs = blobs
        self._ids = ids
        self._clock = clock

    # --- the public repository ---------------------------------------------------------------------

    def packages(self) -> list[Package]:
        return sorted((_decode(s) for s in self._repository.list(KIND)), key=lambda p: (p.name.lower(), p.id))

    def index(self) -> str:
        """`otrs.xml`: OTRS's `<otrs_package_list>`, one `<Package>` per file with its `<File>` name."""
        root = ElementTree.Element("otrs_package_list", version="1.0")
        for package in self.packages():
            entry = ElementTree.SubElement(root, "Package")
            for tag, value in (("Name", package.name), ("Version", package.version), ("Vendor", package.vendor),
                               ("URL", package.url), ("License", package.license)):
                ElementTree.SubElement(entry, tag).text = value
            ElementTree.SubElement(entry, "Description", Lang="en").text = package.description
            for framework in package.frameworks:
                ElementTree.SubElement(entry, "Framework").text = framework
            ElementTree.SubElement(entry, "File").text = package.filename
        return '<?xml version="1.0" encoding="utf-8" ?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"

    def file(self, filename: str) -> tuple[Package, bytes]:
        """A package's bytes by its file name (422 on `File` for what cannot be one; NotFound for a name no
        package has)."""
        if not FILE_NAME.fullmatch(filename or ""):
            raise InvalidInput("File must be a file name such as otrs.xml or Name-1.0.0.opm.", field="File")
        stored = self._repository.get(KIND, filename)
        if stored is None:
            raise NotFound("Package", filename)
        package = _decode(stored)
        return package, self._blobs.get(package.blob_key)

    # --- admins ----------------------------------------------------------------------------------------

    @staticmethod
    def require_manager(principal: Principal) -> None:
        """403 unless an admin: checked before an upload is even read."""
        policy.require(policy.can_manage_frontend(principal))

    def managed(self, principal: Principal) -> list[Package]:
        """The admin's list (the same packages the index shows, with their ids for removal)."""
        self.require_manager(principal)
        return self.packages()

    def add(self, principal: Principal, data: bytes) -> Package:
        """Store an uploaded package (bytes first, then the entry, so a listed file always has bytes); the
        same name and version again replaces it."""
        self.require_manager(principal)
        package = parse_package(data)
        current = self._repository.get(KIND, package.filename)
        previous = _decode(current) if current is not None else None
        package.id = previous.id if previous else self._ids.next_id("package")
        package.stored_version = previous.stored_version if previous else 0
        package.created_at, package.created_by_id = iso(self._clock), principal.id
        self._blobs.put(NewBlob(package.blob_key, data, PACKAGE_TYPE, package.filename))
        doc = asdict(package)
        doc.pop("stored_version")
        stored = StoredContent(KIND, package.filename, doc)
        self._repository.put(stored, package.stored_version)
        package.stored_version = stored.version
        return package

    def remove(self, principal: Principal, package_id: object) -> Package:
        """`package_id` as the request gave it: the permission is checked before the input."""
        self.require_manager(principal)
        if isinstance(package_id, bool) or not str(package_id or "").isdigit():
            raise InvalidInput("Need the id of the package to remove.", field="id")
        package = next((p for p in self.packages() if p.id == int(str(package_id))), None)
        if package is None:
            raise NotFound("Package", package_id)
        self._repository.delete(KIND, package.filename, package.stored_version)
        self._blobs.delete([package.blob_key])
        return package
