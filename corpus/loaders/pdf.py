"""PDF text layer via pypdf: one text per real page, so page numbers are the PDF's own."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from corpus.errors import LoadError

log = logging.getLogger(__name__)

# A page with fewer letters than this has no usable text layer (a scan, perhaps with a
# stamped page number). A PDF where every page is like that is refused.
MIN_LETTERS_PER_PAGE = 20

_NO_TEXT_FIX = "run OCR (e.g. ocrmypdf) first"


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def load_pdf(path: Path, data: bytes, fmt: str, *, limits=None) -> tuple[str, list[str], dict, str]:
    """Page texts, read page by page with the text so far capped at `limits.max_chars`: a PDF whose
    small compressed pages expand to gigabytes of text stops at the cap (pypdf itself caps one
    decompressed stream at 75 MB)."""
    from pypdf import PdfReader

    from corpus.loaders import Limits, too_much

    limits = limits or Limits()

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise LoadError(path, "not a PDF (no %PDF header)", "check the file; re-download or export it again")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(path, "encrypted PDF", "remove the password first (e.g. qpdf --decrypt)")
        n = len(reader.pages)
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types for damaged files
        raise LoadError(
            path, f"corrupt PDF ({type(exc).__name__}: {exc})", "the file is damaged; download or export it again"
        ) from None
    if n == 0:
        raise LoadError(path, "corrupt PDF (no pages found)", "the file is damaged; download or export it again")

    pages: list[str] = []
    failed: list[int] = []
    chars = 0
    for i in range(n):
        try:
            text = reader.pages[i].extract_text() or ""
        except Exception as exc:  # noqa: BLE001 - one bad page must not cost the whole document
            log.warning("%s: page %d: text extraction failed (%s)", path.name, i + 1, exc)
            failed.append(i + 1)
            text = ""
        pages.append(text.replace("\r\n", "\n").replace("\r", "\n"))
        chars += len(text)
        if chars > limits.max_chars:
            mb = round(limits.max_chars / 2**20, 3)
            raise too_much(path, f"more than {mb:g} MB of text by page {i + 1} of {n}", limits.max_chars,
                           "max_text_mb", mb)

    textless = [i + 1 for i, p in enumerate(pages) if _letters(p) < MIN_LETTERS_PER_PAGE]
    if len(textless) == n:
        if failed:
            raise LoadError(path, f"corrupt PDF (no page could be read, {len(failed)} failed)", "export it again")
        raise LoadError(path, "no text layer (scanned?)", _NO_TEXT_FIX)
    if len(textless) > max(1, n // 10):
        log.warning("%s: %d of %d pages have no text layer (scanned?): %s", path.name, len(textless), n,
                    ", ".join(map(str, textless[:20])))
    metadata: dict = {"n_pages": n}
    return "\n\n".join(pages), pages, metadata, fmt
