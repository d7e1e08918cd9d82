"""`griffier ingest --engine ray`: the ingest stages as a Ray Data pipeline.

    files (unchanged ones skipped on the driver, by the local ingest's fingerprint)
      -> flat_map(process_file)        load -> clean -> chunk, one task per file
      -> map_batches(EmbedAndWrite)    one embedding model per actor; each batch
                                       becomes a shard (Parquet + .npy + JSON)
      -> merge (driver)                store + vector cache, then sync_indexes

The stages call the same functions as the local engine (see local_api.py), and
the merge ends in the same `sync_indexes`, so the result equals a local ingest.
Ray is an optional dependency (`pip install 'griffier[ray]'`), imported only here.
"""

from __future__ import annotations

import logging
import math
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus.settings import Settings
from corpus.store import ChunkStore
from rag.distributed import shards
from rag.ingest import FileResult, IngestReport, holds_home_lock

log = logging.getLogger(__name__)

INSTALL_HINT = "the Ray engine needs Ray: pip install 'griffier[ray]' (or: pip install 'ray[data]>=2.40,<3')"


class RayEngineError(RuntimeError):
    pass


@dataclass
class RayIngestReport(IngestReport):
    """The local ingest's report (same per-file statuses, same JSON) plus what the cluster did."""

    ray: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "engine": "ray", "ray": self.ray}


def _ray():
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RayEngineError(INSTALL_HINT) from exc
    return ray


def connect(address: str | None) -> bool:
    """Connect to the cluster at `address` (or start a local one); True if this call started Ray.

    None/"" means: reuse a Ray already initialised in this process, else RAY_ADDRESS,
    else a new single-machine cluster. "ray://host:10001" uses Ray Client, the
    usual way into a KubeRay cluster from outside.
    """
    ray = _ray()
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
    if address:
        kwargs.pop("include_dashboard")  # only valid when starting a cluster
        ray.init(address=address, **kwargs)
    else:
        ray.init(**kwargs)
    return True


