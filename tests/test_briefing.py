"""Briefing notes (issue 15): per-fractie standpunten with the numbered answer, distinct lines,
readable sources numbered without gaps, every line cited and checked, the --json contract.

Fast tests draft from a small written consultation held by a test retriever; the slow ones run
the real retriever and models on the demo corpus and keep floors on the bench's measures
(bench/briefing.py) for topics of the blind gold file eval/data/briefing_topics.jsonl.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

import pytest

from corpus.models import Chunk, Passage
from rag.briefing import SECTION_TITLES, draft_briefing
from rag.briefing.cues import near_duplicate

ROOT = Path(__file__).resolve().parent.parent
VERSLAG = {"doc_type": "verslag", "dossier": "31 409", "ondernummer": "300", "kamer": "II", "vergaderjaar": "2020/21"}
CITE = "Kamerstukken II 2020/21, 31 409, nr. 300, p. {p}"

# A written consultation on wind at sea: GroenLinks and VVD raise it (answers 1 and 2), SP asks
# about something else (answer 3). Answer 2 repeats sentences of answer 1 word for word, as real
# consultations do, and the letter nearly. A cabinet letter without header metadata cites as a bare file id.
CHUNKS = [
    ("verslag", 1, {"fractie": "GroenLinks", "role": "question", "answered_by": 1},
     "De leden van de GroenLinks-fractie maken zich zorgen over het tempo van de windparken op zee. "
     "Is het kabinet bereid de bouw van windparken op zee te versnellen?"),
    ("verslag", 1, {"fractie": "GroenLinks", "role": "answer", "answer_number": 1},
     "Het kabinet versnelt de aanleg van windparken op zee en heeft daarvoor EUR 2 miljard gereserveerd. "
     "Het netwerk op zee wordt door TenneT aangelegd."),
    ("verslag", 2, {"fractie": "VVD", "role": "question", "answered_by": 2},
     "De leden van de VVD-fractie vragen welke gevolgen de windparken op zee hebben voor de visserij in de Noordzee."),
    ("verslag", 2, {"fractie": "VVD", "role": "answer", "answer_number": 2},
     "Het kabinet versnelt de aanleg van windparken op zee en heeft daarvoor EUR 2 miljard gereserveerd. "
     "Het netwerk op zee wordt door TenneT aangelegd. Het kabinet heeft met de vissers afgesproken dat "
     "zij in 2023 een compensatie van 45 miljoen euro ontvangen voor de gesloten gebieden bij de windparken op zee."),
    ("verslag", 3, {"fractie": "SP", "role": "question", "answered_by": 3},
     "De leden van de SP-fractie vragen naar de indexatie van de pensioenen van gepensioneerde leraren."),
    ("verslag", 3, {"fractie": "SP", "role": "answer", "answer_number": 3},
     "De pensioenfondsen besluiten zelf over de indexatie van de pensioenen."),
    ("brief", None, {"doc_type": "kabinetsreactie"},
     "Uw Kamer ontving het rapport van de Expertgroep inzake windenergie op zee (hierna: de expertgroep). "
     "De windparken op zee leveren in 2030 ongeveer veertig procent van de Nederlandse elektriciteit. "
     "Het kabinet steunt de aanbeveling om de windparken op zee sneller te bouwen, omdat de klimaatdoelen "
     "van 2030 anders niet worden gehaald. Het kabinet versnelt de aanleg van de windparken op zee. "
     "Het kabinet zal uw Kamer dit najaar informeren over de nieuwe "
     "kavels voor windparken op zee."),
]
BARE_ID = "000_ed1558a5d4f7a61a"


def _chunk(i: int, doc: str, page, meta: dict, text: str) -> Chunk:
    if doc == "verslag":
        return Chunk(f"c{i}", "002_996c39270415c469", text, page, page, f"Antwoord {page}", {**VERSLAG, **meta}, None,
                     CITE.format(p=page), i)
    return Chunk(f"c{i}", BARE_ID, text, None, None, "Inleiding", meta, None, f"Kabinetsreactie, {BARE_ID}", 0)


class ConsultationRetriever:
    """A retriever over CHUNKS that ranks by shared words and honours the doc_id filter."""

    def __init__(self, chunks=CHUNKS):
        self.chunks = [_chunk(i, *c) for i, c in enumerate(chunks)]

    def search(self, query, k=None, filters=None):
        want = set(re.findall(r"\w+", query.lower()))
        docs = (filters or {}).get("doc_id")
        pool = [c for c in self.chunks if docs is None or c.doc_id in ([docs] if isinstance(docs, str) else docs)]
        pool.sort(key=lambda c: -len(want & set(re.findall(r"\w+", c.text.lower()))))
        return [Passage(c, 1.0 / (i + 1), i + 1) for i, c in enumerate(pool[: k or 5])]


def _draft(tmp_settings, topic="windparken op zee", retriever=None):
    return draft_briefing(topic, tmp_settings.replace(llm_backend="extractive"),
                          retriever=retriever or ConsultationRetriever())


def _body(b) -> list:
    return [line for s in b.sections for line in s.lines]


def test_every_fractie_that_raised_the_topic_gets_its_point_and_the_numbered_answer(tmp_settings):
    b = _draft(tmp_settings)
    assert [s.title for s in b.sections] == list(SECTION_TITLES)
    stand = next(s for s in b.sections if s.title == "Standpunten").lines
    labels = [ln.label for ln in stand]
    # each fractie that raised the topic: its point, then the cabinet's numbered answer to it
    for fractie, number in (("GroenLinks-fractie", 1), ("VVD-fractie", 2)):
        i = labels.index(fractie)
        assert labels[i + 1] == f"Kabinet (antwoord {number})", labels
    assert "SP-fractie" not in labels  # asked about pensions, not about wind at sea
    # the cabinet's own position from its letter is a line of its own
    assert any(lab.startswith("Kabinet (kabinetsreactie)") for lab in labels), labels
    answer_2 = stand[labels.index("Kabinet (antwoord 2)")]
    assert "45 miljoen euro" in answer_2.text or "visserij" in answer_2.text or "vissers" in answer_2.text


def test_no_line_twice_and_every_line_cited_verbatim(tmp_settings):
    b = _draft(tmp_settings)
    body = _body(b)
    texts = [ln.text for ln in body]
    # answer 2 repeats two sentences of answer 1 word for word, the letter one nearly: the note says each once
    assert sum("TenneT" in t for t in texts) <= 1
    assert sum("versnelt de aanleg" in t for t in texts) == 1, texts
    assert not [(a, c) for i, a in enumerate(texts) for c in texts[i + 1:] if a == c or near_duplicate(a, c)]
    numbers = [n for n, _ in b.sources]
    assert numbers == list(range(1, len(numbers) + 1))  # no gaps
    for ln in body:
        assert ln.citations and set(ln.citations) <= set(numbers), ln
        assert any(ln.text in b.passages[n - 1].chunk.text for n in ln.citations), ln  # verbatim
    for c in b.citations:
        assert c.quote in b.passages[c.n - 1].chunk.text


def test_sources_never_show_a_bare_file_id(tmp_settings):
    b = _draft(tmp_settings)
    labels = dict(b.sources)
    assert labels and not [lab for lab in labels.values() if BARE_ID in lab], labels
    letter = [lab for lab in labels.values() if lab.startswith("Kabinetsreactie")]
    assert letter == ["Kabinetsreactie op het rapport van de Expertgroep inzake windenergie op zee (§ Inleiding)"]
    consultation = [lab for lab in labels.values() if lab.startswith("Kamerstukken")]
    assert consultation and all(re.search(r"p\. \d+ \((antwoord \d+|inbreng [\w -]+)\)$", lab) for lab in consultation)


def test_open_points_and_key_facts(tmp_settings):
    b = _draft(tmp_settings)
    sections = {s.title: s.lines for s in b.sections}
    assert any(ln.label == "Toezegging" and "dit najaar informeren" in ln.text for ln in sections["Open punten"])
    facts = " ".join(ln.text for ln in sections["Kernfeiten"] + sections["Samenvatting"] + sections["Standpunten"])
    assert "EUR 2 miljard" in facts and "45 miljoen euro" in facts
    assert 1 <= len(sections["Samenvatting"]) <= 3


def test_to_dict_is_the_json_contract_and_exports_render_it(tmp_settings, tmp_path):
    import docx

    b = _draft(tmp_settings)
    data = json.loads(json.dumps(b.to_dict()))
    assert set(data) == {"topic", "created", "model", "flags", "sections", "sources"}
    assert [s["title"] for s in data["sections"]] == list(SECTION_TITLES)
    for s in data["sections"]:
        assert set(s) == {"title", "lines"}
        for ln in s["lines"]:
            assert {"text", "citations"} <= set(ln) <= {"text", "citations", "label"}
            assert all(isinstance(n, int) for n in ln["citations"])
    for src in data["sources"]:
        assert set(src) == {"n", "citation", "chunk_id", "doc_id", "page_start"}
        assert b.passages[src["n"] - 1].chunk.chunk_id == src["chunk_id"]
    md = b.to_markdown()
    for title in (*SECTION_TITLES, "Bronnen"):
        assert f"## {title}" in md
    assert "**GroenLinks-fractie:**" in md and "[1]" in md
    path = b.write_docx(tmp_path / "notitie.docx")
    word = docx.Document(str(path))
    paras = [p.text for p in word.paragraphs]
    assert "Bronnen" in paras and any("Kabinet (antwoord 1)" in p for p in paras)
    assert any(p.startswith("GroenLinks-fractie: ") for p in paras)  # a space between the label and the line
    props = word.core_properties
    assert props.author == "Griffier" and props.title == f"Notitie: {data['topic']}"
    assert props.created.date().isoformat() == data["created"]


def test_a_topic_naming_a_fractie_keeps_that_fractie(tmp_settings):
    b = _draft(tmp_settings, "standpunt van de VVD over windparken op zee")
    labels = [ln.label for s in b.sections for ln in s.lines]
    assert "VVD-fractie" in labels and "Kabinet (antwoord 2)" in labels


def test_a_model_may_write_the_summary_only_when_it_passes_the_check(tmp_settings):
    """The Samenvatting written by a model is checked like an answer: an invented figure sends it
    back to the quoted sentences; a supported one is kept and the note names the model."""
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    settings = tmp_settings.replace(llm_backend="extractive")
    plain = _draft(tmp_settings)
    first = next(s for s in plain.sections if s.title == "Samenvatting").lines[0]

    wrong = FakeListChatModel(responses=["Het kabinet reserveert EUR 9 miljard voor windparken op zee [1]."])
    b = draft_briefing("windparken op zee", settings, retriever=ConsultationRetriever(), llm=wrong)
    assert b.model == "extractive" and "9 miljard" not in json.dumps(b.to_dict())
    assert [ln.text for ln in b.sections[0].lines] == [ln.text for ln in plain.sections[0].lines]

    right = FakeListChatModel(responses=[f"{first.text.rstrip('.')} [1]."])
    b = draft_briefing("windparken op zee", settings, retriever=ConsultationRetriever(), llm=right)
    assert b.model == "FakeListChatModel"
    assert [ln.text.rstrip(".") for ln in b.sections[0].lines] == [first.text.rstrip(".")]


def test_empty_topic_is_rejected(tmp_settings):
    with pytest.raises(ValueError, match="empty briefing topic"):
        draft_briefing(" ", tmp_settings, retriever=ConsultationRetriever())


def test_near_duplicate_measure():
    a = "Het Koninkrijk heeft recent besloten de bijdrage van EUR 8,5 miljoen aan het Yemen Humanitarian Fund over te maken."
    assert near_duplicate(a, "Het Koninkrijk heeft daartoe recent besloten de bijdrage van EUR 8,5 miljoen aan het "
                             "Yemen Humanitarian Fund over te maken.")
    assert not near_duplicate(a, "Op dit moment is 31,1% van de benodigde financiering voor het humanitaire "
                                 "responsplan voor Jemen ontvangen.")


# -- the real thing: demo corpus, real retriever and models ------------------------------------------

FLOOR_TOPICS = ("t01", "t02", "t05", "t07", "t10", "t12")


@pytest.mark.slow
def test_floors_on_blind_topics(demo_home):
    """On six topics of the blind gold file: fracties that spoke get a standpunt line, nothing is said
    twice, every line is cited, no source is a bare file id, key facts are found, and it is fast."""
    from bench.briefing import load, score_note

    gold = [g for g in load(ROOT / "eval" / "data" / "briefing_topics.jsonl") if g["id"] in FLOOR_TOPICS]
    settings = demo_home.replace(llm_backend="extractive")
    draft_briefing("opwarmen", settings)  # models and index load once, outside the timing
    rows, secs = [], []
    for g in gold:
        t0 = time.perf_counter()
        data = draft_briefing(g["topic"], settings).to_dict()
        secs.append(time.perf_counter() - t0)
        rows.append(score_note(data, g))
    spoke = sum(len(r["spoke"]) for r in rows)
    assert sum(len(r["with_line"]) for r in rows) >= 0.9 * spoke, [(r["spoke"], r["with_line"]) for r in rows]
    assert sum(r["answer_ok"] for r in rows) >= 0.9 * sum(r["answer_n"] for r in rows)
    assert all(r["dup_pairs"] == 0 and r["uncited"] == 0 and r["bare_sources"] == 0 and not r["source_gaps"]
               for r in rows), rows
    assert sum(r["facts_covered"] for r in rows) >= 0.45 * sum(r["facts"] for r in rows)
    assert all(1 <= r["summary_lines"] <= 3 for r in rows)
    assert statistics.median(secs) <= 20, secs


@pytest.mark.slow
def test_cli_brief_json_contract_and_outputs(demo_home, tmp_path):
    import docx
    from typer.testing import CliRunner

    from ui.cli import answer_cmd
    from ui.cli.common import app

    answer_cmd.register(app)
    runner = CliRunner()
    home = ["--home", str(demo_home.home)]
    res = runner.invoke(app, [*home, "brief", "Jemen", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(data) == {"topic", "created", "model", "flags", "sections", "sources"}
    assert [s["title"] for s in data["sections"]] == list(SECTION_TITLES)
    labels = [ln.get("label", "") for s in data["sections"] for ln in s["lines"]]
    assert {"CDA-fractie", "SP-fractie", "SGP-fractie"} <= set(labels), labels
    assert [s["n"] for s in data["sources"]] == list(range(1, len(data["sources"]) + 1))
    assert all(set(s) == {"n", "citation", "chunk_id", "doc_id", "page_start"} for s in data["sources"])
    # -o still writes .md and .docx, with or without --json
    md, dx = tmp_path / "jemen.md", tmp_path / "jemen.docx"
    assert runner.invoke(app, [*home, "brief", "Jemen", "-o", str(md)]).exit_code == 0
    assert "## Standpunten" in md.read_text(encoding="utf-8") and "**CDA-fractie:**" in md.read_text(encoding="utf-8")
    res = runner.invoke(app, [*home, "brief", "Jemen", "-o", str(dx), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout.strip().splitlines()[-1])["topic"] == "Jemen"
    assert "Bronnen" in [p.text for p in docx.Document(str(dx)).paragraphs]
    # neither an output file nor --json: a usage error that says what to give
    res = runner.invoke(app, [*home, "brief", "Jemen"])
    assert res.exit_code == 2 and "--json" in res.output


@pytest.mark.slow
def test_briefing_with_bundled_model_exports_md_and_docx(demo_home, tmp_path):
    import docx
    from typer.testing import CliRunner

    from ui.cli import answer_cmd
    from ui.cli.common import app

    # One draft with the real bundled model (the costly part), exported by the CLI code path.
    answer_cmd.register(app)
    dx = tmp_path / "notitie.docx"
    res = CliRunner().invoke(app, ["--home", str(demo_home.home), "brief", "klimaat en veiligheid", "-o", str(dx),
                                   "--backend", "bundled"])
    assert res.exit_code == 0, res.output
    paras = [p.text for p in docx.Document(str(dx)).paragraphs]
    assert "Samenvatting" in paras and "Bronnen" in paras and any("[1]" in p for p in paras)
