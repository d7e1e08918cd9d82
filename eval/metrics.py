"""Per-question and overall metrics for gold-question runs.

Pure functions over plain data (texts, doc ids, markers), so each metric can be
checked on hand-made cases. The claim-support scorer is passed in; see
`rag.claims`.

- Retrieval: first-hit rank under the DESIGN.md evidence rule
  (`rag.evidence.passage_hits`), hit@1, hit@5, MRR@10, evidence recall@k
  (share of a question's evidence spans covered by some top-k passage).
- Answer-fact recall: share of `answer_facts` found in the answer text.
- Refusal: correct when an unanswerable question is refused or an answerable
  one is answered; also reported each way.
- Citations, ALCE (Gao et al. 2023): a sentence is covered (recall) when its
  cited passages together support it; a citation is correct (precision) when
  its passage alone supports the sentence, or when the sentence is covered and
  dropping that citation breaks the support. An answer without citations
  scores 0 on both; refusals are left out.
- Faithfulness: share of answer claims supported by the retrieved passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from rag import claim_text as ct
from rag.evidence import gold_docs, passage_hits, span_coverage
from rag.evidence import normalise as ev_normalise

HIT_FRACTION = 0.8


def is_answerable(gold: dict) -> bool:
    return bool(gold_docs(gold))


# ---------------------------------------------------------------- retrieval


def first_hit_rank(passages: Sequence[tuple[str, str]], gold: dict) -> int | None:
    """1-based rank of the first (text, doc_id) passage that hits the gold evidence."""
    for rank, (text, doc_id) in enumerate(passages, start=1):
        if passage_hits(text, doc_id, gold):
            return rank
    return None


def retrieval_scores(rank: int | None) -> dict[str, float]:
    return {
        "hit@1": float(rank is not None and rank <= 1),
        "hit@5": float(rank is not None and rank <= 5),
        "mrr@10": (1.0 / rank) if rank is not None and rank <= 10 else 0.0,
    }


def evidence_recall_at_k(passages: Sequence[tuple[str, str]], gold: dict, k: int = 5) -> float | None:
    """Share of evidence spans held (>= 80% of tokens) by a top-k passage from a gold doc."""
    spans = gold.get("evidence") or []
    docs = gold_docs(gold)
    if not spans or not docs:
        return None
    top = [(t, d) for t, d in passages[:k] if d in docs]
    got = sum(1 for s in spans if any(span_coverage(t, s) >= HIT_FRACTION for t, _ in top))
    return got / len(spans)


# ---------------------------------------------------------------- answer content


def _fact_norm(text: str) -> str:
    return " ".join(ct.lower_tokens(ev_normalise(text)))


def fact_present(fact: str, answer: str) -> bool:
    """A fact counts when its words appear in order in the answer (case, punctuation and
    PDF breaks ignored), or when all its numbers and content words appear."""
    f, a = _fact_norm(fact), _fact_norm(answer)
    if not f:
        return True
    if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", a):
        return True
    want_nums = ct.numbers(fact)
    if want_nums and not want_nums <= ct.numbers(answer):
        return False
    stems = set(ct.content_stems(fact))
    return bool(stems) and stems <= set(ct.content_stems(answer))


def answer_fact_recall(answer: str, facts: Sequence[str], refused: bool = False) -> float | None:
    """Share of gold facts in the answer; None when the question has no facts. A refusal finds none."""
    if not facts:
        return None
    if refused or not (answer or "").strip():
        return 0.0
    return sum(fact_present(f, answer) for f in facts) / len(facts)


def refusal_correct(gold: dict, refused: bool) -> bool:
    return refused != is_answerable(gold)


# ---------------------------------------------------------------- citations (ALCE)


@dataclass
class SentenceCitations:
    sentence: str
    cited: list[int]  # citation numbers in this sentence
    covered: bool = False
    correct: list[bool] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def answer_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Answer sentences with their [n] markers (markers removed from the sentence text)."""
    out = []
    for s in ct.split_sentences(text or ""):
        clean = ct.strip_citations(s)
        if re.search(r"\w", clean):
            out.append((clean, ct.citation_numbers(s)))
    return out


