"""Document metadata, page numbers and the question/answer structure, on the seed documents."""

from __future__ import annotations

from collections import Counter

import pytest

from corpus.citation import format_citation
from corpus.cleaning import clean
from corpus.models import RawDocument
from corpus.pipeline import process, process_full
from corpus.settings import Settings
from corpus.structure import (
    label_sections,
    match_answer_heading,
    match_fractie_heading,
    page_resolver,
    parse_dutch_date,
)

D000, D001, D002, D003, D004 = (
    "000_ed1558a5d4f7a61a",
    "001_a399eb8240a0f1b4",
    "002_996c39270415c469",
    "003_6ed004c2cd8f7583",
    "004_bab3e267043ef5ee",
)


@pytest.fixture(scope="module")
def demo(demo_dir):
    out = {}
    for path in sorted(demo_dir.glob("*.txt")):
        raw = RawDocument(path.stem, str(path), path.read_text(encoding="utf-8"), "txt")
        out[path.stem] = process(raw, Settings())
    return out


def chunk_with(chunks, needle):
    found = [c for c in chunks if needle in c.text]
    assert found, f"no chunk holds {needle!r}"
    return found[0]


# --- document metadata -------------------------------------------------------------


def test_kamerstuk_metadata_from_footers(demo):
    doc, _ = demo[D002]
    m = doc.metadata
    assert (m["dossier"], m["ondernummer"], m["vergaderjaar"], m["vergaderjaar_raw"]) == (
        "26 150",
        "187",
        "2020/21",
        "2020–2021",
    )
    assert m["doc_type"] == "verslag"
    assert "date" not in m and "title" not in m  # not in the text: left out, not guessed


def test_kst_code_and_signatures(demo):
    doc, _ = demo[D003]
    m = doc.metadata
    assert m["kst"] == "kst-33694-9"
    assert (m["dossier"], m["ondernummer"], m["vergaderjaar"]) == ("33 694", "9", "2015/16")
    assert m["doc_type"] == "brief"
    assert m["ministers"] == ["A.G. Koenders", "J.A. Hennis-Plasschaert", "E.M.J. Ploumen"]
    assert m["signatories"][1] == {"name": "J.A. Hennis-Plasschaert", "role": "Minister van Defensie"}


def test_letter_metadata(demo):
    doc, _ = demo[D004]
    m = doc.metadata
    assert doc.title == "Koninkrijk der Nederlanden als lid van de VN Veiligheidsraad 2018"
    assert m["reference"] == "BZDOC-151021554-15"
    assert m["date"] == "2019-02-15"
    assert m["doc_type"] == "brief"
    # two-column signature block
    assert m["ministers"] == ["Stef Blok", "Sigrid A.M. Kaag"]
    assert m["signatories"][1]["role"] == "Minister voor Buitenlandse Handel en Ontwikkelingssamenwerking"
    assert "dossier" not in m and "vergaderjaar" not in m


def test_kabinetsreacties(demo):
    for did, minister in (
        (D000, ["S.A. Blok"]),
        (D001, ["A.G. Koenders", "J.A. Hennis-Plasschaert", "E.M.J. Ploumen"]),
    ):
        doc, _ = demo[did]
        assert doc.metadata["doc_type"] == "kabinetsreactie"
        assert doc.metadata["ministers"] == minister
        for key in ("dossier", "ondernummer", "date", "vergaderjaar"):
            assert key not in doc.metadata


def test_sidecar_metadata_wins(demo_dir):
    path = demo_dir / f"{D000}.txt"
    raw = RawDocument(
        D000,
        str(path),
        path.read_text(encoding="utf-8"),
        "txt",
        metadata={"dossier": "29 521", "ondernummer": "397", "doc_type": "brief"},
    )
    doc, chunks = process(raw, Settings())
    assert doc.metadata["doc_type"] == "brief"
    assert chunks[0].metadata["dossier"] == "29 521"
    assert "29 521, nr. 397" in chunks[0].citation


def test_parse_dutch_date():
    assert parse_dutch_date("15 februari 2019") == "2019-02-15"
    assert parse_dutch_date("Datum 1 december 2020") == "2020-12-01"
    assert parse_dutch_date("februari 2019") is None


# --- pages ------------------------------------------------------------------------------


def test_pages_from_footers_and_layout_in_002(demo):
    _, chunks = demo[D002]
    # footer "… nr. 187 15" splits this sentence: page 15 into page 16
    c = chunk_with(chunks, "willekeurige detentie, verdwijningen, marteling en mishandeling")
    assert (c.page_start, c.page_end) == (15, 16) and c.metadata["page_estimated"] is False
    # first text after the footer of page 6
    c = chunk_with(chunks, "De leden van de VVD-fractie verwerpen de recente Amerikaanse sancties")
    assert c.page_start == 7 and c.metadata["page_estimated"] is False
    # text before the first footer: counted back from it, marked estimated
    assert chunks[0].page_start == 2 and chunks[0].metadata["page_estimated"] is True
    # pages never decrease through the document
    starts = [c.page_start for c in chunks]
    assert starts == sorted(starts) and max(c.page_end for c in chunks) >= 60


