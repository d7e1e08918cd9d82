"""Stored conversations (ui.office.history) back into the chat page's messages.

Pure functions, no Streamlit: a turn keeps the ask object (`Answer.to_dict()`);
the chat shows `Answer` objects, so the stored dicts are turned back into them.
"""

from __future__ import annotations

from typing import Any

from corpus.models import Answer, Chunk, Citation, Passage
from ui.render import Message


def _chunk(d: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=str(d.get("chunk_id", "")), doc_id=str(d.get("doc_id", "")), text=str(d.get("text") or ""),
        page_start=d.get("page_start"), page_end=d.get("page_end"), section=d.get("section"),
        metadata=dict(d.get("metadata") or {}), citation=str(d.get("citation") or ""),
    )


def answer_from_dict(d: dict[str, Any]) -> Answer:
    """An `Answer` from its ask object (the `ask --json` contract, as stored with each turn)."""
    citations = [Citation(int(c.get("n", i + 1)), str(c.get("chunk_id", "")), str(c.get("doc_id", "")),
                          str(c.get("quote") or ""), c.get("page_start", c.get("page")), str(c.get("citation") or ""))
                 for i, c in enumerate(d.get("citations") or [])]
    passages = [Passage(_chunk(p), float(p.get("score") or 0.0), int(p.get("rank") or i + 1))
                for i, p in enumerate(d.get("passages") or [])]
    return Answer(
        question=str(d.get("question") or ""), text=str(d.get("answer") or ""), citations=citations,
        refused=bool(d.get("refused")), model=str(d.get("model") or ""), passages=passages,
        flags=[str(f) for f in d.get("flags") or []], timings=dict(d.get("timings") or {}),
        standalone_question=d.get("standalone_question"), checks=list(d.get("sentences") or []),
    )


def messages_from_turns(turns: list[Any]) -> list[Message]:
    """The chat messages of stored turns (ui.office.history.Turn), keyed as the chat page keys them."""
    out: list[Message] = []
    for t in turns:
        out.append(Message("user", t.question, key=f"m{len(out)}"))
        answer = answer_from_dict(t.answer)
        out.append(Message("assistant", answer.text, answer, key=f"m{len(out)}", turn_id=t.id))
    return out
