"""Calibrate the refusal threshold (rag.answering.DEFAULT_REFUSAL_THRESHOLD) on the dev set.

    .venv/bin/python -m bench.calibrate_refusal [--gold FILE] [--home DIR] [-k 5]

For every gold question: retrieve, select the best sentences (rag/extractive.py)
and record the best sentence's relevance. Answerable questions should score
above the threshold, unanswerable ones (doc null) below. Prints per-question
relevance and, for each candidate threshold, refusal accuracy on both sides;
suggests the threshold maximising balanced accuracy, placed midway in the gap
between the neighbouring relevances (so small drifts do not flip decisions);
ties go to the lower threshold, since wrong answers are also caught later by
the answer check while a needless refusal is final.
Without --home the demo corpus is ingested into a temporary home first.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = ROOT / "eval" / "gold" / "dev.jsonl"


def demo_settings(home: str | None):
    from corpus.settings import load_settings

    if home:
        return load_settings({"home": home}, env={})
    from rag.ingest import ingest_paths

    tmp = Path(tempfile.mkdtemp(prefix="griffier-calib-"))
    settings = load_settings({"home": tmp}, env={})
    print(f"ingesting the demo corpus into {tmp} ...", file=sys.stderr)
    ingest_paths([ROOT / "corpus" / "demo"], settings, progress=True)
    return settings


def relevances(gold: list[dict], settings, k: int) -> list[tuple[dict, float]]:
    from rag.extractive import select
    from rag.retriever import get_retriever

    retriever = get_retriever(settings)
    out = []
    for g in gold:
        passages = retriever.search(g["question"], k=k)
        out.append((g, select(g["question"], passages).relevance))
    return out


def calibrate(rows: list[tuple[dict, float]]) -> tuple[float, float, float, float]:
    """(threshold, balanced accuracy, answerable-not-refused rate, unanswerable-refused rate)."""
    pos = sorted(r for g, r in rows if g.get("doc") is not None)
    neg = sorted(r for g, r in rows if g.get("doc") is None)
    values = sorted(set(pos + neg))
    cands = [values[0] - 1e-3] + [(a + b) / 2 for a, b in zip(values, values[1:])] + [values[-1] + 1e-3]
    best = None
    for t in cands:
        tpr = sum(r >= t for r in pos) / len(pos) if pos else 1.0
        tnr = sum(r < t for r in neg) / len(neg) if neg else 1.0
        key = ((tpr + tnr) / 2, min(tpr, tnr), -t)
        if best is None or key > best[0]:
            best = (key, t, tpr, tnr)
    _, t, tpr, tnr = best
    return t, (tpr + tnr) / 2, tpr, tnr


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(DEFAULT_GOLD))
    ap.add_argument("--home", default=None, help="an index home (default: ingest the demo corpus into a temp home)")
    ap.add_argument("-k", type=int, default=5)
    args = ap.parse_args(argv)
    gold = [json.loads(x) for x in Path(args.gold).read_text(encoding="utf-8").splitlines() if x.strip()]
    settings = demo_settings(args.home)
    rows = relevances(gold, settings, args.k or settings.top_k)
    for g, r in sorted(rows, key=lambda x: x[1]):
        print(f"{g['id']:>5}  {'answerable  ' if g.get('doc') is not None else 'UNANSWERABLE'}  relevance {r:.3f}")
    t, bacc, tpr, tnr = calibrate(rows)
    from rag.answering import DEFAULT_REFUSAL_THRESHOLD

    print(f"\nsuggested threshold {t:.3f}: balanced accuracy {bacc:.3f} "
          f"(answerable answered {tpr:.3f}, unanswerable refused {tnr:.3f}); "
          f"current default {DEFAULT_REFUSAL_THRESHOLD:.3f}")


if __name__ == "__main__":
    main()
