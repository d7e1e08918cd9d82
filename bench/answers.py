"""Answer benchmark: every available backend on the dev set, measured in one process.

    .venv/bin/python -m bench.answers [--gold FILE] [--home DIR] [--backends extractive,bundled,openai-server]
                                      [--threads 2] [--json OUT]

Per backend: answer-fact recall (answerable questions), refusal accuracy both
ways (answerable answered, unanswerable refused), share of answers citing a
passage that holds the evidence (DESIGN.md rule, rag/evidence.py), invalid
citations (a [n] with no passage n: must be 0), quotes not found verbatim in
their passage (must be 0), time to first visible output and to the full answer
(p50/p95). "openai-server" starts llama-cpp-python's OpenAI-compatible server with
the bundled model on a free localhost port and answers through it. The
"extractive" backend is the baseline the others are compared with.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ui.processes import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = ROOT / "eval" / "gold" / "dev.jsonl"


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def run_backend(answerer, gold: list[dict]) -> dict:
    from corpus.models import Answer
    from eval.metrics import fact_present
    from rag.evidence import passage_hits

    rows = []
    for g in gold:
        t0 = time.perf_counter()
        first = None
        ans = None
        for piece in answerer.stream(g["question"]):
            if isinstance(piece, Answer):
                ans = piece
            elif first is None and piece.strip():
                first = time.perf_counter() - t0
        total = time.perf_counter() - t0
        answerable = g.get("doc") is not None
        marks = {int(n) for m in re.findall(r"\[(\d+(?:\s*,\s*\d+)*)\]", ans.text) for n in re.split(r"\s*,\s*", m)}
        invalid = sum(1 for n in marks if not 1 <= n <= len(ans.passages)) + sum(
            1 for c in ans.citations if not 1 <= c.n <= len(ans.passages))
        not_verbatim = sum(1 for c in ans.citations
                           if 1 <= c.n <= len(ans.passages) and c.quote not in ans.passages[c.n - 1].chunk.text)
        cites_evidence = any(passage_hits(ans.passages[c.n - 1].chunk.text, ans.passages[c.n - 1].chunk.doc_id, g)
                             for c in ans.citations if 1 <= c.n <= len(ans.passages))
        facts = g.get("answer_facts") or []
        recall = (sum(fact_present(f, ans.text) for f in facts) / len(facts)) if facts and not ans.refused else (
            0.0 if facts else None)
        rows.append({"id": g["id"], "answerable": answerable, "refused": ans.refused, "fact_recall": recall,
                     "cites_evidence": cites_evidence, "invalid_citations": invalid, "not_verbatim": not_verbatim,
                     "first_output_s": first if first is not None else total, "total_s": total,
                     "fell_back": any("letterlijke zinnen" in f for f in ans.flags), "answer": ans.text})
    ans_rows = [r for r in rows if r["answerable"]]
    una_rows = [r for r in rows if not r["answerable"]]
    recalls = [r["fact_recall"] for r in ans_rows if r["fact_recall"] is not None]
    answered = [r for r in ans_rows if not r["refused"]]
    return {
        "n": len(rows),
        "answer_fact_recall": statistics.mean(recalls) if recalls else None,
        "answerable_answered": sum(not r["refused"] for r in ans_rows) / len(ans_rows) if ans_rows else None,
        "unanswerable_refused": sum(r["refused"] for r in una_rows) / len(una_rows) if una_rows else None,
        "cites_evidence": sum(r["cites_evidence"] for r in answered) / len(answered) if answered else None,
        "invalid_citations": sum(r["invalid_citations"] for r in rows),
        "quotes_not_verbatim": sum(r["not_verbatim"] for r in rows),
        "llm_fallbacks": sum(r["fell_back"] for r in rows),
        "first_output_p50": _pct([r["first_output_s"] for r in rows], 0.5),
        "first_output_p95": _pct([r["first_output_s"] for r in rows], 0.95),
        "total_p50": _pct([r["total_s"] for r in rows], 0.5),
        "total_p95": _pct([r["total_s"] for r in rows], 0.95),
        "per_question": rows,
    }


def start_server(settings, threads: int):
    import urllib.request

    from rag.llm.bundled import bundled_model_path

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_model_path(settings.home)),
                             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(settings.llm_context),
                             "--n_threads", str(threads), "--model_alias", "bundled"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(240):
        try:
            urllib.request.urlopen(url + "/models", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("llama_cpp.server did not start")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(DEFAULT_GOLD))
    ap.add_argument("--home", default=None, help="an index home (default: ingest the demo corpus into a temp home)")
    ap.add_argument("--backends", default="extractive,bundled,openai-server")
    ap.add_argument("--threads", type=int, default=2, help="LLM threads (the target machine has 2 cores)")
    ap.add_argument("--json", dest="json_out", default=None, help="write all figures and answers to this file")
    args = ap.parse_args(argv)

    from bench.calibrate_refusal import demo_settings
    from rag.answering import Answerer

    gold = [json.loads(x) for x in Path(args.gold).read_text(encoding="utf-8").splitlines() if x.strip()]
    settings = demo_settings(args.home).replace(llm_threads=args.threads)
    from rag.retriever import get_retriever

    retriever = get_retriever(settings)
    retriever.search("warm-up", k=1)
    results = {}
    for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
        proc = None
        try:
            if name == "openai-server":
                proc, url = start_server(settings, args.threads)
                a = Answerer(settings.replace(llm_endpoint=url), retriever=retriever, backend="openai:bundled")
            else:
                a = Answerer(settings, retriever=retriever, backend=name)
                if a.llm is not None and hasattr(a.llm, "warm_up"):
                    a.llm.warm_up()  # model load is a one-off, not part of answer latency
            print(f"running {name} on {len(gold)} questions ...", file=sys.stderr)
            results[name] = run_backend(a, gold)
        except Exception as exc:  # a backend that is not available is reported, not fatal
            print(f"{name}: unavailable ({exc})", file=sys.stderr)
        finally:
            if proc is not None:
                stop_process(proc, timeout=20)

    cols = ["answer_fact_recall", "answerable_answered", "unanswerable_refused", "cites_evidence",
            "invalid_citations", "quotes_not_verbatim", "llm_fallbacks", "first_output_p50", "first_output_p95",
            "total_p50", "total_p95"]
    print(f"{'backend':<15}" + "".join(f"{c[:16]:>17}" for c in cols))
    for name, r in results.items():
        print(f"{name:<15}" + "".join(f"{r[c]:>17.3f}" if isinstance(r[c], float) else f"{str(r[c]):>17}" for c in cols))
    base = results.get("extractive")
    if base:
        for name, r in results.items():
            if name != "extractive" and r["answer_fact_recall"] is not None and base["answer_fact_recall"]:
                print(f"{name}: fact recall x{r['answer_fact_recall'] / base['answer_fact_recall']:.2f}, "
                      f"full answer p50 x{r['total_p50'] / max(base['total_p50'], 1e-6):.1f} vs extractive")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
