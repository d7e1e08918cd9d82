"""Any sentence-transformers model a user has on disk (or in the local HF cache).

Query/passage prompts: the model's own configured prompts when it has them
(config_sentence_transformers.json "prompts"), else "query: "/"passage: " for
e5-family models, else none. Vectors are L2-normalised.
"""

from __future__ import annotations

import logging

import numpy as np

from embeddings.base import BaseEmbeddings, EmbeddingError

log = logging.getLogger(__name__)


class SentenceTransformerEmbeddings(BaseEmbeddings):
    def __init__(self, name_or_path: str, model_name: str | None = None, batch_size: int = 16):
        super().__init__(model_name or f"sentence-transformers:{name_or_path}", batch_size)
        self.name_or_path = name_or_path
        self._model = None
        self.query_prompt = ""
        self.passage_prompt = ""

    def _spawn(self) -> SentenceTransformerEmbeddings:
        # Hugging Face fast tokenizers are not safe to call from two threads at once ("Already
        # borrowed"): concurrent calls get their own loaded copy, up to pool_size.
        return SentenceTransformerEmbeddings(self.name_or_path, self.model_name, self.batch_size)

    def _load(self) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - dependency declared
            raise EmbeddingError("sentence-transformers is not installed: pip install sentence-transformers") from exc
        try:
            self._model = SentenceTransformer(self.name_or_path, device="cpu")
        except Exception as exc:
            raise EmbeddingError(
                f"cannot load sentence-transformers model {self.name_or_path!r} ({exc}). Give a local folder "
                f"path or a model already in the Hugging Face cache; Griffier never downloads at run time."
            ) from exc
        prompts = dict(getattr(self._model, "prompts", None) or {})
        self.query_prompt = prompts.get("query", "")
        self.passage_prompt = prompts.get("passage", prompts.get("document", ""))
        if not (self.query_prompt or self.passage_prompt) and "e5" in self.name_or_path.lower():
            self.query_prompt, self.passage_prompt = "query: ", "passage: "
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self._dim = int(get_dim() or 0) or None
        log.info("loaded %s (query prompt %r, passage prompt %r)", self.name_or_path, self.query_prompt,
                 self.passage_prompt)

    def _encode(self, texts: list[str], prompt: str) -> np.ndarray:
        return np.asarray(
            self._model.encode(
                [prompt + t for t in texts], batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            ),
            dtype=np.float32,
        )

    def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prompt)

    def _embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, self.query_prompt)
