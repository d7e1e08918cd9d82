"""Plain data model shared by every stage (see DESIGN.md).

No framework types here: LangChain `Document`s are made from these only at the
LangChain boundary (retriever, chain).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class RawDocument:
    """What a loader returns: text as found in the file, before cleaning.

    `pages` holds one string per real page when the format reveals pages (PDF);
    otherwise it is None and page numbers are inferred from footers in `text`.
    """

    doc_id: str
    path: str
    text: str
    source_format: str  # "txt", "pdf", "docx", "xml", "html"
    pages: list[str] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Document:
    doc_id: str
    path: str
    title: str | None
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    page_start: int | None
    page_end: int | None
    section: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    char_span: tuple[int, int] | None = None
    citation: str = ""
    seq: int = 0  # position of the chunk inside its document

    def to_dict(self) -> dict[str, Any]:
        """The `griffier chunks` JSON Lines contract (DESIGN.md)."""
        return {
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "text": self.text,
            "page_start": self.page_start,
            "page_end": self.page_end,
            "section": self.section,
            "citation": self.citation,
            "metadata": self.metadata,
        }


@dataclass
class Passage:
    """A chunk as returned by a retrieval, with its score and 1-based rank."""

    chunk: Chunk
    score: float
    rank: int
    scores: dict[str, float] = field(default_factory=dict)  # per retriever, for debugging

    def to_dict(self) -> dict[str, Any]:
        """The passage object of the `search --json` contract."""
        d = self.chunk.to_dict()
        return {"rank": self.rank, **d, "score": float(self.score)}


@dataclass
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    quote: str
    page: int | None
    citation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "chunk_id": self.chunk_id,
            "doc_id": self.doc_id,
            "quote": self.quote,
            "page_start": self.page,
            "citation": self.citation,
        }


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    model: str = ""
    passages: list[Passage] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # visible notes from the answer check
    timings: dict[str, float] = field(default_factory=dict)
    standalone_question: str | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)  # per answer part: the check's verdict

    def to_dict(self) -> dict[str, Any]:
        """The `ask --json` contract (DESIGN.md), plus flags and timings."""
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [p.to_dict() for p in self.passages],
            "model": self.model,
            "flags": list(self.flags),
            "timings": dict(self.timings),
            "standalone_question": self.standalone_question,
            "sentences": [dict(c) for c in self.checks],
        }
