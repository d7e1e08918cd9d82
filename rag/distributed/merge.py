"""Merge a run's shards into the home: chunk store, vector cache, then the indexes.

The merge writes documents with the same `ChunkStore.replace_document` the local
ingest uses, puts the shard vectors into the same vector cache, and finishes with
the same `sync_indexes`, which then finds every vector cached and embeds nothing.
That is why a Ray ingest and a local ingest of the same files give the same store,
the same FAISS and BM25 indexes and the same search results.

Memory stays bounded: shards are read one at a time and a document is written as
soon as all its chunks have been seen (rows carry their document's chunk count).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from corpus.settings import Settings
from corpus.store import ChunkStore
from rag.distributed import shards

log = logging.getLogger(__name__)


@dataclass
class DocOutcome:
    path: str
    doc_id: str
    status: str  # "stored", or "skipped"/"failed" as decided by the worker (see stages.process_file)
    added: int = 0
    unchanged: int = 0
    removed: int = 0
    reason: str = ""


@dataclass
class MergeResult:
    outcomes: list[DocOutcome] = field(default_factory=list)
    vectors_cached: int = 0
    shards: int = 0


def merge_run(run_dir: str, store: ChunkStore, settings: Settings, progress: bool = True) -> MergeResult:
    """Write every complete document of `run_dir` to `store` and its vectors to the cache."""
    from embeddings import get_embeddings
    from rag.distributed.local_api import vector_cache

    model = get_embeddings(settings).model_name
    cache = vector_cache(settings)
    result = MergeResult()
    pending: dict[str, dict[str, dict]] = {}  # doc_id -> chunk_id -> row
    names = shards.shard_names(run_dir)
    bar = None
    if progress and len(names) > 1:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(names), desc="shards samenvoegen", unit="shard")
    try:
        for name in names:
            rows, vectors, _info = shards.read_shard(run_dir, name, model=model)
            fresh = [(r["chunk_id"], r["text_hash"], vectors[i]) for i, r in enumerate(rows) if r["embedded"]]
            if fresh:
                cache.put_many(model, fresh)
                result.vectors_cached += len(fresh)
            for row in rows:
                doc_rows = pending.setdefault(row["doc_id"], {})
                # keyed by chunk_id: a retried Ray task may have written a chunk twice
                doc_rows[row["chunk_id"]] = row
                if len(doc_rows) - ("" in doc_rows) >= int(row["doc_n_chunks"]):
                    _write_document(store, pending.pop(row["doc_id"]), result)
            result.shards += 1
            if bar is not None:
                bar.update(1)
    finally:
        cache.close()
        if bar is not None:
            bar.close()
    for doc_id, doc_rows in sorted(pending.items()):
        row = next(iter(doc_rows.values()))
        result.outcomes.append(DocOutcome(row["doc_path"], doc_id, "failed", reason=(
            f"incomplete in {run_dir}: {len(doc_rows)} of {row['doc_n_chunks']} chunks found "
            f"(a worker died?); run the ingest again")))
    return result



def _write_document(store: ChunkStore, rows: dict[str, dict], result: MergeResult) -> None:
    first = next(iter(rows.values()))
    if first.get("status"):
        result.outcomes.append(DocOutcome(first["doc_path"], first["doc_id"], first["status"], reason=first["error"]))
        return
    chunks = sorted((shards.row_to_chunk(r) for cid, r in rows.items() if cid), key=lambda c: c.seq)
    doc = shards.row_to_document(first)
    try:
        summary = store.replace_document(doc, chunks, first["fingerprint"], int(first["size"] or 0))
    except Exception as exc:  # noqa: BLE001 - as rag/ingest.py: report it, keep the other documents
        result.outcomes.append(DocOutcome(doc.path, doc.doc_id, "failed",
                                          reason=f"store error {type(exc).__name__}: {exc}"))
        return
    result.outcomes.append(DocOutcome(doc.path, doc.doc_id, "stored", summary.added, summary.unchanged,
                                      summary.removed))
