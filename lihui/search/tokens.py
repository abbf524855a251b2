"""Chinese-aware tokens for the archive index, the way Lucene's CJKAnalyzer does it.

Chinese has no spaces and most words are two characters (预算, 物流, 退货), so each run of
CJK characters becomes its overlapping bigrams (退货数据 → 退货 货数 数据); a run of one
character stays a unigram. A 2-character query is then one token, and a longer one a
phrase of adjacent bigrams — an exact index lookup on both databases, where trigram
indexes cannot match two characters at all. Every CJK character is also indexed on its
own, in a second column, so 1-character queries work too. Latin letters and digits form
words, lowercased after NFKC (full-width Ｑ３ is q3). Everything else — punctuation, spaces,
symbols — only separates tokens, in the text and in the query alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# CJK ideographs (with extensions and compatibility forms), kana and hangul syllables.
_CJK = "\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufa6d\ufa70-\ufad9\U00020000-\U0002ebef\U00030000-\U0003134f"
_RUN = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+")
_IS_CJK = re.compile(f"[{_CJK}]")
MAX_WORD = 40  # longer "words" (hashes, URLs) are cut; nobody searches for their tail
MAX_QUERY = 200
MAX_TERMS = 10


def _runs(text: str) -> list[str]:
    # The CJK ranges hold code points Unicode has not assigned yet: they are not words.
    runs = _RUN.findall(unicodedata.normalize("NFKC", text or "").lower())
    return [r for r in ("".join(c for c in run if c.isalnum()) for run in runs) if r]


def analyze(text: str) -> tuple[str, str]:
    """The two indexed columns: bigrams and words in order, and the set of CJK characters."""
    stream: list[str] = []
    chars: set[str] = set()
    for run in _runs(text):
        if _IS_CJK.match(run):
            chars.update(run)
            stream.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            stream.append(run[:MAX_WORD])
    return " ".join(stream), " ".join(sorted(chars))


@dataclass(frozen=True)
class Term:
    """One thing the query asks for: a phrase of bigrams / a word (column `bi`), or a
    single CJK character (column `uni`). All terms must match."""

    column: str
    tokens: tuple[str, ...]
    text: str  # as it appears in the normalized text, for highlighting


class QueryError(ValueError):
    pass


def parse_query(query: str) -> list[Term]:
    """Terms of a search query; raises QueryError (message translated by the caller's
    gettext) when there is nothing to search for or the query is too long."""
    from django.utils.translation import gettext as _

    if len(query or "") > MAX_QUERY:
        raise QueryError(_("The search is too long (%(n)s characters at most).") % {"n": MAX_QUERY})
    terms: list[Term] = []
    for run in _runs(query):
        if _IS_CJK.match(run):
            if len(run) == 1:
                term = Term("uni", (run,), run)
            else:
                term = Term("bi", tuple(run[i : i + 2] for i in range(len(run) - 1)), run)
        else:
            term = Term("bi", (run[:MAX_WORD],), run)
        if term not in terms:
            terms.append(term)
    if not terms:
        raise QueryError(_("Type a word to search for: letters, digits or Chinese characters."))
    if len(terms) > MAX_TERMS:
        raise QueryError(_("Search for %(n)s words at most.") % {"n": MAX_TERMS})
    return terms


def fts5_match(terms: list[Term]) -> str:
    """An FTS5 MATCH expression. Tokens hold only letters and digits, so quoting is safe."""
    return " AND ".join(f'{t.column} : "{" ".join(t.tokens)}"' for t in terms)


def pg_tsquery(terms: list[Term], column: str) -> str | None:
    """A to_tsquery('simple', …) expression for one column, or None if no term uses it."""
    parts = [" <-> ".join(t.tokens) for t in terms if t.column == column]
    return " & ".join(f"({p})" for p in parts) if parts else None


def normalize(text: str) -> str:
    """The text as the index sees it, character for character (for snippets)."""
    return unicodedata.normalize("NFKC", text or "").lower()
