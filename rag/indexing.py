"""Keeps the derived indexes (FAISS vectors, BM25) in step with the chunk store.

The chunk store is the source of truth and the vector cache makes embeddings
cheap to reuse, so every index here can be rebuilt from those two in seconds.

Layout under <home>/index/:
  manifest.json        the current version: embedding model, dimension, index
                       type, format version, store generation, and its folder
  v<gen>-<stamp>/      vectors.faiss, ids.json (FAISS int64 id -> chunk_id,
                       text hash), bm25/ + bm25_ids.json, sentences.npy +
                       sentence_rows.json (rag/sentences.py; absent when
                       sentence_weight is 0)
A sync writes a complete new version folder and then swaps manifest.json with
os.replace, so readers see either the old or the new index, never a mix.

Writers hold the home's writer lock (corpus/homelock.py) for the whole sync. A
reader holds a shared flock on `.readers.lock` from reading the manifest until
its files are open (FAISS and BM25 are read into memory, the sentence vectors
are mapped, which survives deletion); the clean-up deletes old versions only
under the exclusive lock, taken without waiting, and always keeps the previous
version. It deletes `.tmp` folders only of writers that are gone.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.models import Chunk
from corpus.settings import Settings
from corpus.store import ChunkStore

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
INDEX_DIR = "index"
MANIFEST = "manifest.json"
READERS_LOCK = ".readers.lock"
REBUILD_CMD = "griffier ingest --rebuild PATH..."


class IndexError(RuntimeError):  # noqa: A001 - module-local name, clearer at call sites
    """The on-disk index cannot be used as it is; the message says how to fix it."""


class IndexMismatchError(IndexError):
    pass


def index_dir(settings: Settings) -> Path:
    return Path(settings.home) / INDEX_DIR


def embed_text(chunk: Chunk) -> str:
    """What the models see for a chunk: its context (section, fractie, question) + text."""
    try:
        from corpus.chunking import index_text
    except ImportError:
        return chunk.text
    try:
        return index_text(chunk) or chunk.text
    except Exception:  # a metadata shape the chunker did not expect: index the bare text
        log.debug("index_text failed for %s", chunk.chunk_id, exc_info=True)
        return chunk.text


def open_vector_cache(settings: Settings):
    from embeddings.cache import VectorCache

    return VectorCache(Path(settings.home) / VectorCache.FILENAME)


@dataclass
class Manifest:
    embedding_model: str
    dim: int
    index_type: str
    format_version: int
    store_generation: int
    n_vectors: int
    folder: str
    next_id: int
    created: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def read_manifest(settings: Settings) -> Manifest | None:
    path = index_dir(settings) / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        m = Manifest(**{k: data[k] for k in Manifest.__dataclass_fields__ if k in data})
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexError(
            f"index manifest {path} is unreadable ({exc}). The indexes are rebuilt from the chunk store by "
            f"`griffier ingest PATH...` (no re-embedding, vectors are cached) or `{REBUILD_CMD}`."
        ) from exc
    if m.format_version != FORMAT_VERSION:
        raise IndexError(
            f"index {path} has format version {m.format_version}, this Griffier reads {FORMAT_VERSION}; "
            f"rebuild it with `{REBUILD_CMD}`."
        )
    return m


def check_model(manifest: Manifest, settings: Settings) -> None:
    want = settings.embedding_model
    if manifest.embedding_model != want:
        raise IndexMismatchError(
            f"the index in {index_dir(settings)} was built with embedding model {manifest.embedding_model!r}, "
            f"but the settings ask for {want!r}. Rebuild it for {want!r} with `{REBUILD_CMD}`, or set "
            f"embedding_model back to {manifest.embedding_model!r}."
        )


@dataclass
class LoadedIndex:
    manifest: Manifest
    vectors: "object"  # rag.vector_index.VectorIndex
    id_to_chunk: dict[int, str]
    chunk_to_id: dict[str, int]
    text_hashes: dict[str, str]
    lexical: "object"  # rag.lexical.LexicalIndex
    folder: Path
    sentences: "object" = None  # rag.sentences.SentenceIndex, None when built without


def load_index(settings: Settings, *, check: bool = True) -> LoadedIndex | None:
    """The current index, or None when none was built yet. Raises IndexError when unusable."""
    with _reading(index_dir(settings)):
        return _load_index(settings, check)


def _load_index(settings: Settings, check: bool) -> LoadedIndex | None:
    from rag.lexical import LexicalIndex, StaleLexicalIndex
    from rag.sentences import SentenceIndex
    from rag.vector_index import VectorIndex

    manifest = read_manifest(settings)
    if manifest is None:
        return None
    if check:
        check_model(manifest, settings)
    folder = index_dir(settings) / manifest.folder
    hint = (f"The chunk store is intact: `griffier ingest PATH...` rebuilds the indexes from it and the "
            f"vector cache (no re-embedding); `{REBUILD_CMD}` starts over from the files.")
    try:
        vectors = VectorIndex.load(folder / "vectors.faiss", manifest.index_type, manifest.dim)
        rows = json.loads((folder / "ids.json").read_text(encoding="utf-8"))
        try:
            lexical = LexicalIndex.load(folder)
        except StaleLexicalIndex as exc:
            # Cheap to redo from the store (no embedding); the next ingest saves the new one.
            log.warning("%s; rebuilding it in memory. `griffier ingest PATH...` saves the rebuilt index.", exc)
            chunks = list(ChunkStore(settings.home).chunks())
            lexical = LexicalIndex.build([c.chunk_id for c in chunks], [embed_text(c) for c in chunks])
        sentences = SentenceIndex.load(folder)
    except Exception as exc:
        raise IndexError(f"index files in {folder} are missing or corrupt ({exc}). {hint}") from exc
    if vectors.ntotal != len(rows):
        raise IndexError(f"index {folder} holds {vectors.ntotal} vectors but maps {len(rows)} ids. {hint}")
    id_to_chunk = {int(i): c for i, c, _ in rows}
    return LoadedIndex(
        manifest, vectors, id_to_chunk, {c: int(i) for i, c, _ in rows}, {c: h for _, c, h in rows}, lexical, folder,
        sentences,
    )


@contextmanager
def _reading(root: Path) -> Iterator[None]:
    """A shared flock on <index>/.readers.lock while a reader opens a version's files.

    On a read-only home the lock file may not exist and cannot be made: then the
    reader goes without (no writer can change that home either).
    """
    fd = None
    for flags in (os.O_RDWR | os.O_CREAT, os.O_RDONLY):
        try:
            fd = os.open(root / READERS_LOCK, flags | os.O_CLOEXEC, 0o644)
            break
        except OSError:
            continue
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        if fd is not None:
            os.close(fd)


def indexed_chunk_ids(settings: Settings) -> set[str] | None:
    """chunk_ids the current index holds vectors for (from ids.json only), or None without an index."""
    with _reading(index_dir(settings)):
        try:
            manifest = read_manifest(settings)
        except IndexError:
            return None
        if manifest is None:
            return None
        try:
            rows = json.loads((index_dir(settings) / manifest.folder / "ids.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    return {c for _, c, _ in rows}


def unindexed_documents(store: ChunkStore, indexed: set[str] | None) -> dict[str, int]:
    """{doc_id: chunks without vectors in the index} for documents the store holds but the index
    does not fully cover (an ingest killed after the store was written, or a failed index update)."""
    out: dict[str, int] = {}
    for cid, doc_id in store.chunk_owners():
        if indexed is None or cid not in indexed:
            out[doc_id] = out.get(doc_id, 0) + 1
    return out


def unindexed_warning(missing: dict[str, int], home: Path | str | None = None, limit: int = 5) -> str | None:
    """One line naming the documents that are listed but not (fully) searchable, and the fix
    (or, while an ingest holds `home`, that they will be searchable when it is done)."""
    if not missing:
        return None
    from corpus.display import terminal_safe
    from corpus.homelock import describe_holder, holder_info, is_locked

    names = ", ".join(terminal_safe(d) for d in sorted(missing)[:limit])
    more = f" and {len(missing) - limit} more" if len(missing) > limit else ""
    n = sum(missing.values())
    head = f"{len(missing)} document(s) are stored but not (fully) searchable, {n} passage(s) lack vectors"
    if home is not None and is_locked(home):
        return (f"{head} ({names}{more}): an ingest is running {describe_holder(holder_info(home))}; they become "
                f"searchable when it is done.")
    return (f"{head} ({names}{more}): an ingest was interrupted or its index update failed. Run "
            f"`griffier ingest PATH...` again to finish it (vectors already made are reused).")


def sync_indexes(store: ChunkStore, settings: Settings, progress: bool = True, *, rebuild: bool = False) -> dict:
    """Bring the FAISS and BM25 indexes in step with `store`; returns what changed.

    Only chunks new to the index are embedded, and of those only the texts the
    vector cache lacks (each distinct text once). An index built with another
    embedding model is refused (IndexMismatchError) unless `rebuild`; an unreadable
    index is rebuilt from the store and the vector cache, with a warning. Holds the
    home's writer lock (waiting for another writer).
    """
    from corpus.homelock import writer_lock

    with writer_lock(settings.home):
        return _sync(store, settings, progress, rebuild)


def _sync(store: ChunkStore, settings: Settings, progress: bool, rebuild: bool) -> dict:
    from embeddings import get_embeddings
    from embeddings.cache import embed_cached, text_hash
    from rag.lexical import LexicalIndex
    from rag.vector_index import VectorIndex, choose_index_type

    t0 = time.perf_counter()
    emb = get_embeddings(settings)
    model = emb.model_name
    generation = store.generation()

    old: LoadedIndex | None = None
    if not rebuild:
        manifest = read_manifest(settings)  # raises on a bad format version
        if manifest is not None:
            check_model(manifest, settings)  # refuse before touching anything
            try:
                old = load_index(settings)
            except IndexMismatchError:
                raise
            except IndexError as exc:
                log.warning("%s Rebuilding the indexes from the chunk store now.", exc)
                old = None

    chunks = list(store.chunks())
    texts = {c.chunk_id: embed_text(c) for c in chunks}
    hashes = {cid: text_hash(t) for cid, t in texts.items()}

    # Which chunks does the index lack (new, or their embedded text changed) and which must go?
    if old is not None:
        stale = [cid for cid, h in old.text_hashes.items() if cid in hashes and hashes[cid] != h]
        stale_set = set(stale)
        missing = [c.chunk_id for c in chunks if c.chunk_id not in old.chunk_to_id or c.chunk_id in stale_set]
    else:
        stale, missing = [], [c.chunk_id for c in chunks]

    # Vectors for the missing chunks: the content-addressed cache first, embed the rest
    # (committed batch by batch, so a killed ingest resumes where it stopped).
    cache = open_vector_cache(settings)
    try:
        t_embed = time.perf_counter()
        vecs, stats = embed_cached([texts[cid] for cid in missing], emb, cache, progress=progress, what="chunk")
        found = {cid: vecs[i] for i, cid in enumerate(missing)}
        embed_s = time.perf_counter() - t_embed
    finally:
        cache.close()

    dim = int(next(iter(found.values())).shape[0]) if found else (old.manifest.dim if old else int(emb.dim))
    n_final = len(chunks)
    kind = choose_index_type(settings.index_type, n_final, settings.ann_threshold)

    # Incremental update where the index type allows it; otherwise rebuild from store + cache.
    incremental = (
        old is not None and old.manifest.index_type == kind and old.manifest.dim == dim
        and (not stale and not _removed(old, hashes) or old.vectors.supports_remove)
    )
    if incremental:
        vindex, id_to_chunk, next_id = old.vectors, dict(old.id_to_chunk), old.manifest.next_id
        gone = set(_removed(old, hashes)) | set(stale)
        gone_ids = np.array([old.chunk_to_id[c] for c in gone], dtype=np.int64)
        vindex.remove(gone_ids)
        for i in gone_ids.tolist():
            id_to_chunk.pop(i, None)
        add_ids = np.arange(next_id, next_id + len(missing), dtype=np.int64)
        if missing:
            vindex.add(add_ids, np.vstack([found[cid] for cid in missing]))
        id_to_chunk.update({int(i): cid for i, cid in zip(add_ids, missing)})
        next_id += len(missing)
        removed_n, added_n = len(gone), len(missing)
    else:
        all_vecs = _all_vectors(chunks, texts, hashes, found, old, emb, settings, progress)
        vindex = VectorIndex(dim, kind)
        ids = np.arange(len(chunks), dtype=np.int64)
        if len(chunks):
            vindex.add(ids, all_vecs)
        id_to_chunk = {i: c.chunk_id for i, c in enumerate(chunks)}
        next_id = len(chunks)
        removed_n = len(old.id_to_chunk) if old is not None else 0
        added_n = len(chunks)

    ordered = [c.chunk_id for c in chunks]
    lexical = LexicalIndex.build(ordered, [texts[cid] for cid in ordered])
    sentences = None
    if settings.sentence_weight > 0:
        from rag import sentences as sent

        cache = open_vector_cache(settings)
        try:
            sentences = sent.build(chunks, model, emb, cache, progress=progress)
        finally:
            cache.close()
    manifest = Manifest(
        embedding_model=model, dim=dim, index_type=kind, format_version=FORMAT_VERSION,
        store_generation=generation, n_vectors=vindex.ntotal, folder="", next_id=next_id,
        created=time.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    _save(settings, manifest, vindex, id_to_chunk, hashes, lexical, sentences)
    report = {
        "embedding_model": model, "index_type": kind, "dim": dim, "vectors": vindex.ntotal,
        # embedded: distinct texts embedded now; from_cache: chunks whose vector was cached already;
        # duplicates: chunks sharing a text embedded now (a repeated paragraph costs nothing)
        "embedded": stats["embedded"], "from_cache": stats["texts_from_cache"],
        "duplicates": stats["texts"] - stats["texts_from_cache"] - stats["embedded"],
        "added": added_n, "removed": removed_n,
        "sentences": int(sentences[0].shape[0]) if sentences is not None else 0,
        "sentences_embedded": sentences[2] if sentences is not None else 0,
        "sentences_from_cache": sentences[3].get("texts_from_cache", 0) if sentences is not None else 0,
        "incremental": bool(incremental), "embed_seconds": round(embed_s, 3),
        "seconds": round(time.perf_counter() - t0, 3), "store_generation": generation,
    }
    log.info("indexes synced: %s", report)
    return report


def rebuild_indexes(settings: Settings, progress: bool = True) -> dict:
    """Rebuild the indexes from the chunk store and the vector cache (for any model)."""
    return sync_indexes(ChunkStore(settings.home), settings, progress=progress, rebuild=True)


def _removed(old: LoadedIndex, hashes: dict[str, str]) -> list[str]:
    return [cid for cid in old.chunk_to_id if cid not in hashes]


def _all_vectors(chunks, texts, hashes, found, old, emb, settings, progress) -> np.ndarray:
    """Vectors for every chunk, in store order: fresh ones, the cache, the old index, else embedded."""
    from embeddings.cache import embed_cached

    need = [c.chunk_id for c in chunks if c.chunk_id not in found]
    if need:
        cache = open_vector_cache(settings)
        try:
            got = cache.get_texts(emb.model_name, {hashes[cid]: texts[cid] for cid in need})
            found = {**found, **{cid: got[hashes[cid]] for cid in need if hashes[cid] in got}}
            lacking = [c.chunk_id for c in chunks if c.chunk_id not in found]
            if lacking and old is not None:  # vectors only in the old index (cache deleted): take them from there
                for cid in lacking:
                    if cid in old.chunk_to_id and old.text_hashes.get(cid) == hashes[cid]:
                        found[cid] = old.vectors.reconstruct(old.chunk_to_id[cid])
                lacking = [c.chunk_id for c in chunks if c.chunk_id not in found]
            if lacking:
                vecs, _ = embed_cached([texts[cid] for cid in lacking], emb, cache, progress=progress, what="chunk")
                found.update(zip(lacking, vecs))
        finally:
            cache.close()
    if not chunks:
        return np.zeros((0, 1), dtype=np.float32)
    return np.vstack([found[c.chunk_id] for c in chunks]).astype(np.float32)


def _save(settings, manifest, vindex, id_to_chunk, hashes, lexical, sentences=None) -> None:
    root = index_dir(settings)
    root.mkdir(parents=True, exist_ok=True)
    name = f"v{manifest.store_generation}-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / (name + ".tmp")
    tmp.mkdir()
    try:
        vindex.save(tmp / "vectors.faiss")
        rows = [[i, cid, hashes.get(cid, "")] for i, cid in sorted(id_to_chunk.items())]
        (tmp / "ids.json").write_text(json.dumps(rows), encoding="utf-8")
        lexical.save(tmp)
        if sentences is not None:
            from rag import sentences as sent

            sent.save(tmp, sentences[0], sentences[1])
        _fsync_tree(tmp)
        os.replace(tmp, root / name)
        manifest.folder = name
        mtmp = root / (MANIFEST + f".{os.getpid()}.tmp")
        with open(mtmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(manifest.to_dict(), indent=1))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(mtmp, root / MANIFEST)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _clean_up(root, keep=name)


def _fsync_tree(folder: Path) -> None:
    """Flush a version's files before the manifest points at them (a crash must not leave it empty)."""
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())


