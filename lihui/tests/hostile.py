"""A corpus of hostile text for every free-text field (issue 8): markup, links, Markdown
tricks, spreadsheet formulas, robot mentions, header and calendar line injection. Each
HTML/link payload carries a unique `alert(N)` so a page can be searched for any of them
having become live markup."""

from __future__ import annotations

HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '<a href="javascript:alert(3)">x</a>',
    '<svg onload="alert(4)"></svg>',
    "<iframe src=javascript:alert(5)></iframe>",
]
LINKS = [
    "[x](javascript:alert(6))",
    "![x](javascript:alert(7))",
    "[x](JaVaScRiPt:alert(8))",
    "<javascript:alert(9)>",
]
MARKDOWN = [
    "***",
    "# heading",
    "| a | b |\n|---|---|\n| c | d |",
    "x\n===",
    "&lt;script&gt;alert(10)&lt;/script&gt;",
]
FORMULAS = [
    "=1+1",
    "+SUM(A1)",
    "-2+3",
    "@SUM(A1)",
    '=HYPERLINK("http://evil","x")',
]
MENTIONS = [
    "<@all>",
    "@所有人",
    "@all",
    '<at user_id="all">所有人</at>',
    "<at id=all></at>",
]
CRLF = "x\r\nBCC: evil@example.com"
ICS = "x\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil\r\nSUMMARY:injected\r\nEND:VCALENDAR"
LONG = "长" * 5000 + "<script>alert(11)</script>"
NUL = "a\x00b"

# One line each (titles); the multi-line ones are for notes and purposes.
ONE_LINE = HTML + [p for p in LINKS] + ["***", "# heading", "| a | b |"] + FORMULAS + MENTIONS
ALL = HTML + LINKS + MARKDOWN + FORMULAS + MENTIONS + [CRLF, ICS]
