"""Keeps the derived indexes (FAISS vectors, BM25) in step with the chunk store.

PLACEHOLDER until the retrieval issue lands: does nothing.
"""

from __future__ import annotations

from corpus.settings import Settings
from corpus.store import ChunkStore


def sync_indexes(store: ChunkStore, settings: Settings, progress: bool = True) -> dict:
    return {}