def _embedder_count(ray, cpus_per_embedder: float, requested: int) -> int:
    if requested > 0:
        return requested
    cpus = float(ray.cluster_resources().get("CPU", 1))
    return max(1, int(cpus // max(cpus_per_embedder, 0.01)))


def _estimated_chunks(total_bytes: int) -> int:
    return max(1, total_bytes // 850)  # the seeds: 292 kB of text -> 345 chunks


def _batch_size(total_bytes: int, embedders: int, settings: Settings) -> int:
    """Rows per shard: big enough to amortise per-batch overhead, small enough to keep every actor busy."""
    est_chunks = _estimated_chunks(total_bytes)
    per_actor = math.ceil(est_chunks / (4 * embedders))
    return int(min(max(per_actor, settings.embedding_batch_size), settings.ray_max_batch))


def plan_files(files: list[Path], store: ChunkStore, settings: Settings, report: IngestReport,
               collection: str | None = None) -> list[dict[str, Any]]:
    """Work items for new and changed files, decided on the driver before any Ray work.

    Follows rag/ingest.py: a file whose fingerprint matches the stored one is
    "unchanged" (and never sent to the cluster); bad files and doc_id clashes are
    reported as there. Fingerprinting reads every file once here; hashing runs at
    disk speed, far above the embedding rate, so it is not the bottleneck.
    """
    from corpus import loaders
    from corpus.errors import LoadError
    from rag.distributed import local_api

    todo: list[dict[str, Any]] = []
    stored = {d.doc_id: d for d in store.documents()}
    claimed: dict[str, Path] = {}
    for path in files:
        doc_id, spath = local_api.doc_id_for(path), str(path)
        prev = stored.get(doc_id)
        try:
            loaders.check_file(path, settings)  # first, as in rag/ingest.py: a bad file claims no doc_id
        except LoadError as exc:
            report.results.append(FileResult(spath, doc_id, "skipped", reason=exc.message + _kept(prev, spath)))
            continue
        if doc_id in claimed:
            report.results.append(FileResult(spath, doc_id, "failed", reason=(
                f"doc_id {doc_id!r} also comes from {claimed[doc_id]}; the doc_id is the file name "
                f"without extension, so rename one of the two files")))
            continue
        if prev is not None and prev.path != spath and os.path.lexists(prev.path) and not _same_file(prev.path, path):
            report.results.append(FileResult(spath, doc_id, "failed", reason=(
                f"doc_id {doc_id!r} is already stored from {prev.path}; rename this file, or run "
                f"`griffier remove {doc_id}` first")))
            continue
        claimed[doc_id] = path
        try:
            fp, size, _ = local_api.read_and_fingerprint(path, settings, collection)
        except LoadError as exc:
            report.results.append(FileResult(spath, doc_id, "skipped", reason=exc.message + _kept(prev, spath)))
            continue
        if prev is not None and prev.fingerprint == fp:
            if prev.path != spath:  # moved, same content: no re-processing
                store.update_path(doc_id, spath)
            report.results.append(FileResult(spath, doc_id, "unchanged", unchanged=prev.n_chunks))
            continue
        todo.append({"path": spath, "doc_id": doc_id, "size": size, "existed": prev is not None,
                     "kept": _kept(prev, spath), "collection": collection or ""})
    return todo


def _kept(prev, spath: str) -> str:
    return " (the stored version is kept)" if prev is not None and prev.path == spath else ""


def _same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def cached_for(doc_ids: Iterable[str], store: ChunkStore, settings: Settings) -> dict[str, str]:
    """chunk_id -> text hash of the stored chunks of `doc_ids` whose vectors are cached.

    Passed to the actors so that, in a changed file, the paragraphs that did not
    change are not embedded again.
    """
    from embeddings import get_embeddings
    from rag.distributed.local_api import index_text, text_hash, vector_cache

    wanted: dict[str, str] = {}
    for doc_id in doc_ids:
        for chunk in store.chunks(doc_id):
            wanted[chunk.chunk_id] = text_hash(index_text(chunk))
    if not wanted:
        return {}
    cache = vector_cache(settings)
    try:
        found = cache.get_many(get_embeddings(settings).model_name, wanted.items())
    finally:
        cache.close()
    return {cid: wanted[cid] for cid in found}


def recover_unmerged(base: str, settings: Settings) -> dict[str, str]:
    """Put the vectors of earlier, never-merged runs (the driver died) into the vector cache.

    Embedding is the expensive part of a run, and workers write their shards as they
    go, so a run that died after hours keeps most of its work: this imports every
    complete shard's vectors (the cache is keyed by chunk_id and text hash, so that
    is correct whatever run wrote them) and returns chunk_id -> text hash for the
    actors to skip. The run is then marked, not deleted: another ingest might still
    be writing to it. Delete old `run-*` folders when no ingest is running.
    """
    from embeddings import get_embeddings
    from rag.distributed.local_api import vector_cache

    model = get_embeddings(settings).model_name
    recovered: dict[str, str] = {}
    for name in shards.list_dir(base):
        run_dir = shards.join(base, name)
        if not name.startswith("run-") or shards.RECOVERED in shards.list_dir(run_dir):
            continue
        manifest = shards.read_run_manifest(run_dir)
        if manifest is not None and manifest.get("merged"):
            continue
        cache = vector_cache(settings)
        n = 0
        try:
            for rows, vectors, _ in shards.iter_shards(run_dir, model=model):
                fresh = [(r["chunk_id"], r["text_hash"], vectors[i]) for i, r in enumerate(rows) if r["embedded"]]
                cache.put_many(model, fresh)
                recovered.update((cid, th) for cid, th, _ in fresh)
                n += len(fresh)
        except shards.ShardError as exc:
            log.warning("cannot recover %s: %s", run_dir, exc)
            continue
        finally:
            cache.close()
        shards.mark_recovered(run_dir, n)
        log.warning("recovered %d vectors from the unmerged run %s (delete it when no ingest is running)", n, run_dir)
    return recovered


@holds_home_lock  # one writer per home, as the local ingest (corpus/homelock.py)
def ingest_paths_ray(
    paths: Iterable[Path | str],
    settings: Settings,
    address: str | None = None,
    shard_dir: str | None = None,
    progress: bool = True,
    *,
    prune: bool = False,
    rebuild: bool = False,
    keep_shards: bool = False,
    embedders: int = 0,
    collection: str | None = None,
) -> RayIngestReport:
    """Ingest `paths` into `settings.home` on a Ray cluster; see the module docstring.

    Same arguments and report as `rag.ingest.ingest_paths`, plus: `address` of the
    cluster (default settings.ray_address, else a local Ray), `shard_dir`, which
    every worker and this driver must reach (a shared folder or an object-store
    URI; default settings.ray_shard_dir, else `<home>/shards`, which only works on
    one machine), `keep_shards` (else a run's shards are deleted once merged) and
    `embedders` (embedding actors; default one per `ray_cpus_per_embedder` CPUs) and `collection`
    (as in `rag.ingest.ingest_paths`).
    """
    from rag.distributed import local_api
    from rag.indexing import sync_indexes
    from corpus.loaders import EXTENSIONS
    from rag.ingest import RebuildRefused, _under, open_store

    t0 = time.perf_counter()
    if collection is not None:
        from corpus.collections import normalise_collection

        collection = normalise_collection(collection)
    paths = [Path(p).expanduser() for p in paths]
    files = local_api.discover_files(paths)  # raises FileNotFoundError before anything is touched
    folders = [p.absolute() for p in paths if p.is_dir()]
    if rebuild and not any(f.suffix.lower() in EXTENSIONS for f in files):
        # Clearing the store for nothing would empty it without a word (issue 12).
        raise RebuildRefused(f"--rebuild found no supported file under {', '.join(map(str, paths))}; "
                             f"the store was left as it was")
    store = open_store(settings, rebuild=rebuild)
    if rebuild:
        store.clear()
    report = RayIngestReport()
    todo = plan_files(files, store, settings, report, collection)
    timings = {"plan_s": time.perf_counter() - t0}
    ray_info: dict[str, Any] = {"files_sent": len(todo), "embedded_on_cluster": 0}

    if todo:
        address = address or settings.ray_address or None
        base = shard_dir or settings.ray_shard_dir or str(settings.home / "shards")
        run_dir = shards.join(base, f"run-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}")
        skip = cached_for([t["doc_id"] for t in todo if t["existed"]], store, settings)
        skip.update(recover_unmerged(base, settings))
        t1 = time.perf_counter()
        started = connect(address)
        timings["connect_s"] = time.perf_counter() - t1
        try:
            t2 = time.perf_counter()
            stats = _run_pipeline(todo, settings, run_dir, skip, progress, embedders)
            timings["pipeline_s"] = time.perf_counter() - t2
        finally:
            if started:
                _ray().shutdown()
        shards.write_run_manifest(run_dir, _run_manifest(settings, todo, stats))
        t3 = time.perf_counter()
        from rag.distributed.merge import merge_run

        merged = merge_run(run_dir, store, settings, progress=progress)
        timings["merge_s"] = time.perf_counter() - t3
        shards.write_run_manifest(run_dir, {**_run_manifest(settings, todo, stats), "merged": True})
        by_doc = {t["doc_id"]: t for t in todo}
        for o in merged.outcomes:
            item = by_doc.get(o.doc_id, {})
            if o.status == "stored":
                status = "updated" if item.get("existed") else "added"
                report.results.append(FileResult(o.path, o.doc_id, status, o.added, o.unchanged, o.removed))
            else:
                report.results.append(FileResult(o.path, o.doc_id, o.status, reason=o.reason + item.get("kept", "")))
        ray_info.update(stats, run_dir=run_dir, shards_merged=merged.shards, vectors_cached=merged.vectors_cached,
                        embedded_on_cluster=stats["n_embedded"], cached_skipped=len(skip))
        if not keep_shards and not any(r.status == "failed" for r in report.results):
            shards.remove_dir(run_dir)
            ray_info["shards_kept"] = False
        else:
            ray_info["shards_kept"] = True

    if prune:  # as rag/ingest.py
        seen = {str(p) for p in files}
        for doc in store.documents():
            if doc.path not in seen and _under(doc.path, folders) and not os.path.lexists(doc.path):
                n = store.remove_document(doc.doc_id)
                report.results.append(FileResult(doc.path, doc.doc_id, "removed", removed=n,
                                                 reason="file is gone (--prune)"))

    t4 = time.perf_counter()
    try:
        report.index = sync_indexes(store, settings, progress=progress) or {}
    except Exception as exc:
        log.error("index update failed: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
        report.index_error = f"{type(exc).__name__}: {exc}; the chunk store is up to date, run the ingest again"
    timings["index_s"] = time.perf_counter() - t4
    report.seconds = time.perf_counter() - t0
    timings["total_s"] = report.seconds
    ray_info["embedded_at_sync"] = int(report.index.get("embedded", 0) or 0)
    ray_info["timings"] = {k: round(v, 3) for k, v in timings.items()}
    report.ray = ray_info
    c = report.counts()
    log.info(
        "ray ingest done in %.2f s: %d added, %d updated, %d unchanged, %d skipped, %d failed; "
        "%d chunks embedded on the cluster, %d at index sync",
        report.seconds, c["added"], c["updated"], c["unchanged"], c["skipped"], c["failed"],
        ray_info["embedded_on_cluster"], ray_info["embedded_at_sync"],
    )
    return report


def _run_pipeline(todo: list[dict[str, Any]], settings: Settings, run_dir: str, skip: dict[str, str],
                  progress: bool, embedders: int) -> dict[str, Any]:
    ray = _ray()
    from rag.distributed.stages import EmbedAndWrite, SkipSet, process_file

    n_embedders = _embedder_count(ray, settings.ray_cpus_per_embedder, embedders)
    total_bytes = sum(int(t["size"]) for t in todo)
    batch = _batch_size(total_bytes, n_embedders, settings)
    if not embedders:  # a small update needs no more actors (each loads a model) than it has batches
        n_embedders = max(1, min(n_embedders, math.ceil(_estimated_chunks(total_bytes) / batch)))
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = bool(progress)
    ctx.verbose_progress = False
    # Stage 1: one block per file, so files are loaded and chunked in parallel on
    # every CPU. Materialised before stage 2 because the embedding actors hold their
    # CPUs for the whole stage: streamed side by side, the chunking tasks would
    # wait for CPUs the actors never give back (a deadlock on a small cluster).
    # Chunking is cheap next to embedding, so losing the overlap costs little.
    ds = ray.data.from_items(todo, override_num_blocks=len(todo))
    ds = ds.flat_map(process_file, fn_kwargs={"settings": settings}).materialize()
    # Stage 2: a fixed pool of embedding actors, one model each.
    ds = ds.map_batches(
        EmbedAndWrite,
        fn_constructor_kwargs={"settings": settings, "run_dir": run_dir, "skip": SkipSet(skip)},
        batch_size=batch,
        batch_format="pyarrow",
        concurrency=n_embedders,
        num_cpus=settings.ray_cpus_per_embedder,
    )
    n_rows = n_embedded = n_shards = 0
    embed_s: dict[str, float] = {}  # per actor process: seconds in the model ...
    embedded_by: dict[str, int] = {}  # ... and chunks embedded (bench/scale_out.py's per-worker rate)
    write_s = 0.0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(desc="embedden (ray)", unit="chunk")
    try:
        for row in ds.iter_rows():
            n_rows += int(row["n_rows"])
            n_embedded += int(row["n_embedded"])
            n_shards += 1
            embed_s[row["worker"]] = embed_s.get(row["worker"], 0.0) + float(row["embed_s"])
            embedded_by[row["worker"]] = embedded_by.get(row["worker"], 0) + int(row["n_embedded"])
            write_s += float(row["write_s"])
            if bar is not None:
                bar.update(int(row["n_rows"]))
    finally:
        if bar is not None:
            bar.close()
    resources = ray.cluster_resources()
    return {
        "n_rows": n_rows,
        "n_embedded": n_embedded,
        "n_shards": n_shards,
        "embed_s_by_worker": {k: round(v, 3) for k, v in sorted(embed_s.items())},
        "embedded_by_worker": dict(sorted(embedded_by.items())),
        "write_s": round(write_s, 3),
        "cluster": {
            "cpus": float(resources.get("CPU", 0)),
            "nodes": len([n for n in ray.nodes() if n.get("Alive")]),
            "embedders": n_embedders,
            "batch_size": batch,
        },
    }


def _run_manifest(settings: Settings, todo: list[dict[str, Any]], stats: dict[str, Any]) -> dict[str, Any]:
    from embeddings import get_embeddings

    return {
        "format_version": shards.SHARD_FORMAT_VERSION,
        "model": get_embeddings(settings).model_name,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": os.uname().nodename,
        "files": [{k: t[k] for k in ("path", "doc_id", "size")} for t in todo],
        **{k: stats[k] for k in ("n_rows", "n_embedded", "n_shards", "cluster", "embed_s_by_worker", "write_s")},
    }
