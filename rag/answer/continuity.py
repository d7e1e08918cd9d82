"""A follow-up continues where the last answer was.

In the blind train conversations (eval/data/conversations_train.jsonl) the answer to a follow-up
lies in the same passage as the previous turn's answer for 61 of 91 turns, and in the adjacent
passage for 12 more; "waarom?" after an answer asks for the sentence next to it, not for the same
sentence again. The selector is fitted on single questions and knows nothing of the conversation,
so for a follow-up this module moves the scores it gave:
- a unit in a passage the last answer quoted gains `same_passage`;
- a unit in the passage just before or after one of those gains `adjacent_passage`;
- a unit that repeats a sentence the last answer showed loses `repeat`;
- a unit holding the follow-up's own words ("libie" in "en libie?") gains `own_words` times the
  share of them it holds: what the user moves on to outweighs where the last answer was.
The four weights are data, fitted on the train conversations by
`python -m rag.answer.train_followups` (weights/followup.json).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from corpus.files import write_text_atomic
from corpus.models import Passage
from rag import claim_text as ct
from rag.answer.candidates import MIN_WORDS, Unit
from rag.answer.composer import CONTEXT_INTRO
from rag.answer.followup import normalise_history, own_terms
from rag.answer.model import softmax
from rag.answer.spans import sentence_spans
from rag.text import analyse

log = logging.getLogger(__name__)

WEIGHTS_FILE = Path(__file__).resolve().parent / "weights" / "followup.json"


@dataclass
class ContinuityWeights:
    same_passage: float = 0.0
    adjacent_passage: float = 0.0
    repeat: float = 0.0
    own_words: float = 0.0
    info: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> ContinuityWeights:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(float(data["same_passage"]), float(data["adjacent_passage"]), float(data["repeat"]),
                   float(data.get("own_words", 0.0)), dict(data.get("info", {})))

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        write_text_atomic(path, json.dumps(asdict(self), ensure_ascii=False, indent=1) + "\n")


@lru_cache(maxsize=1)
def get_weights() -> ContinuityWeights:
    """The fitted weights, loaded once; without the file a follow-up is ranked like any question."""
    try:
        return ContinuityWeights.load()
    except (OSError, ValueError, KeyError) as exc:
        log.warning("follow-up weights unreadable (%s): %s; refit with python -m rag.answer.train_followups",
                     WEIGHTS_FILE, exc)
        return ContinuityWeights()


def _norm(text: str) -> str:
    return " ".join(ct.lower_tokens(text))


def shown_sentences(history: Sequence[Any] | None) -> list[str]:
    """The sentences of the last assistant turn, normalised, its citation markers removed (the
    context a refusal shows counts too: it is what the user just read)."""
    answers = [text for role, text in normalise_history(history) if role == "assistant"]
    if not answers:
        return []
    text = ct.strip_citations(answers[-1].replace(CONTEXT_INTRO, " "))
    return [_norm(text[s:e]) for s, e in sentence_spans(text) if len(ct.tokens(text[s:e])) >= MIN_WORDS]


def rerank(units: list[Unit], passages: Sequence[Passage], shown: list[str],
           weights: ContinuityWeights, question: str = "") -> list[Unit]:
    """Move the selector's scores (in place) toward where the last answer was and toward the
    follow-up's own words; best first again."""
    if not units or not shown:
        return units
    normalised = {(p.chunk.doc_id, p.chunk.seq): _norm(p.chunk.text) for p in passages}
    anchors = {key for key, text in normalised.items() if any(s in text for s in shown)}
    if not anchors:
        return units
    own = own_terms(question)
    for u in units:
        chunk = passages[u.n - 1].chunk
        if (chunk.doc_id, chunk.seq) in anchors:
            u.score += weights.same_passage
        elif any(chunk.doc_id == doc and abs(chunk.seq - seq) == 1 for doc, seq in anchors):
            u.score += weights.adjacent_passage
        text = _norm(u.text)
        if any(text in s or s in text for s in shown):
            u.score -= weights.repeat
        if own and weights.own_words:
            u.score += weights.own_words * len(own & set(analyse(u.text))) / len(own)
    for u, p in zip(units, softmax(np.array([u.score for u in units]))):
        u.prob = float(p)
    units.sort(key=lambda u: -u.score)
    return units
