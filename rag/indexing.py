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
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
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


def sync_indexes(store: ChunkStore, settings: Settings, progress: bool = True, *, rebuild: bool = False) -> dict:
    """Bring the FAISS and BM25 indexes in step with `store`; returns what changed.

    Only chunks new to the index are embedded, and of those only the ones the
    vector cache lacks. An index built with another embedding model is refused
    (IndexMismatchError) unless `rebuild`; an unreadable index is rebuilt from the
    store and the vector cache, with a warning.
    """
    from embeddings import get_embeddings
    from embeddings.cache import text_hash
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

    # Vectors for the missing chunks: cache first, embed the rest.
    cache = open_vector_cache(settings)
    try:
        found = cache.get_many(model, [(cid, hashes[cid]) for cid in missing])
        todo = [cid for cid in missing if cid not in found]
        t_embed = time.perf_counter()
        if todo:
            log.info("embedding %d chunk(s) with %s (%d from cache)", len(todo), model, len(found))
            vecs = emb.embed_passages([texts[cid] for cid in todo], progress=progress)
            cache.put_many(model, [(cid, hashes[cid], vecs[i]) for i, cid in enumerate(todo)])
            found.update({cid: vecs[i] for i, cid in enumerate(todo)})
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
        all_vecs = _all_vectors(chunks, hashes, found, old, model, settings)
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
        "embedded": len(todo), "from_cache": len(missing) - len(todo), "added": added_n, "removed": removed_n,
        "sentences": int(sentences[0].shape[0]) if sentences is not None else 0,
        "sentences_embedded": sentences[2] if sentences is not None else 0,
        "incremental": bool(incremental), "embed_seconds": round(embed_s, 3),
        "seconds": round(time.perf_counter() - t0, 3), "store_generation": generation,
    }
    log.info("indexes synced: %s", report)
    _reset_retriever_cache()
    return report


def rebuild_indexes(settings: Settings, progress: bool = True) -> dict:
    """Rebuild the indexes from the chunk store and the vector cache (for any model)."""
    return sync_indexes(ChunkStore(settings.home), settings, progress=progress, rebuild=True)


def _removed(old: LoadedIndex, hashes: dict[str, str]) -> list[str]:
    return [cid for cid in old.chunk_to_id if cid not in hashes]


def _all_vectors(chunks, hashes, found, old, model, settings) -> np.ndarray:
    """Vectors for every chunk, in store order: fresh ones, then the cache."""
    need = [c.chunk_id for c in chunks if c.chunk_id not in found]
    if need:
        cache = open_vector_cache(settings)
        try:
            found = {**found, **cache.get_many(model, [(cid, hashes[cid]) for cid in need])}
        finally:
            cache.close()
    lacking = [c.chunk_id for c in chunks if c.chunk_id not in found]
    if lacking and old is not None:  # vectors only in the old index (cache deleted): take them from there
        for cid in lacking:
            if cid in old.chunk_to_id and old.text_hashes.get(cid) == hashes[cid]:
                found[cid] = old.vectors.reconstruct(old.chunk_to_id[cid])
        lacking = [c.chunk_id for c in chunks if c.chunk_id not in found]
    if lacking:
        from embeddings import get_embeddings

        emb = get_embeddings(settings)
        texts = [embed_text(c) for c in chunks if c.chunk_id in set(lacking)]
        vecs = emb.embed_passages(texts, progress=True)
        found.update(dict(zip(lacking, vecs)))
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
        os.replace(tmp, root / name)
        manifest.folder = name
        mtmp = root / (MANIFEST + f".{os.getpid()}.tmp")
        mtmp.write_text(json.dumps(manifest.to_dict(), indent=1), encoding="utf-8")
        os.replace(mtmp, root / MANIFEST)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # Keep the previous version too: a reader in another process may have read the
    # old manifest a moment ago and be about to open its files.
    older = sorted((p for p in root.iterdir() if p.is_dir() and p.name != name), key=lambda p: p.stat().st_mtime)
    for stale in older[:-1] + [p for p in older[-1:] if p.name.endswith(".tmp")]:
        shutil.rmtree(stale, ignore_errors=True)


def _reset_retriever_cache() -> None:
    """Retrievers in this process pick up the new index on their next search."""
    try:
        from rag import retriever
    except ImportError:  # pragma: no cover
        return
    retriever.invalidate()
