"""The single-machine ingest functions the Ray engine reuses, in one place.

The distributed engine must produce exactly what the local engine (rag/ingest.py)
produces, so it never re-implements a stage: file discovery, the file checks, the
fingerprint, loading, the corpus pipeline, the text that is embedded and the
vector cache all come from the modules the local ingest uses. This module only
names them, so a reader can check the equivalence in one screen.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from corpus.models import Chunk, Document
from corpus.settings import Settings


def discover_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files under `paths` (folders walked recursively), in the local ingest's order."""
    from corpus.loaders import discover

    return discover(paths)


def doc_id_for(path: Path) -> str:
    from corpus.loaders import doc_id_for as _doc_id_for

    return _doc_id_for(Path(path))


def read_and_fingerprint(path: Path, settings: Settings, collection: str | None = None) -> tuple[str, int, bytes]:
    """(fingerprint, size, bytes) exactly as the local ingest computes them; raises LoadError."""
    from corpus import loaders
    from rag.ingest import fingerprint

    size = loaders.check_file(path, settings)
    data = loaders.read_bytes(path)
    _, sidecar = loaders.read_sidecar(path)
    return fingerprint(data, sidecar, settings, collection), size, data


def load(path: Path, settings: Settings, data: bytes):
    from corpus.loaders import load_file

    return load_file(path, settings, data=data)


def process(raw, settings: Settings) -> tuple[Document, list[Chunk]]:
    from corpus.pipeline import process as _process

    return _process(raw, settings)


def set_collection(doc: Document, collection: str | None) -> None:
    """The document's collection, decided as the local ingest decides it; ValueError when invalid."""
    from rag.ingest import set_collection as _set_collection

    _set_collection(doc, collection)


def index_text(chunk: Chunk) -> str:
    """The text the embedding model sees for a chunk (the same as sync_indexes embeds)."""
    from rag.indexing import embed_text

    return embed_text(chunk)


def text_hash(text: str) -> str:
    from embeddings.cache import text_hash as _text_hash

    return _text_hash(text)


def vector_cache(settings: Settings):
    from rag.indexing import open_vector_cache

    return open_vector_cache(settings)
