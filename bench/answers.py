"""Answer benchmark: does the answer answer the question, per gold split, per question kind, per backend.

    .venv/bin/python -m bench.answers [--home DIR] [--splits staff_dev,dev,heldout] [--backends extractive]
                                      [--threads 2] [--conversations] [--json OUT]

Splits are files eval/gold/<name>.jsonl. `staff_test` is the LOCKED test split of the blind staff
questions: pass it explicitly (`--splits staff_test`), once per change, and read only its totals.

Per split and backend:
- answered: answerable questions not refused whose answer text holds >= 80% of the words of every gold
  sentence (rag/evidence.py span coverage);
- near misses refused, answerable questions wrongly refused;
- median answer length in words (markers and context excluded), source labels that are bare file ids;
- the same per question kind (staff splits carry `kind`; the older splits their `type`);
- time to the first visible output and to the full answer (p50).
With --conversations, the follow-up conversations of eval/data/conversations_dev.jsonl and
conversations_train.jsonl are answered turn by turn with history, and the share of turns answered is reported. Backends: extractive (the default),
bundled (in-process 0.5B model), openai-server (llama_cpp.server with the bundled model on a free port).
A backend name ending in ":no-similarity" ("extractive:no-similarity") ranks with the selector alone,
without the learned similarity (rag/answer/similarity.py); run beside the plain backend in the same
process, the ratio of their p50 times and the difference in answered are printed.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ui.processes import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "eval" / "gold"
BARE_ID = re.compile(r"\b\d{3}_[0-9a-f]{16}\b")


def demo_settings(home: str | None):
    """Settings for `home`, or for a fresh temporary home with the demo corpus ingested."""
    from corpus.settings import load_settings

    if home:
        return load_settings({"home": home}, env={})
    from rag.ingest import ingest_paths

    tmp = Path(tempfile.mkdtemp(prefix="griffier-bench-"))
    settings = load_settings({"home": tmp}, env={})
    print(f"ingesting the demo corpus into {tmp} ...", file=sys.stderr)
    ingest_paths([ROOT / "corpus" / "demo"], settings, progress=True)
    return settings


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def answer_words(answer) -> int:
    """Words of the answer proper: markers, attribution labels and refusal context excluded."""
    text = answer.text
    if answer.refused:
        return 0
    return len(re.findall(r"\w+", re.sub(r"\[\d+(?:,\s*\d+)*\]", "", text)))


def is_answered(gold: dict, answer) -> bool:
    from eval.metrics import answered

    return bool(answered(gold, answer.text, answer.refused))


def score(gold: dict, answer, first: float, total: float) -> dict:
    from rag.evidence import gold_docs

    answerable = bool(gold_docs(gold))
    return {
        "id": gold.get("id"), "kind": gold.get("kind") or gold.get("type"), "answerable": answerable,
        "refused": answer.refused, "answered": is_answered(gold, answer) if answerable else None,
        "words": answer_words(answer),
        "bare_labels": sum(1 for c in answer.citations if BARE_ID.search(c.citation or "") or not c.citation),
        "first_output_s": first, "total_s": total, "answer": answer.text,
    }


def run_questions(answerer, gold: list[dict]) -> list[dict]:
    from corpus.models import Answer

    rows = []
    for g in gold:
        t0 = time.perf_counter()
        first, ans = None, None
        for piece in answerer.stream(g["question"]):
            if isinstance(piece, Answer):
                ans = piece
            elif first is None and piece.strip():
                first = time.perf_counter() - t0
        total = time.perf_counter() - t0
        rows.append(score(g, ans, first if first is not None else total, total))
    return rows


# Follow-up conversations: dev (12, the first set) and train (40, written blind from the documents alone
# by two readers who never saw Griffier's answers; for tuning the follow-up rules).
CONVERSATION_SETS = ("conversations_dev", "conversations_train")


def run_conversations(answerer, conversations: list[dict]) -> dict:
    """Turn-by-turn answers with history: the share of turns answered, first turns and follow-ups apart."""
    from eval.conversations import answered_turns

    first, later = answered_turns(answerer, conversations)
    return {"first_turns": len(first), "first_answered": _share(first), "follow_ups": len(later),
            "follow_ups_answered": _share(later)}


def _share(flags: list) -> float | None:
    return round(sum(1 for f in flags if f) / len(flags), 4) if flags else None


def summarise(rows: list[dict]) -> dict:
    ans = [r for r in rows if r["answerable"]]
    near = [r for r in rows if not r["answerable"]]
    words = [r["words"] for r in rows if not r["refused"]]
    return {
        "n": len(rows), "answerable": len(ans), "near_misses": len(near),
        "answered": _share([r["answered"] for r in ans]),
        "near_misses_refused": _share([r["refused"] for r in near]),
        "wrongly_refused": _share([r["refused"] for r in ans]),
        "median_words": statistics.median(words) if words else None,
        "bare_labels": sum(r["bare_labels"] for r in rows),
        "first_output_p50": round(_pct([r["first_output_s"] for r in rows], 0.5), 3),
        "total_p50": round(_pct([r["total_s"] for r in rows], 0.5), 3),
    }


def per_kind(rows: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for kind in sorted({str(r["kind"]) for r in rows}):
        part = [r for r in rows if str(r["kind"]) == kind]
        if part[0]["answerable"]:
            out[kind] = {"n": len(part), "answered": _share([r["answered"] for r in part]),
                         "refused": _share([r["refused"] for r in part])}
        else:
            out[kind] = {"n": len(part), "refused": _share([r["refused"] for r in part])}
    return out


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
    ap.add_argument("--home", default=None, help="an index home (default: ingest the demo corpus into a temp home)")
    ap.add_argument("--splits", default="staff_dev,dev,heldout",
                    help="gold files under eval/gold, comma-separated (staff_test is the locked test split)")
    ap.add_argument("--backends", default="extractive")
    ap.add_argument("--threads", type=int, default=2, help="LLM threads (the target machine has 2 cores)")
    ap.add_argument("--conversations", action="store_true", help="also answer the follow-up conversations (dev and train)")
    ap.add_argument("--json", dest="json_out", default=None, help="write all figures and answers to this file")
    args = ap.parse_args(argv)

    from eval.harness import load_gold
    from rag.answer import Answerer
    from rag.retriever import get_retriever

    settings = demo_settings(args.home).replace(llm_threads=args.threads)
    retriever = get_retriever(settings)
    retriever.search("opwarmen", k=1)
    splits = [s.strip() for s in args.splits.split(",") if s.strip()]
    results: dict[str, dict] = {}
    for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
        proc, selector, similarity = None, None, None
        try:
            backend = name.partition(":no-similarity")[0]
            if name != backend:
                from rag.answer.selector import get_selector

                selector = get_selector()
                similarity, selector.similarity = selector.similarity, None
            if backend == "openai-server":
                proc, url = start_server(settings, args.threads)
                a = Answerer(settings.replace(llm_endpoint=url), retriever=retriever, backend="openai:bundled")
            else:
                a = Answerer(settings, retriever=retriever, backend=backend)
                if a.llm is not None and hasattr(a.llm, "warm_up"):
                    a.llm.warm_up()  # model load is a one-off, not part of answer latency
            a.answer("opwarmen")  # selector, scorer and models load once, outside the timings
            for split in splits:
                gold = load_gold(GOLD_DIR / f"{split}.jsonl")
                print(f"{name}: {split} ({len(gold)} questions) ...", file=sys.stderr)
                rows = run_questions(a, gold)
                res = {"summary": summarise(rows), "rows": rows}
                if split != "staff_test":  # the locked split is read as totals only
                    res["per_kind"] = per_kind(rows)
                results.setdefault(name, {})[split] = res
            if args.conversations:
                from eval.conversations import load_conversations

                for conv_set in CONVERSATION_SETS:
                    conv = load_conversations(ROOT / "eval" / "data" / f"{conv_set}.jsonl")
                    results.setdefault(name, {})[conv_set] = {"summary": run_conversations(a, conv)}
        except Exception as exc:  # a backend that is not available is reported, not fatal
            print(f"{name}: unavailable ({exc})", file=sys.stderr)
        finally:
            if proc is not None:
                stop_process(proc, timeout=20)
            if selector is not None:
                selector.similarity = similarity

    cols = ["n", "answered", "near_misses_refused", "wrongly_refused", "median_words", "bare_labels",
            "first_output_p50", "total_p50"]
    width = max([len(n) + 2 for n in results] + [14])
    print(f"{'backend':<{width}}{'split':<14}" + "".join(f"{c[:15]:>16}" for c in cols))
    for name, by_split in results.items():
        for split, res in by_split.items():
            s = res["summary"]
            if split.startswith("conversations"):
                print(f"{name:<{width}}{split:<14} follow-ups answered {s['follow_ups_answered']} of {s['follow_ups']}, "
                      f"first turns {s['first_answered']} of {s['first_turns']}")
                continue
            print(f"{name:<{width}}{split:<14}" + "".join(
                f"{s[c]:>16.3f}" if isinstance(s[c], float) else f"{str(s[c]):>16}" for c in cols))
    for name, by_split in results.items():
        plain = results.get(name.partition(":no-similarity")[0]) if name.endswith(":no-similarity") else None
        for split, res in by_split.items() if plain else ():
            if split in plain and not split.startswith("conversations"):
                without, with_ = res["summary"], plain[split]["summary"]
                ratio = with_["total_p50"] / without["total_p50"] if without["total_p50"] else float("nan")
                print(f"{split}: with the learned similarity answered {with_['answered']} vs {without['answered']} "
                      f"without, near misses refused {with_['near_misses_refused']} vs "
                      f"{without['near_misses_refused']}; p50 time ratio {ratio:.2f}")
    for name, by_split in results.items():
        for split, res in by_split.items():
            if "per_kind" in res:
                print(f"\n{name} / {split} per kind:")
                for kind, v in res["per_kind"].items():
                    print(f"  {kind:<20} " + ", ".join(f"{k} {val}" for k, val in v.items()))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
