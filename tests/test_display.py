"""corpus.display and the renderers that use it: document text stays data in
HTML, Markdown, Word and the terminal.

Markdown output is checked with a real CommonMark parser (markdown-it-py, which
typer's rich brings; tables and strikethrough on, raw HTML allowed), the way a
.md viewer or Streamlit reads it. What Streamlit itself does with the same
strings is checked in headless Chromium in tests/test_hostile_documents.py.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from corpus import display
from corpus.models import Answer, Chunk, Citation, Passage
from tests import _hostile as H

# Elements our own renderers emit; anything else in the output came from a document.
OURS = {"p", "div", "mark", "a", "b", "br", "ul", "li", "h1", "h2", "h3", "h4", "em", "strong", "span"}
INJECTED_RE = re.compile(r"<\s*(form|input|style|iframe|img|script|table|code|pre|h[1-6]|blockquote|del|s|ol)\b", re.IGNORECASE)


def _md(text: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(text)


def _text_of(rendered_html: str) -> str:
    return H.visible(html.unescape(re.sub(r"<[^>]+>", "", rendered_html)))


@pytest.mark.parametrize("payload", [*H.HTML_PAYLOADS, *H.MARKDOWN_PAYLOADS, H.ALL, "1. een\n2. twee", "    code",
                                     "tekst\n===", "- punt", "> citaat", "&lt;b&gt;", "a\\*b", "__x__"])
def test_markdown_text_renders_as_the_same_text(payload):
    out = _md(display.markdown_text(payload))
    assert not INJECTED_RE.search(out), out
    assert "<a " not in out and "<em>" not in out and "<strong>" not in out and "<li>" not in out, out
    assert _text_of(out) == H.visible(payload.replace("\n", " ")), out


@pytest.mark.parametrize("payload", [*H.HTML_PAYLOADS, *H.MARKDOWN_PAYLOADS, H.ALL, "1. een", "    code\n\n![x](y)",
                                     "# kop", "para\n\n# kop na lege regel"])
def test_inline_markdown_html_is_inert_as_html_and_as_markdown(payload):
    frag = display.inline_markdown_html(payload)
    assert "\n" not in frag and "<" not in frag.replace("<br>", "")
    for context in (frag, f'<div class="x">{frag}</div>'):  # paragraph text and inside an HTML block
        out = _md(context)
        assert not INJECTED_RE.search(out), out
        assert "<a " not in out and "<em>" not in out and "<li>" not in out, out
        assert _text_of(out) == H.visible(payload), out


def test_autolinks_and_shortcodes_are_broken_by_an_invisible_joiner():
    out = display.markdown_text(f"zie {H.WWW}, {H.BARE_URL} of post@evil.example :smile: 10:30")
    assert "www\u2060." in out and "http\u2060://" in out.replace("\\", "") and "post\u2060@" in out
    assert ":\u2060smile:" in out and "10:30" in out
    assert display.markdown_text("001_kabinetsreactie nr. 400, p. 3") == "001_kabinetsreactie nr. 400, p. 3"


def test_terminal_safe_strips_escapes_and_controls():
    s = f"a{H.ANSI}b{H.OSC}c\x9b31md\x07e\x00f\u202eg\r\nh\ti"
    one = display.terminal_safe(s)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202e]", one), repr(one)
    assert one == "aROODbcdefg h i"
    multi = display.terminal_safe(s, single_line=False)
    assert multi.endswith("g\nh\ti") and "\x1b" not in multi and "\r" not in multi
    # a sequence cut in half by streaming leaves no ESC either
    assert "\x1b" not in display.terminal_safe("x\x1b[3", single_line=False)


def test_docx_text_is_accepted_by_python_docx(tmp_path):
    import docx

    d = docx.Document()
    with pytest.raises(ValueError):  # what happens without it
        d.add_paragraph("a\x00b\x1b[31m")
    d.add_paragraph(display.docx_text(f"a\x00b{H.ANSI}\x0bc{H.OSC}\ud800"))
    d.save(str(tmp_path / "x.docx"))
    assert docx.Document(str(tmp_path / "x.docx")).paragraphs[-1].text == "abROODc"


def test_html_text_escapes_attributes():
    assert display.html_text('"><img src=x>') == "&quot;&gt;&lt;img src=x&gt;"


# -- the renderers ------------------------------------------------------------------

def _hostile_chunk(**kw) -> Chunk:
    base = {
        "chunk_id": "c1", "doc_id": H.FILE_STEM, "text": H.TEXT, "page_start": 1, "page_end": 1,
        "section": f"Inbreng van de {H.FORM}{H.STYLE}-fractie", "metadata": {"fractie": H.FORM + H.STYLE},
        "citation": H.TITLE,
    }
    base.update(kw)
    return Chunk(**base)


def _hostile_answer() -> Answer:
    c = _hostile_chunk()
    quote = next(s for s in H.TEXT.splitlines() if s.startswith("Het kabinet steunt"))
    cit = Citation(1, c.chunk_id, c.doc_id, quote, 1, c.citation)
    return Answer(H.QUESTION, quote + " [1]\n\n" + H.ALL + " [1]", [cit], passages=[Passage(c, 0.9, 1)],
                  flags=[f"Zin 2 weggelaten: «{H.IMG} {H.MD_IMAGE}»"], model=H.MD_LINK)


def _assert_inert(fragment: str, also_ours: frozenset[str] = frozenset()) -> None:
    """Only our own elements (headings included: the exports have them), no
    link to evil.example, no password box, and no heading or code a document made."""
    out = _md(fragment)
    tags = {t.lower() for t in re.findall(r"<\s*([a-zA-Z][\w-]*)", out)}
    assert tags <= OURS | also_ours, (tags - OURS - also_ours, out)
    assert "<code>code</code>" not in out and "<em>nadruk</em>" not in out, out
    assert not any(h.strip().startswith("Kop") for h in re.findall(r"<h\d>(.*?)</h\d>", out)), out
    assert "evil.example" not in " ".join(re.findall(r'href="([^"]*)"', out)), out
    assert "wachtwoord" not in " ".join(re.findall(r"<input[^>]*>", out))


def test_ui_render_escapes_every_document_field():
    from ui import render

    a = _hostile_answer()
    c = a.passages[0].chunk
    for frag in (
        render.link_citations(a.text, a.citations, "m1"),
        render.source_card_html(a.citations[0], c, "m1"),
        render.source_card_html(a.citations[0], None, "m1"),
        render.passage_card_html(a.passages[0], "m1"),
        render.context_html(c, a.citations[0].quote),
        render.flags_markdown(a.flags),
        display.inline_markdown_html(render.timing_caption(a)),
        render.conversation_markdown([render.Message("user", H.ALL), render.Message("assistant", a.text, a, "m1")]),
    ):
        _assert_inert(frag)
    card = render.source_card_html(a.citations[0], c, "m1")
    assert "<mark>" in card and 'id="bron-m1-1"' in card
    assert render.link_citations(a.text, a.citations, "m1").count('class="griffier-cite"') == 2


def test_ingest_notices_escape_file_names_and_reasons():
    from rag.ingest import FileResult, IngestReport
    from ui import render

    rep = IngestReport(results=[FileResult(f"/x/{H.FILE_STEM}.txt", "a", "failed", reason=H.ALL)])
    (level, text), = render.ingest_notices(rep, "a.txt")
    assert level == "error"
    _assert_inert(text)


def _briefing_dict() -> dict:
    return {
        "topic": f"{H.TOPIC} {H.IMG}", "created": "2026-01-01", "model": "extractive",
        "flags": [f"Kernfeiten: regel weggelaten: «{H.FORM}»"],
        "sections": [
            {"title": "Samenvatting", "lines": [{"text": H.ALL, "citations": [1]}]},
            {"title": "Standpunten", "lines": [{"text": "Zij vragen iets.", "citations": [1, 2],
                                               "label": f"{H.FORM}{H.STYLE}-fractie"}]},
            {"title": "Open punten", "lines": []},
        ],
        "sources": [{"n": 1, "citation": H.TITLE, "chunk_id": "c1", "doc_id": H.FILE_STEM, "page_start": 3},
                    {"n": 2, "citation": "", "chunk_id": "c2", "doc_id": H.FILE_STEM, "page_start": None}],
    }


def test_briefing_exports_render_the_json_object_escaped(tmp_path):
    import docx

    from rag import export

    data = _briefing_dict()
    md = export.briefing_markdown(data)
    assert "\x1b" not in md and "\x07" not in md
    _assert_inert(md)
    assert "## Samenvatting" in md and "## Bronnen" in md and "- [1] " in md and ", p. 3" in md
    assert "*Geen passages gevonden" in md  # the empty section keeps its note
    assert H.visible(html.unescape(re.sub(r"<[^>]+>", "", _md(md)))).count("![x](http://127.0.0.1:9/md.png)") == 2

    page = export.briefing_html(data)
    assert "\n" not in page
    _assert_inert(page)
    assert page.count('href="#briefing-bron-1"') == 2 and 'id="briefing-bron-2"' in page

    path = export.write_briefing_docx(data, tmp_path / "notitie.docx")
    paras = [p.text for p in docx.Document(str(path)).paragraphs]
    assert paras[0] == f"Notitie: {H.TOPIC} {H.IMG}"
    assert any(H.FORM in p and p.endswith("[1]") for p in paras)  # text as text, markers kept
    assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", p) for p in paras)


def test_export_does_not_import_briefing():
    """rag.export renders the plain dict, so briefing -> export is the only direction (no import circle)."""
    import ast

    tree = ast.parse((Path(__file__).resolve().parent.parent / "rag" / "export.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("rag")}, imported


def test_eval_report_shows_hostile_questions_answers_and_quotes_as_text():
    from eval.report import render_markdown

    result = {"n_questions": 1, "metrics": {"hit@1": 0.0}, "per_question": [{
        "id": "h1", "type": "t", "question": H.ALL, "answer": H.ALL + "\n\n" + H.MD_IMAGE, "refused": False,
        "refusal_correct": True, "citations": [{"n": 1, "doc_id": H.FILE_STEM, "citation": H.TITLE, "quote": H.IMG}],
        "claims": [{"claim": H.MD_LINK, "supported": False, "score": 0.1, "reasons": [H.FORM]}]}]}
    md = render_markdown(result)
    assert "\x1b" not in md
    # the report's own tables, block quote and code spans; nothing from the payloads
    _assert_inert(md, frozenset({"blockquote", "code", "table", "thead", "tbody", "tr", "th", "td"}))
    assert "&lt;img src=http" in _md(md) and "![x](http" in H.visible(html.unescape(_md(md)))
