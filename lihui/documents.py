"""A small toolkit for Word (.docx) documents: the agenda now, the minutes and the regime
document later. Every document gets the same fonts, page and table look.

Fonts. A .docx names fonts, it does not carry them, and a run has one font per script
(`w:rFonts`: ascii/hAnsi for Latin, eastAsia for Chinese); there is no fallback list. We name:

- East Asian: SimSun (宋体). It is installed with every Simplified Chinese Windows and with
  Office (Word's own default for Chinese before 2016), so Word shows it as is. LibreOffice's
  font replacement table lists SimSun as a Simplified Chinese (CJK_SC) Song/serif face, and
  fontconfig classes it as serif, so on a Linux box with fonts-noto-cjk it is drawn with
  Noto Serif CJK SC — never tofu. DengXian (等线, Word 2016+) ships only with Office or as an
  optional Windows feature, and neither DengXian nor Microsoft YaHei is known to LibreOffice's
  table. We use the ASCII name "SimSun" (Word resolves it to 宋体; not every renderer knows
  the Chinese name).
- Latin: Times New Roman, the usual partner of 宋体 in Chinese office documents; LibreOffice
  draws it with the metric-compatible Liberation Serif.

The document's language is marked too (`w:lang`, East Asian zh-CN), so renderers pick the
Simplified Chinese glyphs of a pan-CJK font rather than the Japanese ones.

Text safety. Everything a person typed goes in as plain run text: nothing is parsed as
markup, fields or formulas. Characters XML 1.0 forbids (control characters, lone surrogates)
are removed first, so hostile input cannot corrupt the file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

import docx
from django.utils import timezone, translation
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

FONT_EAST_ASIA = "SimSun"  # 宋体; see the module docstring for why
FONT_LATIN = "Times New Roman"

BODY_PT = 10.5  # 五号, the body size of Chinese office documents
TABLE_PT = 10
HEADING_PT = {0: 18, 1: 14, 2: 12, 3: 10.5}  # 小二 (title), 四号, 小四, 五号
HEADING_COLOR = RGBColor(0x1F, 0x1F, 0x1F)
MUTED_COLOR = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "F2F2F2"

# Characters XML 1.0 allows: #x9 #xA #xD [#x20-#xD7FF] [#xE000-#xFFFD] [#x10000-#x10FFFF].
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# Text a spreadsheet program would run as a formula (CSV / formula injection): a leading =, +,
# - or @, and also a TAB, CR or LF before one, since programs strip those when they import a
# cell. One guard for every export: the .xlsx lists (lihui/actions/exports.py) mark such text
# as a quoted string cell; CSV, which has no cell types, gets Excel's quote prefix.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def spreadsheet_text(value: object) -> str:
    """A CSV cell: text that looks like a formula gets a leading ' (numbers such as -5 stay)."""
    text = str(value)
    return "'" + text if formula_like(text) and not _is_number(text) else text


def _is_number(text: str) -> bool:
    if text[:1] in ("\t", "\r", "\n"):
        return False  # float() ignores surrounding whitespace; a spreadsheet may not
    try:
        float(text)
    except ValueError:
        return False
    return True


def xml_safe(text: object) -> str:
    """The text with characters XML cannot hold removed and line ends made `\\n`."""
    text = "" if text is None else str(text)
    return _NOT_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _is_chinese(language: str | None) -> bool:
    return (language or "").lower().startswith("zh")


