"""A corpus of hostile input (issue 8, extended with the hostile review of issue 17).

Text for every free-text field: markup, links, Markdown tricks, spreadsheet formulas, robot
mentions, header and calendar line injection, template syntax, overlong and malformed
Unicode. Each HTML/link payload carries a unique `alert(N)` so a page can be searched for
any of them having become live markup. Beyond text: robot/webhook URLs aimed at the intranet
(SSRF), redirect targets, uploads that lie about what they are, and header values with line
breaks. test_hostile_corpus.py drives the text through every output; test_hostile_inputs.py
drives every class through the entry points (pages, /api/v1/, uploads, the robots form)."""

from __future__ import annotations

HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '<a href="javascript:alert(3)">x</a>',
    '<svg onload="alert(4)"></svg>',
    "<iframe src=javascript:alert(5)></iframe>",
    # The hostile review's sinks (issue 17): attribute breakouts, script-context breakouts,
    # event handlers on odd tags, mutation XSS, encoded schemes, form and object sinks.
    '"><svg/onload=alert(12)>',
    "'><img src=x onerror=alert(13)>",
    "</script><script>alert(14)</script>",
    "</textarea><script>alert(15)</script>",
    "<details open ontoggle=alert(16)>",
    "<body onload=alert(17)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(18)>",
    '<a href="&#106;avascript:alert(19)">x</a>',
    '<a href="java&#x09;script:alert(20)">x</a>',
    '<form><button formaction="javascript:alert(21)">x</button></form>',
    '<object data="javascript:alert(22)"></object>',
    '<embed src="javascript:alert(23)">',
    "<input autofocus onfocus=alert(24)>",
    '<a href="data:text/html,<script>alert(25)</script>">x</a>',
    '<div style="background:url(javascript:alert(26))">x</div>',
    '<div hx-get="/logout/" hx-trigger="load" hx-on::load="alert(27)">x</div>',
    "<noscript><p title=\"</noscript><img src=x onerror=alert(28)>\">",
    '<svg><a xlink:href="javascript:alert(29)"><text>x</text></a></svg>',
]
LINKS = [
    "[x](javascript:alert(6))",
    "![x](javascript:alert(7))",
    "[x](JaVaScRiPt:alert(8))",
    "<javascript:alert(9)>",
    "[x](vbscript:alert(30))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgzMSk8L3NjcmlwdD4=)",
    "[x](&#106;avascript:alert(32))",
    "[x](java%0ascript:alert(33))",
]
MARKDOWN = [
    "***",
    "# heading",
    "| a | b |\n|---|---|\n| c | d |",
    "x\n===",
    "&lt;script&gt;alert(10)&lt;/script&gt;",
    "[x][r]\n\n[r]: javascript:alert(34)",  # a reference-style link
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

# Template and expression syntax: shown as typed, never evaluated.
TEMPLATE = ["{{ request.user.password }}", "{% debug %}", "${7*7}", "#{7*7}", "{{7*'7'}}"]

# Unicode that misleads or breaks: right-to-left override, zero-width and separator
# characters, a byte-order mark, combining marks, fullwidth markup (NFKC makes it <script>).
UNICODE = [
    "报告\u202efdp.exe",
    "a\u200b\u200c\u200d\u2060b",
    "\ufeff标题",
    "行一\u2028行二\u2029行三",
    "Z\u0351\u0334\u0315\u0358a\u0489\u0489\u0489",
    "👩\u200d👩\u200d👧 🀄",
    "＜script＞alert(35)＜/script＞",
]
LONE_SURROGATE = "\ud800x"  # valid in JSON (\\ud800), not encodable as UTF-8
# Bytes that are not UTF-8 (a stray byte, an overlong "/", an encoded surrogate).
BAD_UTF8 = [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"abc\x80"]
# Longer than any single-line field (200) and any text area.
OVERLONG = ["长" * 201, "a" * 100_001]

# Header values with line breaks: a request header, and a value that would become one.
HEADER_VALUES = ["x\r\nSet-Cookie: evil=1", "x\nLocation: https://evil.example/", "x\rX-Injected: 1", "x\x00y"]

# Where a sign-in or language switch may be told to go next: only this site.
OPEN_REDIRECTS = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "javascript:alert(36)",
    "/%0d%0aSet-Cookie:evil=1",
    "http://testserver@evil.example/",
    "\t//evil.example/",
]

