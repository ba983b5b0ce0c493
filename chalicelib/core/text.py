"""Text helpers the domain needs: search tokens, HTML to text, inline data-URI images."""
from __future__ import annotations

import base64
import binascii
import re
import secrets
from dataclasses import dataclass
from html import unescape

_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_DATA_URI_IMG = re.compile(
    r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])data:(image/[a-z0-9.+-]+);base64,([a-z0-9+/=\s]+)\2""",
    re.IGNORECASE,
)

MAX_TOKEN_LENGTH = 40
MAX_TOKENS_PER_TEXT = 200


def html_to_text(html: str) -> str:
    return unescape(_TAG.sub(" ", html))


def tokens(*texts: str) -> set[str]:
    """Lower-cased words of at least two characters, capped so one huge body cannot flood the index."""
    found: set[str] = set()
    for text in texts:
        for word in _WORD.findall((text or "").lower()):
            if len(word) >= 2:
                found.add(word[:MAX_TOKEN_LENGTH])
                if len(found) >= MAX_TOKENS_PER_TEXT:
                    return found
    return found


@dataclass
class InlineImage:
    content_id: str
    content_type: str
    data: bytes

    @property
    def filename(self) -> str:
        return f"image{self.content_id.split('@')[0][-6:]}.{self.content_type.split('/')[-1]}"


def extract_inline_images(html: str, domain: str) -> tuple[str, list[InlineImage]]:
    """Move data-URI images out of an HTML body; the body then refers to them as cid: URLs."""
    images: list[InlineImage] = []

    def replace(match: re.Match) -> str:
        try:
            data = base64.b64decode(re.sub(r"\s", "", match.group(4)), validate=True)
        except (binascii.Error, ValueError):
            return match.group(0)
        content_id = f"{secrets.token_hex(8)}@{domain}"
        images.append(InlineImage(content_id, match.group(3).lower(), data))
        quote = match.group(2)
        return f"{match.group(1)}{quote}cid:{content_id}{quote}"

    return _DATA_URI_IMG.sub(replace, html), images