def test_pages_interpolated_when_only_footers_are_known(demo_dir, demo):
    # Without the layout page starts (leading spaces stripped) only the three
    # footers remain: pages are interpolated by line position, and stay close.
    text = (demo_dir / f"{D002}.txt").read_text(encoding="utf-8")
    flat = "\n".join(line.lstrip(" ") for line in text.split("\n"))
    _, chunks = process(RawDocument(D002, "x", flat, "txt"), Settings())
    _, exact = demo[D002]
    # compare chunks whose text occurs once (002 repeats some paragraphs verbatim)
    once = Counter(c.text for c in exact) + Counter(c.text for c in chunks)
    by_text = {c.text: c for c in exact if once[c.text] == 2}
    diffs = [abs(c.page_start - by_text[c.text].page_start) for c in chunks if c.text in by_text]
    assert len(diffs) > 0.8 * len(chunks)
    assert max(diffs) <= 2 and sum(diffs) / len(diffs) < 0.6
    c = chunk_with(chunks, "willekeurige detentie, verdwijningen, marteling")
    assert c.page_start == 15 and c.page_end == 16 and c.metadata["page_estimated"] is False
    assert any(c.metadata.get("page_estimated") for c in chunks)


def test_single_footer_is_conservative():
    lines = [f"Zin nummer {i} van een lange tekst die doorloopt over de pagina's heen" for i in range(100)]
    text = "\n".join(
        lines[:50] + ["", "Tweede Kamer, vergaderjaar 2015–2016, 33 694, nr. 9 3", "", "", ""] + lines[50:]
    )
    cr = clean(text)
    res = page_resolver(cr)
    assert res(0, 10) == (3, True)  # before the only footer: its page, estimated
    assert res(1, 90)[0] is None  # after it: unknown


def test_no_page_evidence_gives_no_pages(demo):
    for did in (D000, D001):
        _, chunks = demo[did]
        assert all(c.page_start is None and c.page_end is None for c in chunks)
        assert all("page_estimated" not in c.metadata for c in chunks)


def test_pages_in_003_and_letter(demo):
    _, chunks = demo[D003]
    c = chunk_with(chunks, "Toetsingskader is op 22 januari 2014")
    assert c.page_start == 1 and c.metadata["page_estimated"] is False
    c = chunk_with(chunks, "Interne en externe veiligheid zijn meer dan ooit")
    assert c.page_start == 2 and c.metadata["page_estimated"] is False
    c = chunk_with(chunks, "battlegroup in Litouwen")
    assert c.page_end == 5 and c.metadata["page_estimated"] is True
    _, chunks = demo[D004]
    assert chunks[0].page_start == 1 and chunks[0].metadata["page_estimated"] is False
    c = chunk_with(chunks, "Moussa Faki")
    assert c.page_start == 4 and c.metadata["page_estimated"] is True


def test_pdf_pages_use_printed_numbers_from_footers():
    pages = [
        "Eerste pagina. \n\nTweede Kamer, vergaderjaar 2020–2021, 26 150, nr. 187 5\n",
        "Tekst op de tweede pagina. \n\nTweede Kamer, vergaderjaar 2020–2021, 26 150, nr. 187 6\n",
    ]
    doc, chunks = process(RawDocument("x", "x.pdf", "".join(pages), "pdf", pages=pages), Settings())
    assert doc.metadata["page_source"] == "pdf"
    assert (chunks[0].page_start, chunks[0].page_end) == (5, 6)
    assert chunks[0].metadata["page_estimated"] is False


# --- question / answer structure ------------------------------------------------------------


@pytest.mark.parametrize(
    "heading, number",
    [
        ("1. Antwoord van het kabinet:", 1),
        (" 26. Antwoord van het kabinet: ", 26),
        ("63. Antwoord op vragen van het kabinet:", 63),  # the misspelled heading in 002
        ("12. Antwoord van hetkabinet:", 12),
        ("7. Antwoord van het kabine:", 7),
        ("8. Antwoord van het kabinet", 8),
    ],
)
def test_answer_heading_variants(heading, number):
    assert match_answer_heading(heading) == number


@pytest.mark.parametrize(
    "text",
    [
        "1. Gezien de bovenstaande conclusies zou het zinvol",
        "3. Het kabinet wordt ook aanbevolen:",
        "Antwoord van het kabinet:",
    ],
)
def test_not_answer_headings(text):
    assert match_answer_heading(text) is None


