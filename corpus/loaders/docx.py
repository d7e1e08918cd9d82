"""Word .docx via python-docx: body paragraphs and tables in order, headings as their own paragraphs."""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path

from corpus.errors import LoadError

log = logging.getLogger(__name__)

_BLOCK = 1 << 20


def _checked_zip(path: Path, data: bytes, limit: int) -> io.BytesIO:
    """The .docx re-packed with only what python-docx needs, its unpacked size checked while reading.

    python-docx unzips every part into memory before anything could look at the
    sizes, so a 345 KB zip bomb took ~1 GB. Here each XML part is read in 1 MB
    steps and the total is capped at `limit` (declared sizes may lie, so the bytes
    read are counted); media (images, fonts, embedded files) are kept as empty
    parts: text extraction never opens them, and they need not fit in memory.
    """
    from corpus.loaders import too_much

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise LoadError(path, f"not a readable .docx ({type(exc).__name__}: {exc})",
                        "open and save it again in Word or LibreOffice") from None
    out = io.BytesIO()
    total = 0
    mb = round(limit / 2**20, 3)
    with zf, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in infos:
            name = info.filename
            if info.is_dir():
                continue
            if not name.lower().endswith((".xml", ".rels")):
                dst.writestr(name, b"")
                continue
            if total + info.file_size > limit:  # the declared size already says no: do not even start
                raise too_much(path, f"its parts unpack to more than {mb:g} MB ({name} alone declares "
                               f"{info.file_size / 2**20:.0f} MB; a zip bomb?)", limit, "max_unpacked_mb", mb)
            buf = bytearray()
            try:
                with zf.open(info) as fh:
                    while block := fh.read(_BLOCK):
                        buf += block
                        if total + len(buf) > limit:
                            raise too_much(path, f"its parts unpack to more than {mb:g} MB (a zip bomb?)", limit,
                                           "max_unpacked_mb", mb)
            except LoadError:
                raise
            except Exception as exc:  # noqa: BLE001 - bad CRC, unsupported compression, truncated data
                raise LoadError(path, f"not a readable .docx ({name}: {type(exc).__name__}: {exc})",
                                "open and save it again in Word or LibreOffice") from None
            total += len(buf)
            dst.writestr(name, bytes(buf))
            del buf
    out.seek(0)
    return out


def load_docx(path: Path, data: bytes, fmt: str, *, limits=None) -> tuple[str, None, dict, str]:
    from corpus.loaders import Limits, too_much

    limits = limits or Limits()
    packed = _checked_zip(path, data, limits.max_unpacked)
    try:
        import docx
        from docx.table import Table

        doc = docx.Document(packed)
    except Exception as exc:  # noqa: BLE001 - BadZipFile, KeyError, lxml errors, ...
        raise LoadError(
            path, f"not a readable .docx ({type(exc).__name__}: {exc})", "open and save it again in Word or LibreOffice"
        ) from None
    del packed

    blocks: list[str] = []
    chars = 0
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
                    chars += len(blocks[-1])
            if chars > limits.max_chars:
                mb = round(limits.max_chars / 2**20, 3)
                raise too_much(path, f"more than {mb:g} MB of text", limits.max_chars, "max_text_mb", mb)
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "").lower()
        if title is None and style.startswith(("title", "titel")):
            title = text
        blocks.append(text)
        chars += len(text)
        if chars > limits.max_chars:
            mb = round(limits.max_chars / 2**20, 3)
            raise too_much(path, f"more than {mb:g} MB of text", limits.max_chars, "max_text_mb", mb)
    metadata: dict = {}
    if title:
        metadata["title"] = title
    # Paragraphs are separated by blank lines, the pipeline's paragraph boundary.
    return "\n\n".join(blocks), None, metadata, fmt
