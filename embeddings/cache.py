"""Vectors cached by (embedding model, chunk_id) in one SQLite file of float32 BLOBs.

Embedding is the slow step of ingest, so a chunk is embedded once per model.
Each row also keeps a hash of the exact text that was embedded: if the text fed
to the model changes for the same chunk_id (say a better section heading), the
stale vector is not reused.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    model TEXT NOT NULL,
    chunk_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,
    PRIMARY KEY (model, chunk_id)
);
"""


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


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
                conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
            except sqlite3.DatabaseError:
                # The cache is only an optimisation: start over rather than fail the ingest.
                self.path.unlink(missing_ok=True)
                conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                conn.executescript(_SCHEMA)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def get_many(self, model: str, items: Iterable[tuple[str, str]]) -> dict[str, np.ndarray]:
        """Cached vectors for (chunk_id, text_hash) pairs whose hash still matches."""
        wanted = dict(items)
        found: dict[str, np.ndarray] = {}
        ids = list(wanted)
        with self._lock:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                q = ",".join("?" * len(part))
                rows = self.conn.execute(
                    f"SELECT chunk_id, text_hash, dim, vec FROM vectors WHERE model=? AND chunk_id IN ({q})",
                    [model, *part],
                )
                for cid, th, dim, blob in rows:
                    if th == wanted[cid]:
                        found[cid] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return found

    def put_many(self, model: str, rows: Iterable[tuple[str, str, np.ndarray]]) -> None:
        data = [
            (model, cid, th, int(v.shape[0]), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for cid, th, v in rows
        ]
        with self._lock:
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?,?,?,?,?)", data)
            self.conn.execute("COMMIT")

    def count(self, model: str | None = None) -> int:
        with self._lock:
            if model is None:
                return int(self.conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
            return int(self.conn.execute("SELECT COUNT(*) FROM vectors WHERE model=?", (model,)).fetchone()[0])
