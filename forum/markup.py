"""Markdown to safe HTML, once, when a post is written."""

from __future__ import annotations

import html
import re

import nh3
from markdown_it import MarkdownIt

_md = (
    MarkdownIt("js-default", {"linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)

_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|tr|td|th)>|<br\s*/?>")

_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
    "code": {"class"},
}


def render(body: str) -> str:
    html = _md.render(body)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener ugc",
        filter_style_properties={"text-align"},
    )


def plain_text(body_html: str) -> str:
    """The words of rendered HTML, blocks separated by new lines (for search and previews)."""
    spaced = _BLOCK_END.sub(lambda m: m.group(0) + "\n", body_html)
    return html.unescape(nh3.clean(spaced, tags=set())).strip()


def excerpt(body: str, length: int = 200) -> str:
    """Plain text from Markdown source, for previews (escaped by the template)."""
    text = " ".join(plain_text(_md.render(body)).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
