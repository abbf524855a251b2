"""Templates keep one tag per line: no line over 200 characters (issue 15).

A long line is broken where the page cannot show it — between a tag's attributes, at
whitespace in text, beside a block element's tag — never inside a template tag, <pre>,
<textarea> or <script>; a long {% blocktranslate %} takes `trimmed` so its msgid stays."""

from pathlib import Path

LIMIT = 200
TEMPLATES = Path(__file__).resolve().parents[1]


def test_no_template_line_is_longer_than_200_characters():
    long = [
        f"{path.relative_to(TEMPLATES.parent)}:{number}: {len(line)} characters"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if len(line) > LIMIT
    ]
    assert not long, "template lines over 200 characters:\n" + "\n".join(long)