# Robot and webhook URLs aimed at the machine itself, the intranet or a cloud's metadata
# service: literal, in decimal/octal/hex/short forms, IPv6 with IPv4 inside, and names that
# resolve there (tests resolve them with `RESOLVES`, never through a real DNS).
SSRF_URLS = [
    "http://127.0.0.1/hook",
    "http://127.0.0.1:6379/hook",
    "http://localhost/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::127.0.0.1]/hook",
    "http://[64:ff9b::7f00:1]/hook",
    "http://[2002:7f00:1::]/hook",
    "http://[fe80::1]/hook",
    "http://0.0.0.0/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://2130706433/hook",  # 127.0.0.1 in decimal
    "http://0177.0.0.1/hook",  # octal
    "http://0x7f.0x0.0x0.0x1/hook",  # hex
    "http://127.1/hook",  # short form
    "http://10.0.0.1/hook",
    "http://192.168.1.1/hook",
    "http://172.16.0.1/hook",
    "http://100.64.0.1/hook",
    "https://intranet.corp.example/hook",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://localtest.me/hook",
    "https://robot.example.com.127.0.0.1.nip.io/hook",
    "https://rebind.attacker.example/hook",  # public to the check, loopback after (DNS rebinding)
]
PUBLIC = "93.184.216.34"
# What the fake resolver answers for the names above (the numeric forms resolve as the C
# library does, through socket.inet_aton); each list is one lookup's answer.
RESOLVES = {
    "localhost": ["127.0.0.1", "::1"],
    "intranet.corp.example": ["10.20.30.40"],
    "metadata.google.internal": ["169.254.169.254"],
    "localtest.me": ["127.0.0.1"],
    "robot.example.com.127.0.0.1.nip.io": ["127.0.0.1"],
    "rebind.attacker.example": [PUBLIC, "127.0.0.1"],  # every address is checked
}
# Where a robot's answer may try to send the next hop (307/308 Location).
REDIRECT_LOCATIONS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost/hook",
    "http://[::1]/hook",
    "http://2130706433/hook",
    "//10.0.0.1/hook",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "http://robot.example@127.0.0.2/hook",
]

# Uploads (name, content): refused with a translated message, or stored under a generated
# name and served only as an attachment of an accepted type (never HTML, SVG or a script).
_PNG_HEAD = b"\x89PNG\r\n\x1a\n"
_ZIP_BOMB_ENTRY = b"0" * (8 * 1024 * 1024)


def _zip_bomb() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for n in range(4):
            z.writestr(f"{n}.txt", _ZIP_BOMB_ENTRY)  # 32 MB unpacked from a few kB
    return buffer.getvalue()


UPLOADS_REFUSED = [
    ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 54),  # a Windows program named .pdf
    ("photo.png", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56),  # an ELF binary named .png
    ("empty.txt", b""),
    ("page.html", "<script>alert(37)</script>".encode("utf-16")),  # UTF-16: not text we accept
    ("binary.txt", b"\x00\x01\x02<script>alert(38)</script>\x00"),
]
UPLOADS_STORED = [
    ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(39)"><script>alert(40)</script></svg>'),
    ("invoice.html", b"<!doctype html><script>alert(41)</script>"),
    ("image.png.html", b"<html><body onload=alert(42)>"),
    ("fake.png", _PNG_HEAD + b"<script>alert(43)</script>"),  # PNG magic, script inside: still a PNG download
    ("bomb.zip", _zip_bomb()),
    ("报告\u202efdp.exe", b"plain text under a disguised name"),
    ('quote".txt', b"name with a quote"),
    ("semi;colon=1.txt", b"name with header syntax"),
    ("x" * 300 + ".txt", b"overlong name"),
    ("CON.txt", b"a reserved Windows name"),
    (".htaccess", b"SetHandler application/x-httpd-php"),
]
# Names that carry a path or a control character: the name is refused or cleaned, the file
# lands under a generated name inside MEDIA_ROOT either way.
UPLOAD_NAMES = [
    "../../etc/passwd.txt",
    "..\\..\\windows\\win.ini.txt",
    "/etc/cron.d/evil.txt",
    "a\x00.php.txt",
    "a\r\nContent-Type: text/html.txt",
    "a\u2028b.txt",
    "%2e%2e%2fpasswd.txt",
]

# One line each (titles); the multi-line ones are for notes and purposes.
ONE_LINE = HTML + [p for p in LINKS] + ["***", "# heading", "| a | b |"] + FORMULAS + MENTIONS
ALL = HTML + LINKS + MARKDOWN + FORMULAS + MENTIONS + [CRLF, ICS]
# Every text payload a single-line field can be typed with (the entry-point tests).
TEXT = ONE_LINE + TEMPLATE + UNICODE + [CRLF]
