"""The per-file and per-batch stage functions the Ray engine runs on workers.

They only glue together the functions the local ingest uses (see local_api.py),
so both engines produce the same chunks and the same vectors. Nothing here
imports Ray, so the stages can be unit-tested without a cluster.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from corpus.settings import Settings
from rag.distributed import shards

log = logging.getLogger(__name__)


def process_file(item: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    """One input file -> its chunk rows, or one row with the reason it was skipped/failed.

    The bytes are read and fingerprinted here, by the worker that parses them, so
    the stored fingerprint always describes the bytes that were chunked. Statuses
    and reasons follow rag/ingest.py.
    """
    from corpus.errors import LoadError
    from corpus.models import Document
    from rag.distributed import local_api

    path, doc_id = Path(item["path"]), item["doc_id"]

    def problem(status: str, reason: str, fp: str = "", size: int = 0) -> list[dict[str, Any]]:
        log.warning("%s %s: %s", status, path, reason)
        fields = shards.doc_fields(Document(doc_id, str(path), None, {}), fp, size, error=reason, status=status)
        return [shards.empty_doc_row(doc_id, fields)]

    collection = item.get("collection") or None
    try:
        fp, size, data = local_api.read_and_fingerprint(path, settings, collection)
        raw = local_api.load(path, settings, data)
    except LoadError as exc:
        return problem("skipped", exc.message)
    except Exception as exc:  # noqa: BLE001 - a loader bug must not stop the cluster job
        return problem("failed", f"loader error {type(exc).__name__}: {exc}")
    try:
        doc, chunks = local_api.process(raw, settings)
    except Exception as exc:  # noqa: BLE001
        return problem("failed", f"pipeline error {type(exc).__name__}: {exc}", fp, size)
    if not chunks:
        return problem("skipped", "no text left after cleaning; check the file", fp, size)
    try:
        local_api.set_collection(doc, collection)
    except ValueError as exc:  # an invalid name in the sidecar
        return problem("skipped", f"sidecar: {exc}", fp, size)
    fields = shards.doc_fields(doc, fp, size)
    return [shards.chunk_row(c, fields, len(chunks)) for c in chunks]


class SkipSet:
    """chunk_id -> text hash of vectors already cached, as two sorted fixed-width numpy arrays.

    Numpy rather than a dict: Ray ships it to every actor through the object store,
    where numpy arrays are shared zero-copy between the actors of a node (a dict of
    millions of entries would be unpickled once per actor).
    """

    def __init__(self, cached: dict[str, str] | None = None):
        items = sorted((cached or {}).items())
        self.ids = np.array([k.encode() for k, _ in items], dtype="S64") if items else np.zeros(0, "S64")
        self.hashes = np.array([v.encode() for _, v in items], dtype="S64") if items else np.zeros(0, "S64")

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def get(self, chunk_id: str) -> str | None:
        if not len(self):
            return None
        key = chunk_id.encode()
        i = int(np.searchsorted(self.ids, key))
        if i < len(self) and self.ids[i] == key:
            return self.hashes[i].decode()
        return None


class EmbedAndWrite:
    """Ray Data callable class: embeds a batch of chunk rows and writes it as a shard.

    The model loads once per actor (in `__init__`), through the same
    `embeddings.get_embeddings(settings)` the local ingest uses. Chunks whose
    vector is already cached for the same text (`skip`: chunk_id -> text hash)
    are not embedded again; the merge then finds them in the cache.
    """

    def __init__(self, settings: Settings, run_dir: str, skip: SkipSet | None = None):
        from embeddings import get_embeddings

        self.settings = settings
        self.run_dir = run_dir
        self.skip = skip if skip is not None else SkipSet()
        self.embeddings = get_embeddings(settings)
        self.embeddings.warm_up()

    def __call__(self, batch) -> dict[str, np.ndarray]:
        """`batch` is a pyarrow Table (batch_format="pyarrow": keeps None as None, ints as ints)."""
        import os
        import time

        rows = batch.to_pydict()
        t0 = time.perf_counter()
        vectors = embed_rows(rows, self.embeddings, self.skip)
        t1 = time.perf_counter()
        info = shards.write_shard(self.run_dir, rows, vectors, self.embeddings.model_name)
        return {
            "shard": np.array([info.name]),
            "n_rows": np.array([info.n_rows]),
            "n_chunks": np.array([info.n_chunks]),
            "n_embedded": np.array([info.n_embedded]),
            # timings for bench/scale.py: model time vs shard I/O, per actor process
            "embed_s": np.array([t1 - t0]),
            "write_s": np.array([time.perf_counter() - t1]),
            "worker": np.array([f"{os.uname().nodename}:{os.getpid()}"]),
        }


def embed_rows(rows: dict[str, list], embeddings, skip: SkipSet | dict[str, str]) -> np.ndarray:
    """Fill rows' `text_hash`/`embedded` columns (in place) and return row-aligned vectors.

    Rows without a chunk (documents that were skipped) and chunks in `skip` get a
    zero vector and `embedded=False`.
    """
    from rag.distributed.local_api import index_text, text_hash

    n = len(rows["chunk_id"])
    texts: list[str] = []
    todo: list[int] = []
    hashes: list[str] = []
    for i in range(n):
        if not rows["chunk_id"][i]:
            hashes.append("")
            continue
        chunk = shards.row_to_chunk({c: rows[c][i] for c in rows})
        text = index_text(chunk)
        th = text_hash(text)
        hashes.append(th)
        if skip.get(chunk.chunk_id) != th:
            texts.append(text)
            todo.append(i)
    rows["text_hash"] = hashes
    rows["embedded"] = [False] * n
    vecs = embeddings.embed_passages(texts) if texts else None
    dim = int(vecs.shape[1]) if vecs is not None else int(embeddings.dim)
    vectors = np.zeros((n, dim), dtype=np.float32)
    if vecs is not None:
        vectors[todo] = vecs
        for i in todo:
            rows["embedded"][i] = True
    return vectors
