"""Documents as a user sees them: list the readable ones, upload into a granted collection, remove.

Shared by the API and the web app so both apply the same rules. Ingesting and
removing are `rag.ingest.ingest_paths` / `remove_document`; this module adds who
may, and what they may learn. A document in a collection the user does not read
is treated as absent (NotFound), so not even its existence leaks; doc_ids are
global (the file name), so an upload whose name is taken there is refused
(NameTaken) without naming the collection. Uploads are kept under
`<home>/uploads/<collection>/` so `griffier ingest --prune` leaves them alone.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from corpus.collections import DEFAULT_COLLECTION, collection_of, normalise_collection
from ui.office.accounts import User

log = logging.getLogger(__name__)

MAX_NAME_CHARS = 120
_INGEST_LOCK = threading.Lock()  # one upload or removal at a time in this process (ingest has its own home lock)


class DocumentError(Exception):
    """An upload or removal refused; `status` is the HTTP status the API answers with."""

    status = 400


class NotAllowed(DocumentError):
    status = 403


class NotFound(DocumentError):
    status = 404


class NameTaken(DocumentError):
    status = 409


class TooLarge(DocumentError):
    status = 413


class Unsupported(DocumentError):
    status = 415


class Rejected(DocumentError):
    status = 422


@dataclass
class UploadResult:
    doc_id: str
    collection: str
    status: str  # added, updated or unchanged
    chunks: int
    title: str | None
    index_error: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("index_error")
        return d


def safe_name(name: str) -> str:
    """A file name without folders or odd characters (its stem becomes the doc_id)."""
    base = Path(str(name or "").replace("\\", "/")).name
    clean = re.sub(r"[^\w.\-]+", "_", base).strip("._")
    if len(clean) > MAX_NAME_CHARS:  # shorten the stem, not the extension (else a long name reads as a bad type)
        suffix = Path(clean).suffix if len(Path(clean).suffix) <= 10 else ""
        clean = clean[: MAX_NAME_CHARS - len(suffix)].rstrip("._") + suffix
    return clean or "document"


def _store(settings):
    from rag.ingest import open_store

    return open_store(settings)


def list_documents(office, user: User) -> list[dict]:
    """The documents `user` reads, as plain dicts (no server paths: `file_name` only)."""
    docs = office.readable_documents(user, _store(office.settings))
    return [{"doc_id": d.doc_id, "title": d.title, "collection": collection_of(d.metadata),
             "file_name": Path(d.path).name, "n_chunks": d.n_chunks, "size": d.size, "ingested_at": d.ingested_at,
             "metadata": {k: v for k, v in d.metadata.items() if k != "removed_lines"}} for d in docs]


def upload_document(office, user: User, filename: str, data: bytes, collection: str = DEFAULT_COLLECTION,
                    *, source: str = "") -> UploadResult:
    """Save and ingest one uploaded file into `collection`; raises a DocumentError subclass when refused.

    Audited as "upload" (ok or not). The size limit is `Settings.api_max_upload_mb`.
    """
    from corpus import loaders
    from rag.ingest import ingest_paths

    settings = office.settings
    try:
        collection = normalise_collection(collection or DEFAULT_COLLECTION)
    except ValueError as exc:
        raise Rejected(str(exc)) from None
    if not user.can_write(collection):
        office.audit(user, "upload", ok=False, source=source, target=collection, detail={"reason": "no grant"})
        raise NotAllowed(f"you may not add documents to collection {collection!r}")
    name = safe_name(filename)
    ext = Path(name).suffix.lower()
    if ext not in loaders.EXTENSIONS:
        allowed = " ".join(sorted(set(loaders.EXTENSIONS)))
        raise Unsupported(f"file type {ext or '(none)'!r} is not supported; upload one of: {allowed}")
    if len(data) > settings.api_max_upload_mb * 1e6:
        raise TooLarge(f"file too large; the limit is {settings.api_max_upload_mb:g} MB")
    if not data:
        raise Rejected("the file is empty")

    doc_id = loaders.doc_id_for(Path(name))
    target = Path(settings.home) / "uploads" / collection / name
    with _INGEST_LOCK:
        prev = _store(settings).get_document(doc_id)
        if prev is not None:
            prev_coll = collection_of(prev.metadata)
            if not user.can_read(prev_coll):
                raise NameTaken(f"the name {doc_id!r} is already taken; rename the file and upload again")
            if prev_coll != collection:
                raise NameTaken(f"{doc_id!r} is already stored in collection {prev_coll!r}; remove it first or "
                                f"rename the file")
            if prev.path != str(target) and os.path.lexists(prev.path):
                raise NameTaken(f"{doc_id!r} is already stored from another file; remove it first or rename the file")
        target.parent.mkdir(parents=True, exist_ok=True)
        old = target.read_bytes() if target.exists() else None
        tmp = target.with_name(f".{target.name}.upload")
        tmp.write_bytes(bytes(data))
        os.replace(tmp, target)
        report = ingest_paths([target], settings, progress=False, collection=collection)
        res = report.results[0] if report.results else None
        ok = res is not None and res.status in ("added", "updated", "unchanged")
        if not ok:  # keep the file that goes with what is stored, or none
            if old is not None:
                target.write_bytes(old)
            else:
                target.unlink(missing_ok=True)
    if not ok:
        reason = (res.reason if res else "nothing ingested").replace(str(settings.home), "<home>")
        office.audit(user, "upload", ok=False, source=source, target=doc_id,
                     detail={"collection": collection, "reason": reason[:300]})
        raise Rejected(f"{name}: not added: {reason}")
    if report.index_error:
        log.error("upload %s: index update failed: %s", doc_id, report.index_error)
    doc = _store(settings).get_document(doc_id)
    office.audit(user, "upload", source=source, target=doc_id,
                 detail={"collection": collection, "status": res.status, "bytes": len(data)})
    return UploadResult(doc_id, collection, res.status, res.added + res.unchanged, doc.title if doc else None,
                        report.index_error)


def delete_document(office, user: User, doc_id: str, *, source: str = "") -> int:
    """Remove a document the user may write (and its uploaded file); returns the chunks removed.

    NotFound for an unknown document and for one in a collection the user does not read.
    """
    from rag.ingest import remove_document

    settings = office.settings
    with _INGEST_LOCK:
        doc = _store(settings).get_document(doc_id)
        coll = collection_of(doc.metadata) if doc is not None else None
        if doc is None or not user.can_read(coll):
            office.audit(user, "delete", ok=False, source=source, target=doc_id, detail={"reason": "not found"})
            raise NotFound(f"no document {doc_id!r}")
        if not user.can_write(coll):
            office.audit(user, "delete", ok=False, source=source, target=doc_id, detail={"reason": "no grant"})
            raise NotAllowed(f"you may not remove documents from collection {coll!r}")
        n = remove_document(doc_id, settings)
        # An uploaded file goes too: otherwise a later `griffier ingest <home>/uploads` brings it back.
        uploads = (Path(settings.home) / "uploads").resolve()
        path = Path(doc.path)
        if uploads in path.resolve().parents and path.is_file():
            path.unlink()
    office.audit(user, "delete", source=source, target=doc_id, detail={"collection": coll, "chunks": n})
    return n
