"""Load on the HTTP API: 20 clients asking at once for 60 s, next to one client alone.

Starts a real `griffier serve` on 127.0.0.1 (default `extractive` backend) over a
copy of an ingested home (or the demo corpus ingested into a temporary one), adds
one reader account for every collection, and lets each client log in once and
then POST /api/ask with the public dev questions in turn, as fast as answers come.
Then one client asks again while another keeps sending 100 KB questions and searches, which
must be refused at once without slowing it (the ratio of the two p50s is printed).
Bounded: each phase stops after its duration. Prints, per phase, the number of
answers and errors (non-200 or a failed connection), p50/p95/max latency and the
throughput, as one JSON object on stdout; progress goes to stderr.

    .venv/bin/python -m bench.api_load [--home DIR] [--clients 20] [--seconds 60] [--alone-seconds 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-wachtwoord"


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def run_phase(base: str, questions: list[str], clients: int, seconds: float) -> dict:
    """`clients` threads, each logged in once, asking in a loop until `seconds` have passed."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = [0.0]
    t_start = [0.0]

    def go() -> None:  # runs once, when every client has logged in, before any is released
        t_start[0] = time.perf_counter()
        stop_at[0] = t_start[0] + seconds

    start = threading.Barrier(clients + 1, action=go)

    def client(i: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as c:
            try:
                r = c.post("/api/login", json={"username": "bench", "password": PASSWORD})
                r.raise_for_status()
                headers = {"Authorization": f"Bearer {r.json()['token']}"}
            except Exception as exc:  # noqa: BLE001 - counted, never raised
                with lock:
                    errors.append(f"login: {exc}")
                start.wait()
                return
            start.wait()
            n = i
            while time.perf_counter() < stop_at[0]:
                q = questions[n % len(questions)]
                n += clients
                t0 = time.perf_counter()
                try:
                    r = c.post("/api/ask", json={"question": q}, headers=headers)
                    ok = r.status_code == 200 and "answer" in r.json()
                    err = None if ok else f"HTTP {r.status_code}: {r.text[:200]}"
                except Exception as exc:  # noqa: BLE001
                    err = f"{type(exc).__name__}: {exc}"
                dt = time.perf_counter() - t0
                with lock:
                    if err:
                        errors.append(err)
                    else:
                        latencies.append(dt)

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t_start[0]
    return {
        "clients": clients,
        "seconds": round(wall, 2),
        "answers": len(latencies),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "p50_s": round(_percentile(latencies, 0.50) or 0, 3),
        "p95_s": round(_percentile(latencies, 0.95) or 0, 3),
        "max_s": round(max(latencies), 3) if latencies else None,
        "mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "answers_per_s": round(len(latencies) / wall, 2) if wall else None,
    }


def with_long_questions(base: str, questions: list[str], seconds: float) -> dict:
    """One client asking normally while another keeps sending 100 KB questions and searches: the long
    ones must be refused at once and must not slow the first one down (issue 12: a 100 KB question
    used to take ~70 s and block every other user)."""
    import httpx

    long_q = ("Wat zegt het kabinet over de bescherming van burgers in gewapend conflict? " * 1400)[:100_000]
    refused: list[float] = []
    statuses: set[int] = set()
    stop = threading.Event()

    def hostile() -> None:
        with httpx.Client(base_url=base, timeout=120) as c:
            r = c.post("/api/login", json={"username": "bench", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {r.json()['token']}"}
            while not stop.is_set():
                t0 = time.perf_counter()
                r = c.post("/api/ask", json={"question": long_q}, headers=headers)
                statuses.add(r.status_code)
                r2 = c.get("/api/search", params={"q": long_q[:60_000]}, headers=headers)
                statuses.add(r2.status_code)
                refused.append(time.perf_counter() - t0)

    t = threading.Thread(target=hostile, daemon=True)
    t.start()
    try:
        normal = run_phase(base, questions, 1, seconds)
    finally:
        stop.set()
        t.join(timeout=130)
    return {"normal_client": normal, "long_requests": len(refused), "long_request_statuses": sorted(statuses),
            "long_request_p50_s": round(_percentile(refused, 0.5) or 0, 3),
            "long_request_max_s": round(max(refused), 3) if refused else None}


def main() -> int:
    from corpus.settings import load_settings
    from ui.office import Office
    from ui.processes import free_port, stop_process, wait_until_healthy

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", type=Path, help="an ingested Griffier home to copy (default: ingest the demo corpus)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--alone-seconds", type=float, default=30)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="griffier-apibench-"))
    home = work / "home"
    if args.home:
        # A copy: the bench adds an account and audit rows, which do not belong in a real office.
        shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("office.sqlite*"))
    else:
        from rag.ingest import ingest_paths

        t0 = time.perf_counter()
        ingest_paths([ROOT / "corpus" / "demo"], load_settings({"home": home}, env={}), progress=True)
        print(f"demo ingest: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    settings = load_settings({"home": home}, env={})
    Office(settings).add_user("bench", PASSWORD, "reader", "*")
    gold = [json.loads(line) for line in (ROOT / "eval" / "gold" / "dev.jsonl").read_text().splitlines() if line.strip()]
    questions = [q["question"] for q in gold]

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "GRIFFIER_HOME": str(home), "GRIFFIER_LLM_BACKEND": "extractive",
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log = open(work / "server.log", "w")  # noqa: SIM115 - open for the server's lifetime
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "-q", "serve", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_until_healthy(base + "/health", proc, 180):
            print((work / "server.log").read_text(), file=sys.stderr)
            return 1
        warm = run_phase(base, questions, 1, 3)  # loads the models, as a fresh server's first user would
        print(f"warm-up: {warm['answers']} answers", file=sys.stderr)
        alone = run_phase(base, questions, 1, args.alone_seconds)
        print(f"1 client: {alone}", file=sys.stderr)
        loaded = run_phase(base, questions, args.clients, args.seconds)
        print(f"{args.clients} clients: {loaded}", file=sys.stderr)
        hostile = with_long_questions(base, questions, args.alone_seconds)
        print(f"1 client next to 100 KB questions: {hostile}", file=sys.stderr)
    finally:
        stop_process(proc)
        log.close()
    server_errors = sum(1 for line in (work / "server.log").read_text().splitlines() if "ERROR" in line)
    ratio = hostile["normal_client"]["p50_s"] / alone["p50_s"] if alone["p50_s"] else None
    print(json.dumps({"backend": "extractive", "questions": len(questions), "alone": alone, "concurrent": loaded,
                      "next_to_long_questions": hostile, "p50_ratio_next_to_long_questions": ratio and round(ratio, 2),
                      "server_log_errors": server_errors, "cpus": os.cpu_count()}, indent=2))
    shutil.rmtree(work, ignore_errors=True)
    return 0 if loaded["errors"] == 0 and alone["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