def test_fractie_headings():
    assert match_fractie_heading("Inbreng van de leden van de VVD-fractie ") == "VVD"
    assert (
        match_fractie_heading("Inbreng leden van de Partij voor de Dieren-fractie") == "Partij voor de Dieren"
    )
    assert match_fractie_heading("Inbreng van de leden van de fractie van de ChristenUnie") == "ChristenUnie"
    assert match_fractie_heading("De leden van de VVD-fractie steunen de inzet") is None


def test_all_117_answers_with_question_and_fractie(demo):
    _, chunks = demo[D002]
    answers = [c for c in chunks if "answer_number" in c.metadata]
    assert {c.metadata["answer_number"] for c in answers} == set(range(1, 118))
    for c in answers:
        assert c.section == f"Antwoord {c.metadata['answer_number']}"
        assert c.metadata["fractie"] and c.metadata["question"].strip()
    a63 = [c for c in answers if c.metadata["answer_number"] == 63]
    assert "situatie in Gaza" in a63[0].text
    assert "blokkade opheft" in a63[0].metadata["question"]
    fracties = {c.metadata.get("fractie") for c in chunks}
    assert {"VVD", "CDA", "D66", "GroenLinks", "SP", "PvdA", "Partij voor de Dieren", "SGP"} <= fracties


def test_questions_and_answers_are_separate_sections(demo):
    _, chunks = demo[D002]
    # answer 25 is one short sentence; the question after it belongs to answer 26
    a25 = [c for c in chunks if c.metadata.get("answer_number") == 25]
    assert [c.text for c in a25] == ["Ja, dit is staand beleid van het kabinet."]
    q26 = chunk_with(chunks, "Welke stappen zijn nog nodig om de begrotingssystematiek te verbeteren")
    assert q26.metadata["role"] == "question" and q26.metadata["answered_by"] == 26
    assert "answer_number" not in q26.metadata
    # an answer that mentions the fractie is still an answer
    a106 = chunk_with(chunks, "Het kabinet deelt de mening van de leden van de Partij voor de")
    assert a106.metadata.get("answer_number") == 106
    # a remark without an answer before the next fractie stays a question
    remark = chunk_with(chunks, "Ten aanzien van de kabinetsreactie op het advies van de CAVV")
    assert remark.metadata["role"] == "question" and "answered_by" not in remark.metadata
    assert remark.metadata["fractie"] == "VVD"


def test_sections_in_kabinetsreacties(demo):
    _, chunks = demo[D001]
    sections = [c.section for c in chunks]
    for n in range(1, 12):
        assert f"Aanbeveling {n}" in sections
    c = chunk_with(chunks, "Het aantal landen dat deze beginselen heeft onderschreven")
    assert c.section == "Algemene opmerkingen"
    _, chunks = demo[D000]
    c = chunk_with(chunks, "3. Het kabinet wordt ook aanbevolen")
    assert c.section.endswith("punt 3")
    assert c.text.startswith("3. Het kabinet wordt ook aanbevolen")


def test_label_sections_plain_document():
    cr = clean("Aanleiding \n\nEen alinea met tekst. \n\nHumanitaire interventie \n\nNog een alinea. \n")
    infos, qa = label_sections(cr.paragraphs)
    assert not qa
    assert [i.label for i in infos] == [
        "Aanleiding",
        "Aanleiding",
        "Humanitaire interventie",
        "Humanitaire interventie",
    ]


# --- citations ------------------------------------------------------------------------------


def test_format_citation():
    meta = {"dossier": "26 150", "ondernummer": "187", "vergaderjaar": "2020/21", "kamer": "II"}
    assert format_citation(meta, 6, 6) == "Kamerstukken II 2020/21, 26 150, nr. 187, p. 6"
    assert format_citation(meta, 6, 7) == "Kamerstukken II 2020/21, 26 150, nr. 187, p. 6-7"
    assert format_citation(meta, None, None) == "Kamerstukken II 2020/21, 26 150, nr. 187"
    assert (
        format_citation({"dossier": "26 150", "ondernummer": "187"}, 3, 3)
        == "Kamerstuk 26 150, nr. 187, p. 3"
    )
    letter = {
        "doc_type": "brief",
        "title": "Koninkrijk als lid",
        "date": "2019-02-15",
        "reference": "BZDOC-1",
    }
    assert (
        format_citation(letter, 2, 2) == "Brief «Koninkrijk als lid», 15 februari 2019, kenmerk BZDOC-1, p. 2"
    )
    assert format_citation({"doc_id": "000_x"}, None, None) == "000_x"
    assert (
        format_citation({"doc_type": "kabinetsreactie", "doc_id": "000_x"}, None, None)
        == "Kabinetsreactie, 000_x"
    )


