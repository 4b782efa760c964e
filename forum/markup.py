"""Markdown to safe HTML, once, when a post is written."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

_md = (
    MarkdownIt("js-default", {"linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)

ALIGN_CLASSES = {"align-left", "align-center", "align-right"}


def _alignment_classes(state: StateCore) -> None:
    """Table columns are aligned by a class (static/style.css), not by the style attribute
    markdown-it writes, which the CSP (style-src 'self') makes browsers ignore."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and token.attrs:
            style = str(token.attrs.pop("style", ""))
            side = style.removeprefix("text-align:")
            if f"align-{side}" in ALIGN_CLASSES:
                token.attrSet("class", f"align-{side}")


def own_image(src: str) -> bool:
    """An image this site serves (a relative address) or that the post carries (data:), so
    showing it tells no other site who is reading."""
    if src.lower().startswith("data:image/"):  # markdown-it passes png, gif, jpeg, webp only
        return True
    try:
        parts = urlsplit(src)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc and not src.startswith(("//", "\\"))


def _image(
    renderer: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """An image from another site becomes a link to it: readers' browsers make no request to
    a third party just by opening a thread (and the CSP's img-src would refuse it anyway)."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    if own_image(src):
        return RendererHTML.image(renderer, tokens, idx, options, env)
    text = renderer.renderInlineAsText(token.children or [], options, env) or src
    title = token.attrGet("title")
    title_attr = f' title="{html.escape(str(title))}"' if title else ""
    return f'<a href="{html.escape(src)}"{title_attr}>{html.escape(text)}</a>'


_md.core.ruler.push("alignment_classes", _alignment_classes)
_md.add_render_rule("image", _image)

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
    "code": {"class"},
}


def _only_images_inline(tag: str, attribute: str, value: str) -> str | None:
    """data: addresses are for images shown in place, never for links."""
    if value[:5].lower() == "data:" and not (tag == "img" and attribute == "src"):
        return None
    return value


def render(body: str) -> str:
    return nh3.clean(
        _md.render(body),
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_only_images_inline,
        allowed_classes={"th": ALIGN_CLASSES, "td": ALIGN_CLASSES},
        url_schemes={"http", "https", "mailto", "data"},
        link_rel="nofollow noopener ugc",
    )


def plain_text(body_html: str) -> str:
    """The words of rendered HTML, blocks separated by new lines (for search and previews)."""
    spaced = _BLOCK_END.sub(lambda m: m.group(0) + "\n", body_html)
    return html.unescape(nh3.clean(spaced, tags=set())).strip()


def excerpt(body: str, length: int = 200) -> str:
    """Plain text from Markdown source, for previews (escaped by the template)."""
    text = " ".join(plain_text(_md.render(body)).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
