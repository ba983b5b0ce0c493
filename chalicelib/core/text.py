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

# A single mail address with nothing a header could be forged with (no quotes, angle brackets, commas).
MAIL_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
MAX_MAIL_ADDRESS = 254

MAX_TOKEN_LENGTH = 40
MAX_TOKENS_PER_TEXT = 200


_INVISIBLE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_LINE_BREAK = re.compile(r"<\s*/?\s*(br|p|div|li|ul|ol|tr|table|h[1-6]|blockquote|pre|hr|section|article)\b[^>]*>",
                         re.IGNORECASE)
_CELL = re.compile(r"<\s*/?\s*(td|th)\b[^>]*>", re.IGNORECASE)
_BLANKS = re.compile(r"[ \t\r\f\v\xa0]+")
_EXTRA_LINES = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """HTML as a reader sees it: block elements and `<br>` end lines, table cells are spaced, inline markup
    (`<b>`, `<a>`, `<span>`) disappears without splitting words, scripts and styles are dropped."""
    text = _CELL.sub(" ", _LINE_BREAK.sub("\n", _INVISIBLE.sub("", html or "")))
    text = unescape(_TAG.sub("", text))
    lines = [_BLANKS.sub(" ", line).strip() for line in text.split("\n")]
    return _EXTRA_LINES.sub("\n\n", "\n".join(lines)).strip()


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


# >>> otrs-articles: article bodies as HTML a customer's browser may render
from html import escape  # noqa: E402
from html.parser import HTMLParser  # noqa: E402
from typing import Callable, Optional  # noqa: E402

SAFE_TAGS = frozenset({
    "a", "abbr", "acronym", "address", "b", "bdi", "bdo", "big", "blockquote", "br", "caption", "center", "cite",
    "code", "col", "colgroup", "dd", "del", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
    "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
    "wbr",
})
VOID_TAGS = frozenset({"br", "col", "hr", "img", "wbr"})
# Dropped together with everything inside them; any other unknown tag is dropped but its text stays.
HIDDEN_TAGS = frozenset({
    "applet", "button", "frameset", "iframe", "math", "noembed", "noframes", "noscript", "object", "script",
    "select", "style", "svg", "template", "textarea", "title", "xmp",
})
GLOBAL_ATTRIBUTES = frozenset({"align", "bgcolor", "border", "color", "dir", "height", "lang", "style", "title",
                               "valign", "width"})
