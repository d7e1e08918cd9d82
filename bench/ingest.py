"""Ingest benchmark: first vs second (unchanged) run over a corpus, and the loader on a big text file.

    .venv/bin/python -m bench.ingest [PATH ...] [--home DIR] [--big-mb 50]

Prints per phase wall times and the ratio second/first run. The second run must do
no work: every file "unchanged", nothing embedded. A fresh temporary home is used
unless --home is given (then the first run may already find the files unchanged).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(paths: list[Path], home: Path) -> dict:
    from corpus.settings import load_settings
    from rag.ingest import ingest_paths

    settings = load_settings({"home": home})
    t0 = time.perf_counter()
    report = ingest_paths(paths, settings, progress=False)
    wall = time.perf_counter() - t0
    return {"wall": wall, "index_s": report.index.get("seconds", 0.0), "counts": report.counts(),
            "embedded": report.index.get("embedded")}


def big_file(mb: float) -> None:
    from corpus.loaders import load_file
    from corpus.pipeline import process
    from corpus.settings import load_settings

    demo = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "demo").glob("*.txt")))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.txt"
        with open(path, "w", encoding="utf-8") as fh:
            n = 0
            while n < mb * 2**20:
                fh.write(demo)
                n += len(demo.encode("utf-8"))
        settings = load_settings({"home": Path(tmp) / "home", "max_text_mb": mb * 2})
        t0 = time.perf_counter()
        raw = load_file(path, settings)
        t_load = time.perf_counter() - t0
        print(f"big file {mb:g} MB: load {t_load:.2f} s, max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
        sample = raw.__class__(raw.doc_id, raw.path, raw.text[: 2**20], raw.source_format)
        t0 = time.perf_counter()
        _, chunks = process(sample, settings)
        t_1mb = time.perf_counter() - t0
        print(f"  pipeline on the first 1 MB: {t_1mb:.2f} s, {len(chunks)} chunks "
              f"-> whole file ~{t_1mb * mb:.0f} s and ~{len(chunks) * mb:.0f} chunks to embed")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path, default=[ROOT / "corpus" / "demo"])
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--big-mb", type=float, default=0.0, help="also time the loader on a text file this big")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp) / "home"
        first = run(args.paths, home)
        second = run(args.paths, home)
    for name, r in (("first", first), ("second", second)):
        print(f"{name:6s} run: {r['wall']:.2f} s wall (index sync {r['index_s']:.2f} s, embedded {r['embedded']}), {r['counts']}")
    print(f"second / first = {second['wall'] / first['wall']:.4f}")
    if args.big_mb:
        big_file(args.big_mb)


if __name__ == "__main__":
    main()
