"""Request plumbing shared by the dialects: body parsing with limits, query parameters."""
from __future__ import annotations

import json
from typing import Any, Mapping, Optional

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
