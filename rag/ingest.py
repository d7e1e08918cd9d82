"""Incremental ingest: files and folders -> chunk store -> indexes.

A file is fingerprinted by the SHA-256 of its bytes (and of its metadata sidecar) plus
the versions of the loaders and the cleaning pipeline and the chunking settings. A file
whose fingerprint matches the stored one is not even parsed; a changed file replaces
its document in one transaction (`ChunkStore.replace_document`), so a crash mid-ingest
leaves every document either in its old or its new state. Bad files are reported with
a one-line reason and skipped; what was stored for them before is kept.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from corpus import loaders
from corpus.errors import LoadError
from corpus.settings import Settings
from corpus.store import ChunkStore, StoreError

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

    def to_dict(self) -> dict:
        return asdict(self)


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


def fingerprint(data: bytes, sidecar: bytes, settings: Settings) -> str:
    h = hashlib.sha256(data)
    if sidecar:
        h.update(b"\x00sidecar\x00" + sidecar)
    v = hashlib.sha256(pipeline_version(settings).encode()).hexdigest()[:12]
    return f"{h.hexdigest()}:{v}"


def open_store(settings: Settings, *, rebuild: bool = False) -> ChunkStore:
    """The store under settings.home; with `rebuild`, an unreadable one is moved aside and replaced."""
    store = ChunkStore(settings.home)
    try:
        store.generation()
    except StoreError:
        if not rebuild:
            raise
        aside = store.path.with_name(f"{store.path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
        store.close()
        for suffix in ("-wal", "-shm"):
            store.path.with_name(store.path.name + suffix).unlink(missing_ok=True)
        store.path.rename(aside)
        log.warning("unreadable chunk store moved aside to %s; rebuilding", aside)
        store = ChunkStore(settings.home)
    return store


def _under(path: str, folders: list[Path]) -> bool:
    p = Path(path)
    return any(p == f or f in p.parents for f in folders)


def ingest_paths(
    paths: Iterable[Path | str],
    settings: Settings,
    *,
    prune: bool = False,
    rebuild: bool = False,
    progress: bool = True,
) -> IngestReport:
    """Ingest files and folders (recursively) into the store under `settings.home`.

    Raises FileNotFoundError when a given path does not exist (nothing is changed then).
    `prune` removes stored documents whose file, under one of the given folders, is gone;
    `rebuild` clears the store first. Per-file problems do not raise: they are in the
    report as "skipped" (bad input, with the reason and fix) or "failed" (a bug).
    """
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    from corpus.pipeline import process
    from rag.indexing import sync_indexes

    t0 = time.perf_counter()
    paths = [Path(p).expanduser() for p in paths]
    files = loaders.discover(paths)  # raises before anything is touched
    folders = [p.absolute() for p in paths if p.is_dir()]
    store = open_store(settings, rebuild=rebuild)
    if rebuild:
        store.clear()
        log.info("store cleared for rebuild")
    report = IngestReport()
    stored = {d.doc_id: d for d in store.documents()}
    claimed: dict[str, Path] = {}  # doc_id -> file, in this run

    with logging_redirect_tqdm():  # warnings about bad files must not garble the bar
        bar = tqdm(files, desc="ingest", unit="file", disable=not progress, dynamic_ncols=True)
        for path in bar:
            bar.set_postfix_str(path.name[-40:], refresh=False)
            t1 = time.perf_counter()
            res = _ingest_one(path, settings, store, stored, claimed, process)
            res.seconds = round(time.perf_counter() - t1, 3)
            if res.status in ("added", "updated", "unchanged"):
                # Only a file that made it claims its doc_id: a scan skipped for lack of text
                # must not block the OCR'd .txt of the same name beside it.
                claimed[res.doc_id] = path
            report.results.append(res)
            _log_result(res)
        bar.close()

    if prune:
        seen = {str(p) for p in files}
        for doc in store.documents():
            if doc.path not in seen and _under(doc.path, folders) and not os.path.lexists(doc.path):
                n = store.remove_document(doc.doc_id)
                res = FileResult(doc.path, doc.doc_id, "removed", removed=n, reason="file is gone (--prune)")
                report.results.append(res)
                _log_result(res)

    try:
        # A rebuild also rebuilds the indexes: it is the fix for an index made with another model.
        extra = {"rebuild": True} if rebuild else {}
        report.index = sync_indexes(store, settings, progress=progress, **extra) or {}
    except Exception as exc:  # the store is consistent; the indexes can be synced again
        log.error("index update failed: %s", exc, exc_info=log.isEnabledFor(logging.DEBUG))
        report.index_error = f"{type(exc).__name__}: {exc}; the chunk store is up to date, run the ingest again"
    report.seconds = time.perf_counter() - t0
    c = report.counts()
    log.info(
        "ingest done in %.2f s: %d added, %d updated, %d unchanged, %d removed, %d skipped, %d failed; "
        "chunks +%d =%d -%d",
        report.seconds, c["added"], c["updated"], c["unchanged"], c["removed"], c["skipped"], c["failed"],
        c["chunks_added"], c["chunks_unchanged"], c["chunks_removed"],
    )
    return report


def _ingest_one(path, settings, store, stored, claimed, process) -> FileResult:
    doc_id = loaders.doc_id_for(path)
    spath = str(path)
    prev = stored.get(doc_id)
    kept = " (the stored version is kept)" if prev is not None and prev.path == spath else ""
    try:
        size = loaders.check_file(path, settings)
        if doc_id in claimed:
            return FileResult(spath, doc_id, "failed", reason=(
                f"doc_id {doc_id!r} also comes from {claimed[doc_id]}; the doc_id is the file name "
                f"without extension, so rename one of the two files"))
        if prev is not None and prev.path != spath and os.path.lexists(prev.path) and not _same_file(prev.path, path):
            return FileResult(spath, doc_id, "failed", reason=(
                f"doc_id {doc_id!r} is already stored from {prev.path}; rename this file, or run "
                f"`griffier remove {doc_id}` first"))
        data = loaders.read_bytes(path)
        _, side = loaders.read_sidecar(path)
        fp = fingerprint(data, side, settings)
        if prev is not None and prev.fingerprint == fp:
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
        summary = store.replace_document(doc, chunks, fp, size)
    except Exception as exc:  # noqa: BLE001 - e.g. unserialisable metadata; the transaction rolled back
        return FileResult(spath, doc_id, "failed", reason=f"store error {type(exc).__name__}: {exc}{kept}")
    status = "added" if prev is None else "updated"
    return FileResult(spath, doc_id, status, summary.added, summary.unchanged, summary.removed)


def _same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _log_result(r: FileResult) -> None:
    if r.status in ("skipped", "failed"):
        log.warning("%s %s: %s", r.status, r.path, r.reason)
    else:
        log.debug("%-9s %s (chunks +%d =%d -%d, %.2fs)", r.status, r.path, r.added, r.unchanged, r.removed, r.seconds)


def remove_document(doc_id: str, settings: Settings, *, progress: bool = False) -> int:
    """Remove one document and its chunks, then bring the indexes in step.

    Returns the number of chunks removed; raises KeyError (naming the doc_id) when unknown.
    """
    from rag.indexing import sync_indexes

    store = open_store(settings)
    if store.get_document(doc_id) is None:
        raise KeyError(f"no stored document {doc_id!r}; `griffier documents` lists them")
    n = store.remove_document(doc_id)
    sync_indexes(store, settings, progress=progress)
    return n
