"""load -> clean -> structure -> chunk, for one document.

`process` is the single entry point the ingest (local or distributed) calls.
PLACEHOLDER: a naive paragraph splitter until corpus/cleaning.py, structure.py
and chunking.py land.
"""

from __future__ import annotations

import hashlib
import re

from corpus.models import Chunk, Document, RawDocument
from corpus.settings import Settings


def process(raw: RawDocument, settings: Settings) -> tuple[Document, list[Chunk]]:
    doc = Document(doc_id=raw.doc_id, path=raw.path, title=None, metadata=dict(raw.metadata))
    chunks: list[Chunk] = []
    for seq, para in enumerate(p.strip() for p in re.split(r"\n\s*\n", raw.text)):
        if not para:
            continue
        text = " ".join(para.split())
        cid = hashlib.sha1(f"{raw.doc_id}\x00{seq}\x00{text}".encode()).hexdigest()[:16]
        chunks.append(Chunk(cid, raw.doc_id, text, None, None, None, {}, None, raw.doc_id, seq))
    return doc, chunks
