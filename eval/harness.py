"""Run gold questions through retrieval and answering and score them.

`run_eval(gold_path, settings)` returns an `EvalResult`; `.to_dict()` is the
`griffier eval --json` contract of DESIGN.md:
{"n_questions", "metrics": {...}, "per_question": [...]} plus "by_type",
"settings" and "scorer" for the report.

Retrieval metrics use the retriever's top 10 for the question; citation and
faithfulness metrics use the passages the answer was given.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.settings import Settings
from eval import metrics as M
from eval.jsonl import read_jsonl

log = logging.getLogger(__name__)

RETRIEVAL_K = 10


@dataclass
class EvalResult:
    n_questions: int
    metrics: dict[str, float | None]
    per_question: list[dict[str, Any]]
    by_type: dict[str, dict[str, Any]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    contexts: dict[str, list[str]] = field(default_factory=dict)  # passage texts per question (RAGAS export)
    gold: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_questions": self.n_questions,
            "metrics": self.metrics,
            "by_type": self.by_type,
            "info": self.info,
            "per_question": self.per_question,
        }


def load_gold(path: Path | str) -> list[dict]:
    return read_jsonl(
        path, what="gold file", expected="JSON Lines as in eval/gold/dev.jsonl", required=("question",),
        missing="missing 'question' (fields: id, question, doc, evidence, answer_facts, type)", id_prefix="q",
    )


def score_question(gold: dict, answer, retrieved: list, scorer, latency_s: float | None) -> dict[str, Any]:
    """One per-question row from an Answer and the top-k retrieved Passages."""
    pairs = [(p.chunk.text, p.chunk.doc_id) for p in retrieved]
    answerable = M.is_answerable(gold)
    rank = M.first_hit_rank(pairs, gold) if answerable else None
    row: dict[str, Any] = {
        "id": gold.get("id"),
        "question": gold.get("question"),
        "type": gold.get("type"),
        "kind": gold.get("kind"),
        "answerable": answerable,
        "refused": bool(answer.refused),
        "refusal_correct": M.refusal_correct(gold, bool(answer.refused)),
        "first_hit_rank": rank,
        **(M.retrieval_scores(rank) if answerable else {"hit@1": None, "hit@5": None, "mrr@10": None}),
        "evidence_recall@5": M.evidence_recall_at_k(pairs, gold, k=5),
        "answer_fact_recall": M.answer_fact_recall(answer.text, gold.get("answer_facts") or [], answer.refused),
        "answered": M.answered(gold, answer.text, answer.refused),
        "answer": answer.text,
        "citations": [c.to_dict() for c in answer.citations],
        "retrieved": [{"rank": p.rank, "chunk_id": p.chunk.chunk_id, "doc_id": p.chunk.doc_id,
                       "score": round(float(p.score), 4)} for p in retrieved],
        "latency_s": None if latency_s is None else round(latency_s, 3),
        "timings": dict(getattr(answer, "timings", {}) or {}),
        "citation_precision": None,
        "citation_recall": None,
        "faithfulness": None,
        "claims": [],
        "sentences": [],
    }
    if answer.refused:
        return row
    by_chunk = {p.chunk.chunk_id: p.chunk.text for p in answer.passages}
    cited_texts: dict[int, str] = {}
    for c in answer.citations:
        text = by_chunk.get(c.chunk_id) or c.quote
        if text:
            cited_texts[c.n] = text
    prec, rec, sents = M.citation_scores(answer.text, cited_texts, scorer)
    row["citation_precision"], row["citation_recall"] = round(prec, 4), round(rec, 4)
    row["sentences"] = [{"sentence": s.sentence, "cited": s.cited, "covered": s.covered, "correct": s.correct,
                         "reasons": s.reasons} for s in sents]
    context = "\n\n".join(p.chunk.text for p in answer.passages)
    faith, verdicts = M.faithfulness(answer.text, context, scorer)
    row["faithfulness"] = None if faith is None else round(faith, 4)
    row["claims"] = verdicts
    if not (answer.text or "").strip():
        row["faithfulness"] = 0.0  # an empty non-refusal answers nothing
    return row


def run_eval(gold_path: Path | str, settings: Settings, progress: bool = True, backend: str | None = None,
             limit: int | None = None) -> EvalResult:
    from tqdm import tqdm

    from rag.answer import get_answerer
    from rag.claims import get_scorer
    from rag.retriever import get_retriever

    gold = load_gold(gold_path)[:limit] if limit else load_gold(gold_path)
    retriever = get_retriever(settings)
    answerer = get_answerer(settings, backend=backend)
    scorer = get_scorer(settings)
    rows = []
    contexts: dict[str, list[str]] = {}
    for g in tqdm(gold, desc="eval", disable=not progress, file=sys.stderr, unit="q"):
        retrieved = retriever.search(g["question"], k=RETRIEVAL_K)
        t0 = time.perf_counter()
        try:
            answer = answerer.answer(g["question"])
        except Exception as exc:
            log.error("question %s failed: %s", g.get("id"), exc)
            raise
        latency = time.perf_counter() - t0
        rows.append(score_question(g, answer, retrieved, scorer, latency))
        contexts[g["id"]] = [p.chunk.text for p in answer.passages]
    info = {
        "gold": str(gold_path),
        "backend": backend or settings.llm_backend,
        "model": getattr(answerer, "model_label", ""),
        "scorer": getattr(scorer, "name", str(settings.scorer)),
        "embedding_model": settings.embedding_model,
        "top_k": settings.top_k,
        "answer_passages": settings.answer_passages,
        "reranker": settings.reranker or None,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    return EvalResult(len(rows), M.aggregate(rows), rows, M.by_type(rows), info, contexts, gold)
