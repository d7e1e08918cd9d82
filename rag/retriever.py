"""Hybrid retrieval: dense (FAISS) + Dutch BM25, fused by weighted reciprocal rank fusion.

The dense list is re-scored over the dense + BM25 candidates with each chunk's
best-matching sentence (rag/sentences.py, Settings.sentence_weight).

    search(query, k, filters) -> list[Passage]

Filters (all optional, combined with AND; a list value means any of):
  doc_id / doc_ids, dossier, vergaderjaar, doc_type, fractie, date_from, date_to
  (ISO dates, inclusive), collection. Chunk metadata wins over document metadata.
  `collection` is the access filter (ui/office): always read from the document,
  fresh on every search, and an empty list means no collection, so no passage.
An optional cross-encoder (Settings.reranker, a sentence-transformers name or
path) re-orders the fused candidates.

The retriever reloads the index by itself when an ingest in this or another
process has written a new version (it watches the manifest).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from corpus.models import Chunk, Passage
from corpus.settings import Settings
from corpus.store import ChunkStore

log = logging.getLogger(__name__)

FILTER_KEYS = ("doc_id", "doc_ids", "dossier", "vergaderjaar", "doc_type", "fractie", "role", "date_from", "date_to",
               "collection")
_ALIASES = {"doc": "doc_id", "type": "doc_type", "documenttype": "doc_type", "jaar": "vergaderjaar",
            "from": "date_from", "to": "date_to", "datum_van": "date_from", "datum_tot": "date_to"}


class FilterError(ValueError):
    pass


MAX_K = 1000  # passages one search returns at most: more is no use to a reader and costs memory


def check_k(k: Any) -> int:
    """`k` as a positive int, or ValueError naming the bad value and the range."""
    try:
        n = int(k)
    except (TypeError, ValueError):
        raise ValueError(f"k (number of passages) must be a whole number from 1 to {MAX_K}, got {k!r}") from None
    if not 1 <= n <= MAX_K or (isinstance(k, float) and n != k):
        raise ValueError(f"k (number of passages) must be a whole number from 1 to {MAX_K}, got {k!r}")
    return n


_DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def check_date(key: str, value: Any) -> str:
    """An ISO date filter value (YYYY, YYYY-MM or YYYY-MM-DD, a real date), or FilterError."""
    import datetime as dt

    s = str(value).strip()
    ok = bool(_DATE_RE.match(s))
    if ok:
        parts = [int(x) for x in s.split("-")] + [1, 1]
        try:
            dt.date(parts[0], parts[1], parts[2])
        except ValueError:
            ok = False
    if not ok:
        raise FilterError(f"filter {key}={value!r} is not a date; use YYYY-MM-DD (or YYYY-MM, YYYY), "
                          f"e.g. {key}=2021-03-04")
    return s


def normalise_filters(filters: dict[str, Any] | None) -> dict[str, Any]:
    """Canonical filter keys; unknown keys raise with the list of known ones."""
    out: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if key.lower() == "collection" and value is not None and not isinstance(value, str) and not value:
            out["collection"] = set()  # readable collections: none. Fail closed, never "no filter".
            continue
        if value is None or value == "" or value == []:
            continue
        k = _ALIASES.get(key.lower(), key.lower())
        if k not in FILTER_KEYS:
            raise FilterError(f"unknown filter {key!r}; use one of {', '.join(FILTER_KEYS)}")
        if k == "doc_ids":
            k = "doc_id"
        if k in ("date_from", "date_to"):
            out[k] = check_date(key, value)
            continue
        vals = value if isinstance(value, (list, tuple, set)) else [value]
        out.setdefault(k, set()).update(_norm_value(v, k) for v in vals)
    return out


def _norm_value(v: Any, key: str = "") -> str:
    """Comparable form: "26 150" == "26150"; a vergaderjaar is its first year ("2020/21" == "2020-2021")."""
    s = re.sub(r"\s+", "", str(v)).lower()
    if key == "vergaderjaar":
        m = re.match(r"\d{4}", s)
        return m.group(0) if m else s
    return s


class HybridRetriever:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.store = ChunkStore(settings.home)
        self._lock = threading.RLock()
        self._index = None  # rag.indexing.LoadedIndex
        self._manifest_stamp: bytes | None = None
        self._meta: dict[str, dict] | None = None  # chunk_id -> filterable fields
        self._unindexed: tuple[tuple, dict[str, int]] | None = None  # ((index, store generation), docs)
        self._embeddings = None
        self._reranker = None
        self._query_vectors: dict[str, Any] = {}  # a few recent query embeddings (answering reuses them)

    # -- loading ---------------------------------------------------------
    def _manifest_path(self) -> Path:
        from rag.indexing import MANIFEST, index_dir

        return index_dir(self.settings) / MANIFEST

    def _stamp(self) -> bytes | None:
        """The manifest's bytes: they name the version folder, unique per sync, so any new
        version (from this process or another) is seen, whatever the file times say."""
        try:
            return self._manifest_path().read_bytes()
        except FileNotFoundError:
            return None
        except NotADirectoryError:  # the home is a file: reported by load_index's caller
            return None

    def _ensure_loaded(self):
        from rag.indexing import IndexError as GriffierIndexError
        from rag.indexing import load_index

        stamp = self._stamp()
        with self._lock:
            if self._index is not None and stamp == self._manifest_stamp:
                return self._index
            if stamp is None:
                stored = self.store.count() if self.store.path.is_file() else 0
                if stored:  # a first ingest was stopped after the store was written
                    from rag.indexing import unindexed_documents, unindexed_warning

                    raise GriffierIndexError(
                        f"no index in {self.settings.home} yet: "
                        + unindexed_warning(unindexed_documents(self.store, None), self.settings.home)
                    )
                raise GriffierIndexError(
                    f"no index in {self.settings.home}; ingest documents first: `griffier ingest PATH...`"
                )
            self._index = load_index(self.settings)
            self._manifest_stamp = stamp
            self._meta = None
            return self._index

    def unindexed_documents(self, idx=None) -> dict[str, int]:
        """{doc_id: passages without vectors} for stored documents the index does not fully cover
        (an ingest killed after the store was written); logged once per index version."""
        from rag.indexing import unindexed_documents, unindexed_warning

        idx = idx or self._ensure_loaded()
        key = (id(idx), self.store.generation())
        with self._lock:
            if self._unindexed is None or self._unindexed[0] != key:
                missing = unindexed_documents(self.store, set(idx.chunk_to_id))
                self._unindexed = (key, missing)
                if missing:
                    from corpus.homelock import is_locked

                    running = is_locked(self.settings.home)  # an ingest in progress: expected, not a fault
                    log.log(logging.INFO if running else logging.WARNING, "%s",
                            unindexed_warning(missing, self.settings.home))
            return self._unindexed[1]

    def field_values(self, key: str, filters: dict[str, Any] | None = None) -> set[str]:
        """Distinct values of a metadata field over the indexed chunks the filters allow (e.g. the
        fracties that spoke in the collections a user may read)."""
        with self._lock:
            self._ensure_loaded()
            meta = self._metadata()
            ids = self._allowed(normalise_filters(filters)) if filters else meta.keys()
            return {str(meta[c][key]) for c in ids if meta[c].get(key) not in (None, "")}

    def allowed_chunk_ids(self, filters: dict[str, Any] | None) -> set[str] | None:
        """The chunk ids the filters allow, or None when there are no filters (everything)."""
        filt = normalise_filters(filters)
        if not filt:
            return None
        with self._lock:
            self._ensure_loaded()
            return self._allowed(filt)

    def linked_chunks(self, **criteria: Any) -> list[Chunk]:
        """Indexed chunks whose metadata has every given value, in document order
        (e.g. a fractie's question block: doc_id=…, role="question", answered_by=12)."""
        filters = criteria.pop("filters", None)
        with self._lock:
            self._ensure_loaded()
            allowed = self._allowed(normalise_filters(filters)) if filters else None
            ids = [cid for cid, m in self._metadata().items()
                   if (allowed is None or cid in allowed) and all(m.get(k) == v for k, v in criteria.items())]
        return self.store.get_chunks(ids)

    def loaded_index(self):
        """The index this retriever searches (reloaded when an ingest wrote a new version)."""
        return self._ensure_loaded()

    def query_vector(self, query: str):
        """The query's embedding; the last few are kept, since answering asks for the same one again."""
        with self._lock:
            qv = self._query_vectors.get(query)
        if qv is None:
            qv = self.embeddings.embed_query_vector(query)
            with self._lock:
                if len(self._query_vectors) >= 64:
                    self._query_vectors.pop(next(iter(self._query_vectors)))
                self._query_vectors[query] = qv
        return qv

    def warm_up(self) -> "HybridRetriever":
        self._ensure_loaded()
        self.embeddings.warm_up()
        self.embeddings.embed_query_vector("opwarmen")
        return self

    @property
    def embeddings(self):
        if self._embeddings is None:
            from embeddings import get_embeddings

            self._embeddings = get_embeddings(self.settings)
        return self._embeddings

    # -- filters ---------------------------------------------------------
    def _metadata(self) -> dict[str, dict]:
        if self._meta is None:
            docs = {d.doc_id: d.metadata for d in self.store.documents()}
            meta = {}
            for c in self.store.chunks():
                merged = {**docs.get(c.doc_id, {}), **(c.metadata or {})}
                merged["doc_id"] = c.doc_id
                meta[c.chunk_id] = merged
            self._meta = meta
        return self._meta

    def _allowed(self, filters: dict[str, Any]) -> set[str]:
        filters = dict(filters)
        collections = filters.pop("collection", None)
        docs = None
        if collections is not None:
            from corpus.collections import KEY, collection_of

            docs = {d for d, c in self.store.doc_field(KEY).items() if collection_of({KEY: c}) in collections}
        out = set()
        for cid, m in self._metadata().items():
            if (docs is None or m["doc_id"] in docs) and _matches(m, filters):
                out.add(cid)
        return out

    # -- search ----------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: dict[str, Any] | None = None,
               *, mode: str = "hybrid") -> list[Passage]:
        """Top-k passages for `query`. mode: "hybrid" (default), "dense" or "bm25"."""
        k = check_k(self.settings.top_k if k is None else k)
        query = (query or "").strip()
        if not query:
            return []
        # Room for what answering adds to a question (the follow-up's topic, written-out abbreviations);
        # a 100 KB query would hold a core for a minute in the compound splitter and the tokenizer.
        if len(query) > 2 * self.settings.max_question_chars:
            raise ValueError(f"search query too long ({len(query)} characters; the limit is "
                             f"{2 * self.settings.max_question_chars}); shorten it or raise max_question_chars")
        filt = normalise_filters(filters)
        with self._lock:
            idx = self._ensure_loaded()
            allowed = self._allowed(filt) if filt else None
        self.unindexed_documents(idx)
        if allowed is not None and not allowed:
            return []
        n_cand = max(self.settings.candidates, k)
        timings: dict[str, float] = {}

        dense: list[tuple[str, float]] = []
        if mode in ("hybrid", "dense") and idx.vectors.ntotal:
            t = time.perf_counter()
            qv = self.query_vector(query)
            allowed_ids = None
            if allowed is not None:
                allowed_ids = np.array([idx.chunk_to_id[c] for c in allowed if c in idx.chunk_to_id], dtype=np.int64)
            scores, ids = idx.vectors.search(qv, n_cand, allowed_ids=allowed_ids)
            dense = [(idx.id_to_chunk[int(i)], float(s)) for s, i in zip(scores[0], ids[0])
                     if i >= 0 and int(i) in idx.id_to_chunk]
            timings["dense_ms"] = (time.perf_counter() - t) * 1000

        lexical: list[tuple[str, float]] = []
        if mode in ("hybrid", "bm25") and len(idx.lexical):
            t = time.perf_counter()
            mask = None
            if allowed is not None:
                mask = np.zeros(len(idx.lexical), dtype=bool)
                for c in allowed:
                    r = idx.lexical.row_of(c)
                    if r is not None:
                        mask[r] = True
            lexical = idx.lexical.search(query, n_cand, mask=mask)
            timings["bm25_ms"] = (time.perf_counter() - t) * 1000

        if dense and idx.sentences is not None and self.settings.sentence_weight > 0:
            t = time.perf_counter()
            dense = self._sentence_rescore(idx, qv, dense, lexical)
            timings["sentence_ms"] = (time.perf_counter() - t) * 1000

        fused = self._fuse(dense, lexical, mode)
        if self.settings.reranker and fused:
            fused = self._rerank(query, fused[: max(n_cand, k)])
        top = fused[:k]
        chunks = {c.chunk_id: c for c in self.store.get_chunks([cid for cid, _, _ in top])}
        out = []
        for rank, (cid, score, parts) in enumerate(top, start=1):
            chunk = chunks.get(cid)
            if chunk is None:  # store changed after the index was built; skip until the next sync
                continue
            out.append(Passage(chunk, float(score), len(out) + 1, parts))
        log.debug("search %r: %d passages %s", query, len(out), timings)
        return out

    def _sentence_rescore(self, idx, qv, dense, lexical) -> list[tuple[str, float]]:
        """Dense list over the dense + BM25 candidates, scored w * best sentence + (1 - w) * chunk cosine.

        Only candidates are scored, so the cost stays ~100 small dot products
        whatever the corpus size; a BM25-only candidate gets its chunk cosine
        from the vector index.
        """
        w = self.settings.sentence_weight
        q = np.asarray(qv, dtype=np.float32).reshape(-1)
        chunk_cos = dict(dense)
        out = []
        for cid in dict.fromkeys([c for c, _ in dense] + [c for c, _ in lexical]):
            cos = chunk_cos.get(cid)
            if cos is None:
                vid = idx.chunk_to_id.get(cid)
                if vid is None:
                    continue
                try:
                    cos = float(idx.vectors.reconstruct(vid) @ q)
                except RuntimeError:  # an index type without reconstruct: leave BM25-only ones to BM25
                    continue
            best = idx.sentences.max_sim(q, cid)
            out.append((cid, cos if best is None else w * best + (1 - w) * cos))
        out.sort(key=lambda x: -x[1])
        return out

    def _fuse(self, dense, lexical, mode) -> list[tuple[str, float, dict]]:
        """Weighted reciprocal rank fusion: sum over lists of w / (rrf_k + rank)."""
        s = self.settings
        parts: dict[str, dict] = {}
        lists = []
        if mode in ("hybrid", "dense"):
            lists.append(("dense", dense, s.dense_weight))
        if mode in ("hybrid", "bm25"):
            lists.append(("bm25", lexical, s.bm25_weight))
        fused: dict[str, float] = {}
        for name, items, weight in lists:
            for rank, (cid, score) in enumerate(items, start=1):
                fused[cid] = fused.get(cid, 0.0) + weight / (s.rrf_k + rank)
                p = parts.setdefault(cid, {})
                p[name] = score
                p[f"{name}_rank"] = rank
        qw = s.question_chunk_weight
        if qw != 1.0 and fused:
            meta = self._metadata()
            for cid in fused:
                if (meta.get(cid) or {}).get("role") == "question":
                    fused[cid] *= qw
                    parts[cid]["question_weight"] = qw
        order = sorted(fused, key=lambda c: (-fused[c], c))
        return [(cid, fused[cid], parts[cid]) for cid in order]

    def _rerank(self, query: str, cands: list[tuple[str, float, dict]]) -> list[tuple[str, float, dict]]:
        from rag.indexing import embed_text

        if self._reranker is None:
            try:
                from sentence_transformers import CrossEncoder
            except ImportError as exc:  # pragma: no cover - declared dependency
                raise RuntimeError("reranking needs sentence-transformers: pip install sentence-transformers") from exc
            try:
                self._reranker = CrossEncoder(self.settings.reranker, device="cpu")
            except Exception as exc:
                raise RuntimeError(
                    f"cannot load reranker {self.settings.reranker!r} ({exc}); give a local cross-encoder folder "
                    f"or clear the `reranker` setting"
                ) from exc
        chunks = {c.chunk_id: c for c in self.store.get_chunks([c for c, _, _ in cands])}
        pairs = [(query, embed_text(chunks[c])) for c, _, _ in cands if c in chunks]
        kept = [x for x in cands if x[0] in chunks]
        scores = self._reranker.predict(pairs, show_progress_bar=False)
        out = []
        for (cid, fused, parts), sc in zip(kept, scores):
            out.append((cid, float(sc), {**parts, "fused": fused, "rerank": float(sc)}))
        out.sort(key=lambda x: -x[1])
        return out

    # -- context ---------------------------------------------------------
    def with_neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Chunk]:
        """The passage's chunk with its neighbours in the same document and section."""
        chunks = self.store.neighbours(passage.chunk, before, after)
        return [c for c in chunks if c.section == passage.chunk.section or c.chunk_id == passage.chunk.chunk_id]


