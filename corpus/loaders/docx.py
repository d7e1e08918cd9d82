"""Word .docx via python-docx: body paragraphs and tables in order, headings as their own paragraphs."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from corpus.errors import LoadError

log = logging.getLogger(__name__)

def load_docx(path: Path, data: bytes, fmt: str) -> tuple[str, None, dict, str]:
    try:
        import docx
        from docx.table import Table

        doc = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - BadZipFile, KeyError, lxml errors, ...
        raise LoadError(
            path, f"not a readable .docx ({type(exc).__name__}: {exc})", "open and save it again in Word or LibreOffice"
        ) from None

    blocks: list[str] = []
    title = (doc.core_properties.title or "").strip() or None
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                cells: list[str] = []
                for cell in row.cells:  # merged cells repeat: keep each text once per row
                    t = " ".join(cell.text.split())
                    if t and (not cells or cells[-1] != t):
                        cells.append(t)
                if cells:
                    blocks.append(" | ".join(cells))
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "").lower()
        if title is None and style.startswith(("title", "titel")):
            title = text
        blocks.append(text)
    metadata: dict = {}
    if title:
        metadata["title"] = title
    # Paragraphs are separated by blank lines, the pipeline's paragraph boundary.
    return "\n\n".join(blocks), None, metadata, fmt
