"""Ingest throughput: the local engine vs the Ray engine, and a 10M-chunk projection.

    .venv/bin/python -m bench.scale_out                 # ~1500 chunks: several minutes on 2 cores
    .venv/bin/python -m bench.scale_out --chunks 300    # quick run
    .venv/bin/python -m bench.scale_out --cpus 2 --workers 8,32,128,512

Corpus: the demo seeds replicated with varied text. Replica k of a seed gets its
own doc_id (so its chunk_ids are new: no vector-cache hits) and a seeded set of
word substitutions and year shifts (so its texts, and vectors, differ while the
structure the cleaner and chunker rely on - footers, headings, answer numbers -
stays as in the seeds). Files are added round-robin until the target chunk count
is reached.

Both engines ingest the same corpus into fresh homes in this one process (Ray
runs a local cluster with --cpus CPUs). Reported: wall time and chunks/s of each,
the Ray run's phases, the per-worker embedding rate measured inside the Ray
actors, Ray's overhead per chunk (wall time not spent in the model), and the
projected wall time for 10M chunks on N single-CPU workers:
    T(N) = 10M / (N * per-worker rate) * (1 + overhead share) + merge/index on the driver
The merge and index sync run on one machine; their per-chunk cost is measured here
and scaled linearly, a lower bound (IVF-PQ training and BM25 build are not linear).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("bench.scale_out")

TARGET_CHUNKS = 10_000_000
# (pattern, replacements): common words of the seeds and neutral alternatives
SUBSTITUTIONS = [
    (r"\bkabinet\b", ["regering", "kabinet-Rutte", "Nederlandse kabinet"]),
    (r"\bleden\b", ["Kamerleden", "fractieleden"]),
    (r"\bbelangrijk\b", ["van belang", "essentieel", "wezenlijk"]),
    (r"\bNederland\b", ["het Koninkrijk", "ons land"]),
    (r"\bstaat\b", ["bevindt zich", "is"]),
    (r"\bvragen\b", ["vraagpunten", "verzoeken"]),
    (r"\binzet\b", ["opstelling", "bijdrage"]),
    (r"\bsteunt\b", ["onderschrijft", "ondersteunt"]),
    (r"\bmilieu\b", ["natuurlijke omgeving", "leefomgeving"]),
    (r"\bconflict\b", ["gewapend treffen", "strijd"]),
]


def vary(text: str, replica: int, seed: str) -> str:
    rng = random.Random(f"{seed}:{replica}")
    for pattern, options in SUBSTITUTIONS:
        if rng.random() < 0.7:
            choice = rng.choice(options)
            text = re.sub(pattern, lambda m, c=choice: c if rng.random() < 0.8 else m.group(0), text)
    shift = rng.randint(-3, 3)
    return re.sub(r"\b(20[12]\d)\b", lambda m: str(int(m.group(1)) + shift), text)


def make_corpus(out: Path, target_chunks: int, settings) -> tuple[int, int]:
    """Write replicas of the demo seeds into `out` until ~target chunks; (files, expected chunks)."""
    from rag.distributed import local_api

    seeds = sorted((ROOT / "corpus" / "demo").glob("*.txt"))
    per_seed = {}
    for s in seeds:  # chunk each seed once (cheap, no embedding) to know its chunk count
        _, _, data = local_api.read_and_fingerprint(s, settings)
        per_seed[s] = len(local_api.process(local_api.load(s, settings, data), settings)[1])
    out.mkdir(parents=True, exist_ok=True)
    total = files = 0
    replica = 0
    while total < target_chunks:
        for s in seeds:
            if total >= target_chunks:
                break
            text = s.read_text(encoding="utf-8")
            (out / f"{s.stem}_r{replica:04d}.txt").write_text(vary(text, replica, s.stem), encoding="utf-8")
            total += per_seed[s]
            files += 1
        replica += 1
    return files, total


def run(chunks: int, cpus: int, workers: list[int]) -> dict:
    from corpus.settings import load_settings
    from corpus.store import ChunkStore
    from rag.distributed.ray_engine import ingest_paths_ray
    from rag.ingest import ingest_paths

    tmp = Path(tempfile.mkdtemp(prefix="griffier-scale-"))
    try:
        s_local = load_settings({"home": tmp / "local"}, env={})
        s_ray = load_settings({"home": tmp / "ray"}, env={})
        t = time.perf_counter()
        n_files, expected = make_corpus(tmp / "corpus", chunks, s_local)
        print(f"corpus: {n_files} files, ~{expected} chunks (made in {time.perf_counter() - t:.1f} s)", flush=True)

        t = time.perf_counter()
        local = ingest_paths([tmp / "corpus"], s_local, progress=False)
        t_local = time.perf_counter() - t
        n_local = ChunkStore(s_local.home).count()
        print(f"local: {n_local} chunks in {t_local:.1f} s", flush=True)

        import ray

        t = time.perf_counter()
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        t_start = time.perf_counter() - t
        try:
            t = time.perf_counter()
            rep = ingest_paths_ray([tmp / "corpus"], s_ray, progress=False)
            t_ray = time.perf_counter() - t
        finally:
            ray.shutdown()
        n_ray = ChunkStore(s_ray.home).count()
        print(f"ray:   {n_ray} chunks in {t_ray:.1f} s (+{t_start:.1f} s cluster start)", flush=True)
        assert local.ok and rep.ok, (local.to_dict()["counts"], rep.to_dict()["counts"])
        assert n_local == n_ray
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    r = rep.ray
    tm = r["timings"]
    embed_s = sum(r["embed_s_by_worker"].values())
    n_emb = sum(r["embedded_by_worker"].values())
    per_worker = n_emb / embed_s if embed_s else float("nan")
    n_actors = r["cluster"]["embedders"]
    embed_wall = embed_s / n_actors  # the pipeline's wall time if the model were all there was
    pipe_overhead = max(tm["pipeline_s"] - embed_wall, 0.0)
    driver_s = tm["plan_s"] + tm["merge_s"] + tm["index_s"]
    res = {
        "chunks": n_ray, "files": n_files, "cpus": cpus, "actors": n_actors,
        "local_s": t_local, "ray_s": t_ray, "ray_start_s": t_start,
        "local_rate": n_local / t_local, "ray_rate": n_ray / t_ray,
        "local_index_s": local.index.get("seconds", 0.0), "ray_timings": tm,
        "per_worker_rate": per_worker, "embed_s_total": embed_s,
        "ray_overhead_ms_per_chunk": 1000 * pipe_overhead / n_ray,
        "ray_vs_local_ms_per_chunk": 1000 * (t_ray - t_local) / n_ray,
        "driver_ms_per_chunk": 1000 * driver_s / n_ray,
        "overhead_share": pipe_overhead / embed_wall if embed_wall else 0.0,
    }
    res["projection"] = [
        {"workers": w,
         "cluster_h": TARGET_CHUNKS / (w * per_worker) * (1 + res["overhead_share"]) / 3600,
         "driver_h": TARGET_CHUNKS * res["driver_ms_per_chunk"] / 1000 / 3600}
        for w in workers
    ]
    return res


def print_report(res: dict) -> None:
    tm = res["ray_timings"]
    print(f"\n## Ingest throughput, {res['chunks']} chunks ({res['files']} files), {res['cpus']} CPUs")
    print(f"{'engine':<22} {'wall s':>8} {'chunks/s':>9} {'vs local':>9}")
    print(f"{'local (1 process)':<22} {res['local_s']:>8.1f} {res['local_rate']:>9.2f} {1.0:>9.2f}")
    print(f"{'ray (' + str(res['actors']) + ' actors)':<22} {res['ray_s']:>8.1f} {res['ray_rate']:>9.2f} "
          f"{res['ray_rate'] / res['local_rate']:>9.2f}")
    print(f"\nray phases (s): cluster start {res['ray_start_s']:.1f} (not in wall) | plan {tm['plan_s']:.1f} | "
          f"connect {tm.get('connect_s', 0):.1f} | load+chunk+embed {tm['pipeline_s']:.1f} | merge {tm['merge_s']:.1f} "
          f"| index sync {tm['index_s']:.1f}")
    print(f"per-worker embedding rate (1 CPU, inside the actors): {res['per_worker_rate']:.2f} chunks/s")
    print(f"ray overhead: {res['ray_overhead_ms_per_chunk']:.1f} ms/chunk of pipeline wall time outside the model "
          f"({100 * res['overhead_share']:.0f}% of model time); vs local wall: "
          f"{res['ray_vs_local_ms_per_chunk']:+.1f} ms/chunk")
    print(f"driver (plan + merge + index sync): {res['driver_ms_per_chunk']:.2f} ms/chunk")
    print(f"\n## Projection: {TARGET_CHUNKS:,} chunks on N single-CPU workers at the measured per-worker rate")
    print(f"{'workers':>8} {'embed h':>9} {'driver h':>9} {'total h':>9}")
    for p in res["projection"]:
        print(f"{p['workers']:>8} {p['cluster_h']:>9.1f} {p['driver_h']:>9.1f} {p['cluster_h'] + p['driver_h']:>9.1f}")
    one = TARGET_CHUNKS / res["local_rate"] / 86400
    print(f"(this machine, local engine: {one:.0f} days)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chunks", type=int, default=1500, help="target corpus size in chunks (default 1500)")
    ap.add_argument("--cpus", type=int, default=2, help="CPUs of the local Ray cluster (default 2)")
    ap.add_argument("--workers", default="8,32,128,512,2048", help="worker counts for the projection")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    res = run(args.chunks, args.cpus, [int(w) for w in args.workers.split(",")])
    print_report(res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
