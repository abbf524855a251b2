"""Markdown in notes and minutes: CommonMark (with tables) rendered by markdown-it, then
cleaned by nh3. Raw HTML in the source is not passed through at all (`html: False`), and
the cleaner is the second wall: whatever the parser lets out, no script, event handler,
style or `javascript:` link reaches a page. Images are dropped: an intranet page must not
fetch addresses someone typed into the minutes."""

from __future__ import annotations

import difflib
import re
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


_CODE_SPAN = re.compile(r"(`+).+?(?<!`)\1(?!`)")
_AUTOLINK = re.compile(r"<(?:https?://|mailto:)[^<>\s]*>", re.IGNORECASE)
_ANGLE = re.compile(r"(\\*)<")


def _escape_angles(segment: str) -> str:
    """Backslash every `<` not already escaped (an odd run of backslashes before it), keeping autolinks."""
    out, pos = [], 0
    for link in _AUTOLINK.finditer(segment):
        out.append(_ANGLE.sub(_backslash, segment[pos : link.start()]))
        out.append(link.group())
        pos = link.end()
    out.append(_ANGLE.sub(_backslash, segment[pos:]))
    return "".join(out)


def _backslash(match: re.Match) -> str:
    slashes = match.group(1)
    return slashes + ("\\<" if len(slashes) % 2 == 0 else "<")


def markdown_without_html(text: str) -> str:
    """The Markdown as our pages read it, for programs that do not: they pass raw HTML
    through, so every `<` outside code is backslash-escaped — the text shows as typed, and
    no tag, script or event handler comes alive (`\\<` renders as `<` here too). Code blocks,
    code spans and <https://…> autolinks are left as they are."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    code_lines: set[int] = set()
    for tok in markdown_tokens(text):
        if tok.type in ("fence", "code_block") and tok.map:
            code_lines.update(range(*tok.map))
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if n in code_lines or "<" not in line:
            continue
        parts, pos = [], 0
        for span in _CODE_SPAN.finditer(line):
            parts.append(_escape_angles(line[pos : span.start()]))
            parts.append(span.group())
            pos = span.end()
        parts.append(_escape_angles(line[pos:]))
        lines[n] = "".join(parts)
    return "\n".join(lines)


def markdown_line_breaks(text: str) -> str:
    """Text people type in a box (a report's progress, its problems), as Markdown whose line
    breaks stay line breaks: CommonMark joins the lines of a paragraph into one, so each line
    inside a paragraph (in a list or quote too) ends with a hard break (`\\`); code, headings
    and tables are left as typed."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    lines = text.split("\n")
    tokens = markdown_tokens(text)
    for tok in tokens:
        if tok.type != "paragraph_open" or not tok.map:
            continue
        first, last = tok.map
        for i in range(first, last - 1):
            stripped = lines[i].rstrip()
            if stripped and not stripped.endswith("\\"):
                lines[i] = stripped + "\\"
    return "\n".join(lines)


def markdown_text_html(text: str) -> SafeString:
    """Typed text (line breaks kept) as cleaned HTML."""
    return markdown_html(markdown_line_breaks(text))


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Line diff for people (minutes revisions, regime versions): (" " | "+" | "-" | "@",
    line), with three lines of context."""
    out = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        out.append(("@", "…") if line.startswith("@@") else (line[0], line[1:]))
    return out
