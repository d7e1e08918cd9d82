"""Incremental ingest: files and folders -> chunk store -> indexes.

A file is fingerprinted by the SHA-256 of its bytes (and of its metadata sidecar) plus
the versions of the loaders and the cleaning pipeline and the chunking settings. A file
whose fingerprint matches the stored one is not even parsed; a changed file replaces
its document in one transaction (`ChunkStore.replace_document`), so a crash mid-ingest
leaves every document either in its old or its new state. Bad files are reported with
a one-line reason and skipped; what was stored for them before is kept.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import time
from collections.abc import Iterable
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus import loaders
from corpus.collections import DEFAULT_COLLECTION, KEY, normalise_collection
from corpus.errors import LoadError
from corpus.settings import Settings
from corpus.store import (
    ChunkStore,
    DiskFullError,
    StoreError,
    disk_full_message,
    os_error_message,
    readonly_message,
)

log = logging.getLogger(__name__)

STATUSES = ("added", "updated", "unchanged", "skipped", "failed", "removed")


@dataclass
class FileResult:
    path: str
    doc_id: str | None
    status: str  # one of STATUSES
    added: int = 0  # chunks
    unchanged: int = 0
    removed: int = 0
    reason: str = ""
    seconds: float = 0.0
    # For "updated" and "removed": what was stored before and is now replaced or gone.
    replaces: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class RebuildRefused(ValueError):
    """`--rebuild` found nothing it could ingest: the store is left as it was."""


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0
    index: dict = field(default_factory=dict)  # what sync_indexes reported
    index_error: str | None = None

    @property
    def skipped(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "skipped"]

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when every file was ingested (or unchanged) and the indexes are in step."""
        return not self.skipped and not self.failed and self.index_error is None

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for r in self.results:
            out[r.status] += 1
        out["chunks_added"] = sum(r.added for r in self.results)
        out["chunks_unchanged"] = sum(r.unchanged for r in self.results)
        out["chunks_removed"] = sum(r.removed for r in self.results)
        return out

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "counts": self.counts(),
            "files": [r.to_dict() for r in self.results],
            "index": self.index,
            "index_error": self.index_error,
        }


def pipeline_version(settings: Settings) -> str:
    """Everything besides the bytes that decides what a file turns into."""
    from corpus import pipeline

    version = getattr(pipeline, "PIPELINE_VERSION", "0")
    return (
        f"loaders={loaders.LOADER_VERSION};pipeline={version};"
        f"chunk={settings.chunk_min_words}-{settings.chunk_max_words}"
    )


def fingerprint(data: bytes, sidecar: bytes, settings: Settings, collection: str | None = None) -> str:
    h = hashlib.sha256(data)
    if sidecar:
        h.update(b"\x00sidecar\x00" + sidecar)
    if collection and collection != DEFAULT_COLLECTION:
        # Moving a file to another collection must re-store it; the default adds nothing, so
        # fingerprints from before collections existed stay valid.
        h.update(b"\x00collection\x00" + collection.encode())
    v = hashlib.sha256(pipeline_version(settings).encode()).hexdigest()[:12]
    return f"{h.hexdigest()}:{v}"


