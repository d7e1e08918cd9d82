"""Conversations: each user's questions and checked answers, kept across reloads and restarts.

A conversation is a list of turns (question + the ask object, `Answer.to_dict()`).
Only its owner reads it, and only the turns whose passages all come from
collections the owner still reads: a grant taken away also takes away what was
answered from it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from corpus.display import markdown_line, markdown_text
from ui.office import access
from ui.office.accounts import User
from ui.office.db import OfficeDB

TITLE_CHARS = 80


@dataclass
class Turn:
    id: str
    conversation_id: str
    seq: int
    question: str
    answer: dict  # the ask object
    collections: list[str]
    created_at: float

    def to_dict(self) -> dict:
        return {"id": self.id, "conversation_id": self.conversation_id, "seq": self.seq, "question": self.question,
                "answer": self.answer, "created_at": _iso(self.created_at)}


@dataclass
class Conversation:
    id: str
    username: str
    title: str
    created_at: float
    updated_at: float
    n_turns: int = 0
    turns: list[Turn] = field(default_factory=list)

    def history(self, max_turns: int = 4) -> list[dict]:
        """The last turns as chat messages, for `Answerer.stream(history=...)` follow-ups."""
        out: list[dict] = []
        for t in self.turns[-max_turns:]:
            out += [{"role": "user", "content": t.question},
                    {"role": "assistant", "content": t.answer.get("answer", "")}]
        return out

    def to_dict(self, with_turns: bool = False) -> dict:
        d: dict[str, Any] = {"id": self.id, "title": self.title, "created_at": _iso(self.created_at),
                             "updated_at": _iso(self.updated_at), "n_turns": self.n_turns}
        if with_turns:
            d["turns"] = [t.to_dict() for t in self.turns]
        return d


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def _as_dict(answer: Any) -> dict:
    return answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)


def new_conversation(db: OfficeDB, user: User, title: str = "") -> Conversation:
    now = db.now()
    conv = Conversation(uuid.uuid4().hex, user.username, title[:TITLE_CHARS], now, now)
    db.execute("INSERT INTO conversations VALUES (?,?,?,?,?)",
               (conv.id, conv.username, conv.title, now, now))
    return conv


def add_turn(db: OfficeDB, user: User, question: str, answer: Any, collections: list[str],
             conversation_id: str | None = None) -> Turn:
    """Store one question and its answer (an `Answer` or its dict) in the user's conversation.

    A new conversation is started when `conversation_id` is None; KeyError when it is not
    the user's. `collections`: those of the answer's passages (see access.collections_of_docs).
    """
    data = _as_dict(answer)
    now = db.now()
    with db.transaction() as conn:
        if conversation_id is None:
            conversation_id = uuid.uuid4().hex
            conn.execute("INSERT INTO conversations VALUES (?,?,?,?,?)",
                         (conversation_id, user.username, question.strip()[:TITLE_CHARS], now, now))
        else:
            row = conn.execute("SELECT username FROM conversations WHERE id=?", (conversation_id,)).fetchone()
            if row is None or row[0] != user.username:
                raise KeyError(f"no conversation {conversation_id!r} for this user")
            conn.execute("UPDATE conversations SET updated_at=?, title=CASE WHEN title='' THEN ? ELSE title END "
                         "WHERE id=?", (now, question.strip()[:TITLE_CHARS], conversation_id))
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE conversation_id=?",
                           (conversation_id,)).fetchone()[0]
        turn = Turn(uuid.uuid4().hex, conversation_id, int(seq), question, data, sorted(collections), now)
        conn.execute("INSERT INTO turns VALUES (?,?,?,?,?,?,?,?)",
                     (turn.id, conversation_id, user.username, turn.seq, question,
                      json.dumps(data, ensure_ascii=False), json.dumps(turn.collections), now))
    return turn


def list_conversations(db: OfficeDB, user: User) -> list[Conversation]:
    """The user's conversations, newest first; `n_turns` counts only the turns the user may still read."""
    convs = [Conversation(r[0], r[1], r[2], r[3], r[4]) for r in db.query(
        "SELECT id, username, title, created_at, updated_at FROM conversations WHERE username=? "
        "ORDER BY updated_at DESC, rowid DESC", (user.username,))]
    counts: dict[str, int] = {}
    for cid, colls in db.query("SELECT conversation_id, collections FROM turns WHERE username=?", (user.username,)):
        if access.visible(user, json.loads(colls)):
            counts[cid] = counts.get(cid, 0) + 1
    for c in convs:
        c.n_turns = counts.get(c.id, 0)
    return convs


def get_conversation(db: OfficeDB, user: User, conversation_id: str) -> Conversation:
    """One of the user's conversations with its readable turns; KeyError when it is not theirs."""
    rows = db.query("SELECT id, username, title, created_at, updated_at FROM conversations WHERE id=?",
                    (conversation_id,))
    if not rows or rows[0][1] != user.username:
        raise KeyError(f"no conversation {conversation_id!r} for this user")
    conv = Conversation(*rows[0])
    for r in db.query("SELECT id, conversation_id, seq, question, answer, collections, created_at FROM turns "
                      "WHERE conversation_id=? ORDER BY seq", (conversation_id,)):
        colls = json.loads(r[5])
        if not access.visible(user, colls):
            continue
        conv.turns.append(Turn(r[0], r[1], r[2], r[3], json.loads(r[4]), colls, r[6]))
    conv.n_turns = len(conv.turns)
    return conv


def get_turn(db: OfficeDB, user: User, turn_id: str) -> Turn:
    """One of the user's turns they may still read; KeyError otherwise."""
    rows = db.query("SELECT id, conversation_id, seq, question, answer, collections, created_at, username "
                    "FROM turns WHERE id=?", (turn_id,))
    if not rows or rows[0][7] != user.username or not access.visible(user, json.loads(rows[0][5])):
        raise KeyError(f"no answer {turn_id!r} for this user")
    r = rows[0]
    return Turn(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), r[6])


def delete_conversation(db: OfficeDB, user: User, conversation_id: str) -> bool:
    return db.execute("DELETE FROM conversations WHERE id=? AND username=?",
                      (conversation_id, user.username)).rowcount > 0


def export_conversation(conv: Conversation, fmt: str = "markdown") -> str:
    """The conversation as Markdown (questions, answers, sources) or as JSON."""
    if fmt == "json":
        return json.dumps(conv.to_dict(with_turns=True), ensure_ascii=False, indent=2)
    if fmt not in ("markdown", "md"):
        raise ValueError(f"export format {fmt!r}: use markdown or json")
    # Everything but our own labels is data (a document's quotes and titles, the user's question):
    # escaped, so the file shows it as text in any Markdown viewer instead of rendering an
    # <img onerror=...> or a remote ![image](...) from a document (as the briefing export does).
    lines = [f"# {markdown_line(conv.title or 'Gesprek')}", "", f"_{_iso(conv.created_at)}_", ""]
    for t in conv.turns:
        lines += [f"## Vraag: {markdown_line(t.question)}", "", markdown_text(t.answer.get("answer", "")), ""]
        cites = t.answer.get("citations") or []
        if cites:
            lines.append("Bronnen:")
            lines += [f"- [{c.get('n')}] {markdown_line(c.get('citation') or c.get('doc_id'))}: "
                      f"„{markdown_line(c.get('quote', ''))}”" for c in cites]
            lines.append("")
    return "\n".join(lines)
