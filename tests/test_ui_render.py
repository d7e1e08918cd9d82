"""Unit tests for ui.render: pure functions from answers to Markdown/HTML."""

from __future__ import annotations

from types import SimpleNamespace

from corpus.display import inline_markdown_html
from corpus.models import Answer, Chunk, Citation, Passage
from ui import render
from ui.render import Message

PARA = (
    "Het kabinet erkent drie rechtsgronden.\n\n"
    "Dit zijn het recht op zelfverdediging, toestemming van de VN-Veiligheidsraad en een "
    "uitnodiging van het land waar geweld wordt gebruikt. Andere gronden zijn er niet.\n\n"
    "Een derde alinea over iets anders."
)


def _chunk(text=PARA, **kw) -> Chunk:
    base = {
        "chunk_id": "c1", "doc_id": "000_x", "text": text, "page_start": 3, "page_end": 3, "section": "Rechtsgronden",
        "metadata": {"fractie": "VVD"}, "citation": "Kamerstukken II 2019/20, 29 521, nr. 400, p. 3",
    }
    base.update(kw)
    return Chunk(**base)


def _answer(text="Er zijn drie gronden [1].", quote="het recht op zelfverdediging", **kw) -> Answer:
    c = _chunk()
    cit = Citation(1, c.chunk_id, c.doc_id, quote, 3, c.citation)
    return Answer("Welke gronden?", text, [cit], passages=[Passage(c, 0.9, 1)], **kw)


def test_find_quote_exact_and_whitespace_tolerant():
    assert render.find_quote_span(PARA, "toestemming van de VN-Veiligheidsraad") is not None
    a, b = render.find_quote_span(PARA, "toestemming   van de\nVN-veiligheidsraad")
    assert PARA[a:b] == "toestemming van de VN-Veiligheidsraad"


def test_find_quote_fuzzy_small_difference_but_not_scattered_words():
    span = render.find_quote_span(PARA, "het recht op zelfverdediging, de toestemming van de VN-Veiligheidsraad")
    assert span is not None and PARA[span[0] : span[1]].startswith("het recht op zelfverdediging")
    # words that occur in the text but far apart are no quote
    assert render.find_quote_span(PARA, "kabinet anders alinea iets derde") is None
    assert render.find_quote_span(PARA, "") is None
    assert render.find_quote_span(PARA, "Volkomen iets anders dat er niet staat") is None


def test_highlight_is_escaped_and_marks_the_quote():
    text = "Let op <script>alert(1)</script> want de motie werd verworpen."
    out = render.highlight_html(text, "de motie werd verworpen")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<mark>de motie werd verworpen</mark>" in out
    assert render.highlight_html(text, "niet aanwezig hier zomaar") == inline_markdown_html(text)


def test_paragraph_around_picks_the_quoted_paragraph():
    span = render.find_quote_span(PARA, "uitnodiging van het land")
    para, pspan = render.paragraph_around(PARA, span)
    assert para.startswith("Dit zijn het recht") and "derde alinea" not in para
    assert para[pspan[0] : pspan[1]] == "uitnodiging van het land"


def test_link_citations_links_known_markers_only():
    a = _answer("Eerst [1], dan [1, 2] en [3][1]. <b>vet</b>")
    out = render.link_citations(a.text, a.citations, "m1")
    assert out.count('href="#bron-m1-1"') == 3
    assert "[2]" in out and "[3]" in out and 'href="#bron-m1-2"' not in out
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert 'title="Kamerstukken II 2019/20' in out


def test_cited_numbers_order():
    assert render.cited_numbers("a [2] b [1, 2] c [3;4]") == [2, 1, 3, 4]


def test_source_card_has_anchor_citation_meta_and_highlight():
    a = _answer()
    html = render.source_card_html(a.citations[0], a.passages[0].chunk, "m1")
    assert 'id="bron-m1-1"' in html
    assert "Kamerstukken II 2019/20, 29 521, nr. 400, p. 3" in html
    assert "p. 3" in html and "Rechtsgronden" in html and "fractie: VVD" in html
    assert "<mark>het recht op zelfverdediging</mark>" in html
    assert "derde alinea" not in html  # only the quoted paragraph
    # without the chunk the quote itself is shown, marked
    html2 = render.source_card_html(a.citations[0], None, "m1")
    assert "<mark>het recht op zelfverdediging</mark>" in html2


def test_chunk_meta_line_leaves_out_unknowns():
    c = _chunk(page_start=None, page_end=None, section=None, metadata={})
    assert render.chunk_meta_line(c) == "000_x"
    c2 = _chunk(page_start=2, page_end=4)
    assert render.chunk_meta_line(c2).startswith("p. 2–4 · Rechtsgronden · fractie: VVD")


def test_anchor_ids_are_safe():
    assert render.anchor_id("m 1/x", 2) == "bron-m-1-x-2"


