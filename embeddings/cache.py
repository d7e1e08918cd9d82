"""Content-addressed vector cache: (embedding model, SHA-256 of the embedded text) -> float32 vector.

Embedding is the slow step of ingest, so a text is embedded once per model, whatever
chunk, document, file name or folder it comes from: a moved, renamed or duplicated
file costs nothing, and identical texts within one run are embedded once.
`embed_cached` writes each batch as soon as it is embedded (one SQLite commit per
batch), so an ingest killed half-way keeps the finished half and the next run
resumes from it.

One SQLite file of float32 BLOBs (no pickle). Cache files written by older Griffier
versions (table `vectors`, keyed by chunk_id, with a short SHA-1 of the text) are
migrated on open: their rows are kept under their old hash and moved to the new key
the first time their text is looked up.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

TABLE = "text_vectors"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    model TEXT NOT NULL,
    key TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (model, key)
) WITHOUT ROWID;
"""
_LEGACY_PREFIX = "sha1:"


def text_hash(text: str) -> str:
    """The cache key of a text: hex SHA-256 of its UTF-8 bytes (invalid surrogates escaped)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _legacy_hash(text: str) -> str:
    """The key of the pre-content-addressed cache (16 hex digits of SHA-1), for migrated rows."""
    return _LEGACY_PREFIX + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class VectorCache:
    FILENAME = "vector_cache.sqlite"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = self._open()
            except sqlite3.DatabaseError as exc:
                if _disk_full(exc):
                    raise
                # The cache is only an optimisation: start over rather than fail the ingest.
                log.warning("vector cache %s is unreadable (%s); starting a new one", self.path, exc)
                for suffix in ("", "-wal", "-shm"):
                    Path(str(self.path) + suffix).unlink(missing_ok=True)
                conn = self._open()
            self._conn = conn
        return self._conn

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=60)
        conn.execute("PRAGMA journal_mode=WAL")
        # A commit per batch must be cheap: NORMAL skips the fsync per commit in WAL mode;
        # a committed batch still survives the process being killed (not a power cut).
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        _migrate(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- by key ---------------------------------------------------------------
    def get_keys(self, model: str, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """Cached vectors for these keys (text hashes); missing keys are left out."""
        ks = list(dict.fromkeys(keys))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(ks), 500):
                part = ks[start : start + 500]
                q = ",".join("?" * len(part))
                rows = self.conn.execute(f"SELECT key, dim, vec FROM {TABLE} WHERE model=? AND key IN ({q})",
                                         [model, *part])
                for key, dim, blob in rows:
                    found[key] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return found

    def put_keys(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Store vectors under their keys, in one transaction (committed when this returns)."""
        data = [(model, key, int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes())
                for key, v in items]
        if not data:
            return
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.executemany(f"INSERT OR REPLACE INTO {TABLE} VALUES (?,?,?,?)", data)
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- by text --------------------------------------------------------------
    def get_texts(self, model: str, texts: dict[str, str]) -> dict[str, np.ndarray]:
        """Cached vectors for {key: text}; rows migrated from an old cache are found by their old hash
        and stored under the new key."""
        found = self.get_keys(model, texts)
        missing = [k for k in texts if k not in found]
        if missing and self._has_legacy(model):
            legacy = {_legacy_hash(texts[k]): k for k in missing}
            old = self.get_keys(model, legacy)
            if old:
                promoted = {legacy[lk]: v for lk, v in old.items()}
                self.put_keys(model, promoted.items())
                found.update(promoted)
        return found

    def _has_legacy(self, model: str) -> bool:
        with self._lock:  # a range on the primary key: cheap however large the cache
            row = self.conn.execute(f"SELECT 1 FROM {TABLE} WHERE model=? AND key >= ? AND key < ? LIMIT 1",
                                    (model, _LEGACY_PREFIX, _LEGACY_PREFIX[:-1] + ";")).fetchone()
        return row is not None

    # -- (label, key) pairs: the ray engine's and the benches' interface ---------
    def get_many(self, model: str, items: Iterable[tuple[str, str]]) -> dict[str, np.ndarray]:
        """{label: vector} for (label, text hash) pairs whose hash is cached."""
        pairs = list(items)
        found = self.get_keys(model, [h for _, h in pairs])
        return {label: found[h] for label, h in pairs if h in found}

    def put_many(self, model: str, rows: Iterable[tuple[str, str, np.ndarray]]) -> None:
        """Store (label, text hash, vector) rows; the label is not stored (the hash is the key)."""
        self.put_keys(model, [(h, v) for _, h, v in rows])

    def count(self, model: str | None = None) -> int:
        with self._lock:
            if model is None:
                return int(self.conn.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0])
            return int(self.conn.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE model=?", (model,)).fetchone()[0])


def _migrate(conn: sqlite3.Connection) -> None:
    """Carry the rows of the old chunk_id-keyed table over (keyed by their old text hash), then drop it."""
    old = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='vectors'").fetchone()
    if old is None:
        return
    cols = {r[1] for r in conn.execute("PRAGMA table_info(vectors)")}
    conn.execute("BEGIN IMMEDIATE")
    try:
        n = 0
        if {"model", "text_hash", "dim", "vec"} <= cols:
            n = conn.execute(
                f"INSERT OR IGNORE INTO {TABLE} (model, key, dim, vec) "
                f"SELECT model, '{_LEGACY_PREFIX}' || text_hash, dim, vec FROM vectors"
            ).rowcount
        conn.execute("DROP TABLE vectors")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    log.info("vector cache: %d vector(s) carried over from the old chunk-keyed table", n)


def _disk_full(exc: BaseException) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


def embed_cached(texts: Sequence[str], emb, cache: VectorCache, *, progress: bool = False,
                 what: str = "text") -> tuple[np.ndarray, dict[str, int]]:
    """Vectors for `texts` (row i for texts[i]): from the cache where it has them, the rest embedded.

    Identical texts are embedded once. Fresh vectors are committed to the cache one
    embedding batch at a time, so an interrupted run loses at most the batch in flight.
    Returns the vectors and {"texts", "unique", "from_cache", "embedded", "texts_from_cache"}:
    distinct texts found in the cache and embedded now, and of all `texts` how many the
    cache held already (the rest are distinct texts embedded now and their repeats).
    """
    model = emb.model_name
    keys = [text_hash(t) for t in texts]
    unique: dict[str, str] = {}
    for k, t in zip(keys, texts):
        unique.setdefault(k, t)
    found = cache.get_texts(model, unique) if unique else {}
    todo = [k for k in unique if k not in found]
    stats = {"texts": len(texts), "unique": len(unique), "from_cache": len(found), "embedded": len(todo),
             "texts_from_cache": sum(1 for k in keys if k in found)}
    if todo:
        log.info("embedding %d %s(s) with %s (%d of %d distinct from cache)", len(todo), what, model,
                 len(found), len(unique))
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(todo), desc=f"embedden ({model})", unit=what)
        step = max(1, int(getattr(emb, "batch_size", 16)))
        t0 = time.perf_counter()
        try:
            for start in range(0, len(todo), step):
                batch = todo[start : start + step]
                vecs = emb.embed_passages([unique[k] for k in batch])
                cache.put_keys(model, zip(batch, vecs))  # committed: a kill after this keeps the batch
                found.update(zip(batch, vecs))
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        log.debug("embedded %d %s(s) in %.1f s", len(todo), what, time.perf_counter() - t0)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), stats
    return np.vstack([found[k] for k in keys]).astype(np.float32, copy=False), stats
