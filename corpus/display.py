"""Show text from a document as data: never as markup, never as terminal control.

Everything that comes from a document (its text, headings, fractie, title, file
name, doc_id, citation string, metadata, the quotes and the answers built from
them) may hold characters that mean something to whatever shows it: HTML tags
to a browser, Markdown to Streamlit and to a .md reader, escape codes to a
terminal, control characters to Word's XML. One function per destination:

- `html_text(s)`: for HTML built by hand (attributes too).
- `markdown_text(s)`: for Markdown: `st.markdown`/`st.caption`/`st.warning`
  without HTML, and the .md exports. Backslash escapes, readable in a file.
- `inline_markdown_html(s)`: for HTML that goes through
  `st.markdown(..., unsafe_allow_html=True)`, where the text is parsed as
  Markdown *and* as HTML: HTML-escaped, Markdown characters as numeric
  entities, newlines kept out of the Markdown block structure.
- `terminal_safe(s)`: for the command line: no escape sequences or control
  characters; single-line fields lose their newlines and tabs.
- `docx_text(s)`: for python-docx: no characters that XML 1.0 forbids.
- `plain_text(s)`: for text shown as-is (`st.text`, `st.code`): no control bytes.

Pure functions, no Streamlit: corpus is the lowest layer, so rag/ and ui/ both
use them. Our own markup (headings, bold labels, citation links) is added
around the escaped pieces by the caller, never passed through these.
"""

from __future__ import annotations

import html
import re

# U+2060 WORD JOINER: invisible and zero-width. Put inside a bare URL, an e-mail
# address or an emoji/icon shortcode, it stops renderers that link or replace
# those patterns in already-parsed text (GFM autolink literals, remark-emoji),
# where no escape character survives parsing.
WORD_JOINER = "\u2060"

_AUTOLINK_RES = (
    re.compile(r"(?i)\b(https?|ftp|mailto|file|javascript|data)(?=:)"),  # scheme: http://…, mailto:…
    re.compile(r"(?i)\b(www)(?=\.)"),  # www.example.org
    re.compile(r"(?<=[\w.+-])(?=@[\w-]+\.)"),  # name@example.org
    # :smile:, :material/home:, :+1:, and Streamlit's directives (:red[…]), whose names start with a letter
    re.compile(r"(?<=:)(?=[A-Za-z+-])"),
)

# -- terminal ---------------------------------------------------------------------

# ESC-introduced sequences: CSI (colours, cursor moves), OSC (window title,
# hyperlinks; ended by BEL or ESC \), DCS/SOS/PM/APC strings, and two-byte escapes.
_ANSI_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
)
# C0 and C1 controls and DEL, except tab and newline (handled by mode); the
# bidirectional overrides that can make a terminal show text in another order.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK_RE = re.compile(r"\r\n|[\n\r\t\v\f\x85\u2028\u2029]")


def terminal_safe(s: object, *, single_line: bool = True) -> str:
    """`s` without terminal escape sequences or control characters.

    With `single_line` (names, titles, citations, table cells) line breaks and
    tabs become spaces, so a file name cannot start a fake new output line;
    without it (answer text, passages) newlines and tabs stay and a carriage
    return becomes a newline (a bare CR would let text overwrite the line).
    """
    text = _ANSI_RE.sub("", "" if s is None else str(s))
    if single_line:
        return _CONTROL_RE.sub("", _LINE_BREAK_RE.sub(" ", text))
    return _multiline(text)


def _multiline(text: str) -> str:
    """Escape sequences gone, every line break a plain \n, no other controls but tab."""
    text = _ANSI_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL_RE.sub("", text)


def plain_text(s: object, *, single_line: bool = False) -> str:
    """`s` with escape sequences and control characters removed: for text shown
    as-is (`st.text`, `st.code`, widget options and values), where markup means
    nothing but control bytes still do not belong. Line breaks (as \n) and tabs
    are kept unless `single_line` (an option label) makes them spaces."""
    if single_line:
        return " ".join(terminal_safe(s).split())
    return _multiline("" if s is None else str(s))


# -- Word (.docx) -------------------------------------------------------------------

# Not allowed in XML 1.0 (python-docx refuses them), plus DEL and C1 controls,
# which are allowed but only ever garbage in a document.
_XML_BAD_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def docx_text(s: object, *, single_line: bool = False) -> str:
    """`s` fit for a python-docx run: escape sequences and XML-forbidden
    characters removed; with `single_line` (headings, source lines) line breaks
    become spaces. python-docx escapes <, > and & itself and makes runs, never
    markup, so nothing else needs changing."""
    text = "" if s is None else str(s)
    text = _ANSI_RE.sub("", text)
    if single_line:
        text = " ".join(_LINE_BREAK_RE.sub(" ", text).split())
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_BAD_RE.sub("", text)


