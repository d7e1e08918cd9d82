"""LangChain boundary: the hybrid retriever as a `BaseRetriever` returning `Document`s.

Each Document's page_content is the chunk text; its metadata carries everything
the chain and the UI cite by: chunk_id, doc_id, page_start, page_end, section,
citation, rank, score, the per-retriever scores, plus the chunk metadata
(dossier, fractie, answer number, ...).
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from corpus.models import Chunk, Passage
from corpus.settings import Settings


def passage_to_document(p: Passage) -> Document:
    c = p.chunk
    meta: dict[str, Any] = {**(c.metadata or {})}
    meta.update({
        "chunk_id": c.chunk_id, "doc_id": c.doc_id, "page_start": c.page_start, "page_end": c.page_end,
        "section": c.section, "citation": c.citation, "rank": p.rank, "score": float(p.score), "seq": c.seq,
        "scores": dict(p.scores),
    })
    if c.char_span:
        meta["char_span"] = list(c.char_span)
    return Document(page_content=c.text, metadata=meta, id=c.chunk_id)


_CHUNK_KEYS = {"chunk_id", "doc_id", "page_start", "page_end", "section", "citation", "rank", "score", "seq",
               "scores", "char_span"}


def document_to_passage(doc: Document) -> Passage:
    m = doc.metadata
    span = m.get("char_span")
    chunk = Chunk(
        chunk_id=m["chunk_id"], doc_id=m["doc_id"], text=doc.page_content, page_start=m.get("page_start"),
        page_end=m.get("page_end"), section=m.get("section"),
        metadata={k: v for k, v in m.items() if k not in _CHUNK_KEYS},
        char_span=tuple(span) if span else None, citation=m.get("citation", ""), seq=m.get("seq", 0),
    )
    return Passage(chunk, float(m.get("score", 0.0)), int(m.get("rank", 0)), dict(m.get("scores") or {}))


class GriffierRetriever(BaseRetriever):
    """`GriffierRetriever(settings=..., k=5, filters={...}).invoke("vraag")`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings
    k: int | None = None
    filters: dict[str, Any] = Field(default_factory=dict)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                **kwargs: Any) -> list[Document]:
        from rag.retriever import get_retriever

        k = kwargs.get("k", self.k)
        filters = {**self.filters, **(kwargs.get("filters") or {})}
        return [passage_to_document(p) for p in get_retriever(self.settings).search(query, k, filters)]
