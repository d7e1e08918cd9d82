"""Which collections a user reads, as retrieval filters and as checks on what leaves the server.

Access is enforced inside retrieval: `retrieval_filters` adds the user's readable
collections as the retriever's `collection` filter, which is applied before
ranking (rag/retriever.py), so an unreadable passage is never a candidate. The
`check_*` functions are a second line behind it: the shells run every answer,
briefing and listing through them before it leaves, and a passage from an
unreadable collection there is a bug, raised as `AccessLeak` (the API answers
with a generic error and logs it) rather than shown.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from corpus.collections import KEY, collection_of, normalise_collection
from corpus.store import ChunkStore, DocumentRecord
from ui.office.accounts import User

log = logging.getLogger(__name__)

_COLLECTION_KEYS = ("collection", "collections", "collectie")


class AccessLeak(RuntimeError):
    """Something from a collection the user may not read was about to leave the server."""


def retrieval_filters(user: User, filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """`filters` with the user's readable collections added (intersected with any the caller asked for).

    An empty intersection stays an empty `collection` list, which the retriever reads as
    "nothing", never as "no filter".
    """
    out = dict(filters or {})
    requested: set[str] | None = None
    for key in list(out):
        if key.lower() in _COLLECTION_KEYS:
            value = out.pop(key)
            if value is None or value == "":
                continue  # not asked for: the user's own collections apply
            values = value if isinstance(value, (list, tuple, set)) else str(value).split(",")
            names = set()
            for v in values:
                try:
                    names.add(normalise_collection(v))
                except ValueError:
                    continue  # no grant can name it, so it matches nothing
            requested = names if requested is None else requested & names
    if user.unrestricted:
        allowed = requested
    else:
        allowed = set(user.collections) if requested is None else requested & set(user.collections)
    if allowed is not None:
        out["collection"] = sorted(allowed)
    return out or None


def doc_collections(store: ChunkStore) -> dict[str, str]:
    """doc_id -> collection for every stored document (read fresh)."""
    return {doc_id: collection_of({KEY: c}) for doc_id, c in store.doc_field(KEY).items()}


def readable_documents(user: User, store: ChunkStore) -> list[DocumentRecord]:
    colls = doc_collections(store)
    return [d for d in store.documents() if user.can_read(colls.get(d.doc_id, collection_of(d.metadata)))]


def visible(user: User, collections: Iterable[str]) -> bool:
    """Whether a stored answer or feedback item drawn from `collections` may be shown to `user`."""
    return user.unrestricted or all(c in user.collections for c in collections)


def collections_of_docs(doc_ids: Iterable[str], colls: dict[str, str]) -> list[str]:
    """The collections of these documents; a document no longer stored counts as unreadable ("!gone")."""
    return sorted({colls.get(d, "!gone") for d in doc_ids})


def answer_doc_ids(answer: dict) -> set[str]:
    """Every doc_id an ask object (Answer.to_dict()) shows: its citations and passages."""
    ids = {c.get("doc_id") for c in answer.get("citations") or []}
    ids |= {p.get("doc_id") for p in answer.get("passages") or []}
    return {i for i in ids if i}


def check_doc_ids(user: User, doc_ids: Iterable[str], colls: dict[str, str], what: str) -> None:
    if user.unrestricted:
        return
    bad = sorted({d for d in doc_ids if colls.get(d) not in user.collections})
    if bad:
        log.error("access leak blocked: %s for %s would show %d document(s) outside %s: %s",
                  what, user.username, len(bad), list(user.collections), bad)
        raise AccessLeak(f"{what}: result held documents outside the user's collections")


def check_answer(user: User, answer: dict, colls: dict[str, str]) -> None:
    check_doc_ids(user, answer_doc_ids(answer), colls, "answer")


def check_passages(user: User, passages: Iterable[Any], colls: dict[str, str], what: str = "search") -> None:
    check_doc_ids(user, [p.chunk.doc_id for p in passages], colls, what)
