"""The office database: accounts, tokens, audit log, feedback and history in one SQLite file.

`<home>/office.sqlite`, beside the chunk store, so a home folder (or a Docker volume)
carries a whole office. SQLite in WAL mode serialises writers across processes (the
API server, the web app and the command line may all write); inside one process a
lock guards the shared connection. The audit table refuses UPDATE and DELETE by
trigger, so the log can only grow through this code.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from corpus.settings import Settings

log = logging.getLogger(__name__)

FILENAME = "office.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('reader', 'editor', 'admin')),
    collections TEXT NOT NULL,          -- JSON list of names, or ["*"] for every collection
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY,        -- SHA-256 of the token: a stolen database holds no usable token
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_user ON tokens(username);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    username TEXT,
    action TEXT NOT NULL,
    ok INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts);
CREATE INDEX IF NOT EXISTS audit_user ON audit(username, ts);
CREATE INDEX IF NOT EXISTS audit_action ON audit(action, ts);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_user ON conversations(username, updated_at);
CREATE TABLE IF NOT EXISTS turns (
    id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    username TEXT NOT NULL,
    seq INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,               -- the ask object (Answer.to_dict()) as JSON
    collections TEXT NOT NULL,          -- JSON list: collections of its passages, for access on read
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_conversation ON turns(conversation_id, seq);
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    turn_id TEXT,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,               -- the ask object as JSON (answer text, citations, passages)
    collections TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_ts ON feedback(created_at);
"""


class OfficeError(RuntimeError):
    pass


class OfficeDB:
    """One connection to `<home>/office.sqlite`, shared by the threads of a process.

    `clock` (seconds since the epoch) is injectable so tests can age tokens and
    throttling windows without sleeping.
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.path = Path(settings.home) / FILENAME
        self.clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            with self._lock:
                if self._conn is None:
                    self._conn = self._connect()
        return self._conn

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.executescript(_SCHEMA)
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise OfficeError(
                f"office database {self.path} is unreadable ({exc}); restore it from a backup, or move it "
                f"aside to start without accounts (the audit log in it is then lost)"
            ) from exc
        if row is None:
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise OfficeError(f"office database {self.path} has schema version {row[0]}, this Griffier reads "
                              f"{SCHEMA_VERSION}; upgrade Griffier")
        try:  # accounts and tokens are secrets: keep the file to its owner
            self.path.chmod(0o600)
        except OSError:
            pass
        return conn

    def now(self) -> float:
        return float(self.clock())

    def execute(self, sql: str, args: tuple | list = ()) -> sqlite3.Cursor:
        with self._lock:
            return self.conn.execute(sql, args)

    def query(self, sql: str, args: tuple | list = ()) -> list[tuple]:
        with self._lock:
            return self.conn.execute(sql, args).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it lands, or none of it."""
        with self._lock:
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


_OPEN: dict[tuple, OfficeDB] = {}
_OPEN_LOCK = threading.Lock()


def open_office(settings: Settings) -> OfficeDB:
    """The process-wide office database of `settings.home` (settings that matter to it as the key)."""
    key = (str(Path(settings.home).resolve()), settings.token_lifetime_hours, settings.login_max_failures,
           settings.login_window_minutes)
    with _OPEN_LOCK:
        db = _OPEN.get(key)
        if db is None:
            db = _OPEN[key] = OfficeDB(settings)
        return db
