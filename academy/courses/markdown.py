"""Lesson Markdown to safe HTML: rendered once, when a lesson is saved, and shown as it is stored.

Two layers. markdown-it-py renders CommonMark with tables and raw HTML switched off (an author's
``<b>`` shows as text), and refuses ``javascript:``-like links itself. nh3 (ammonia) then keeps only
an allow-list of tags, attributes and URL schemes, and marks every link ``noopener noreferrer
nofollow``: whatever the first layer lets through, no script, style, frame, event handler,
``javascript:`` or ``data:`` URL reaches a reader.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

ALLOWED_TAGS = frozenset(
    {
        *("p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
        *("em", "strong", "s", "del", "sup", "sub", "kbd"),
        *("ul", "ol", "li", "a", "img"),
        *("table", "thead", "tbody", "tr", "th", "td"),
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    strip_comments=True,
)


def _no_first_level_headings(state: StateCore) -> None:
    """The page's own title is the only ``h1``: a lesson's ``# heading`` becomes an ``h2``."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table").enable("strikethrough")
    md.core.ruler.push("no_first_level_headings", _no_first_level_headings)
    return md


_markdown = _parser()


def sanitise_html(html: str) -> str:
    """``html`` reduced to the allow-list: the second layer, usable on its own."""
    return _cleaner.clean(html)


def render_lesson_markdown(text: str) -> str:
    """``text`` (Markdown) as sanitised HTML, safe to insert into a page without escaping."""
    return sanitise_html(_markdown.render(text or ""))
