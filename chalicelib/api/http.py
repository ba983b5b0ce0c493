"""Request plumbing shared by the dialects: body parsing with limits, query parameters."""
from __future__ import annotations

import json
import re
from typing import Any, Mapping, Optional
from urllib.parse import parse_qsl, quote

from ..core.errors import InvalidInput, TooLarge

MAX_JSON_DEPTH = 32


def json_body(raw: Optional[bytes], limit: int) -> Any:
    """The request's JSON, refused before parsing when too large, and after when too deep."""
    if not raw:
        return {}
    if len(raw) > limit:
        raise TooLarge(f"Request body exceeds {limit} bytes")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput("Invalid JSON payload") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise InvalidInput("JSON payload is nested too deeply")
    return value


FORM = "application/x-www-form-urlencoded"


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback name plus the exact UTF-8 name, so any filename is a valid header."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename) or "file"
    exact = quote(filename.encode("utf-8", "surrogatepass"), safe="")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{exact}"


_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def request_body(raw: Optional[bytes], content_type: Optional[str], limit: int) -> Any:
    """JSON, or a Rails-style form (`article[body]=...&article[attachments][][filename]=...`).

    A form whose body is JSON (what `curl -d '{...}'` sends without a Content-Type) is read as JSON.
    """
    if not (content_type or "").lower().startswith(FORM) or (raw or b"").lstrip()[:1] in (b"{", b"["):
        return json_body(raw, limit)
    if raw and len(raw) > limit:
        raise TooLarge(f"Request body exceeds {limit} bytes")
    try:
        pairs = parse_qsl((raw or b"").decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("Invalid form payload") from None
    result: dict[str, Any] = {}
    for key, value in pairs:
        head = key.split("[", 1)[0]
        path = [head] + _SEGMENT.findall(key[len(head):])
        if len(path) > MAX_JSON_DEPTH:
            raise InvalidInput("Form payload is nested too deeply")
        _assign(result, path, value)
    return result


def _assign(target: dict[str, Any], path: list[str], value: str) -> None:
    """Place one form field; `[]` appends, and a repeated key inside `[]` starts a new element."""
    name, rest = path[0], path[1:]
    if not rest:
        target[name] = value
        return
    if rest[0] == "":
        items = target.setdefault(name, [])
        if not isinstance(items, list):
            raise InvalidInput(f"Conflicting form fields for '{name}'")
        if len(rest) == 1:
            items.append(value)
            return
        if not items or not isinstance(items[-1], dict) or rest[1] in items[-1]:
            items.append({})
        _assign(items[-1], rest[1:], value)
        return
    child = target.setdefault(name, {})
    if not isinstance(child, dict):
        raise InvalidInput(f"Conflicting form fields for '{name}'")
    _assign(child, rest, value)


def _depth(value: Any, level: int = 1) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()], default=level)
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value], default=level)
    return level


def int_param(params: Mapping[str, str], name: str, default: int, minimum: int = 1,
              maximum: Optional[int] = None) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(f"Invalid value for param '{name}': {raw}", field=name) from None
    value = max(value, minimum)
    return min(value, maximum) if maximum is not None else value


def flag(params: Mapping[str, str], name: str) -> bool:
    return str(params.get(name, "")).lower() in ("true", "1", "yes")


# >>> otrs-articles: stored bytes served to browsers
# Image types a browser may show in place; everything else downloads (never sniffed HTML inline).
INLINE_SAFE_TYPES = ("image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp")


def download_headers(content_type: str, filename: str, size: int, inline_wanted: bool) -> dict[str, str]:
    """Headers for stored bytes (`content_type` as served, see application.binary_type): inline only
    when asked and a safe image type, never sniffed, no script or plugin may run in them."""
    inline = inline_wanted and content_type in INLINE_SAFE_TYPES
    return {
        "Content-Type": content_type,
        "Content-Length": str(size),
        "Content-Disposition": content_disposition("inline" if inline else "attachment", filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
# <<< otrs-articles
# >>> tickets-api: a file sent as multipart/form-data, or as the raw body
MULTIPART = "multipart/form-data"


def multipart_file(raw: bytes, content_type: str,
                   preferred_fields: tuple[str, ...] = ()) -> Optional[tuple[Optional[str], str, bytes]]:
    """(filename, content type, bytes) of the first file part of a multipart/form-data body (a part named
    in `preferred_fields` first); None when the body holds no file part."""
    from email.parser import BytesParser  # only uploads need the MIME parser: not at cold start
    from email.policy import HTTP
    parsed = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1", "replace") +
                                                 b"\r\n\r\n" + raw)
    parts = [part for part in parsed.iter_parts() if part.get_filename() is not None] if parsed.is_multipart() else []
    if not parts:
        return None
    parts.sort(key=lambda part: part.get_param("name", header="content-disposition") not in preferred_fields)
    part = parts[0]
    return part.get_filename(), part.get_content_type(), part.get_payload(decode=True) or b""


def disposition_filename(value: Optional[str]) -> Optional[str]:
    """The filename of a Content-Disposition header (`filename*=UTF-8''...` preferred, as RFC 6266 says)."""
    if not value:
        return None
    from email.message import EmailMessage
    from email.policy import HTTP
    message = EmailMessage(policy=HTTP)
    try:
        message["Content-Disposition"] = value
    except (ValueError, TypeError):
        return None
    return message.get_filename()
# <<< tickets-api


def client_address(request: Any) -> str:
    """The caller's address as API Gateway (or chalice local) saw it: never a header the client sets."""
    return ((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown"
