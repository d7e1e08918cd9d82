"""The briefing note as plain data: sections of cited lines and numbered sources.

`Briefing.to_dict()` is the `griffier brief --json` contract, the one object the
Markdown, Word and web renderers (rag/export.py) draw from:

    {"topic", "created", "model", "flags": [str],
     "sections": [{"title", "lines": [{"text", "citations": [n], "label"?}]}],
     "sources": [{"n", "citation", "chunk_id", "doc_id", "page_start"}]}

[n] is `passages[n - 1]`; sources are numbered 1..m without gaps, in the order
the note first cites them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from corpus.models import Citation, Passage

SECTION_TITLES = ("Samenvatting", "Kernfeiten", "Standpunten", "Open punten")


@dataclass
class BriefingLine:
    text: str  # verbatim passage text, no markers
    citations: list[int]
    label: str = ""  # "GroenLinks-fractie", "Kabinet (antwoord 12)", "Toezegging"; empty for most lines

    def render(self) -> str:
        """The line as it is checked: text with its [n] markers (the label is ours, not a claim)."""
        marks = " ".join(f"[{n}]" for n in self.citations)
        return f"{self.text} {marks}".strip()

    def to_dict(self) -> dict:
        out: dict = {"text": self.text, "citations": list(self.citations)}
        if self.label:
            out["label"] = self.label
        return out


@dataclass
class BriefingSection:
    title: str
    lines: list[BriefingLine] = field(default_factory=list)


@dataclass
class Briefing:
    topic: str
    sections: list[BriefingSection]
    passages: list[Passage]  # [n] is passages[n-1]: exactly the cited passages, in citation order
    citations: list[Citation]
    flags: list[str] = field(default_factory=list)
    model: str = "extractive"
    created: str = field(default_factory=lambda: date.today().isoformat())
    source_labels: dict[int, str] = field(default_factory=dict)  # n -> readable citation (never a bare file id)

    @property
    def sources(self) -> list[tuple[int, str]]:
        """(n, citation label) for every cited passage, n = 1..m."""
        cited = sorted({n for s in self.sections for line in s.lines for n in line.citations})
        return [(n, self.source_labels.get(n) or _fallback_label(self.passages[n - 1])) for n in cited]

    def to_markdown(self) -> str:
        from rag.export import briefing_markdown

        return briefing_markdown(self.to_dict())

    def write_docx(self, path: Path | str) -> Path:
        from rag.export import write_briefing_docx

        return write_briefing_docx(self.to_dict(), Path(path))

    def to_dict(self) -> dict:
        sources = []
        for n, label in self.sources:
            c = self.passages[n - 1].chunk
            sources.append({"n": n, "citation": label, "chunk_id": c.chunk_id, "doc_id": c.doc_id,
                            "page_start": c.page_start})
        return {
            "topic": self.topic,
            "created": self.created,
            "model": self.model,
            "sections": [{"title": s.title, "lines": [ln.to_dict() for ln in s.lines]} for s in self.sections],
            "sources": sources,
            "flags": list(self.flags),
        }


def _fallback_label(p: Passage) -> str:
    return p.chunk.citation or p.chunk.section or "bron"
