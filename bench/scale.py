"""Scale section of bench/retrieval.py: approximate vs exact FAISS on synthetic vectors.

Data: a Gaussian mixture shaped like real sentence embeddings, which are
clustered and have a low intrinsic dimension. Each of `n_clusters` clusters has
a random unit centroid and its own random `latent`-dimensional subspace; a vector
is centroid + 0.6 * (subspace sample) + 0.2 * (isotropic noise), L2-normalised
(cosine to its centroid ~0.85, like e5 neighbours). Queries are fresh draws from
the same mixture. Uniform random vectors would make every approximate index look
broken (no neighbourhood structure), so they are not used.
"""

from __future__ import annotations

import gc
import os
import time

import numpy as np


def clustered_vectors(n: int, dim: int = 384, n_clusters: int = 1000, latent: int = 32, seed: int = 0,
                      model_seed: int = 1234) -> np.ndarray:
    model_rng = np.random.default_rng(model_seed)  # the mixture itself: same for data and queries
    centroids = model_rng.standard_normal((n_clusters, dim)).astype(np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    bases = (model_rng.standard_normal((n_clusters, latent, dim)) / np.sqrt(dim)).astype(np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    step = 50_000
    for start in range(0, n, step):
        m = min(step, n - start)
        c = rng.integers(0, n_clusters, m)
        z = rng.standard_normal((m, latent)).astype(np.float32) / np.sqrt(latent)
        spread = np.einsum("ml,mld->md", z, bases[c])  # norm ~1, inside the cluster's subspace
        noise = rng.standard_normal((m, dim)).astype(np.float32) / np.sqrt(dim)  # norm ~1
        x = centroids[c] + 0.6 * spread + 0.2 * noise
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_scale(n: int, index_types: tuple[str, ...] = ("hnsw",), n_queries: int = 500, k: int = 10,
              dim: int = 384) -> list[dict]:
    from rag.vector_index import VectorIndex

    t0 = time.perf_counter()
    data = clustered_vectors(n, dim, seed=1)
    queries = clustered_vectors(n_queries, dim, seed=2)
    gen_s = time.perf_counter() - t0
    ids = np.arange(n, dtype=np.int64)
    rows = []

    def measure(kind: str) -> tuple[dict, np.ndarray]:
        gc.collect()
        rss0 = _rss_mb()
        t = time.perf_counter()
        vi = VectorIndex(dim, kind)
        vi.add(ids, data)
        build = time.perf_counter() - t
        mem_mb = vi.memory_bytes() / 2**20
        rss = _rss_mb() - rss0
        vi.search(queries[:5], k)  # warm
        out = []
        sweep = (64, 96, 128, 192) if kind == "hnsw" else (None,)
        for ef in sweep:
            if ef is not None:
                import faiss

                faiss.downcast_index(vi._index.index).hnsw.efSearch = ef
            lat = []
            found = np.empty((n_queries, k), dtype=np.int64)
            for i in range(n_queries):
                t = time.perf_counter()
                _, I = vi.search(queries[i : i + 1], k)
                lat.append((time.perf_counter() - t) * 1000)
                found[i] = I[0]
            out.append(({"n": n, "index": kind + (f"/ef{ef}" if ef else ""), "build_s": build, "index_mb": mem_mb,
                         "rss_delta_mb": rss, "p50_ms": float(np.percentile(lat, 50)),
                         "p95_ms": float(np.percentile(lat, 95))}, found))
        del vi
        return out

    [(exact_row, exact)] = measure("flat")
    exact_row["recall@10"] = 1.0
    rows.append(exact_row)
    for kind in index_types:
        for row, found in measure(kind):
            row["recall@10"] = float(np.mean([len(set(found[i]) & set(exact[i])) / k for i in range(n_queries)]))
            rows.append(row)
    for r in rows:
        r["data_gen_s"] = gen_s
    return rows


def format_rows(rows: list[dict]) -> str:
    lines = [f"{'n':>9} {'index':10} {'build s':>8} {'index MB':>9} {'RSS+ MB':>8} {'p50 ms':>7} {'p95 ms':>7} "
             f"{'recall@10':>9}"]
    for r in rows:
        lines.append(f"{r['n']:>9} {r['index']:10} {r['build_s']:>8.1f} {r['index_mb']:>9.0f} {r['rss_delta_mb']:>8.0f} "
                     f"{r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} {r['recall@10']:>9.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 100_000
    kinds = tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else ("hnsw", "ivfsq")
    print(format_rows(run_scale(n, kinds)), flush=True)
