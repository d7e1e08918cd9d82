"""Briefing notes: sections, every line cited and verbatim, Markdown and Word export."""

from __future__ import annotations

import pytest

from corpus.models import Chunk, Passage
from rag.briefing import SECTION_TITLES, draft_briefing

TEXTS = [
    ("002", {"fractie": "GroenLinks", "role": "question"},
     "De leden van de GroenLinks-fractie vragen naar de inzet voor LHBTI-rechten in de VN. "
     "Is de Minister bereid de Equal Rights Coalition verder uit te breiden?"),
    ("002", {"role": "answer"},
     "Antwoord van het kabinet: het bevorderen van gelijke rechten van LHBTI's is een speerpunt van het "
     "mensenrechtenbeleid. Het Koninkrijk werkt samen in de Equal Rights Coalition (42 landen) en de UN LGBTI "
     "Core Group (31 landen). Het kabinet zal in 2021 een nieuwe resolutie over LHBTI-rechten steunen."),
    ("004", {}, "De Veiligheidsraad besprak op 11 juli klimaat en veiligheid."),
]


class TinyRetriever:
    def __init__(self):
        self.chunks = [Chunk(f"c{i}", d, t, i + 1, i + 1, None, md, None, f"Kamerstukken II 2020/21, 35 570 V, nr. {i + 7}", i)
                       for i, (d, md, t) in enumerate(TEXTS)]

    def search(self, query, k=None, filters=None):
        return [Passage(c, 1.0 / (i + 1), i + 1) for i, c in enumerate(self.chunks[: k or 3])]


def _check_briefing(b):
    assert [s.title for s in b.sections] == list(SECTION_TITLES)
    assert b.sections[0].lines, "empty Samenvatting"
    for s in b.sections:
        for line in s.lines:
            assert line.citations, f"uncited line in {s.title}: {line.text}"
            assert any(line.text in b.passages[n - 1].chunk.text for n in line.citations)  # verbatim
    for c in b.citations:
        assert c.quote in b.passages[c.n - 1].chunk.text
    assert b.sources and all(label for _, label in b.sources)


def test_briefing_lines_are_cited_and_exported(tmp_settings, tmp_path):
    b = draft_briefing("LHBTI-rechten", tmp_settings.replace(llm_backend="extractive"), retriever=TinyRetriever())
    _check_briefing(b)
    text = " ".join(line.text for s in b.sections for line in s.lines)
    assert "42 landen" in text
    positions = {line.label for line in b.sections[2].lines}
    assert "GroenLinks-fractie" in positions
    md = b.to_markdown()
    for title in (*SECTION_TITLES, "Bronnen"):
        assert f"## {title}" in md
    assert "Kamerstukken II 2020/21, 35 570 V, nr. 8" in md

    import docx

    path = b.write_docx(tmp_path / "notitie.docx")
    doc = docx.Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == "Notitie: LHBTI-rechten" and "Bronnen" in headings
    assert any("42 landen" in p.text for p in doc.paragraphs)


def test_empty_topic_is_rejected(tmp_settings):
    with pytest.raises(ValueError, match="empty briefing topic"):
        draft_briefing(" ", tmp_settings, retriever=TinyRetriever())


@pytest.mark.slow
def test_briefing_with_bundled_model_exports_md_and_docx(demo_home, tmp_path):
    import docx
    from typer.testing import CliRunner

    from ui.cli import answer_cmd
    from ui.cli.common import app

    # One draft with the real bundled model (the costly part), exported both ways by the CLI code path.
    answer_cmd.register(app)
    md, dx = tmp_path / "notitie.md", tmp_path / "notitie.docx"
    res = CliRunner().invoke(app, ["--home", str(demo_home.home), "brief", "klimaat en veiligheid", "-o", str(dx),
                                   "--backend", "bundled"])
    assert res.exit_code == 0, res.output
    paras = [p.text for p in docx.Document(str(dx)).paragraphs]
    assert "Samenvatting" in paras and "Bronnen" in paras and any("[1]" in p for p in paras)
    b = draft_briefing("klimaat en veiligheid", demo_home.replace(llm_backend="extractive"))
    _check_briefing(b)
    md.write_text(b.to_markdown(), encoding="utf-8")
    text = md.read_text(encoding="utf-8")
    assert "## Samenvatting" in text and "## Bronnen" in text and "[1]" in text