def citation_scores(text: str, cited_texts: dict[int, str], scorer) -> tuple[float, float, list[SentenceCitations]]:
    """ALCE citation precision and recall of one answer.

    `cited_texts` maps a marker number to the text of the passage it cites;
    markers with no entry count as wrong citations.
    """
    sents = answer_sentences(text)
    if not sents:
        return 0.0, 0.0, []
    details: list[SentenceCitations] = []
    n_cit = n_correct = n_covered = 0
    for sent, cited in sents:
        d = SentenceCitations(sent, cited)
        known = [n for n in cited if n in cited_texts]
        if known:
            joint = "\n\n".join(cited_texts[n] for n in known)
            v = scorer.score(sent, joint)
            d.covered = v.supported
            d.reasons = list(v.reasons)
        for n in cited:
            n_cit += 1
            if n not in cited_texts:
                d.correct.append(False)
                continue
            alone = len(known) == 1 and d.covered or scorer.score(sent, cited_texts[n]).supported
            ok = alone
            if not ok and d.covered:
                rest = [m for m in known if m != n]
                ok = not rest or not scorer.score(sent, "\n\n".join(cited_texts[m] for m in rest)).supported
            d.correct.append(ok)
            n_correct += ok
        n_covered += d.covered
        details.append(d)
    recall = n_covered / len(sents)
    precision = n_correct / n_cit if n_cit else 0.0
    return precision, recall, details


# ---------------------------------------------------------------- faithfulness


def faithfulness(text: str, context: str, scorer) -> tuple[float | None, list[dict[str, Any]]]:
    """Share of the answer's claims that the context (retrieved passages) supports."""
    claims = scorer.split_claims(text or "")
    if not claims:
        return None, []
    verdicts = []
    for c in claims:
        v = scorer.score(c, context)
        verdicts.append({"claim": c, "supported": v.supported, "score": round(float(v.score), 4),
                         "reasons": list(v.reasons), "failed_fact": getattr(v, "failed_fact", None)})
    return sum(v["supported"] for v in verdicts) / len(verdicts), verdicts


# ---------------------------------------------------------------- aggregation


METRIC_KEYS = ["hit@1", "hit@5", "mrr@10", "evidence_recall@5", "citation_precision", "citation_recall",
               "faithfulness", "answer_fact_recall", "refusal_accuracy", "answer_rate_answerable",
               "refusal_rate_unanswerable", "latency_s", "latency_p95_s"]


def _avg(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(mean(vals), 4) if vals else None


def aggregate(rows: list[dict]) -> dict[str, float | None]:
    """Overall metrics from per-question rows (as built by eval.harness).

    Retrieval and fact recall average over answerable questions; citation
    metrics and faithfulness over answered (not refused) questions; refusal
    accuracy over all.
    """
    ans = [r for r in rows if r["answerable"]]
    unans = [r for r in rows if not r["answerable"]]
    out: dict[str, float | None] = {
        "hit@1": _avg([r["hit@1"] for r in ans]),
        "hit@5": _avg([r["hit@5"] for r in ans]),
        "mrr@10": _avg([r["mrr@10"] for r in ans]),
        "evidence_recall@5": _avg([r.get("evidence_recall@5") for r in ans]),
        "citation_precision": _avg([r.get("citation_precision") for r in rows]),
        "citation_recall": _avg([r.get("citation_recall") for r in rows]),
        "faithfulness": _avg([r.get("faithfulness") for r in rows]),
        "answer_fact_recall": _avg([r.get("answer_fact_recall") for r in ans]),
        "answered": _avg([r.get("answered") for r in ans]),
        "refusal_accuracy": _avg([float(r["refusal_correct"]) for r in rows]),
        "answer_rate_answerable": _avg([float(not r["refused"]) for r in ans]),
        "refusal_rate_unanswerable": _avg([float(r["refused"]) for r in unans]),
    }
    lat = sorted(r["latency_s"] for r in rows if r.get("latency_s") is not None)
    out["latency_s"] = round(mean(lat), 3) if lat else None
    out["latency_p95_s"] = round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 3) if lat else None
    return out


def answered(gold: dict, answer_text: str, refused: bool) -> float | None:
    """1.0 when the answer (not refused) holds >= 80% of the words of every gold evidence sentence;
    None for a question without evidence (unanswerable)."""
    spans = gold.get("evidence") or []
    if not spans:
        return None
    return float(not refused and all(span_coverage(answer_text, s) >= HIT_FRACTION for s in spans))


def by_type(rows: list[dict]) -> dict[str, dict[str, float | None]]:
    """Metrics per question kind (the staff sets' `kind`, else the gold `type`)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r.get("kind") or r.get("type") or "?", []).append(r)
    return {t: {"n": len(g), **aggregate(g)} for t, g in sorted(groups.items())}
