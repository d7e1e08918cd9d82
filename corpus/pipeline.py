"""load -> clean -> structure -> chunk, for one document.

`process` is the single entry point the ingest (local or distributed) calls.
"""

from __future__ import annotations

import logging
from typing import Any

from corpus.chunking import CleanText, build_chunks
from corpus.cleaning import clean
from corpus.models import Chunk, Document, RawDocument
from corpus.settings import Settings
from corpus.structure import document_metadata, label_sections, page_resolver

log = logging.getLogger(__name__)

PIPELINE_VERSION = 2  # bump when cleaning/chunking changes so stores can tell stale chunks


def process_full(raw: RawDocument, settings: Settings) -> tuple[Document, list[Chunk], CleanText]:
    """Like `process`, plus the clean document text that `Chunk.char_span` points into."""
    cr = clean(raw.text, raw.pages)
    infos, qa = label_sections(cr.paragraphs)
    meta: dict[str, Any] = document_metadata(cr, cr.paragraphs, qa)
    # A sidecar file knows better than text heuristics.
    meta.update({k: v for k, v in (raw.metadata or {}).items() if v not in (None, "")})
    resolver = page_resolver(cr)
    chunks, text = build_chunks(
        raw.doc_id,
        cr.paragraphs,
        infos,
        resolver,
        meta,
        min_words=settings.chunk_min_words,
        max_words=settings.chunk_max_words,
    )
    doc_meta = dict(meta)
    doc_meta["page_source"] = resolver.mode
    doc_meta["pipeline_version"] = PIPELINE_VERSION
    doc_meta["removed_lines"] = dict(cr.removed)
    title = meta.get("title")
    doc = Document(doc_id=raw.doc_id, path=raw.path, title=str(title) if title else None, metadata=doc_meta)
    log.debug(
        "%s: %d paragraphs -> %d chunks (pages: %s)",
        raw.doc_id,
        len(cr.paragraphs),
        len(chunks),
        resolver.mode,
    )
    return doc, chunks, text


def process(raw: RawDocument, settings: Settings) -> tuple[Document, list[Chunk]]:
    doc, chunks, _ = process_full(raw, settings)
    return doc, chunks
