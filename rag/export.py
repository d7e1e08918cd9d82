"""Render a briefing note: Markdown, Word (python-docx) and HTML for the web app.

All three render the same plain dict, the `griffier brief --json` object:

    {"topic", "created", "model", "flags": [str],
     "sections": [{"title", "lines": [{"text", "citations": [n], "label"?: str}]}],
     "sources": [{"n", "citation", "chunk_id", "doc_id", "page_start"}]}

so this module imports nothing from rag.briefing. Every string in it may come
from a document (lines quote documents, labels name fracties, sources carry
citation strings and file names): each is escaped for its destination by
corpus.display; only the note's own structure (headings, bullets, bold labels,
[n] markers) is markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from corpus.display import docx_text, html_text, inline_markdown_html, markdown_line

EMPTY_SECTION = "Geen passages gevonden die hierover iets zeggen."
BYLINE = "Opgesteld door Griffier op {created} ({model}); elke regel citeert een passage uit de stukken."


def _sections(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(data.get("sections") or [])


def _citations(line: Mapping[str, Any]) -> list[int]:
    return [int(n) for n in line.get("citations") or []]


def source_label(src: Mapping[str, Any]) -> str:
    """The source's citation string (its doc_id when it has none), with its page
    when the citation does not name one; plain text, unescaped."""
    label = " ".join(str(src.get("citation") or src.get("doc_id") or "").split())
    page = src.get("page_start")
    if page not in (None, "", 0) and "p." not in label:
        label += f", p. {page}"
    return label


def _byline(data: Mapping[str, Any]) -> str:
    return BYLINE.format(created=data.get("created") or "", model=data.get("model") or "")


# -- Markdown ---------------------------------------------------------------------

def briefing_markdown(data: Mapping[str, Any]) -> str:
    """The note as Markdown: our headings, bullets and [n] markers around
    escaped text (display.markdown_line), so a document's Markdown or HTML
    shows as the characters it is."""
    out = [f"# Notitie: {markdown_line(data.get('topic'))}", "", f"*{markdown_line(_byline(data))}*", ""]
    for s in _sections(data):
        out += [f"## {markdown_line(s.get('title'))}", ""]
        lines = list(s.get("lines") or [])
        if not lines:
            out += [f"*{EMPTY_SECTION}*", ""]
            continue
        for line in lines:
            lead = f"**{markdown_line(line['label'])}:** " if line.get("label") else ""
            marks = " ".join(f"[{n}]" for n in _citations(line))
            out.append(f"- {lead}{markdown_line(line.get('text'))} {marks}".rstrip())
        out.append("")
    out += ["## Bronnen", ""]
    for src in data.get("sources") or []:
        out.append(f"- [{int(src['n'])}] {markdown_line(source_label(src))}")
    flags = [f for f in data.get("flags") or [] if f and str(f).strip()]
    if flags:
        out += ["", "### Opmerkingen bij de controle", ""] + [f"- {markdown_line(f)}" for f in flags]
    return "\n".join(out).rstrip() + "\n"


# -- Word ---------------------------------------------------------------------------

def write_briefing_docx(data: Mapping[str, Any], path: Path | str) -> Path:
    """The note as a Word file, written atomically (temp file, then rename).

    python-docx makes text runs, never markup; display.docx_text removes the
    control characters XML forbids (python-docx would refuse the whole note)."""
    try:
        import docx
    except ImportError as exc:  # pragma: no cover
        raise RuntimeError("Word export needs python-docx: pip install python-docx") from exc
    d = docx.Document()
    d.add_heading(docx_text(f"Notitie: {data.get('topic') or ''}", single_line=True), level=1)
    d.add_paragraph().add_run(docx_text(_byline(data), single_line=True)).italic = True
    for s in _sections(data):
        d.add_heading(docx_text(s.get("title"), single_line=True), level=2)
        lines = list(s.get("lines") or [])
        if not lines:
            d.add_paragraph().add_run(EMPTY_SECTION).italic = True
            continue
        for line in lines:
            para = d.add_paragraph(style="List Bullet")
            marks = " ".join(f"[{n}]" for n in _citations(line))
            text = docx_text(f"{line.get('text') or ''} {marks}".strip(), single_line=True)
            if line.get("label"):
                para.add_run(docx_text(f"{line['label']}:", single_line=True)).bold = True
                text = f" {text}"  # its own run: a run's edge whitespace would be stripped with the label
            para.add_run(text)
    d.add_heading("Bronnen", level=2)
    for src in data.get("sources") or []:
        d.add_paragraph(docx_text(f"[{int(src['n'])}] {source_label(src)}", single_line=True))
    flags = [f for f in data.get("flags") or [] if f and str(f).strip()]
    if flags:
        d.add_heading("Opmerkingen bij de controle", level=3)
        for f in flags:
            d.add_paragraph(docx_text(f, single_line=True))
    _set_properties(d, data)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    d.save(str(tmp))
    tmp.replace(path)
    return path


def _set_properties(d, data: Mapping[str, Any]) -> None:
    """File properties Word shows (title, author, dates) instead of python-docx's template defaults."""
    props = d.core_properties
    props.title = docx_text(f"Notitie: {data.get('topic') or ''}", single_line=True)
    props.subject = docx_text(str(data.get("topic") or ""), single_line=True)
    props.author = props.last_modified_by = "Griffier"
    props.comments = docx_text(_byline(data), single_line=True)
    props.revision = 1
    try:
        made = datetime.fromisoformat(str(data.get("created") or ""))
    except ValueError:
        made = datetime.now()
    props.created = props.modified = made


