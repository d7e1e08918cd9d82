"""A floor under answer quality on the dev split of the blind staff questions (eval/gold/staff_dev.jsonl).

The floors sit a little under what the fitted selector and answerability model reach on this split
(bench/answers.py prints the figures), so a change that makes answers worse fails CI. The locked test
split is never read here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FLOORS = {
    # answerable questions whose answer holds every gold sentence (>= 80% of its words): 0.59 now,
    # 0.55 before the sentence after the best one could join it (composer.next_ratio)
    "answered": 0.52,
    "near_misses_refused": 0.65,
}
CEILINGS = {
    "wrongly_refused": 0.15,
    "median_words": 60,
    "bare_labels": 0,
}


@pytest.mark.slow
def test_dev_split_answer_quality(demo_home):
    from bench.answers import run_questions, summarise
    from eval.harness import load_gold
    from rag.answer import Answerer

    gold = load_gold(ROOT / "eval" / "gold" / "staff_dev.jsonl")
    summary = summarise(run_questions(Answerer(demo_home.replace(llm_backend="extractive")), gold))
    for key, floor in FLOORS.items():
        assert summary[key] >= floor, (key, summary)
    for key, ceiling in CEILINGS.items():
        assert summary[key] <= ceiling, (key, summary)


@pytest.mark.slow
def test_dev_conversations_follow_up_floor(demo_home):
    """Follow-ups answered with the conversation's topic carried (eval/data/conversations_dev.jsonl)."""
    from bench.answers import run_conversations
    from eval.conversations import load_conversations
    from rag.answer import Answerer

    conversations = load_conversations(ROOT / "eval" / "data" / "conversations_dev.jsonl")
    summary = run_conversations(Answerer(demo_home.replace(llm_backend="extractive")), conversations)
    assert summary["follow_ups"] >= 20
    # 0.57 now (13 of 23); 0.52 before the sentence after the best one could join it; 0.43 before a
    # follow-up continued where the last answer was (continuity.py); 0.35 before the carried topic was
    # chosen by rarity
    assert summary["follow_ups_answered"] >= 0.52, summary
