"""The chunk store: documents and their chunks in one SQLite file.

SQLite gives atomic, crash-safe updates: a document's chunks are replaced in one
transaction, so a crash mid-ingest leaves the previous state readable. The store
is the source of truth; vector and BM25 indexes are derived from it and record
the store `generation` they were built from.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from corpus.models import Chunk, Document

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    title TEXT,
    metadata TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    page_start INTEGER,
    page_end INTEGER,
    section TEXT,
    citation TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL,
    char_start INTEGER,
    char_end INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, seq);
"""


class StoreError(RuntimeError):
    pass


class DiskFullError(StoreError):
    """A write failed because the disk (or the user's quota) is full; nothing stored was damaged."""


_READONLY_CODES = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH}


def _disk_full(exc: BaseException) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


def _writable(home: Path, path: Path) -> bool:
    return os.access(home, os.W_OK | os.X_OK) and os.access(path, os.W_OK)


def _free_mb(path: Path) -> str:
    try:
        st = os.statvfs(path)
    except OSError:
        return "?"
    return f"{st.f_bavail * st.f_frsize / 2**20:.0f}"


def disk_full_message(home: Path) -> str:
    return (f"the disk holding the Griffier home {home} is full ({_free_mb(home)} MB free). Nothing stored was "
            f"damaged: free some space (or move the home with --home / GRIFFIER_HOME) and run the command again.")


def readonly_message(home: Path) -> str:
    return (f"the Griffier home {home} is read-only: searching and asking work, but ingesting or removing "
            f"documents needs a writable home. Make it writable, or copy it and use --home COPY.")


def home_is_file_message(home: Path) -> str:
    return (f"the Griffier home {home} is a file, not a folder. Give a folder with --home DIR or GRIFFIER_HOME "
            f"(it is created if missing), or move the file away.")


def os_error_message(exc: OSError, path: Path | str, doing: str) -> str:
    """One line for an OSError while `doing` something with `path`: what is wrong and the fix."""
    import errno

    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return disk_full_message(Path(path))
    if code == errno.EROFS or code in (errno.EACCES, errno.EPERM):
        return (f"cannot {doing}: {path} is not writable ({exc.strerror}). Make it writable, or use another "
                f"folder (--home DIR or GRIFFIER_HOME).")
    if code in (errno.ENOTDIR, errno.EEXIST):
        return (f"cannot {doing}: {exc.filename or path} is a file where a folder is needed. Move the file "
                f"away or use another folder (--home DIR or GRIFFIER_HOME).")
    return f"cannot {doing} at {path}: {exc.strerror or exc}"


@dataclass
class DocumentRecord:
    doc_id: str
    path: str
    title: str | None
    metadata: dict
    fingerprint: str
    size: int
    ingested_at: str
    n_chunks: int = 0

    def to_document(self) -> Document:
        return Document(self.doc_id, self.path, self.title, dict(self.metadata))


@dataclass
class ChangeSummary:
    added: int = 0
    unchanged: int = 0
    removed: int = 0