def _clean_up(root: Path, keep: str) -> None:
    """Delete index versions no reader can be opening, and temp folders of writers that are gone.

    Kept: the current version `keep` and the one before it (a reader in another process
    may hold the previous manifest). Older versions go only while no reader is between
    reading a manifest and opening its files (the readers' lock, taken without waiting:
    when a reader is busy the next sync cleans up instead).
    """
    entries = [p for p in root.iterdir() if p.is_dir()]
    for p in entries:
        if p.name.endswith(".tmp") and not _writer_alive(p.name):
            shutil.rmtree(p, ignore_errors=True)
    versions = sorted((p for p in entries if not p.name.endswith(".tmp") and p.name != keep),
                      key=lambda p: p.stat().st_mtime)
    old = versions[:-1]
    if not old:
        return
    try:
        fd = os.open(root / READERS_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError:
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.debug("a reader is opening the index; old versions are left for the next sync")
            return
        for p in old:
            shutil.rmtree(p, ignore_errors=True)
    finally:
        os.close(fd)


def _writer_alive(tmp_name: str) -> bool:
    """Whether the process that named this temp folder (v<gen>-<stamp>-<pid>-<n>.tmp) still runs."""
    parts = tmp_name.split("-")
    try:
        pid = int(parts[2])
    except (IndexError, ValueError):
        return True  # not ours: leave it
    if pid == os.getpid():
        return False  # our own leftover (an earlier sync in this process failed)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError as exc:
        return exc.errno != errno.ESRCH
    return True
