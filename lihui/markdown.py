"""Markdown in notes and minutes: CommonMark (with tables) rendered by markdown-it, then
cleaned by nh3. Raw HTML in the source is not passed through at all (`html: False`), and
the cleaner is the second wall: whatever the parser lets out, no script, event handler,
style or `javascript:` link reaches a page. Images are dropped: an intranet page must not
fetch addresses someone typed into the minutes."""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "a", "mark",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "th": {"style"}, "td": {"style"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"]).disable("image")


def markdown_tokens(text: str) -> list[Token]:
    return parser().parse(text or "")


def markdown_html(text: str) -> SafeString:
    """The text as cleaned HTML, safe to put in a page."""
    html = parser().render(text or "")
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        # Only the alignment markdown-it writes on table cells survives in `style`.
        filter_style_properties={"text-align"},
    )
    return mark_safe(cleaned)  # noqa: S308 — cleaned by nh3 just above


def markdown_escape(text: str) -> str:
    """Plain text into Markdown without letting it become markup (names, titles).
    `&` would start an entity (`&copy;` → ©), `=` under a line a setext heading, and a
    line indented after a blank one a code block: those are neutralised too."""
    out = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    for ch in "\\`*_{}[]<>()#+-.!|~&=":
        out = out.replace(ch, "\\" + ch)
    return "\n".join(line.lstrip(" \t") for line in out.split("\n"))
