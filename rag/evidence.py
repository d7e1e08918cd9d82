"""The evidence-matching rule of DESIGN.md, shared by eval/ and bench/.

Normalise text by joining "letters-\\n letters" word breaks, collapsing
whitespace and lowercasing; a passage *hits* a gold question when it comes from
a gold document and holds at least 80% of one evidence span's word tokens.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

HIT_FRACTION = 0.8
_BREAK = re.compile(r"(\w)-[ \t]*\n\s*(\w)")
_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    return _WS.sub(" ", _BREAK.sub(r"\1\2", text or "")).strip().lower()


def word_tokens(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def gold_docs(gold: dict) -> set[str]:
    doc = gold.get("doc")
    if doc is None:
        return set()
    return {doc} if isinstance(doc, str) else set(doc)


def span_coverage(passage_text: str, span: str) -> float:
    """Fraction of the span's word tokens (with multiplicity) found in the passage."""
    want = Counter(word_tokens(span))
    if not want:
        return 0.0
    have = Counter(word_tokens(passage_text))
    return sum(min(n, have[w]) for w, n in want.items()) / sum(want.values())


def passage_hits(passage_text: str, doc_id: str, gold: dict, fraction: float = HIT_FRACTION) -> bool:
    """True when the passage is from a gold doc and covers >= `fraction` of an evidence span."""
    if doc_id not in gold_docs(gold):
        return False
    return any(span_coverage(passage_text, span) >= fraction for span in gold.get("evidence") or [])


def first_hit_rank(passages: Iterable[tuple[str, str]], gold: dict) -> int | None:
    """1-based rank of the first hitting (text, doc_id) pair, or None."""
    for rank, (text, doc_id) in enumerate(passages, start=1):
        if passage_hits(text, doc_id, gold):
            return rank
    return None


def retrieval_metrics(ranks: Sequence[int | None]) -> dict[str, float]:
    """hit@1, hit@5, MRR@10 over answerable questions, from their first-hit ranks."""
    n = len(ranks)
    if n == 0:
        return {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": 0.0}
    return {
        "hit@1": sum(1 for r in ranks if r is not None and r <= 1) / n,
        "hit@5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr@10": sum(1.0 / r for r in ranks if r is not None and r <= 10) / n,
    }