def open_store(settings: Settings, *, rebuild: bool = False) -> ChunkStore:
    """The store under settings.home; with `rebuild`, an unreadable one is moved aside and replaced."""
    store = ChunkStore(settings.home)
    try:
        store.generation()
    except StoreError as exc:
        # Only a damaged store is moved aside: a full disk, a read-only home or a home that is a
        # file is reported as it is (moving the store would not help and could lose it).
        if not rebuild or isinstance(exc, DiskFullError) or not store.path.is_file() or _not_corrupt(store):
            raise
        aside = store.path.with_name(f"{store.path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        store.close()
        for suffix in ("-wal", "-shm"):
            store.path.with_name(store.path.name + suffix).unlink(missing_ok=True)
        store.path.rename(aside)
        log.warning("unreadable chunk store moved aside to %s; rebuilding", aside)
        store = ChunkStore(settings.home)
    return store


def _not_corrupt(store: ChunkStore) -> bool:
    """True when the store failed to open for a reason other than damage (full disk, read-only
    home, home is a file): moving it aside would not help, and could lose it."""
    import sqlite3
    import urllib.parse

    try:
        uri = "file:" + urllib.parse.quote(str(store.path.absolute())) + "?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            conn.execute("PRAGMA schema_version").fetchone()
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        return False


def describe(doc) -> str:
    """A stored document in one line: doc_id, title, file, passages, when it was ingested."""
    title = f" «{doc.title}»" if doc.title and doc.title != doc.doc_id else ""
    return f"{doc.doc_id}{title} from {doc.path} ({doc.n_chunks} passages, ingested {doc.ingested_at})"


def _under(path: str, folders: list[Path]) -> bool:
    p = Path(path)
    return any(p == f or f in p.parents for f in folders)


def ingest_paths(paths: Iterable[Path | str], settings: Settings, *, wait: bool = True,
                 on_wait=None, **options) -> IngestReport:
    """`_ingest_paths` under the home's writer lock (corpus/homelock.py): one writer per home.

    When another ingest holds the home: with `wait` (default) log "another ingest is running
    since …, waiting" (and call `on_wait(message)`) and go on when it is done; without, raise
    corpus.homelock.HomeBusyError. Raises StoreError when the home cannot be written.
    """
    with _home_lock(settings, wait=wait, on_wait=on_wait):
        return _ingest_paths(paths, settings, **options)


def holds_home_lock(fn):
    """Run an ingest function `fn(paths, settings, ...)` under the home's writer lock; adds the
    `wait` and `on_wait` keywords of `ingest_paths` (used by the Ray engine)."""

    @functools.wraps(fn)
    def wrapper(paths, settings, *args, wait: bool = True, on_wait=None, **kwargs):
        with _home_lock(settings, wait=wait, on_wait=on_wait):
            return fn(paths, settings, *args, **kwargs)

    return wrapper


@contextmanager
def _home_lock(settings: Settings, *, wait: bool = True, on_wait=None):
    """The writer lock, with an unwritable home (read-only, a file, full) reported as a StoreError."""
    from corpus.homelock import writer_lock

    lock = writer_lock(settings.home, wait=wait, on_wait=on_wait)
    try:
        lock.__enter__()
    except OSError as exc:
        raise StoreError(os_error_message(exc, settings.home, "lock the Griffier home for writing")) from exc
    with ExitStack() as stack:
        stack.push(lock)
        yield


def _ingest_paths(
    paths: Iterable[Path | str],
    settings: Settings,
    *,
    prune: bool = False,
    rebuild: bool = False,
    progress: bool = True,
    collection: str | None = None,
    follow_symlinks: bool = False,
) -> IngestReport:
    """Ingest files and folders (recursively) into the store under `settings.home`.

    Raises FileNotFoundError when a given path does not exist (nothing is changed then).
    `prune` removes stored documents whose file, under one of the given folders, is gone;
    `rebuild` re-processes every file and then removes the stored documents that did not come
    from this run (each listed in the report); when no file under the paths could be ingested it
    raises RebuildRefused and changes nothing. `follow_symlinks` follows links that point outside
    the given folders (corpus.loaders.discover). `collection` puts every file in that collection (default:
    the sidecar's `collection`, else "algemeen"); ValueError when the name is invalid. Per-file problems do not raise: they are in the
    report as "skipped" (bad input, with the reason and fix) or "failed" (a bug).
    """
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from corpus.pipeline import process
    from rag.indexing import sync_indexes

    t0 = time.perf_counter()
    if collection is not None:
        collection = normalise_collection(collection)
    paths = [Path(p).expanduser() for p in paths]
    links: list[tuple[Path, str]] = []
    files = loaders.discover(paths, follow_symlinks=follow_symlinks, skipped=links)  # raises before anything is touched
    folders = [p.absolute() for p in paths if p.is_dir()]
    store = open_store(settings, rebuild=rebuild)
    if store.readonly:
        raise StoreError(readonly_message(settings.home))
    report = IngestReport()
    for link, why in links:
        report.results.append(FileResult(loaders.path_text(link), loaders.doc_id_for(link), "skipped", reason=why))
        _log_result(report.results[-1])
    stored = {d.doc_id: d for d in store.documents()}
    claimed: dict[str, Path] = {}  # doc_id -> file, in this run

    with logging_redirect_tqdm():  # warnings about bad files must not garble the bar
        bar = tqdm(files, desc="ingest", unit="file", disable=not progress, dynamic_ncols=True)
        for path in bar:
            bar.set_postfix_str(path.name[-40:], refresh=False)
            t1 = time.perf_counter()
            res = _ingest_one(path, settings, store, stored, claimed, process, collection, rebuild=rebuild)
            res.seconds = round(time.perf_counter() - t1, 3)
            if res.status in ("added", "updated", "unchanged"):
                # Only a file that made it claims its doc_id: a scan skipped for lack of text
                # must not block the OCR'd .txt of the same name beside it.
                claimed[res.doc_id] = path
            report.results.append(res)
            _log_result(res)
        bar.close()

    if rebuild:
        _finish_rebuild(paths, store, stored, claimed, report)

    if prune:
        seen = {loaders.path_text(p) for p in files}
        for doc in store.documents():
            if doc.path not in seen and _under(doc.path, folders) and not os.path.lexists(doc.path):
                n = store.remove_document(doc.doc_id)
                res = FileResult(doc.path, doc.doc_id, "removed", removed=n, reason="file is gone (--prune)",
                                 replaces=describe(doc))
                report.results.append(res)
                _log_result(res)

    try:
        # A rebuild also rebuilds the indexes: it is the fix for an index made with another model.
        extra = {"rebuild": True} if rebuild else {}
        report.index = sync_indexes(store, settings, progress=progress, **extra) or {}
    except Exception as exc:  # the store is consistent; the indexes can be synced again
        log.error("index update failed: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
        report.index_error = _index_error(exc, settings)
    report.seconds = time.perf_counter() - t0
    c = report.counts()
    log.info(
        "ingest done in %.2f s: %d added, %d updated, %d unchanged, %d removed, %d skipped, %d failed; "
        "chunks +%d =%d -%d",
        report.seconds, c["added"], c["updated"], c["unchanged"], c["removed"], c["skipped"], c["failed"],
        c["chunks_added"], c["chunks_unchanged"], c["chunks_removed"],
    )
    return report


def _index_error(exc: Exception, settings: Settings) -> str:
    """The index_error line: a full disk or an unwritable home said as such, with the fix."""
    import sqlite3

    then = "; the chunk store is up to date, run the ingest again"
    if isinstance(exc, OSError) and exc.errno is not None:
        return os_error_message(exc, settings.home, "write the index") + then
    if isinstance(exc, sqlite3.DatabaseError) and (
            getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)):
        return disk_full_message(settings.home) + then
    return f"{type(exc).__name__}: {exc}{then}"


def _finish_rebuild(paths, store: ChunkStore, stored: dict, claimed: dict, report: IngestReport) -> None:
    """After a rebuild's files: refuse when none made it (nothing was changed), else remove every
    stored document this run did not produce, each listed in the report."""
    if not claimed:
        c = report.counts()
        where = ", ".join(loaders.path_text(p) for p in paths)
        raise RebuildRefused(
            f"--rebuild found nothing to ingest under {where} ({len(report.results)} file(s): {c['skipped']} "
            f"skipped, {c['failed']} failed), so the store was left as it was ({len(stored)} document(s)). "
            f"Check the path; to empty the store, remove the documents with `griffier remove DOC_ID`."
        )
    for doc_id, doc in stored.items():
        if doc_id not in claimed:
            n = store.remove_document(doc_id)
            res = FileResult(doc.path, doc_id, "removed", removed=n, reason="not among the rebuilt files (--rebuild)",
                             replaces=describe(doc))
            report.results.append(res)
            _log_result(res)


def _ingest_one(path, settings, store, stored, claimed, process, collection=None, *, rebuild=False) -> FileResult:
    doc_id = loaders.doc_id_for(path)
    spath = loaders.path_text(path)
    prev = stored.get(doc_id)
    kept = " (the stored version is kept)" if prev is not None and prev.path == spath else ""
    try:
        size = loaders.check_file(path, settings)
        if doc_id in claimed:
            return FileResult(spath, doc_id, "failed", reason=(
                f"doc_id {doc_id!r} also comes from {claimed[doc_id]}; the doc_id is the file name "
                f"without extension, so rename one of the two files"))
        if (not rebuild and prev is not None and prev.path != spath and os.path.lexists(prev.path)
                and not _same_file(prev.path, path)):
            return FileResult(spath, doc_id, "failed", reason=(
                f"doc_id {doc_id!r} is already stored from {prev.path}; rename this file, or run "
                f"`griffier remove {doc_id}` first"))
        data = loaders.read_bytes(path)
        _, side = loaders.read_sidecar(path)
        fp = fingerprint(data, side, settings, collection)
        if prev is not None and prev.fingerprint == fp and not rebuild:
            if prev.path != spath:  # moved or renamed folder, same content: no re-processing
                store.update_path(doc_id, spath)
            return FileResult(spath, doc_id, "unchanged", unchanged=prev.n_chunks)
        raw = loaders.load_file(path, settings, data=data)
    except LoadError as exc:
        return FileResult(spath, doc_id, "skipped", reason=exc.message + kept)
    except Exception as exc:  # a loader bug: report it, keep going
        log.debug("loading %s failed", path, exc_info=True)
        return FileResult(spath, doc_id, "failed", reason=f"loader error {type(exc).__name__}: {exc}{kept}")
    try:
        doc, chunks = process(raw, settings)
    except Exception as exc:  # a pipeline bug: report it, keep going
        log.debug("processing %s failed", path, exc_info=True)
        return FileResult(spath, doc_id, "failed", reason=f"pipeline error {type(exc).__name__}: {exc}{kept}")
    if not chunks:
        return FileResult(spath, doc_id, "skipped", reason="no text left after cleaning; check the file" + kept)
    try:
        set_collection(doc, collection)
    except ValueError as exc:  # an invalid name in the sidecar
        return FileResult(spath, doc_id, "skipped", reason=f"sidecar: {exc}{kept}")
    try:
        summary = store.replace_document(doc, chunks, fp, size)
    except DiskFullError:
        raise  # every further file would fail the same way: stop, the store is intact
    except Exception as exc:  # noqa: BLE001 - e.g. unserialisable metadata; the transaction rolled back
        return FileResult(spath, doc_id, "failed", reason=f"store error {type(exc).__name__}: {exc}{kept}")
    status = "added" if prev is None else "updated"
    return FileResult(spath, doc_id, status, summary.added, summary.unchanged, summary.removed,
                      replaces=describe(prev) if prev is not None else "")


def set_collection(doc, collection: str | None) -> None:
    """Put `doc` in `collection`, else in its sidecar's (validated), else in the default one."""
    doc.metadata[KEY] = normalise_collection(collection or doc.metadata.get(KEY) or DEFAULT_COLLECTION)


def _same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _log_result(r: FileResult) -> None:
    from corpus.display import terminal_safe as safe  # names and reasons come from files: no escape codes

    if r.status in ("skipped", "failed"):
        log.warning("%s %s: %s", r.status, safe(r.path), safe(r.reason))
    elif r.status == "removed" or (r.status == "updated" and r.replaces):
        log.info("%s %s: %s", r.status, safe(r.path), safe(r.replaces or r.reason))
    else:
        log.debug("%-9s %s (chunks +%d =%d -%d, %.2fs)", r.status, safe(r.path), r.added, r.unchanged, r.removed,
                  r.seconds)


def remove_document(doc_id: str, settings: Settings, *, progress: bool = False, wait: bool = True) -> int:
    """Remove one document and its chunks, then bring the indexes in step (under the writer lock).

    Returns the number of chunks removed; raises KeyError (naming the doc_id) when unknown.
    What goes is logged (`describe`); callers that show it should read the record first.
    """
    from rag.indexing import sync_indexes

    with _home_lock(settings, wait=wait):
        store = open_store(settings)
        doc = store.get_document(doc_id)
        if doc is None:
            raise KeyError(f"no stored document {doc_id!r}; `griffier documents` lists them")
        if store.readonly:
            raise StoreError(readonly_message(settings.home))
        n = store.remove_document(doc_id)
        log.info("removed %s", describe(doc))
        sync_indexes(store, settings, progress=progress)
    return n
