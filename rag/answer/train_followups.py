"""Fit the follow-up weights (rag/answer/continuity.py) on the blind train conversations.

    python -m rag.answer.train_followups [--home DIR] [--train eval/data/conversations_train.jsonl]
                                         [--dev eval/data/conversations_dev.jsonl] [--out FILE]

Each conversation is answered turn by turn, as the chat does, with the extractive backend and the
current selector and answerability weights; a follow-up counts as answered when every gold evidence
sentence is in the answer (80 % of its words) and it is not refused. The three weights are chosen
by coordinate search over small grids (two rounds); ties go to the smaller weights, so the plain
selector is kept unless the conversation helps. The retrieval and features of a turn do not depend
on the weights (the standalone question carries only the user's words), so they are computed once.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import sys
import time
from dataclasses import replace
from pathlib import Path

from eval.conversations import answered_turns, load_conversations
from rag.answer import continuity
from rag.answer.continuity import ContinuityWeights
from rag.answer.pipeline import Answerer

ROOT = Path(__file__).resolve().parents[2]
GRIDS = {
    "same_passage": (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0),
    "adjacent_passage": (0.0, 0.5, 1.0, 2.0),
    "repeat": (0.0, 1.0, 2.0, 3.0),
    "own_words": (0.0, 1.0, 2.0, 3.0, 4.0, 6.0),
}
ROUNDS = 2
log = logging.getLogger("rag.answer.train_followups")


class _CachedAnswerer(Answerer):
    """The chat's Answerer with each turn's retrieval and features computed once."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._cache: dict[tuple, object] = {}

    def _prepare(self, query, k, filters, typed):
        key = (query, k, json.dumps(filters, sort_keys=True), typed)
        if key not in self._cache:
            self._cache[key] = super()._prepare(query, k, filters, typed)
        cached = self._cache[key]
        return replace(cached, units=[copy.copy(u) for u in cached.units])  # scores are rewritten per run


def follow_ups_answered(answerer: Answerer, conversations: list[dict]) -> tuple[int, int]:
    """(follow-ups answered, follow-ups), counted as bench/answers.py counts them."""
    _, later = answered_turns(answerer, conversations)
    return sum(later), len(later)


def fit(answerer: Answerer, conversations: list[dict]) -> tuple[ContinuityWeights, dict]:
    def score(w: ContinuityWeights) -> int:
        answerer.continuity_weights = w
        return follow_ups_answered(answerer, conversations)[0]

    best = ContinuityWeights()
    best_hits = baseline = score(best)
    for _ in range(ROUNDS):
        for name, grid in GRIDS.items():
            for value in grid:
                trial = replace(best, **{name: value})
                hits = score(trial)
                log.info("%s: %d follow-ups answered", {k: getattr(trial, k) for k in GRIDS}, hits)
                if hits > best_hits or (hits == best_hits and value < getattr(best, name)):
                    best, best_hits = trial, hits
    return best, {"baseline_answered": baseline, "answered": best_hits}


def main(argv: list[str] | None = None) -> None:
    from corpus.settings import load_settings

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None, help="Griffier home with the demo corpus indexed")
    ap.add_argument("--train", type=Path, default=ROOT / "eval" / "data" / "conversations_train.jsonl")
    ap.add_argument("--dev", type=Path, default=ROOT / "eval" / "data" / "conversations_dev.jsonl")
    ap.add_argument("--out", type=Path, default=continuity.WEIGHTS_FILE)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    settings = load_settings({"home": args.home} if args.home else None)
    answerer = _CachedAnswerer(settings, backend="extractive")
    train = load_conversations(args.train)
    t0 = time.perf_counter()
    weights, figures = fit(answerer, train)
    n = sum(len(c["turns"]) - 1 for c in train)
    weights.info = {"trained_on": str(args.train.relative_to(ROOT) if args.train.is_relative_to(ROOT) else args.train),
                    "follow_ups": n, "answered_without": figures["baseline_answered"],
                    "answered_with": figures["answered"], "created": time.strftime("%Y-%m-%d")}
    if args.dev and args.dev.exists():
        dev = load_conversations(args.dev)
        for label, w in (("dev_answered_without", ContinuityWeights()), ("dev_answered_with", weights)):
            answerer.continuity_weights = w
            weights.info[label], weights.info["dev_follow_ups"] = follow_ups_answered(answerer, dev)
    weights.save(args.out)
    print(json.dumps({**{k: getattr(weights, k) for k in GRIDS}, **weights.info,
                      "seconds": round(time.perf_counter() - t0, 1)}, indent=1))


if __name__ == "__main__":
    main()
