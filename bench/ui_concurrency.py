"""Five browser sessions asking at once: do all get answers, how long do they wait?

Starts the real `griffier ui` server on a free port (demo corpus, default
settings) and drives it with headless Chromium. Baseline in the same run: one
session asking alone. Prints per-session latencies, the ratio concurrent/alone,
and the server log's error count.

    .venv/bin/python bench/ui_concurrency.py [--home DIR] [--sessions 5]

Without --home the demo corpus is ingested into a temporary home first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from corpus.settings import load_settings
    from ui import browser

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, help="an ingested Griffier home (default: ingest the demo corpus)")
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument("--backend", default=None, help="llm_backend for the server (default: the settings')")
    args = ap.parse_args()

    missing = browser.browser_available()
    if missing:
        print(f"cannot run: {missing}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="griffier-uibench-"))
    home = args.home
    if home is None:
        from rag.ingest import ingest_paths

        home = work / "home"
        t0 = time.perf_counter()
        ingest_paths([ROOT / "corpus" / "demo"], load_settings({"home": home}, env={}), progress=True)
        print(f"demo ingest: {time.perf_counter() - t0:.1f} s")
    gold = [json.loads(line) for line in (ROOT / "eval" / "gold" / "dev.jsonl").read_text().splitlines() if line.strip()]
    questions = [q["question"] for q in gold if q["doc"]][: args.sessions]
    env = {"GRIFFIER_LLM_BACKEND": args.backend} if args.backend else None

    with browser.serve(home, log_path=work / "server.log", env=env) as srv:
        # warm-up: loads the models once, as the first user of a fresh server would
        t0 = time.perf_counter()
        warm = browser.ask_in_new_session(srv.url, questions[-1], work / "p-warm")
        print(f"first answer on a fresh server (model loading): {time.perf_counter() - t0:.1f} s ok={warm.ok}")
        alone = browser.ask_in_new_session(srv.url, questions[0], work / "p-alone")
        t0 = time.perf_counter()
        results = browser.concurrent_sessions(srv.url, questions, work)
        wall = time.perf_counter() - t0
        errors = srv.log_errors()

    print(f"\nbackend: {load_settings({'home': home}).llm_backend if not args.backend else args.backend}")
    print(f"alone: {alone.seconds:.2f} s (ok={alone.ok}, {alone.citations} citation markers)")
    print(f"\n{'session':<8} {'ok':<5} {'cites':>5} {'seconds':>8}  question")
    for i, r in enumerate(results):
        print(f"{i:<8} {r.ok!s:<5} {r.citations:>5} {r.seconds:>8.2f}  {r.question[:60]}{'  ERROR ' + r.error if r.error else ''}")
    secs = [r.seconds for r in results]
    print(f"\n{len(results)} at once: {sum(r.ok for r in results)}/{len(results)} answered, "
          f"p50 {statistics.median(secs):.2f} s, max {max(secs):.2f} s, wall incl. browser start {wall:.1f} s")
    print(f"ratio p50 concurrent / alone: {statistics.median(secs) / max(alone.seconds, 1e-9):.2f}x; "
          f"max / alone: {max(secs) / max(alone.seconds, 1e-9):.2f}x")
    print(f"server log errors: {len(errors)}")
    for e in errors[:3]:
        print(e)
    return 0 if all(r.ok for r in results) and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