# -- HTML (the web app's briefing page) ---------------------------------------------

def _anchor(prefix: str, n: int) -> str:
    return f"{prefix}-bron-{int(n)}"


def briefing_html(data: Mapping[str, Any], *, anchor_prefix: str = "briefing") -> str:
    """The note as one HTML block for `st.markdown(..., unsafe_allow_html=True)`:
    text escaped for HTML and Markdown (display.inline_markdown_html), each [n]
    a link to its source in the Bronnen list. No newline anywhere, so the whole
    note stays one HTML block and nothing in it is read as Markdown."""
    def cite(n: int) -> str:
        return f'<a class="griffier-cite" href="#{_anchor(anchor_prefix, n)}">[{int(n)}]</a>'

    out = [
        '<div class="griffier-briefing">',
        f"<h2>Notitie: {inline_markdown_html(' '.join(str(data.get('topic') or '').split()))}</h2>",
        f'<p class="griffier-briefing-meta">{inline_markdown_html(_byline(data))}</p>',
    ]
    for s in _sections(data):
        out.append(f"<h3>{inline_markdown_html(' '.join(str(s.get('title') or '').split()))}</h3>")
        lines = list(s.get("lines") or [])
        if not lines:
            out.append(f'<p class="griffier-briefing-empty">{EMPTY_SECTION}</p>')
            continue
        out.append("<ul>")
        for line in lines:
            lead = f"<b>{inline_markdown_html(line['label'])}:</b> " if line.get("label") else ""
            marks = " ".join(cite(n) for n in _citations(line))
            out.append(f"<li>{lead}{inline_markdown_html(line.get('text'), br=True)} {marks}</li>")
        out.append("</ul>")
    out.append("<h3>Bronnen</h3><ul class=\"griffier-briefing-sources\">")
    for src in data.get("sources") or []:
        n = int(src["n"])
        out.append(f'<li id="{html_text(_anchor(anchor_prefix, n))}">[{n}] {inline_markdown_html(source_label(src))}</li>')
    out.append("</ul>")
    flags = [f for f in data.get("flags") or [] if f and str(f).strip()]
    if flags:
        out.append("<h4>Opmerkingen bij de controle</h4><ul>")
        out += [f'<li class="griffier-flag">{inline_markdown_html(f, br=True)}</li>' for f in flags]
        out.append("</ul>")
    out.append("</div>")
    return "".join(out)