class ChunkStore:
    """Documents and chunks on disk. Safe to share between threads (one lock)."""

    FILENAME = "chunks.sqlite"

    def __init__(self, home: Path | str):
        self.home = Path(home)
        self.path = self.home / self.FILENAME
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self.readonly = False  # set when the home can only be read: searches work, writes are refused

    # -- connection -----------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            if self.home.exists() and not self.home.is_dir():
                raise StoreError(home_is_file_message(self.home))
            if self.path.is_file() and not _writable(self.home, self.path):
                self._conn = self._connect_readonly()
                return self._conn
            try:
                self.home.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(os_error_message(exc, self.home, "create the Griffier home")) from exc
            try:
                conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.executescript(_SCHEMA)
                row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            except sqlite3.DatabaseError as exc:
                code = getattr(exc, "sqlite_errorcode", None)
                if code == sqlite3.SQLITE_FULL:
                    raise DiskFullError(disk_full_message(self.home)) from exc
                if code in _READONLY_CODES and self.path.is_file():
                    self._conn = self._connect_readonly()
                    return self._conn
                raise StoreError(
                    f"chunk store {self.path} is unreadable ({exc}). Move it aside and run "
                    f"`griffier ingest --rebuild PATH...` to rebuild it from the source files."
                ) from exc
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            elif int(row[0]) != SCHEMA_VERSION:
                raise StoreError(
                    f"chunk store {self.path} has schema version {row[0]}, this Griffier reads "
                    f"{SCHEMA_VERSION}. Rebuild it with `griffier ingest --rebuild PATH...`."
                )
            self._conn = conn
        return self._conn

    def _connect_readonly(self) -> sqlite3.Connection:
        """Open a store in a home this process cannot write (a read-only mount, another user's files).

        Read-only first (sees a live WAL when its -shm exists); if SQLite cannot even set
        that up, as immutable (no locks, no WAL: the home is assumed not to change).
        """
        uri = "file:" + urllib.parse.quote(str(self.path.absolute()))
        last: Exception | None = None
        for mode in ("?mode=ro", "?immutable=1"):
            try:
                conn = sqlite3.connect(uri + mode, uri=True, check_same_thread=False, isolation_level=None)
                row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            except sqlite3.DatabaseError as exc:
                last = exc
                continue
            if row is None or int(row[0]) != SCHEMA_VERSION:
                raise StoreError(
                    f"chunk store {self.path} has schema version {row[0] if row else '?'}, this Griffier reads "
                    f"{SCHEMA_VERSION}; it cannot be rebuilt in place because the home is read-only."
                )
            log.info("home %s is not writable: chunk store opened read-only (%s)", self.home, mode[1:])
            self.readonly = True
            return conn
        raise StoreError(f"chunk store {self.path} cannot be opened read-only ({last}); check that the file "
                         f"is readable and complete") from last

    def _check_writable(self) -> None:
        if self.readonly:
            raise StoreError(readonly_message(self.home))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- reads ----------------------------------------------------------
    def generation(self) -> int:
        with self._lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
            return int(row[0]) if row else 0

    def get_document(self, doc_id: str) -> DocumentRecord | None:
        with self._lock:
            row = self.conn.execute(
                "SELECT d.*, (SELECT COUNT(*) FROM chunks c WHERE c.doc_id=d.doc_id) FROM documents d "
                "WHERE d.doc_id=?",
                (doc_id,),
            ).fetchone()
        return _doc_record(row) if row else None

    def documents(self) -> list[DocumentRecord]:
        with self._lock:
            rows = self.conn.execute(
                "SELECT d.*, (SELECT COUNT(*) FROM chunks c WHERE c.doc_id=d.doc_id) FROM documents d "
                "ORDER BY d.doc_id"
            ).fetchall()
        return [_doc_record(r) for r in rows]

    def chunks(self, doc_id: str | None = None) -> Iterator[Chunk]:
        sql = "SELECT * FROM chunks"
        args: tuple = ()
        if doc_id is not None:
            sql += " WHERE doc_id=?"
            args = (doc_id,)
        with self._lock:
            rows = self.conn.execute(sql + " ORDER BY doc_id, seq", args).fetchall()
        return (_chunk(r) for r in rows)

    def get_chunks(self, chunk_ids: Iterable[str]) -> list[Chunk]:
        """Chunks in the order of `chunk_ids`; unknown ids are skipped."""
        ids = list(chunk_ids)
        if not ids:
            return []
        found: dict[str, Chunk] = {}
        with self._lock:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                q = ",".join("?" * len(part))
                for r in self.conn.execute(f"SELECT * FROM chunks WHERE chunk_id IN ({q})", part):
                    found[r[0]] = _chunk(r)
        return [found[i] for i in ids if i in found]

    def neighbours(self, chunk: Chunk, before: int = 1, after: int = 1) -> list[Chunk]:
        """The chunks around `chunk` in its document, itself included, in order."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT * FROM chunks WHERE doc_id=? AND seq BETWEEN ? AND ? ORDER BY seq",
                (chunk.doc_id, chunk.seq - before, chunk.seq + after),
            ).fetchall()
        return [_chunk(r) for r in rows]

    def chunk_ids(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self.conn.execute("SELECT chunk_id FROM chunks ORDER BY doc_id, seq")]

    def count(self) -> int:
        with self._lock:
            return int(self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def chunk_owners(self) -> list[tuple[str, str]]:
        """(chunk_id, doc_id) of every stored chunk."""
        with self._lock:
            return self.conn.execute("SELECT chunk_id, doc_id FROM chunks").fetchall()

    def doc_field(self, key: str) -> dict[str, object]:
        """doc_id -> metadata[key] (None where absent) for every document, in one cheap query.

        Read fresh on every call: access checks (the `collection` filter) must see a
        metadata change even when the chunks, and so the indexes, did not change.
        """
        with self._lock:
            rows = self.conn.execute("SELECT doc_id, json_extract(metadata, ?) FROM documents", (f"$.{key}",))
            return dict(rows.fetchall())

    # -- writes (each one transaction) ---------------------------------
    def replace_document(self, doc: Document, chunks: list[Chunk], fingerprint: str, size: int = 0) -> ChangeSummary:
        """Store `doc` with exactly `chunks`, atomically; report what changed."""
        with self._lock:
            conn = self.conn
            old = {r[0] for r in conn.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc.doc_id,))}
            new_ids = [c.chunk_id for c in chunks]
            if len(set(new_ids)) != len(new_ids):
                raise StoreError(f"document {doc.doc_id}: duplicate chunk ids; chunk ids must be unique")
            summary = ChangeSummary(
                added=len(set(new_ids) - old), unchanged=len(set(new_ids) & old), removed=len(old - set(new_ids))
            )
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO documents(doc_id, path, title, metadata, fingerprint, size) VALUES (?,?,?,?,?,?) "
                    "ON CONFLICT(doc_id) DO UPDATE SET path=excluded.path, title=excluded.title, "
                    "metadata=excluded.metadata, fingerprint=excluded.fingerprint, size=excluded.size, "
                    "ingested_at=datetime('now')",
                    (doc.doc_id, doc.path, doc.title, _dumps(doc.metadata), fingerprint, size),
                )
                conn.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
                conn.executemany(
                    "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            c.chunk_id, c.doc_id, c.seq, c.text, c.page_start, c.page_end, c.section,
                            c.citation, _dumps(c.metadata),
                            c.char_span[0] if c.char_span else None, c.char_span[1] if c.char_span else None,
                        )
                        for c in chunks
                    ],
                )
                if summary.added or summary.removed or not old:
                    self._bump(conn)
        return summary

    def update_path(self, doc_id: str, path: str) -> None:
        """Record a moved source file; its chunks are unchanged, so the generation stays."""
        with self._lock:
            self._check_writable()
            self.conn.execute("UPDATE documents SET path=? WHERE doc_id=?", (path, doc_id))

    def remove_document(self, doc_id: str) -> int:
        with self._transaction() as conn:
            n = conn.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,)).rowcount
            conn.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump(conn)
        return n

    def clear(self) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM chunks")
            conn.execute("DELETE FROM documents")
            self._bump(conn)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it (rolled back on any error)."""
        with self._lock:
            conn = self.conn
            self._check_writable()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.DatabaseError) and _disk_full(exc):
                    raise DiskFullError(disk_full_message(self.home)) from exc
                raise

    @staticmethod
    def _bump(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='generation'")


def _dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def _doc_record(row: tuple) -> DocumentRecord:
    doc_id, path, title, metadata, fingerprint, size, ingested_at, n = row
    return DocumentRecord(doc_id, path, title, json.loads(metadata), fingerprint, size, ingested_at, n)


def _chunk(row: tuple) -> Chunk:
    chunk_id, doc_id, seq, text, p0, p1, section, citation, metadata, c0, c1 = row
    span = (c0, c1) if c0 is not None and c1 is not None else None
    return Chunk(chunk_id, doc_id, text, p0, p1, section, json.loads(metadata), span, citation, seq)
