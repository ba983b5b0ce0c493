"""Search tokens, HTML to text, and inline data-URI images."""
from __future__ import annotations

import base64
import re

import pytest

from chalicelib.core.text import (MAX_TOKEN_LENGTH, MAX_TOKENS_PER_TEXT, extract_inline_images, html_to_text,
                                  tokens)

PNG = b"\x89PNG\r\n\x1a\nfake-image-bytes"
PNG_B64 = base64.b64encode(PNG).decode()


@pytest.mark.parametrize("texts, expected", [
    (("Printer is BROKEN",), {"printer", "is", "broken"}),
    (("a b c",), set()),                                    # single characters are not words
    (("snake_case-words, and.dots",), {"snake", "case", "words", "and", "dots"}),
    (("Größe Ärger 東京",), {"größe", "ärger", "東京"}),       # unicode letters count
    (("Ticket 45001",), {"ticket", "45001"}),
    (("one", "", "two"), {"one", "two"}),
])
def test_tokens(texts: tuple, expected: set[str]) -> None:
    assert tokens(*texts) == expected


def test_tokens_of_no_text() -> None:
    assert tokens() == set()
    assert tokens(None) == set()  # type: ignore[arg-type]


def test_long_words_are_truncated() -> None:
    assert tokens("x" * 100) == {"x" * MAX_TOKEN_LENGTH}


def test_token_count_is_capped() -> None:
    words = " ".join(f"w{i:04d}" for i in range(MAX_TOKENS_PER_TEXT * 2))
    found = tokens(words)
    assert len(found) == MAX_TOKENS_PER_TEXT
    assert "w0000" in found and f"w{MAX_TOKENS_PER_TEXT * 2 - 1:04d}" not in found  # the first words win


@pytest.mark.parametrize("html, text", [
    ("<p>Hello <b>world</b>.</p>", "Hello world."),
    ("Fish &amp; chips &lt;3", "Fish & chips <3"),
    ("<br/>", ""),
    ("plain", "plain"),
    ("<p>One</p><p>Two<br>Three</p>", "One\n\nTwo\nThree"),
    ("<table><tr><td>a</td><td>b</td></tr></table>", "a b"),
    ("<style>p {}</style><script>alert(1)</script>Text", "Text"),
])
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_html_to_text_feeds_tokens() -> None:
    assert tokens(html_to_text("<div class='x'>Fish&nbsp;&amp;&nbsp;chips</div>")) == {"fish", "chips"}


def test_inline_image_becomes_a_cid_reference() -> None:
    html = f'<p>See:</p><img alt="shot" src="data:image/png;base64,{PNG_B64}" width="10">'
    body, images = extract_inline_images(html, "helpdesk.example")
    assert len(images) == 1
    image = images[0]
    assert image.data == PNG and image.content_type == "image/png"
    assert re.fullmatch(r"[0-9a-f]{16}@helpdesk\.example", image.content_id)
    assert body == f'<p>See:</p><img alt="shot" src="cid:{image.content_id}" width="10">'
    assert image.filename == f"image{image.content_id.split('@')[0][-6:]}.png"


def test_several_images_single_quotes_and_wrapped_base64() -> None:
    wrapped = PNG_B64[:8] + "\n  " + PNG_B64[8:]
    html = (f"<img src='data:image/JPEG;base64,{wrapped}'>"
            f'<IMG SRC="data:image/gif;base64,{PNG_B64}">')
    body, images = extract_inline_images(html, "d")
    assert [i.content_type for i in images] == ["image/jpeg", "image/gif"]
    assert all(i.data == PNG for i in images)
    assert "data:" not in body
    assert body.count("cid:") == 2 and images[0].content_id != images[1].content_id
    assert f"src='cid:{images[0].content_id}'" in body


@pytest.mark.parametrize("html", [
    '<img src="https://example.com/a.png">',                 # not a data URI
    '<img src="data:text/html;base64,PHNjcmlwdD4=">',         # not an image
    '<img src="data:image/png;base64,abcde">',                # bad padding: not decodable
    f'<a href="data:image/png;base64,{PNG_B64}">x</a>',        # not an <img>
])
def test_other_content_is_left_alone(html: str) -> None:
    assert extract_inline_images(html, "d") == (html, [])
