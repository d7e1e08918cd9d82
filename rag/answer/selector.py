"""The learned answer selector: which candidate unit answers the question.

`prepare` gathers passages, proposes units and computes their features; `Selector`
scores them with the logistic model fitted by `python -m rag.answer.train` on the
train split of the blind staff questions (rag/answer/weights/selector.json). The
selection code has no hand-set weights: thresholds and weights come from that file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from corpus.models import Passage
from rag.answer import features as F
from rag.answer.answerability import Vocabulary
from rag.answer.candidates import Unit, build_units
from rag.answer.dense import passage_sentence_scores, passage_sentence_vectors, unit_matches
from rag.answer.model import LogisticModel, softmax
from rag.answer.question import QuestionInfo, analyse, carried_words, expand_query
from rag.answer.retrieval import corpus_vocabulary, gather, known_fracties
from rag.answer.similarity import SIMILARITY_FILE, LearnedSimilarity

log = logging.getLogger(__name__)

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SELECTOR_FILE = WEIGHTS_DIR / "selector.json"


@dataclass
class Prepared:
    question: QuestionInfo
    passages: list[Passage]
    units: list[Unit]  # scored, best first once `Selector.rank` ran
    vocab: Vocabulary | None = None
    known_fracties: set[str] = field(default_factory=set)
    embedding_model: str = ""  # of the sentence vectors behind `unit.match`


def prepare(question: str, retriever, *, query: str | None = None, k: int | None = None,
            filters: dict | None = None, typed: str | None = None) -> Prepared:
    """Analyse `question`, retrieve with `query` (the standalone question), build and featurise units.
    `typed` is what the user typed this turn when `question` is a follow-up made standalone."""
    query = query or question
    fracties = known_fracties(retriever, filters)
    info = analyse(query, fracties)
    if typed and typed != query:
        info.carried = carried_words(query, typed)
    expanded = expand_query(query)
    passages = gather(info, expanded, retriever, k=k, filters=filters)
    units = build_units(passages, signatures=info.asks_signatories)
    vocab = corpus_vocabulary(retriever, filters)
    vectors = passage_sentence_vectors(retriever, expanded, passages)
    F.compute(info, passages, units, passage_sentence_scores(vectors), vocab)
    unit_matches(vectors, units)
    return Prepared(info, passages, units, vocab, fracties, vectors.embedding_model)


class Selector:
    def __init__(self, model: LogisticModel, similarity: LearnedSimilarity | None = None):
        self.model = model
        self.similarity = similarity

    @classmethod
    def load(cls, path: Path = SELECTOR_FILE, similarity_path: Path = SIMILARITY_FILE) -> "Selector":
        return cls(LogisticModel.load(path, F.FEATURE_NAMES), LearnedSimilarity.load(similarity_path))

    def scores(self, units: list[Unit], embedding_model: str) -> tuple[np.ndarray, np.ndarray]:
        """(the selector's score per unit, that plus the learned similarity's where it applies)."""
        z = self.model.decision(F.matrix(units))
        if self.similarity is not None and self.similarity.applies(embedding_model, units):
            return z, z + self.similarity.scores(units)
        return z, z

    def rank(self, prepared: Prepared, similarity: bool = True) -> list[Unit]:
        """Units best first; `unit.score` is their score, `unit.prob` its share among the candidates
        (`selector_prob` that share without the learned similarity). `similarity=False` ranks with the
        selector alone."""
        units = prepared.units
        if units:
            selector_z, z = self.scores(units, prepared.embedding_model)
            set_scores(units, selector_z, z if similarity else selector_z)
        units.sort(key=lambda u: -u.score)
        return units


def set_scores(units: list[Unit], selector_z: np.ndarray, z: np.ndarray) -> None:
    for u, selector_p, zi, p in zip(units, softmax(selector_z), z, softmax(z)):
        u.selector_prob, u.score, u.prob = float(selector_p), float(zi), float(p)


@lru_cache(maxsize=1)
def get_selector() -> Selector:
    """The fitted selector, loaded once per process."""
    selector = Selector.load()  # a missing or stale weights file raises ModelFileError with the fix
    log.debug("answer selector loaded from %s", SELECTOR_FILE)
    return selector
