"""Lesson Markdown becomes safe HTML: formatting survives, no script does."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from academy.courses.markdown import render_lesson_markdown, sanitise_html

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)",
    "![x](javascript:alert(1))",
    '![x](https://evil.example/x.png "title" onerror=alert(1))',
    "[click]: javascript:alert(1)\n\n[see][click]",
    '<http://example.com/" onmouseover="alert(1)>',
    "<javascript:alert(1)>",
    "<div onclick=alert(1)>raw block</div>",
    "<details open ontoggle=alert(1)>",
    "<!-- <script>alert(1)</script> -->",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "`<script>alert(1)</script>` in code is fine",
    "```html\n<script>alert(1)</script>\n```",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\<script>alert(1)\\</script>",
    "<scr<script>ipt>alert(1)</script>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |",
]

DANGEROUS_TAGS = frozenset(
    {"script", "style", "iframe", "svg", "math", "object", "embed", "form", "details", "noscript", "base"}
)


class Elements(HTMLParser):
    """The elements and attributes a browser would build from some HTML."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def assert_harmless(html: str) -> None:
    for tag, attributes in Elements(html).found:
        assert tag not in DANGEROUS_TAGS, html
        for name, value in attributes.items():
            assert not name.startswith("on") and name not in ("style", "srcdoc", "formaction"), html
            if name in ("href", "src", "action", "data"):
                squeezed = re.sub(r"[\x00-\x20]", "", value).lower()
                assert not squeezed.startswith(("javascript:", "vbscript:", "data:")), html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_script_gets_through_markdown(payload: str) -> None:
    assert_harmless(render_lesson_markdown(payload))


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_the_sanitiser_alone_stops_raw_html(payload: str) -> None:
    """The second layer holds even when raw HTML reaches it (as if the Markdown allowed it)."""
    assert_harmless(sanitise_html(payload))


def test_sanitiser_keeps_safe_markup_and_removes_script_content() -> None:
    html = sanitise_html(
        '<p>Hi <script>alert(1)</script><b>there</b> <a href="https://e.uz" target=_blank>x</a></p>'
    )
    assert "alert" not in html and "target" not in html
    assert '<a href="https://e.uz" rel="noopener noreferrer nofollow">x</a>' in html


def test_raw_html_is_shown_as_text() -> None:
    assert render_lesson_markdown("<b>bold?</b>") == "<p>&lt;b&gt;bold?&lt;/b&gt;</p>\n"


def test_markdown_formatting_survives() -> None:
    html = render_lesson_markdown(
        "# Title\n\n## Part\n\nSome **bold**, *italic* and `code`.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n"
        "| Key | Meaning |\n|-----|---------|\n| F1 | Help |\n\n> quoted\n\n~~old~~"
    )
    assert "<h2>Title</h2>" in html and "<h2>Part</h2>" in html and "<h1>" not in html
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html and "<code>code</code>" in html
    assert "<ul>" in html and "<ol>" in html and "<li>first</li>" in html
    assert "<table>" in html and "<th>Key</th>" in html and "<td>Help</td>" in html
    assert "<blockquote>" in html and "<s>old</s>" in html


def test_links_are_kept_and_marked() -> None:
    html = render_lesson_markdown("[IT Park](https://it-park.uz/) and [mail](mailto:help@academy.uz)")
    assert '<a href="https://it-park.uz/" rel="noopener noreferrer nofollow">IT Park</a>' in html
    assert 'href="mailto:help@academy.uz"' in html


def test_a_link_title_is_kept_and_its_rel_is_ours() -> None:
    html = render_lesson_markdown('[x](https://example.uz "More")')
    assert (
        html == '<p><a href="https://example.uz" title="More" rel="noopener noreferrer nofollow">x</a></p>\n'
    )


def test_empty_text_renders_nothing() -> None:
    assert render_lesson_markdown("") == ""


@pytest.mark.parametrize(
    "unsafe",
    ['<img src=x onerror="alert(1)">', "<script>x</script>", '<a href=" javascript:alert(1)">x</a>'],
)
def test_the_check_itself_catches_unsafe_html(unsafe: str) -> None:
    with pytest.raises(AssertionError):
        assert_harmless(unsafe)
