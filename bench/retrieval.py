"""Retrieval benchmark: Griffier's dense / BM25 / hybrid retrievers against the
LangChain quick-start pipeline, measured in the same run.

    .venv/bin/python -m bench.retrieval [--gold FILE ...] [--scale 100k|1m|none] [--home DIR]

Reports, on each gold set with the DESIGN.md evidence rule (rag/evidence.py) —
by default the public dev questions and eval/gold/heldout.jsonl (40 questions
written from the corpus text by someone who never ran the retriever, worded
away from the text on purpose: synonyms, other compounds, informal phrasing):
  hit@1, hit@5, MRR@10 for dense, BM25, hybrid and the baseline
  (RecursiveCharacterTextSplitter 1000/200 on the raw files + FAISS + the same
  embedding model; its "hybrid" is LangChain's EnsembleRetriever with BM25Retriever),
  ingest throughput (chunks/s) without and with the vector cache,
  warm query latency p50/p95, CLI cold start, and the scale section (bench/scale.py).

Without --home the ingest runs in a fresh temporary home, so the first ingest
really embeds everything (about 2 minutes on 2 cores); the baseline's vectors
are cached under ~/.cache/griffier-bench so re-runs only pay for Griffier's own.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = ROOT / "eval" / "gold" / "dev.jsonl"
HELDOUT_GOLD = ROOT / "eval" / "gold" / "heldout.jsonl"
SHARED_GOLD = ROOT.parent / "shared" / "devset" / "questions.jsonl"
DEMO = ROOT / "corpus" / "demo"
BASELINE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "griffier-bench"

log = logging.getLogger("bench.retrieval")


def evaluate(golds: list[dict], run_query) -> tuple[dict, list]:
    """run_query(question) -> list of (text, doc_id) ranked; metrics over answerable questions."""
    from rag.evidence import first_hit_rank, retrieval_metrics

    ranks = []
    for g in golds:
        if not g.get("doc"):
            continue
        ranks.append(first_hit_rank(run_query(g["question"])[:10], g))
    return retrieval_metrics(ranks), ranks


# --- the LangChain quick-start baseline ---------------------------------------------


class _CachedEmbeddings:
    """Wraps a LangChain Embeddings with a text-keyed vector cache (bench only)."""

    def __init__(self, inner, model: str):
        from embeddings.cache import VectorCache, text_hash

        self.inner, self.model, self._hash = inner, model, text_hash
        self.cache = VectorCache(BASELINE_CACHE / "baseline_vectors.sqlite")

    def embed_documents(self, texts):
        keys = [self._hash(t) for t in texts]
        found = self.cache.get_many(self.model, [(k, k) for k in keys])
        todo = [i for i, k in enumerate(keys) if k not in found]
        if todo:
            vecs = self.inner.embed_passages([texts[i] for i in todo], progress=True)
            self.cache.put_many(self.model, [(keys[i], keys[i], vecs[j]) for j, i in enumerate(todo)])
            found.update({keys[i]: vecs[j] for j, i in enumerate(todo)})
        return [found[k].tolist() for k in keys]

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def __call__(self, text):  # older LangChain FAISS call style
        return self.embed_query(text)


def build_baseline(settings, files: list[Path]):
    from langchain_community.document_loaders import TextLoader
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from embeddings import get_embeddings

    docs = []
    for f in files:
        for d in TextLoader(str(f), encoding="utf-8").load():
            d.metadata["doc_id"] = f.stem
            docs.append(d)
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    emb = _CachedEmbeddings(get_embeddings(settings), settings.embedding_model)
    from langchain_core.embeddings import Embeddings

    class E(Embeddings):
        def embed_documents(self, texts):
            return emb.embed_documents(texts)

        def embed_query(self, text):
            return emb.embed_query(text)

    store = FAISS.from_documents(splits, E())
    dense = store.as_retriever(search_kwargs={"k": 10})
    hybrid = None
    try:
        from langchain_classic.retrievers import EnsembleRetriever
        from langchain_community.retrievers import BM25Retriever

        bm25 = BM25Retriever.from_documents(splits, k=10)
        hybrid = EnsembleRetriever(retrievers=[bm25, dense], weights=[0.5, 0.5])
    except ImportError as exc:  # rank_bm25 missing
        log.warning("baseline hybrid skipped: %s (pip install rank_bm25)", exc)
    return splits, dense, hybrid


# --- measurements -------------------------------------------------------------------


def ingest_throughput(home: Path, settings_overrides: dict) -> dict:
    from corpus.settings import load_settings
    from rag.ingest import ingest_paths

    settings = load_settings({"home": home, **settings_overrides}, env={})
    t = time.perf_counter()
    rep = ingest_paths([DEMO], settings, progress=False)
    cold_s = time.perf_counter() - t
    n = rep.index.get("vectors", 0)
    embedded = rep.index.get("embedded", 0)
    t = time.perf_counter()
    rep2 = ingest_paths([DEMO], settings, rebuild=True, progress=False)  # store cleared, vectors cached
    warm_s = time.perf_counter() - t
    t = time.perf_counter()
    ingest_paths([DEMO], settings, progress=False)  # nothing changed
    noop_s = time.perf_counter() - t
    return {"chunks": n, "embedded_first": embedded, "first_s": cold_s, "first_chunks_s": n / cold_s,
            "rebuild_cached_s": warm_s, "rebuild_cached_chunks_s": n / warm_s,
            "embedded_on_rebuild": rep2.index.get("embedded"), "noop_s": noop_s, "settings": settings}


def latency(retriever, questions: list[str], repeats: int = 3) -> dict:
    retriever.search(questions[0], 5)  # warm
    lat = []
    for _ in range(repeats):
        for q in questions:
            t = time.perf_counter()
            retriever.search(q, 5)
            lat.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)), "n": len(lat)}


def cli_cold_start(home: Path, query: str, runs: int = 3) -> dict:
    exe = Path(sys.executable).with_name("griffier")
    cmd_base = [str(exe)] if exe.exists() else [sys.executable, "-m", "ui.cli"]
    env = {**os.environ, "GRIFFIER_HOME": str(home)}
    out = {}
    for name, args in (("help", ["--help"]), ("search", ["search", query, "-k", "5", "--json"])):
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run(cmd_base + args, env=env, cwd=ROOT, capture_output=True, check=True)
            times.append(time.perf_counter() - t)
        out[name + "_s"] = min(times)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", type=Path, action="append",
                    help="a gold JSONL file; repeat for several (default: the dev set and eval/gold/heldout.jsonl)")
    ap.add_argument("--home", type=Path, help="reuse this home (its vector cache) instead of a fresh one")
    ap.add_argument("--scale", default="100k", help="none, 100k or 1m (1m: adds ~10 minutes)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--json", type=Path, help="also write all figures to this JSON file")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from eval.harness import load_gold  # the same reader and checks as `griffier eval`
    from rag.retriever import HybridRetriever

    gold_files = args.gold or [SHARED_GOLD if SHARED_GOLD.exists() else DEFAULT_GOLD, HELDOUT_GOLD]
    gold_sets = {("dev" if path.stem in ("questions", "dev") else path.stem): load_gold(path) for path in gold_files}
    all_questions = [g for golds in gold_sets.values() for g in golds]
    answerable = [g for g in all_questions if g.get("doc")]
    results: dict = {
        "gold": {name: str(path) for name, path in zip(gold_sets, gold_files)},
        "questions": {name: len(golds) for name, golds in gold_sets.items()},
        "answerable": {name: sum(1 for g in golds if g.get("doc")) for name, golds in gold_sets.items()},
    }
    tmp = None
    home = args.home
    if home is None:
        tmp = Path(tempfile.mkdtemp(prefix="griffier-bench-"))
        home = tmp / "home"
    try:
        print("# Retrieval benchmark — " + ", ".join(
            f"{name}: {results['answerable'][name]} answerable of {len(golds)} questions"
            for name, golds in gold_sets.items()))
        ing = ingest_throughput(home, {})
        settings = ing.pop("settings")
        results["ingest"] = ing
        retr = HybridRetriever(settings).warm_up()

        runners = {
            f"griffier {mode}": (lambda q, m=mode: [(p.chunk.text, p.chunk.doc_id) for p in retr.search(q, 10, mode=m)])
            for mode in ("dense", "bm25", "hybrid")
        }
        if not args.no_baseline:
            splits, bdense, bhybrid = build_baseline(settings, sorted(DEMO.glob("*.txt")))
            results["baseline_chunks"] = len(splits)
            runners["baseline dense"] = lambda q: [(d.page_content, d.metadata["doc_id"]) for d in bdense.invoke(q)]
            if bhybrid is not None:
                runners["baseline hybrid"] = (
                    lambda q: [(d.page_content, d.metadata["doc_id"]) for d in bhybrid.invoke(q)])
        results["metrics"] = {}
        for set_name, golds in gold_sets.items():
            table = {name: evaluate(golds, run)[0] for name, run in runners.items()}
            results["metrics"][set_name] = table
            print(f"\n{set_name}: {'retriever':18} {'hit@1':>6} {'hit@5':>6} {'MRR@10':>7}")
            for name, m in table.items():
                print(f"{set_name}: {name:18} {m['hit@1']:6.3f} {m['hit@5']:6.3f} {m['mrr@10']:7.3f}")
            if "baseline hybrid" in table:
                b, h = table["baseline hybrid"], table["griffier hybrid"]
                print(f"{set_name}: hybrid vs baseline hybrid: " + ", ".join(
                    f"{k} {h[k] - b[k]:+.3f}" for k in ("hit@1", "hit@5", "mrr@10")))

        print(f"\ningest: {ing['chunks']} chunks; first ingest {ing['first_s']:.1f} s "
              f"({ing['first_chunks_s']:.1f} chunks/s, {ing['embedded_first']} embedded); "
              f"rebuild with vector cache {ing['rebuild_cached_s']:.2f} s ({ing['rebuild_cached_chunks_s']:.0f} chunks/s, "
              f"{ing['embedded_on_rebuild']} embedded, {ing['first_s'] / ing['rebuild_cached_s']:.0f}x faster); "
              f"unchanged re-ingest {ing['noop_s']:.2f} s")
        lat = latency(retr, [g["question"] for g in all_questions])
        results["latency"] = lat
        print(f"warm query latency (hybrid, k=5, {lat['n']} queries): p50 {lat['p50_ms']:.1f} ms, "
              f"p95 {lat['p95_ms']:.1f} ms")
        cli = cli_cold_start(home, answerable[0]["question"])
        results["cli"] = cli
        print(f"CLI cold start: `griffier --help` {cli['help_s']:.2f} s, `griffier search --json` {cli['search_s']:.2f} s")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    if args.scale.lower() != "none":
        from bench.scale import format_rows, run_scale

        sizes = [100_000] + ([1_000_000] if args.scale.lower() == "1m" else [])
        print("\n## Scale: synthetic clustered 384-d vectors (see bench/scale.py), 500 queries, k=10")
        rows = []
        for n in sizes:
            rows += run_scale(n, ("hnsw", "ivfsq"))
        results["scale"] = rows
        print(format_rows(rows))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
