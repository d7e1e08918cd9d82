"""Shard files written by the distributed ingest and read back by the merge.

A shard is one embedded batch: `shard-<key>.parquet` (one row per chunk, with the
fields of its document), `shard-<key>.npy` (float32 vectors, row-aligned with the
Parquet file) and `shard-<key>.json` (its manifest, written last: a shard without
one is incomplete and ignored). A run directory also gets `manifest.json` from the
driver once every shard is written. Plain files only (Parquet, .npy, JSON), no
pickle, so shards can be inspected with pandas/duckdb and read on any node.

Paths may be local folders or any URI pyarrow understands (s3://, gs://, hdfs://),
because on a cluster every worker must reach the same shard directory.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import posixpath
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from corpus.models import Chunk, Document

log = logging.getLogger(__name__)

SHARD_FORMAT_VERSION = 1
RUN_MANIFEST = "manifest.json"
RECOVERED = "recovered.json"  # marks a dead run whose vectors were imported into the cache

# Columns of a shard's Parquet file. Document fields repeat on every row of that
# document (Parquet dictionary-encodes them); a document that produced no chunks
# (skipped or failed) is one row with an empty chunk_id, its `status` and `error` (the reason).
CHUNK_COLUMNS = (
    "chunk_id", "doc_id", "seq", "text", "page_start", "page_end", "section", "citation",
    "metadata", "char_start", "char_end",
)
DOC_COLUMNS = ("doc_path", "doc_title", "doc_metadata", "fingerprint", "size", "status", "error", "doc_n_chunks")
EXTRA_COLUMNS = ("text_hash", "embedded")
ALL_COLUMNS = CHUNK_COLUMNS + DOC_COLUMNS + EXTRA_COLUMNS


class ShardError(RuntimeError):
    pass


# -- rows <-> dataclasses -------------------------------------------------
def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def doc_fields(doc: Document, fingerprint: str, size: int, error: str = "", status: str = "") -> dict[str, Any]:
    """Document columns; `status` is "skipped"/"failed" (with `error` the reason) or "" when fine."""
    return {
        "doc_path": doc.path,
        "doc_title": doc.title,
        "doc_metadata": _dumps(doc.metadata),
        "fingerprint": fingerprint,
        "size": int(size),
        "status": status,
        "error": error,
    }


def chunk_row(chunk: Chunk, doc: dict[str, Any], doc_n_chunks: int) -> dict[str, Any]:
    span = chunk.char_span
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "seq": int(chunk.seq),
        "text": chunk.text,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "section": chunk.section,
        "citation": chunk.citation,
        "metadata": _dumps(chunk.metadata),
        "char_start": span[0] if span else None,
        "char_end": span[1] if span else None,
        **doc,
        "doc_n_chunks": int(doc_n_chunks),
        "text_hash": "",
        "embedded": False,
    }


def empty_doc_row(doc_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The row that stands for a document without chunks (empty or failed)."""
    row = {c: None for c in CHUNK_COLUMNS}
    row.update(chunk_id="", doc_id=doc_id, seq=-1, text="", citation="", metadata="{}")
    row.update(doc)
    row.update(doc_n_chunks=0, text_hash="", embedded=False)
    return row


def row_to_chunk(row: dict[str, Any]) -> Chunk:
    c0, c1 = row.get("char_start"), row.get("char_end")
    return Chunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        text=row["text"],
        page_start=_int_or_none(row.get("page_start")),
        page_end=_int_or_none(row.get("page_end")),
        section=row.get("section"),
        metadata=json.loads(row.get("metadata") or "{}"),
        char_span=(int(c0), int(c1)) if _present(c0) and _present(c1) else None,
        citation=row.get("citation") or "",
        seq=int(row["seq"]),
    )


def row_to_document(row: dict[str, Any]) -> Document:
    return Document(
        doc_id=row["doc_id"],
        path=row["doc_path"],
        title=row.get("doc_title"),
        metadata=json.loads(row.get("doc_metadata") or "{}"),
    )


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and np.isnan(v))


def _int_or_none(v: Any) -> int | None:
    return int(v) if _present(v) else None


# -- file system ----------------------------------------------------------
def _fs(uri: str):
    """(pyarrow FileSystem, path inside it) for a local path or a URI."""
    from pyarrow import fs as pafs

    if "://" not in uri:
        return pafs.LocalFileSystem(), os.path.abspath(uri)
    return pafs.FileSystem.from_uri(uri)


def join(base: str, *parts: str) -> str:
    if "://" in base:
        return base.rstrip("/") + "/" + "/".join(parts)
    return os.path.join(base, *parts)


def _write_bytes(uri: str, data: bytes) -> None:
    """Write a file atomically where the file system allows it (temp name, then move)."""
    filesystem, path = _fs(uri)
    parent = posixpath.dirname(path)
    filesystem.create_dir(parent, recursive=True)
    tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
    with filesystem.open_output_stream(tmp) as out:
        out.write(data)
    filesystem.move(tmp, path)


def _read_bytes(uri: str) -> bytes:
    filesystem, path = _fs(uri)
    with filesystem.open_input_stream(path) as inp:
        return inp.read()


def list_dir(uri: str) -> list[str]:
    """Base names in a directory ([] if it does not exist)."""
    from pyarrow import fs as pafs

    filesystem, path = _fs(uri)
    info = filesystem.get_file_info(path)
    if info.type == pafs.FileType.NotFound:
        return []
    return sorted(posixpath.basename(i.path) for i in filesystem.get_file_info(pafs.FileSelector(path)))


