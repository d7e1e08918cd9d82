"""Meaning-level closeness of each passage sentence to the question, at no embedding cost.

Ingest already embedded every sentence of every chunk (rag/sentences.py); the retriever
embedded the question. This module reuses both: per passage it returns the cosine of each
indexed sentence with the question, with the sentence's character span, so a candidate
unit's dense score is the best cosine of the sentences it contains.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from corpus.models import Passage
from rag.sentences import split_sentences

log = logging.getLogger(__name__)


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


def passage_sentence_scores(retriever, query: str, passages: Sequence[Passage]) -> list[list[tuple[int, int, float]]]:
    """[(start, end, cosine)] per passage; empty lists when the index has no sentence vectors."""
    try:
        idx = retriever.loaded_index()
        sentences = idx.sentences
        if sentences is None:
            return [[] for _ in passages]
        qv = np.asarray(retriever.query_vector(query), dtype=np.float32).reshape(-1)
    except Exception as exc:  # the answer still works on lexical features alone
        log.debug("no sentence vectors for answer features: %s", exc)
        return [[] for _ in passages]
    out = []
    for p in passages:
        rows = sentences.rows.get(p.chunk.chunk_id)
        spans = sentence_spans_in(p.chunk.text)
        if rows is None or rows[1] - rows[0] != len(spans):
            out.append([])
            continue
        sims = np.asarray(sentences.vectors[rows[0]:rows[1]]) @ qv
        out.append([(s, e, float(c)) for (s, e), c in zip(spans, sims)])
    return out
