"""Citation strings in the style Kamer staff use.

`Kamerstukken II 2020/21, 26 150, nr. 187, p. 6` for a Kamerstuk; for a letter
without a Kamerstuk number: `Brief "Betreft", 15 februari 2019, kenmerk
BZDOC-…, p. 2`. Unknown parts are left out, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from corpus.structure import format_dutch_date

DOC_TYPE_LABELS = {
    "brief": "Brief",
    "kabinetsreactie": "Kabinetsreactie",
    "verslag": "Verslag",
    "motie": "Motie",
    "nota": "Nota",
}


def format_pages(page_start: int | None, page_end: int | None) -> str:
    if page_start is None and page_end is None:
        return ""
    a = page_start if page_start is not None else page_end
    b = page_end if page_end is not None else page_start
    return f"p. {a}" if a == b else f"p. {a}-{b}"


def format_citation(
    meta: Mapping[str, Any], page_start: int | None = None, page_end: int | None = None
) -> str:
    """The citation for a passage of the document described by `meta`."""
    pages = format_pages(page_start, page_end)
    dossier = meta.get("dossier")
    nr = meta.get("ondernummer")
    parts: list[str] = []
    if dossier:
        kamer = meta.get("kamer")
        head = f"Kamerstukken {kamer}" if kamer else "Kamerstuk"
        if meta.get("vergaderjaar"):
            head += f" {meta['vergaderjaar']}"
        # "Kamerstukken II 2020/21, 26 150" but "Kamerstuk 26 150" without a year
        parts.append(head + (f", {dossier}" if " " in head else f" {dossier}"))
        if nr:
            parts.append(f"nr. {nr}")
    else:
        label = DOC_TYPE_LABELS.get(str(meta.get("doc_type", "")), "")
        title = meta.get("title")
        if title and label and str(title).lower().startswith(label.lower()):
            parts.append(str(title))  # a derived title already says what it is ("Kabinetsreactie op …")
        elif title:
            parts.append(f"{label} «{title}»".strip())
        elif label:
            parts.append(label)
        if meta.get("date"):
            parts.append(format_dutch_date(str(meta["date"])))
        if meta.get("reference"):
            parts.append(f"kenmerk {meta['reference']}")
        if not title and not meta.get("date") and not meta.get("reference") and meta.get("doc_id"):
            parts.append(str(meta["doc_id"]))
    if pages:
        parts.append(pages)
    return ", ".join(p for p in parts if p)