def remove_dir(uri: str) -> None:
    filesystem, path = _fs(uri)
    try:
        filesystem.delete_dir(path)
    except FileNotFoundError:
        pass


# -- shards ---------------------------------------------------------------
@dataclass
class ShardInfo:
    name: str
    n_rows: int
    n_chunks: int
    n_embedded: int
    model: str
    dim: int
    format_version: int = SHARD_FORMAT_VERSION
    doc_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def shard_key(chunk_ids: list[str], doc_ids: list[str]) -> str:
    """Content-derived name, so a retried batch overwrites its own shard instead of adding a twin."""
    h = hashlib.sha1()
    for cid, did in zip(chunk_ids, doc_ids):
        h.update(f"{did}\x00{cid}\x01".encode())
    return h.hexdigest()[:20]


def write_shard(run_dir: str, rows: dict[str, list], vectors: np.ndarray, model: str) -> ShardInfo:
    """Write one shard (Parquet rows + aligned .npy vectors + its manifest, last)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = len(rows["chunk_id"])
    if vectors.shape[0] != n:
        raise ShardError(f"shard has {n} rows but {vectors.shape[0]} vectors")
    missing = [c for c in ALL_COLUMNS if c not in rows]
    if missing:
        raise ShardError(f"shard rows lack columns {missing}")
    types = _arrow_types()
    table = pa.table({c: pa.array(list(rows[c]), type=types[c]()) for c in ALL_COLUMNS})
    key = shard_key(list(rows["chunk_id"]), list(rows["doc_id"]))
    name = f"shard-{key}"
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    _write_bytes(join(run_dir, name + ".parquet"), buf.getvalue())
    vbuf = io.BytesIO()
    np.save(vbuf, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    _write_bytes(join(run_dir, name + ".npy"), vbuf.getvalue())
    info = ShardInfo(
        name=name,
        n_rows=n,
        n_chunks=sum(1 for c in rows["chunk_id"] if c),
        n_embedded=int(sum(bool(e) for e in rows["embedded"])),
        model=model,
        dim=int(vectors.shape[1]) if vectors.ndim == 2 else 0,
        doc_ids=sorted(set(rows["doc_id"])),
    )
    _write_bytes(join(run_dir, name + ".json"), json.dumps(info.to_dict()).encode())
    return info


def _arrow_types():
    import pyarrow as pa

    s, i, b = pa.string, pa.int64, pa.bool_
    return {
        "chunk_id": s, "doc_id": s, "seq": i, "text": s, "page_start": i, "page_end": i, "section": s,
        "citation": s, "metadata": s, "char_start": i, "char_end": i, "doc_path": s, "doc_title": s,
        "doc_metadata": s, "fingerprint": s, "size": i, "status": s, "error": s, "doc_n_chunks": i, "text_hash": s, "embedded": b,
    }



def shard_names(run_dir: str) -> list[str]:
    """Complete shards (those with a manifest) in a run directory, sorted by name."""
    return [n[: -len(".json")] for n in list_dir(run_dir) if n.startswith("shard-") and n.endswith(".json")]


def read_shard(run_dir: str, name: str, *, model: str | None = None) -> tuple[list[dict], np.ndarray, ShardInfo]:
    """Rows (as dicts), vectors and manifest of one shard; refuses a different model or format."""
    import pyarrow.parquet as pq

    info = ShardInfo(**json.loads(_read_bytes(join(run_dir, name + ".json"))))
    if info.format_version != SHARD_FORMAT_VERSION:
        raise ShardError(
            f"shard {join(run_dir, name)} has format version {info.format_version}, this Griffier reads "
            f"{SHARD_FORMAT_VERSION}. Delete {run_dir} and run the ingest again."
        )
    if model is not None and info.model != model:
        raise ShardError(
            f"shard {join(run_dir, name)} was embedded with {info.model!r}, but the settings use {model!r}. "
            f"Delete {run_dir} or set embedding_model={info.model!r}."
        )
    table = pq.read_table(io.BytesIO(_read_bytes(join(run_dir, name + ".parquet"))))
    vectors = np.load(io.BytesIO(_read_bytes(join(run_dir, name + ".npy"))), allow_pickle=False)
    rows = table.to_pylist()
    if len(rows) != info.n_rows or vectors.shape[0] != info.n_rows:
        raise ShardError(f"shard {join(run_dir, name)} is inconsistent: {len(rows)} rows, "
                         f"{vectors.shape[0]} vectors, manifest says {info.n_rows}. Delete {run_dir} and rerun.")
    return rows, vectors, info


def iter_shards(run_dir: str, *, model: str | None = None) -> Iterator[tuple[list[dict], np.ndarray, ShardInfo]]:
    for name in shard_names(run_dir):
        yield read_shard(run_dir, name, model=model)


def write_run_manifest(run_dir: str, manifest: dict[str, Any]) -> None:
    _write_bytes(join(run_dir, RUN_MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1).encode())


def read_run_manifest(run_dir: str) -> dict[str, Any] | None:
    if RUN_MANIFEST not in list_dir(run_dir):
        return None
    return json.loads(_read_bytes(join(run_dir, RUN_MANIFEST)))


def mark_recovered(run_dir: str, n_vectors: int) -> None:
    _write_bytes(join(run_dir, RECOVERED), json.dumps({"vectors": n_vectors}).encode())