def _set_fonts(rpr, *, east_asia: str = FONT_EAST_ASIA, latin: str = FONT_LATIN) -> None:
    """Name the fonts explicitly and drop theme references, which would win over them."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _set_lang(rpr) -> None:
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    # Latin-script text is English (or pinyin) in either language; marking it zh-CN would make
    # renderers break Latin words anywhere. The Chinese text is marked zh-CN.
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")


def _style_fonts(style) -> None:
    _set_fonts(style.element.get_or_add_rPr())


def new_document(language: str | None = None, *, title: str = "") -> Document:
    """An empty A4 document whose styles use our fonts; `language` (e.g. "zh-hans", "en")
    defaults to the active one."""
    language = language or translation.get_language()
    doc = docx.Document()

    # The template's preview thumbnail does not show this document: drop it.
    pkg_rels = doc.part.package.rels
    for r_id, rel in list(pkg_rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            pkg_rels.pop(r_id)

    defaults = doc.styles.element.find(qn("w:docDefaults"))
    default_rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(default_rpr)
    _set_lang(default_rpr)

    normal = doc.styles["Normal"]
    # `font.name` would set only ascii/hAnsi; the Chinese font is the w:eastAsia attribute.
    _style_fonts(normal)
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(4)
    normal.paragraph_format.line_spacing = 1.2

    for level in range(0, 4):
        style = doc.styles["Title" if level == 0 else f"Heading {level}"]
        _style_fonts(style)
        style.font.size = Pt(HEADING_PT[level])
        style.font.bold = True
        style.font.color.rgb = HEADING_COLOR
        style.paragraph_format.space_before = Pt(0 if level == 0 else 12)
        style.paragraph_format.space_after = Pt(8 if level == 0 else 4)
    # The title's rule under it, grey rather than the template's theme blue.
    border = doc.styles["Title"].element.pPr.find(qn("w:pBdr"))
    if border is not None:
        for edge in border:
            for attr in ("w:themeColor", "w:themeTint", "w:themeShade"):
                edge.attrib.pop(qn(attr), None)
            edge.set(qn("w:color"), "808080")
    for name in ("List Bullet", "Table Grid"):
        _style_fonts(doc.styles[name])

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2.2)

    props = doc.core_properties
    props.title = xml_safe(title)
    props.author = props.last_modified_by = "Lihui"
    props.comments = ""
    props.language = "zh-CN" if _is_chinese(language) else "en-US"
    props.created = props.modified = timezone.now().replace(tzinfo=None, microsecond=0)
    props.revision = 1
    return doc


def text_width(doc: Document) -> Length:
    section = doc.sections[-1]
    return Length(section.page_width - section.left_margin - section.right_margin)


def _run(paragraph: Paragraph, text: str, *, bold: bool = False, size: float | None = None, color: RGBColor | None = None):
    run = paragraph.add_run(xml_safe(text))  # plain text; \t and \n become tab and line break
    if bold:
        run.bold = True
    if size:
        run.font.size = Pt(size)
    if color is not None:
        run.font.color.rgb = color
    return run


def heading(doc: Document, text: str, level: int = 1) -> Paragraph:
    """Level 0 is the document title, 1–3 the heading levels."""
    paragraph = doc.add_paragraph(style="Title" if level == 0 else f"Heading {max(1, min(level, 3))}")
    _run(paragraph, text)
    return paragraph


def paragraph(
    doc: Document,
    text: str = "",
    bold: bool = False,
    size: float | None = None,
    *,
    color: RGBColor | None = None,
    space_before: float | None = None,
) -> Paragraph:
    """A body paragraph of plain text (a newline in it becomes a line break)."""
    p = doc.add_paragraph()
    if space_before is not None:
        p.paragraph_format.space_before = Pt(space_before)
    if text:
        _run(p, text, bold=bold, size=size, color=color)
    return p


def field(doc: Document, label: str, value: str) -> Paragraph:
    """「label：value」 with the label bold, for the facts at the top of a document."""
    p = doc.add_paragraph()
    colon = "：" if _is_chinese(doc.core_properties.language) else ": "
    _run(p, f"{label}{colon}", bold=True)
    _run(p, value)
    return p


def bullets(doc: Document, lines: Sequence[str]) -> list[Paragraph]:
    out = []
    for line in lines:
        p = doc.add_paragraph(style="List Bullet")
        _run(p, line)
        out.append(p)
    return out


@dataclass(frozen=True)
class Line:
    """One paragraph of a table cell, when a cell needs more than plain text."""

    text: str
    bold: bool = False
    size: float | None = None
    muted: bool = False


Cell = str | Line | Sequence[str | Line]


def _fill_cell(cell, value: Cell, *, bold: bool, size: float) -> None:
    lines = [value] if isinstance(value, (str, Line)) else list(value) or [""]
    for i, line in enumerate(lines):
        p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        p.paragraph_format.space_before = Pt(1)
        p.paragraph_format.space_after = Pt(1)
        p.paragraph_format.line_spacing = 1.1
        if isinstance(line, Line):
            _run(
                p,
                line.text,
                bold=bold or line.bold,
                size=line.size or (size - 1 if line.muted else size),
                color=MUTED_COLOR if line.muted else None,
            )
        elif line:
            _run(p, line, bold=bold, size=size)


def _mark(element, tag: str, **attrs: str):
    child = OxmlElement(tag)
    for key, val in attrs.items():
        child.set(qn(f"w:{key}"), val)
    element.append(child)
    return child


def table(
    doc: Document,
    header: list[str],
    rows: list[list[Cell]],
    widths: Sequence[float] | None = None,
    *,
    size: float = TABLE_PT,
) -> Table:
    """A grid table; the header row is bold, shaded and repeated on every page.
    `widths` are column widths in centimetres; without them the columns share the width."""
    t = doc.add_table(rows=1 + len(rows), cols=len(header))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    if widths is None:
        widths = [text_width(doc).cm / len(header)] * len(header)
    t.autofit = False
    for i, width in enumerate(widths):
        t.columns[i].width = Cm(width)
    for r, values in enumerate([header, *rows]):
        row = t.rows[r]
        for c, cell in enumerate(row.cells):
            cell.width = Cm(widths[c])
            _fill_cell(cell, values[c] if c < len(values) else "", bold=r == 0, size=size)
            if r == 0:
                _mark(cell._tc.get_or_add_tcPr(), "w:shd", val="clear", color="auto", fill=HEADER_FILL)
    header_pr = t.rows[0]._tr.get_or_add_trPr()
    _mark(header_pr, "w:tblHeader")  # repeat on each page
    _mark(header_pr, "w:cantSplit")
    return t


def to_bytes(doc: Document) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _inline(paragraph: Paragraph, token, *, bold: bool = False, size: float | None = None) -> None:
    """The runs of one inline Markdown token: bold, italic, code, strike; links keep their
    address in brackets (a .docx from us carries no live links someone typed)."""
    strong = em = strike = 0
    link: str | None = None
    for child in token.children or []:
        kind = child.type
        if kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong -= 1
        elif kind == "em_open":
            em += 1
        elif kind == "em_close":
            em -= 1
        elif kind == "s_open":
            strike += 1
        elif kind == "s_close":
            strike -= 1
        elif kind == "link_open":
            link = child.attrGet("href")
        elif kind == "link_close":
            if link:
                _run(paragraph, f" ({link})", size=size, color=MUTED_COLOR)
            link = None
        elif kind in ("softbreak", "hardbreak"):
            paragraph.add_run().add_break()
        elif kind in ("text", "code_inline", "html_inline"):
            run = _run(paragraph, child.content, bold=bold or strong > 0, size=size)
            run.italic = em > 0 or None
            if strike:
                run.font.strike = True
            if kind == "code_inline":
                run.font.name = "Consolas"


def markdown_into(doc: Document, text: str) -> None:
    """Append Markdown as Word paragraphs, headings, lists and tables (our table look).
    Heading levels shift down one: `#` is the document title."""
    from lihui.markdown import markdown_tokens

    tokens = markdown_tokens(text)
    lists: list[str] = []  # the open list styles, innermost last
    quote = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        if kind == "heading_open":
            level = int(tok.tag[1]) - 1
            p = doc.add_paragraph(style="Title" if level == 0 else f"Heading {min(level, 3)}")
            _inline(p, tokens[i + 1])
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append("List Bullet" if kind == "bullet_list_open" else "List Number")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "paragraph_open":
            style = lists[-1] if lists else None
            if style and len(lists) > 1:
                style = f"{style} 2"
            p = doc.add_paragraph(style=style)
            if quote:
                p.paragraph_format.left_indent = Cm(0.75 * quote)
            _inline(p, tokens[i + 1], size=None if not quote else BODY_PT - 0.5)
            i += 3
            continue
        elif kind in ("fence", "code_block"):
            p = doc.add_paragraph()
            run = _run(p, tok.content.rstrip("\n"), size=BODY_PT - 1)
            run.font.name = "Consolas"
        elif kind == "hr":
            doc.add_paragraph()
        elif kind == "table_open":
            rows: list[list] = []  # inline tokens per cell
            i += 1
            while tokens[i].type != "table_close":
                t = tokens[i]
                if t.type == "tr_open":
                    rows.append([])
                elif t.type == "inline":
                    rows[-1].append(t)
                i += 1
            _markdown_table(doc, rows)
        i += 1


def _markdown_table(doc: Document, rows: list[list]) -> None:
    if not rows:
        return
    width = max(len(r) for r in rows)
    t = table(doc, [""] * width, [[""] * width for _ in rows[1:]])
    for r, cells in enumerate(rows):
        for c, inline in enumerate(cells):
            _inline(t.rows[r].cells[c].paragraphs[0], inline, bold=r == 0, size=TABLE_PT)
