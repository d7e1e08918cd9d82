"""Thumbs up or down, with an optional comment, on an answer; exported as gold-question candidates.

Feedback keeps the question, the whole ask object (answer, citations, passages)
and the collections it drew on, so it stays meaningful after the index changes
and is shown only to people who read all those collections. One vote per user
per answer: voting again replaces the earlier vote.

`gold_candidates` turns feedback into rows in the gold-question format
(eval/gold/*.jsonl): a thumbs-up answer suggests its cited documents and quotes
as `doc` and `evidence`; a thumbs-down one is a question the system got wrong,
whose right evidence a person must still find. Every candidate is marked
`needs_review`: feedback is a lead for the gold set, not a label (DESIGN.md:
gold data is written blind to Griffier's output).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ui.office import access, audit, history
from ui.office.accounts import User
from ui.office.db import OfficeDB

MAX_COMMENT_CHARS = 2000


@dataclass
class Feedback:
    id: str
    username: str
    turn_id: str | None
    rating: int  # 1 = thumbs up, -1 = thumbs down
    comment: str
    question: str
    answer: dict  # the ask object
    collections: list[str]
    created_at: float

    def to_dict(self) -> dict:
        return {"id": self.id, "user": self.username, "turn_id": self.turn_id,
                "rating": "up" if self.rating > 0 else "down", "comment": self.comment, "question": self.question,
                "answer": self.answer, "created_at": datetime.fromtimestamp(self.created_at, UTC)
                .isoformat(timespec="seconds")}


def parse_rating(value: Any) -> int:
    s = str(value).strip().lower()
    if s in ("1", "+1", "up", "true", "good", "goed", "👍"):
        return 1
    if s in ("-1", "down", "false", "bad", "fout", "slecht", "👎"):
        return -1
    raise ValueError(f"rating {value!r}: use up or down (1 or -1)")


def record_feedback(db: OfficeDB, user: User, rating: Any, *, comment: str = "", turn_id: str | None = None,
                    question: str | None = None, answer: Any = None, collections: list[str] | None = None,
                    source: str = "") -> Feedback:
    """Store a vote on an answer.

    Preferably by `turn_id` (an answer stored with history.add_turn): question, answer and
    collections then come from the server's own record and cannot be forged. Without it, give
    `question`, `answer` (an `Answer` or ask object) and `collections` (of the answer's
    documents, see access.collections_of_docs). KeyError for a turn that is not the user's,
    ValueError for a bad rating or missing answer.
    """
    vote = parse_rating(rating)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValueError(f"comment too long: at most {MAX_COMMENT_CHARS} characters")
    if turn_id:
        turn = history.get_turn(db, user, turn_id)
        question, data, colls = turn.question, turn.answer, turn.collections
    else:
        if not question or answer is None or collections is None:
            raise ValueError("feedback needs a turn_id, or a question, an answer and its collections")
        data = answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)
        colls = sorted(collections)
    fb = Feedback(uuid.uuid4().hex, user.username, turn_id, vote, comment, str(question), data, list(colls), db.now())
    with db.transaction() as conn:
        if turn_id:
            conn.execute("DELETE FROM feedback WHERE username=? AND turn_id=?", (user.username, turn_id))
        conn.execute("INSERT INTO feedback VALUES (?,?,?,?,?,?,?,?,?)",
                     (fb.id, fb.username, fb.turn_id, fb.rating, fb.comment, fb.question,
                      json.dumps(data, ensure_ascii=False), json.dumps(fb.collections), fb.created_at))
    audit.record(db, "feedback", user=user.username, source=source, target=turn_id or fb.id,
                 detail={"rating": "up" if vote > 0 else "down", "has_comment": bool(comment)})
    return fb


def list_feedback(db: OfficeDB, viewer: User, *, rating: int | None = None) -> list[Feedback]:
    """Feedback the viewer may see, newest first: editors and admins see everyone's on the
    collections they read (the evaluation page), readers only their own."""
    sql = ("SELECT id, username, turn_id, rating, comment, question, answer, collections, created_at FROM feedback "
           "WHERE 1=1")
    args: list[Any] = []
    if not viewer.at_least("editor"):
        sql += " AND username=?"
        args.append(viewer.username)
    if rating is not None:
        sql += " AND rating=?"
        args.append(int(rating))
    out = []
    for r in db.query(sql + " ORDER BY created_at DESC, rowid DESC", args):
        colls = json.loads(r[7])
        if access.visible(viewer, colls):
            out.append(Feedback(r[0], r[1], r[2], int(r[3]), r[4], r[5], json.loads(r[6]), colls, r[8]))
    return out


def gold_candidates(items: list[Feedback]) -> list[dict]:
    """Rows in the gold-question format (id, question, doc, evidence, answer_facts, type, fractie) to review."""
    rows = []
    for fb in items:
        ans = fb.answer
        cites = ans.get("citations") or []
        docs = sorted({c.get("doc_id") for c in cites if c.get("doc_id")})
        good = fb.rating > 0
        if good and ans.get("refused"):
            doc: Any = None  # a refusal the user agreed with: an unanswerable question
        elif good and docs:
            doc = docs[0] if len(docs) == 1 else docs
        else:
            doc = "?"  # the right document is unknown: a person fills it in
        rows.append({
            "id": f"fb-{fb.id[:10]}",
            "question": fb.question,
            "doc": doc,
            "evidence": [c.get("quote", "") for c in cites if c.get("quote")] if good else [],
            "answer_facts": [],
            "type": "feedback",
            "fractie": None,
            "needs_review": True,
            "feedback": {"rating": "up" if good else "down", "comment": fb.comment, "answer": ans.get("answer", "")},
        })
    return rows


def export_gold_candidates(items: list[Feedback], path: Path | str) -> int:
    """Write `gold_candidates(items)` as JSON Lines; returns the number of rows."""
    rows = gold_candidates(items)
    Path(path).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return len(rows)