TAG_ATTRIBUTES = {
    "a": frozenset({"href", "name"}), "img": frozenset({"src", "alt"}), "font": frozenset({"face", "size"}),
    "td": frozenset({"colspan", "rowspan", "nowrap"}), "th": frozenset({"colspan", "rowspan", "nowrap", "scope"}),
    "table": frozenset({"cellpadding", "cellspacing", "summary"}), "ol": frozenset({"start", "type"}),
    "ul": frozenset({"type"}), "li": frozenset({"value"}), "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
}
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})
SAFE_DATA_IMAGE = re.compile(r"^data:image/(?:png|gif|jpeg|jpg|webp);base64,[a-z0-9+/=]+$", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
STYLE_PROPERTY = re.compile(
    r"^(?:color|background-color|font(?:-(?:family|size|style|weight|variant))?"
    r"|text-(?:align|decoration|indent|transform)|line-height|letter-spacing|word-spacing|white-space"
    r"|vertical-align|(?:max-|min-)?(?:width|height)"
    r"|(?:margin|padding)(?:-(?:top|right|bottom|left))?"
    r"|border(?:-(?:top|right|bottom|left))?(?:-(?:color|style|width))?|border-(?:collapse|spacing|radius)"
    r"|list-style(?:-type|-position)?|display|float|clear)$")
# Words, numbers, colours, quotes and lists; the only function allowed is rgb()/rgba() (no url(),
# expression(), escapes or comments).
STYLE_VALUE = re.compile(r"^(?:[#\w\s.,%'\"!/+-]|rgba?\([\d\s.,%]*\))*$")


def _safe_url(value: str, schemes: frozenset[str]) -> bool:
    """Absolute URLs with an allowed scheme, or relative ones. Browsers ignore whitespace and control
    characters inside a scheme (`java\\tscript:`), so they are removed before looking at it."""
    match = _SCHEME.match(_URL_NOISE.sub("", value))
    return match is None or match.group(1).lower() in schemes


def _safe_style(value: str) -> Optional[str]:
    kept = []
    for declaration in value.split(";"):
        name, sep, setting = declaration.partition(":")
        name, setting = name.strip().lower(), setting.strip()
        if sep and setting and STYLE_PROPERTY.match(name) and STYLE_VALUE.match(setting):
            kept.append(f"{name}: {setting}")
    return "; ".join(kept) or None


class _Sanitiser(HTMLParser):
    def __init__(self, resolve_cid: Optional[Callable[[str], Optional[str]]]) -> None:
        super().__init__(convert_charrefs=True)
        self._resolve_cid = resolve_cid
        self._out: list[str] = []
        self._open: list[str] = []
        self._hidden = 0  # depth inside HIDDEN_TAGS

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if tag in HIDDEN_TAGS:
            self._hidden += 1
            return
        if self._hidden or tag not in SAFE_TAGS:
            return
        self._out.append(self._start(tag, attrs))
        if tag not in VOID_TAGS:
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if tag in HIDDEN_TAGS or self._hidden or tag not in SAFE_TAGS:
            return  # a self-closed hidden tag has no content to hide
        self._out.append(self._start(tag, attrs))
        if tag not in VOID_TAGS:
            self._out.append(f"</{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
            return
        if self._hidden or tag not in self._open:
            return
        while self._open:  # close what was left open inside it, as browsers do
            closed = self._open.pop()
            self._out.append(f"</{closed}>")
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._out.append(escape(data, quote=False))

    def _start(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> str:
        allowed = GLOBAL_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())
        kept: list[tuple[str, str]] = []
        for name, value in attrs:
            value = value or ""
            if name not in allowed:
                continue  # event handlers (on*), class, id, srcset, formaction ... never pass
            if name == "style":
                value = _safe_style(value) or ""
            elif name == "href" and not _safe_url(value, LINK_SCHEMES):
                value = ""
            elif name == "src":
                value = self._image_source(value)
            if value or name in ("alt", "nowrap"):
                kept.append((name, value))
        if tag == "a" and any(name == "href" for name, _ in kept):
            kept.append(("rel", "noopener noreferrer nofollow"))
        rendered = "".join(f' {name}="{escape(value, quote=True)}"' for name, value in kept)
        return f"<{tag}{rendered}>"

    def _image_source(self, value: str) -> str:
        stripped = value.strip()
        if stripped[:4].lower() == "cid:":
            return (self._resolve_cid(stripped[4:]) or "") if self._resolve_cid else ""
        if stripped[:5].lower() == "data:":
            return stripped if SAFE_DATA_IMAGE.match(_URL_NOISE.sub("", stripped)) else ""
        return stripped if _safe_url(stripped, IMAGE_SCHEMES) else ""

    def result(self) -> str:
        self.close()
        return "".join(self._out) + "".join(f"</{tag}>" for tag in reversed(self._open))


def sanitize_html(html: str, resolve_cid: Optional[Callable[[str], Optional[str]]] = None) -> str:
    """An HTML body reduced to an allow-list: formatting tags and attributes only; scripts, styles,
    frames, objects, forms' controls, event handlers, `javascript:`-like URLs and CSS beyond plain
    properties are removed; every tag left is balanced. `resolve_cid` turns an inline image's
    `cid:` reference into a URL (None: the image loses its source)."""
    sanitiser = _Sanitiser(resolve_cid)
    sanitiser.feed(html or "")
    return sanitiser.result()


def text_as_html(text: str) -> str:
    """A plain-text body as HTML: escaped, its line breaks and spacing kept."""
    return f"<pre>{escape(text or '', quote=False)}</pre>"
# <<< otrs-articles


SIZE_UNITS = ("KB", "MB", "GB", "TB")


def human_size(size: int) -> str:
    """A byte count as OTRS shows file sizes (HumanReadableDataSize): `512 B`, `4.6 KB`, `1.2 MB`."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in SIZE_UNITS:
        value /= 1024
        if value < 1024 or unit == SIZE_UNITS[-1]:
            break
    return f"{value:.1f} {unit}"


def mail_addresses(header: str) -> tuple[str, ...]:
    """The plain addresses of a To/Cc value (`"Nicole" <nicole@example.com>, b@example.com`), each once, in
    order; names and anything that is not one clean address are dropped."""
    from email.utils import getaddresses

    found: list[str] = []
    for _, address in getaddresses([header or ""]):
        address = address.strip()
        if len(address) <= MAX_MAIL_ADDRESS and MAIL_ADDRESS.fullmatch(address) and address.lower() not in (
                a.lower() for a in found):
            found.append(address)
    return tuple(found)
