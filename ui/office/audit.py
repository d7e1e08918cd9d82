"""The audit log: who did what, when, from where. Append-only.

Rows live in the `audit` table of office.sqlite; triggers there abort any UPDATE
or DELETE, so nothing in Griffier can rewrite history (someone with write access
to the file can still replace it: keep the home on storage only the service
account writes, and back it up). Each write is its own committed transaction.

Actions: login, login.throttled, logout, search, ask, brief, documents, upload,
delete, feedback, history, users.add, users.update, users.remove, audit, denied,
and the command line's ingest/remove. `detail` is a small JSON object (the
question asked, the counts returned, the reason for a refusal); never a password
or token.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ui.office.db import OfficeDB

log = logging.getLogger(__name__)

MAX_DETAIL_CHARS = 4000


@dataclass(frozen=True)
class AuditEvent:
    id: int
    ts: float
    username: str | None
    action: str
    ok: bool
    source: str
    target: str
    detail: dict

    @property
    def time(self) -> str:
        return datetime.fromtimestamp(self.ts, UTC).isoformat(timespec="seconds")

    def to_dict(self) -> dict:
        return {"id": self.id, "time": self.time, "user": self.username, "action": self.action, "ok": self.ok,
                "source": self.source, "target": self.target, "detail": self.detail}


def record(db: OfficeDB, action: str, *, user: str | None = None, ok: bool = True, source: str = "",
           target: str = "", detail: dict[str, Any] | None = None) -> int:
    """Append one event; returns its id. `user` is the acting user's name (None: unknown)."""
    text = json.dumps(detail or {}, ensure_ascii=False, default=str)
    if len(text) > MAX_DETAIL_CHARS:
        text = json.dumps({"truncated": text[:MAX_DETAIL_CHARS]}, ensure_ascii=False)
    cur = db.execute(
        "INSERT INTO audit(ts, username, action, ok, source, target, detail) VALUES (?,?,?,?,?,?,?)",
        (db.now(), user, action, int(bool(ok)), str(source or "")[:200], str(target or "")[:500], text),
    )
    return int(cur.lastrowid)


def parse_since(value: str | float | None, now: float) -> float | None:
    """Seconds since the epoch from "2026-11-20", "2026-11-20T14:00", "90m", "12h", "7d" or a number."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    s = str(value).strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw])", s.lower())
    if m:
        unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
        return now - float(m.group(1)) * unit
    try:
        dt = datetime.fromisoformat(s)
    except ValueError as exc:
        raise ValueError(f"--since {value!r}: give a date (2026-11-20), a date and time (2026-11-20T14:00) "
                         f"or an age such as 90m, 12h, 7d") from exc
    if dt.tzinfo is None:
        dt = dt.astimezone()  # local time, as a person typing a date means it
    return dt.timestamp()


def query(db: OfficeDB, *, user: str | None = None, since: str | float | None = None,
          action: str | None = None, limit: int | None = None) -> list[AuditEvent]:
    """Events oldest first; filtered by acting user (or target of a failed login), start time and action."""
    sql = "SELECT id, ts, username, action, ok, source, target, detail FROM audit WHERE 1=1"
    args: list[Any] = []
    if user:
        sql += " AND (username=? OR (username IS NULL AND action LIKE 'login%' AND target=?))"
        args += [user, user]
    t = parse_since(since, db.now())
    if t is not None:
        sql += " AND ts>=?"
        args.append(t)
    if action:
        sql += " AND (action=? OR action LIKE ?)"
        args += [action, action + ".%"]
    sql += " ORDER BY id"
    rows = db.query(sql, args)
    if limit:
        rows = rows[-int(limit):]
    return [AuditEvent(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], json.loads(r[7] or "{}")) for r in rows]
