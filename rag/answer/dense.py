"""Meaning-level closeness of each passage sentence to the question, at no embedding cost.

Ingest already embedded every sentence of every chunk (rag/sentences.py); the retriever
embedded the question. This module reuses both: per passage it returns the cosine of each
indexed sentence with the question, with the sentence's character span, so a candidate
unit's dense score is the best cosine of the sentences it contains, and its `match` (the
question's vector times that sentence's vector, elementwise) feeds the learned similarity.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from corpus.models import Passage
from rag.sentences import split_sentences

log = logging.getLogger(__name__)


@dataclass
class SentenceVectors:
    query: np.ndarray | None  # the question's vector; None without sentence vectors
    per_passage: list[tuple[list[tuple[int, int]], np.ndarray] | None]  # (sentence spans, their vectors)
    embedding_model: str = ""  # of the index the vectors come from

    @cached_property
    def cosines(self) -> list[np.ndarray | None]:
        """Each passage's sentence cosines with the question (None without vectors), computed once."""
        if self.query is None:
            return [None for _ in self.per_passage]
        return [None if entry is None else entry[1] @ self.query for entry in self.per_passage]


def sentence_spans_in(text: str) -> list[tuple[int, int]]:
    """Character spans of rag.sentences.split_sentences(text), in order (rows of the sentence index)."""
    out, pos = [], 0
    for s in split_sentences(text):
        i = text.find(s, pos)
        if i < 0:  # cannot happen for stripped substrings; keep rows aligned anyway
            out.append((pos, pos))
            continue
        out.append((i, i + len(s)))
        pos = i + len(s)
    return out


def passage_sentence_vectors(retriever, query: str, passages: Sequence[Passage]) -> SentenceVectors:
    """The question's vector and each passage's indexed sentence vectors (empty without sentence vectors)."""
    empty = SentenceVectors(None, [None for _ in passages])
    try:
        idx = retriever.loaded_index()
        sentences = idx.sentences
        if sentences is None:
            return empty
        qv = np.asarray(retriever.query_vector(query), dtype=np.float32).reshape(-1)
    except Exception as exc:  # the answer still works on lexical features alone
        log.debug("no sentence vectors for answer features: %s", exc)
        return empty
    per = []
    for p in passages:
        rows = sentences.rows.get(p.chunk.chunk_id)
        spans = sentence_spans_in(p.chunk.text)
        if rows is None or rows[1] - rows[0] != len(spans):
            per.append(None)
            continue
        per.append((spans, np.asarray(sentences.vectors[rows[0]:rows[1]], dtype=np.float32)))
    return SentenceVectors(qv, per, idx.manifest.embedding_model)


def passage_sentence_scores(vectors: SentenceVectors) -> list[list[tuple[int, int, float]]]:
    """[(start, end, cosine)] per passage; empty lists where a passage has no sentence vectors."""
    return [[] if cos is None else [(s, e, float(c)) for (s, e), c in zip(entry[0], cos)]
            for entry, cos in zip(vectors.per_passage, vectors.cosines)]


def unit_matches(vectors: SentenceVectors, units: Sequence) -> None:
    """Set `unit.match` to the elementwise product of the question's vector and the vector of the
    unit's sentence closest to it: the input of the learned similarity (rag/answer/similarity.py).
    Units of a passage without sentence vectors keep None."""
    for u in units:
        entry = vectors.per_passage[u.n - 1] if u.n - 1 < len(vectors.per_passage) else None
        if entry is None or vectors.query is None:
            continue
        (spans, matrix), cos = entry, vectors.cosines[u.n - 1]
        rows = [i for i, (s, e) in enumerate(spans) if s < u.end and u.start < e]
        if rows:
            best = max(rows, key=lambda i: cos[i])
            u.match = matrix[best] * vectors.query