def test_chunk_citations(demo):
    _, chunks = demo[D002]
    assert all("26 150, nr. 187" in c.citation for c in chunks)
    c = chunk_with(chunks, "willekeurige detentie, verdwijningen, marteling")
    assert c.citation == "Kamerstukken II 2020/21, 26 150, nr. 187, p. 15-16"
    _, chunks = demo[D003]
    assert chunks[0].citation == "Kamerstukken II 2015/16, 33 694, nr. 9, p. 1"
    _, chunks = demo[D000]
    # No header metadata: the title is derived from the opening, never a bare file id.
    want = "Kabinetsreactie op het rapport van de Expertgroep inzake steun aan interstatelijk geweld en inzake " \
           "humanitaire interventie"
    assert all(c.citation == want for c in chunks)
    _, chunks = demo[D001]
    assert all(c.citation == "Kabinetsreactie op AIV-advies nr. 102 «De bescherming van de burgerbevolking in "
                             "gewapend conflict»" for c in chunks)


def test_process_full_returns_text_for_char_spans(demo_dir):
    path = demo_dir / f"{D003}.txt"
    _doc, chunks, text = process_full(
        RawDocument(D003, str(path), path.read_text(encoding="utf-8"), "txt"), Settings()
    )
    for c in chunks:
        a, b = c.char_span
        assert text.text[a:b] == c.text


# --- other document shapes ---------------------------------------------------------------

TITLE_PAGE = (
    "Tweede Kamer der Staten-Generaal 2\n"
    "Vergaderjaar 2020–2021\n\n"
    "26 150 Herziening Handvest Verenigde Naties\n\n"
    "Nr. 187 VERSLAG VAN EEN SCHRIFTELIJK OVERLEG\n"
    "Vastgesteld 13 oktober 2020\n\n"
    "De vaste commissie voor Buitenlandse Zaken heeft een aantal vragen en opmerkingen voorgelegd aan de Minister.\n"
)


def test_kamerstuk_title_page():
    doc, chunks = process(RawDocument("t", "t.txt", TITLE_PAGE, "txt"), Settings())
    m = doc.metadata
    assert (m["dossier"], m["dossier_title"], m["ondernummer"]) == (
        "26 150",
        "Herziening Handvest Verenigde Naties",
        "187",
    )
    assert (m["vergaderjaar"], m["date"], m["doc_type"], m["kamer"]) == (
        "2020/21",
        "2020-10-13",
        "verslag",
        "II",
    )
    assert [c.text for c in chunks] == [
        "De vaste commissie voor Buitenlandse Zaken heeft een aantal vragen en opmerkingen voorgelegd aan de Minister."
    ]
    assert chunks[0].citation == "Kamerstukken II 2020/21, 26 150, nr. 187"


def test_running_headers_and_page_numbers_removed_from_pdf_pages():
    bodies = [
        "Het kabinet steunt de inzet van de",
        "Verenigde Naties op het gebied van",
        "vrede en veiligheid, zoals eerder",
        "gemeld aan uw Kamer.",
    ]
    pages = [
        f"Jaarverslag Buitenlandse Zaken {2020}\n\n{body} \n\n- {n} -\n" for n, body in enumerate(bodies, 1)
    ]
    _doc, chunks = process(RawDocument("p", "p.pdf", "".join(pages), "pdf", pages=pages), Settings())
    assert [c.text for c in chunks] == [
        "Het kabinet steunt de inzet van de Verenigde Naties op het gebied van vrede en veiligheid, zoals eerder gemeld aan uw Kamer."
    ]
    assert (chunks[0].page_start, chunks[0].page_end) == (1, 4)


def test_kamervragen_vraag_antwoord():
    text = (
        "Vraag 1\nKent u het bericht «Nederland stopt steun aan VN-fonds»?\n\n"
        "Antwoord 1\nJa.\n\n"
        "Vraag 2\nWat is de reden van dit besluit?\n\n"
        "Antwoord 2\nHet fonds heeft zijn doel bereikt en wordt opgeheven.\n"
    )
    doc, chunks = process(RawDocument("kv", "kv.txt", text, "txt"), Settings())
    assert doc.metadata["doc_type"] == "kamervragen"
    answers = {c.metadata["answer_number"]: c for c in chunks if "answer_number" in c.metadata}
    assert set(answers) == {1, 2}
    assert answers[2].text.startswith("Het fonds heeft zijn doel bereikt")
    assert "Wat is de reden van dit besluit?" in answers[2].metadata["question"]


def test_blank_pdf_pages_still_count():
    pages = ["Eerste pagina. \n", "", "Derde pagina. \n"]
    _, chunks = process(RawDocument("b", "b.pdf", "", "pdf", pages=pages), Settings())
    assert chunks[0].page_start == 1 and chunks[-1].page_end == 3
    assert all(c.metadata["page_estimated"] is False for c in chunks)