# -- HTML ---------------------------------------------------------------------------

def html_text(s: object) -> str:
    """HTML-escaped `s`, safe in element content and in quoted attributes."""
    return html.escape(_multiline("" if s is None else str(s)), quote=True)


# -- Markdown -----------------------------------------------------------------------

def _break_autolinks(text: str) -> str:
    for rx in _AUTOLINK_RES:
        text = rx.sub(lambda m: m.group(0) + WORD_JOINER, text)
    return text


# Characters with Markdown (CommonMark, GFM, Streamlit: LaTeX `$`, directives
# `:red[…]`) meaning anywhere in a line; backslash-escaped in `markdown_text`.
_MD_ALWAYS_RE = re.compile(r"([\\`*\[\]<|~$])")
# `_` makes emphasis only at a word edge; inside snake_case or doc ids it is text.
_MD_UNDERSCORE_RE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# An ampersand that would start an entity reference (&lt; shown as "<").
_MD_ENTITY_RE = re.compile(r"&(?=#?\w+;)")
# Block syntax at the start of a line: headings, block quotes, list bullets,
# setext underlines, ordered-list numbers ("1." / "1)").
_MD_LINE_START_RE = re.compile(r"^([#>+\-=])|^(\d{1,9})([.)])", re.MULTILINE)


def markdown_text(s: object) -> str:
    """`s` as Markdown that shows exactly `s`: no emphasis, headings, lists,
    block quotes, code, tables, links, images, autolinks, LaTeX or HTML.

    Backslash escapes keep a .md file readable ("nr. 400" stays "nr. 400");
    leading indentation is dropped (it would make a code block) and line
    breaks are kept as they are.
    """
    text = _multiline("" if s is None else str(s))
    text = "\n".join(line.lstrip(" \t") for line in text.split("\n"))
    text = _break_autolinks(text)
    text = _MD_ALWAYS_RE.sub(r"\\\1", text)
    text = _MD_UNDERSCORE_RE.sub(r"\\_", text)
    text = _MD_ENTITY_RE.sub(r"\\&", text)
    text = _MD_LINE_START_RE.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text)
    return text


def markdown_line(s: object) -> str:
    """`markdown_text` for one line (a list item, a heading, a label): line
    breaks become spaces, so the text cannot end the item or start a block."""
    return markdown_text(" ".join(str("" if s is None else s).split()))


# Characters that mean something to Markdown, GFM or Streamlit's extensions
# anywhere in a line, as decimal entities: the Markdown parser and the HTML
# parser both decode an entity as literal text, so the text is inert in both.
# "_" only at a word edge (inside doc_ids it cannot make emphasis) and ":" only
# before a non-space (directives, shortcodes, schemes), so the HTML stays
# readable; "(", ")", "!" mean nothing once "[" and "]" are entities.
_HTML_INLINE = {
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    **{c: f"&#{ord(c)};" for c in "\\`*[]|~$_:"},
}
_HTML_INLINE_RE = re.compile(r"[&<>\"'\\`*\[\]|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|:(?=\S)")
# Block syntax where the text starts (inline_markdown_html never emits a real
# newline, so the start is the only line start): indentation (a code block),
# headings, quotes (already &gt;), bullets, setext underlines, "1." / "1)".
_HTML_BLOCK_START_RE = re.compile(r"^([ \t]*)(?:([#+\-=])|(\d{1,9})([.)]))?")


def _html_block_start(m: re.Match) -> str:
    out = "".join(f"&#{ord(c)};" for c in m.group(1))
    if m.group(2):
        out += f"&#{ord(m.group(2))};"
    elif m.group(3):
        out += m.group(3) + f"&#{ord(m.group(4))};"
    return out


def inline_markdown_html(s: object, *, br: bool = False) -> str:
    """`s` for HTML passed to `st.markdown(..., unsafe_allow_html=True)`.

    Safe as HTML (tags and quotes escaped) and as Markdown (the characters
    Markdown reads as syntax are entities, autolinks and shortcodes broken). Line breaks become
    `&#10;` (shown as breaks under `white-space: pre-wrap`) or, with `br`,
    `<br>`: never a real newline, so a blank line in a document cannot end
    the surrounding HTML block and drop the rest into Markdown.
    """
    text = _break_autolinks(_multiline("" if s is None else str(s)))
    text = _HTML_INLINE_RE.sub(lambda m: _HTML_INLINE[m.group(0)], text)
    text = _HTML_BLOCK_START_RE.sub(_html_block_start, text, count=1)
    text = text.replace("\t", "&#9;")
    return text.replace("\n", "<br>" if br else "&#10;")
