"""Both catalogs are complete, and the committed .mo files match their .po files."""

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def entries(po: Path):
    """(context, msgid, plural, [msgstr...], fuzzy) for every entry but the header."""
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        current = None
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            m = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (\".*\")$", line)
            if m:
                current = m.group(1)
                fields[current] = [m.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        if "msgid" not in fields:
            continue
        text = {k: "".join(eval(part) for part in v) for k, v in fields.items()}  # noqa: S307 - .po string literals
        if not text["msgid"]:
            continue
        strs = [v for k, v in sorted(text.items()) if k.startswith("msgstr")]
        yield text.get("msgctxt"), text["msgid"], text.get("msgid_plural"), strs, fuzzy


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_catalog_is_complete_and_compiled(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    found = list(entries(po))
    assert len(found) > 200
    untranslated = [msgid for _ctx, msgid, _pl, strs, _f in found if not all(strs)]
    fuzzy = [msgid for _ctx, msgid, _pl, _strs, f in found if f]
    assert not untranslated, f"{language}: untranslated {untranslated[:10]}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy[:10]}"
    with open(po.with_suffix(".mo"), "rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for ctx, msgid, plural, strs, _f in found:
        if plural:
            got = mo.npgettext(ctx, msgid, plural, 1) if ctx else mo.ngettext(msgid, plural, 1)
        else:
            got = mo.pgettext(ctx, msgid) if ctx else mo.gettext(msgid)
        assert got == strs[0], f"{language}: the .mo is stale for {msgid!r}; run `make messages`"
