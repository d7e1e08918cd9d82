"""FAISS vector index with int64 ids (mapped to chunk_ids by the caller).

Types:
  flat   exact inner product (IndexFlatIP): the default, exact and fast up to
         a few hundred thousand vectors.
  hnsw   HNSW graph over 8-bit scalar-quantised vectors: ~0.5 KB a 384-d vector,
         sub-millisecond queries; cannot delete in place, so removals rebuild
         it from the vector cache.
  ivfsq  inverted lists over 8-bit scalar-quantised vectors; removes in place.
         (IVF-PQ was tried: PQ codes alone cap recall@10 well below 0.95 and the
         refine wrapper supports neither id filters nor removal.)
  auto   flat below Settings.ann_threshold vectors, else hnsw (see bench/retrieval.py
         for the measurements behind that choice).
All vectors are L2-normalised, so inner product is cosine similarity.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

INDEX_TYPES = ("flat", "hnsw", "ivfsq")
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 128  # recall@10 0.95+ at 1M clustered vectors (bench/retrieval.py)
IVF_NPROBE = 32
EXACT_FILTER_MAX = 20_000  # filtered searches over at most this many vectors are exact


class IndexError_(RuntimeError):
    pass


def choose_index_type(requested: str, n_vectors: int, ann_threshold: int) -> str:
    requested = (requested or "auto").lower()
    if requested == "auto":
        return "hnsw" if n_vectors > ann_threshold else "flat"
    if requested not in INDEX_TYPES:
        raise ValueError(f"unknown index_type {requested!r}; use one of auto, {', '.join(INDEX_TYPES)}")
    return requested


def _faiss():
    import faiss

    return faiss


class VectorIndex:
    """FAISS index with int64 ids: IndexIDMap2 around flat/HNSW, native ids for IVF."""

    def __init__(self, dim: int, index_type: str = "flat", index=None):
        self.dim = int(dim)
        self.index_type = index_type
        self._index = index if index is not None else self._new()

    # -- construction ----------------------------------------------------
    def _new(self, n_hint: int = 0):
        faiss = _faiss()
        d = self.dim
        if self.index_type == "flat":
            inner = faiss.IndexFlatIP(d)
        elif self.index_type == "hnsw":
            inner = faiss.IndexHNSWSQ(d, faiss.ScalarQuantizer.QT_8bit, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        elif self.index_type == "ivfsq":
            nlist = max(16, min(65536, int(4 * math.sqrt(max(n_hint, 1)))))
            self._quantizer = faiss.IndexFlatIP(d)  # the IVF index borrows it
            inner = faiss.IndexIVFScalarQuantizer(
                self._quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            inner.nprobe = IVF_NPROBE
            # IVF keeps ids itself (an IndexIDMap2 around it would mis-map after
            # removals); the hashtable direct map allows reconstruct and remove.
            inner.set_direct_map_type(faiss.DirectMap.Hashtable)
            return inner
        else:
            raise ValueError(f"unknown index type {self.index_type!r}")
        return faiss.IndexIDMap2(inner)

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def is_trained(self) -> bool:
        return bool(self._index.is_trained)

    def train(self, vectors: np.ndarray, max_train: int = 100_000, seed: int = 0) -> None:
        """IVF and SQ need a training sample; (re)creates the index sized for it."""
        if self.index_type == "flat":
            return
        self._index = self._new(n_hint=len(vectors))
        rng = np.random.default_rng(seed)
        sample = vectors if len(vectors) <= max_train else vectors[rng.choice(len(vectors), max_train, replace=False)]
        self._index.train(np.ascontiguousarray(sample, dtype=np.float32))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape[1] != self.dim:
            raise ValueError(f"vector dimension {vectors.shape[1]} does not match the index dimension {self.dim}")
        if not self.is_trained:
            self.train(vectors)
        self._index.add_with_ids(vectors, np.asarray(ids, dtype=np.int64))

    @property
    def supports_remove(self) -> bool:
        return self.index_type != "hnsw"

    def remove(self, ids: np.ndarray) -> int:
        if len(ids) == 0:
            return 0
        if not self.supports_remove:
            raise IndexError_("HNSW cannot remove vectors in place; rebuild it")
        faiss = _faiss()
        arr = np.ascontiguousarray(ids, dtype=np.int64)
        # the IVF hashtable direct map only accepts an IDSelectorArray
        sel = faiss.IDSelectorArray(len(arr), faiss.swig_ptr(arr)) if self.index_type == "ivfsq" \
            else faiss.IDSelectorBatch(arr)
        return int(self._index.remove_ids(sel))

    # -- search ----------------------------------------------------------
    def search(self, queries: np.ndarray, k: int, allowed_ids: np.ndarray | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row; ids -1 pad when fewer exist."""
        faiss = _faiss()
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        k = max(1, min(int(k), max(self.ntotal, 1)))
        params = None
        if allowed_ids is not None:
            allowed = np.asarray(allowed_ids, dtype=np.int64)
            if self.index_type != "flat" and len(allowed) <= EXACT_FILTER_MAX:
                # A filter that leaves few vectors: score them exactly; approximate
                # indexes would only see the allowed ids that fall in probed lists.
                return self._search_subset(q, k, allowed)
            sel = faiss.IDSelectorBatch(allowed)
            if self.index_type == "hnsw":
                params = faiss.SearchParametersHNSW(sel=sel, efSearch=max(HNSW_EF_SEARCH, k))
            elif self.index_type == "ivfsq":
                params = faiss.SearchParametersIVF(sel=sel, nprobe=IVF_NPROBE)
            else:
                params = faiss.SearchParameters(sel=sel)
            self._selector = sel  # keep alive during the call
        elif self.index_type == "hnsw" and k > HNSW_EF_SEARCH:
            params = faiss.SearchParametersHNSW(efSearch=k)
        if params is not None:
            scores, ids = self._index.search(q, k, params=params)
        else:
            scores, ids = self._index.search(q, k)
        return scores, ids

    def _search_subset(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = np.full((len(q), k), -np.inf, dtype=np.float32)
        ids = np.full((len(q), k), -1, dtype=np.int64)
        if len(allowed) == 0:
            return scores, ids
        present = allowed  # callers pass ids that are in the index
        vecs = np.vstack([self._index.reconstruct(int(i)) for i in present]).astype(np.float32)
        sims = q @ vecs.T
        kk = min(k, sims.shape[1])
        top = np.argsort(-sims, axis=1)[:, :kk]
        scores[:, :kk] = np.take_along_axis(sims, top, axis=1)
        ids[:, :kk] = np.asarray(present)[top]
        return scores, ids

    def reconstruct(self, idx: int) -> np.ndarray:
        return self._index.reconstruct(int(idx))

    # -- persistence -----------------------------------------------------
    def save(self, path: Path) -> None:
        _faiss().write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, index_type: str, dim: int) -> "VectorIndex":
        faiss = _faiss()
        try:
            index = faiss.read_index(str(path))
        except Exception as exc:
            raise IndexError_(f"cannot read vector index {path} ({exc})") from exc
        if index.d != dim:
            raise IndexError_(f"vector index {path} has dimension {index.d}, its manifest says {dim}")
        return cls(dim, index_type, index=index)

    def memory_bytes(self) -> int:
        """Size of the serialised index, a close proxy for its memory."""
        return int(_faiss().serialize_index(self._index).nbytes)