def _matches(meta: dict, filters: dict[str, Any]) -> bool:
    for key, want in filters.items():
        if key == "date_from":
            d = str(meta.get("date") or "")
            if not d or d < want:
                return False
        elif key == "date_to":
            d = str(meta.get("date") or "")
            if not d or d[: len(want)] > want:
                return False
        else:
            have = meta.get(key)
            if have is None:
                return False
            vals = have if isinstance(have, (list, tuple)) else [have]
            if not any(_norm_value(v, key) in want for v in vals):
                return False
    return True


_cache: dict[tuple, HybridRetriever] = {}
_cache_lock = threading.Lock()


def get_retriever(settings: Settings) -> HybridRetriever:
    """The process-wide retriever for these settings (index and models load once)."""
    key = tuple(sorted((k, str(v)) for k, v in settings.to_dict().items()))
    with _cache_lock:
        r = _cache.get(key)
        if r is None:
            r = _cache[key] = HybridRetriever(settings)
        return r


def invalidate() -> None:
    """Make cached retrievers reload the index on their next search."""
    with _cache_lock:
        for r in _cache.values():
            r._manifest_stamp = None


def search(query: str, k: int | None = None, filters: dict[str, Any] | None = None,
           settings: Settings | None = None) -> list[Passage]:
    from corpus.settings import load_settings

    return get_retriever(settings or load_settings()).search(query, k, filters)
