"""Follow-up conversations (eval/data/conversations_*.jsonl), answered turn by turn as the chat does.

Shared by the benchmark (bench/answers.py), the follow-up weight fit (rag/answer/train_followups.py)
and the CI floor, so all three count a turn the same way (eval.metrics.answered).
"""

from __future__ import annotations

from pathlib import Path

from eval.jsonl import read_jsonl
from eval.metrics import answered


def load_conversations(path: Path | str) -> list[dict]:
    return read_jsonl(
        path, what="conversation file", expected="JSON Lines as in eval/data/conversations_dev.jsonl",
        required=("turns",), missing="missing 'turns' (fields: id, turns: [{question, evidence}])", id_prefix="c",
    )


def answered_turns(answerer, conversations: list[dict]) -> tuple[list[bool], list[bool]]:
    """(first turns answered, follow-ups answered): each turn is asked with the earlier turns and
    answers as history; a turn without evidence counts as not answered."""
    first: list[bool] = []
    later: list[bool] = []
    for conv in conversations:
        history: list[dict] = []
        for i, turn in enumerate(conv["turns"]):
            ans = answerer.answer(turn["question"], history=history)
            (later if i else first).append(bool(answered(turn, ans.text, ans.refused)))
            history += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": ans.text}]
    return first, later