def test_conversation_markdown_has_questions_answers_sources_and_flags():
    a = _answer(flags=["Zin 2 verwijderd: het getal 12 staat niet in de bron."])
    refusal = Answer(
        "Wat vindt de PVV?", "Dat staat niet in de documenten.", refused=True,
        passages=[Passage(_chunk(chunk_id="c2", text="Een nabije passage."), 0.2, 1)],
    )
    msgs = [
        Message("user", "Welke gronden?"), Message("assistant", a.text, a, "m1"),
        Message("user", "Wat vindt de PVV?"), Message("assistant", refusal.text, refusal, "m3"),
    ]
    md = render.conversation_markdown(msgs)
    assert md.startswith("# Griffier")
    assert "## Vraag: Welke gronden?" in md and "Er zijn drie gronden [1]." in md
    assert "- [1] Kamerstukken II 2019/20, 29 521, nr. 400, p. 3 — “het recht op zelfverdediging”" in md
    assert "p. 3, p. 3" not in md
    assert "**Controle:**" in md and "het getal 12" in md
    assert "**Dichtstbijzijnde passages**" in md and "Een nabije passage." in md
    assert render.history_pairs(msgs)[:2] == [("user", "Welke gronden?"), ("assistant", a.text)]


def test_passage_card_and_flags():
    p = Passage(_chunk(text="x" * 1000), 0.5, 2)
    html = render.passage_card_html(p, "m2", max_chars=100)
    assert 'id="bron-m2-2"' in html and "…" in html and "score 0.500" in html
    assert render.flags_markdown(["a", "", "b"]) == "- a\n- b"


def test_document_rows_show_only_known_columns():
    recs = [
        SimpleNamespace(doc_id="a", title="T", metadata={"dossier": "26 150", "doc_type": "brief"}, n_chunks=3,
                        ingested_at="2026-01-01"),
        SimpleNamespace(doc_id="b", title=None, metadata={}, n_chunks=1, ingested_at="2026-01-02"),
    ]
    rows = render.document_rows(recs)
    assert rows[0] == {"doc_id": "a", "titel": "T", "type": "brief", "dossier": "26 150", "passages": 3,
                       "toegevoegd": "2026-01-01"}
    assert rows[1]["dossier"] == "" and "vergaderjaar" not in rows[1]


def test_ingest_notices_per_file_status():
    from rag.ingest import FileResult, IngestReport

    rep = IngestReport(
        results=[FileResult("/x/a.txt", "a", "added", added=4),
                 FileResult("/x/b.txt", "b", "skipped", reason="empty file /x/b.txt"),
                 FileResult("/x/c.txt", "c", "unchanged"),
                 FileResult("/x/d.txt", "d", "updated", added=1)],
        index_error="OSError: disk full",
    )
    notes = render.ingest_notices(rep, "a.txt")
    assert notes[0] == ("success", "**a.txt**: toegevoegd (4 nieuwe passages).")
    assert notes[1][0] == "error" and "empty file" in notes[1][1]
    assert notes[2][0] == "info"
    assert notes[3] == ("success", "**d.txt**: bijgewerkt (1 nieuwe passages).")
    assert notes[4][0] == "error" and "disk full" in notes[4][1]
    assert render.ingest_notices(IngestReport(), "x.txt") == [("info", "**x.txt**: niets te doen.")]


def test_eval_rows_and_per_type():
    rows = render.metric_rows({"hit@1": 0.9, "faithfulness": 1, "latency_p50": 0.3, "note": "x"})
    assert [r["metriek"] for r in rows] == ["hit@1", "faithfulness", "latency_p50"]
    assert [r["groep"] for r in rows] == ["retrieval", "antwoord", "overig"]
    per_q = [
        {"id": "1", "type": "list", "hit@1": 1, "answer_fact_recall": 0.5},
        {"id": "2", "type": "list", "hit@1": 0, "answer_fact_recall": None},
        {"id": "3", "type": "factoid", "metrics": {"hit@1": True}},
    ]
    t = render.per_type_rows(per_q)
    assert t[0] == {"type": "factoid", "vragen": 1, "hit@1": 1.0}
    assert t[1] == {"type": "list", "vragen": 2, "answer_fact_recall": 0.5, "hit@1": 0.5}


def test_context_window_trims_long_chunks_around_the_quote():
    text = " ".join(f"w{i}" for i in range(400))
    span = render.find_quote_span(text, "w200 w201 w202")
    win, wspan = render.context_window(text, span, around=50)
    assert win.startswith("… ") and win.endswith(" …") and len(win) < 200
    assert win[wspan[0] : wspan[1]] == "w200 w201 w202"
    short, sspan = render.context_window("kort stukje", (0, 4), around=50)
    assert short == "kort stukje" and sspan == (0, 4)
    head, none = render.context_window(text, None, around=50)
    assert none is None and head.startswith("w0 ") and head.endswith(" …")
    card = render.source_card_html(
        Citation(1, "c1", "d", "w200 w201 w202", None, "cit"), _chunk(text=text, chunk_id="c1"), "m1")
    assert "<mark>w200 w201 w202</mark>" in card and "w0 " not in card
