"""Readable source labels: the official citation string, with a locator; never a bare file id.

A Kamerstuk cites as "Kamerstukken II 2020/21, 26 150, nr. 187, p. 12"; in a
written consultation one page holds several answers, so the answer (or the
asking fractie) is added: "…, p. 12 (antwoord 21)". A document without header
metadata cites as its type and file id ("Kabinetsreactie, 000_ed1558a5d4f7a61a")
until corpus/ derives a title for it; such a label is replaced by the stored
title, or else by a title taken from the document's opening ("Kabinetsreactie op
het rapport van de Expertgroep …"), with the section as locator where there are
no pages.
"""

from __future__ import annotations

import re
from functools import lru_cache

from corpus.citation import DOC_TYPE_LABELS
from corpus.fracties import label as fractie_label
from corpus.models import Chunk

# Stems of demo and uploaded files: "000_ed1558a5d4f7a61a", or any long hex run.
BARE_ID_RE = re.compile(r"\b\d{3}_[0-9a-f]{12,}\b|\b[0-9a-f]{16,}\b", re.I)

_QUOTED_TITLE_RE = re.compile(r"\b(advies|rapport|brief|notitie|nota|verslag|evaluatie|strategie)\b((?: nr\. ?\d+)?)"
                              r"\s+«([^»]{5,160})»", re.I)
_OF_TITLE_RE = re.compile(r"\b(?:het|de)\s+(rapport|advies|evaluatie|notitie)\s+van\s+(?:de|het)\s+"
                          r"([A-Z][^.():;«»]{5,140}?)(?=\s*\(|\s*[.;:]|\s+(?:heeft|dat|die|toekomen|over)\b)")


def looks_bare(label: str, doc_id: str = "") -> bool:
    """True when the label shows a file id instead of a title."""
    return bool(label) and (bool(doc_id) and doc_id in label or bool(BARE_ID_RE.search(label)))


def derive_title(doc_type: str, opening: str) -> str:
    """A title from a document's opening text, or "" when none can be read from it."""
    kind = DOC_TYPE_LABELS.get(doc_type or "", "")
    text = " ".join((opening or "").split())[:1500]
    m = _QUOTED_TITLE_RE.search(text)
    if m:
        what = f"{m.group(1).lower()}{m.group(2) or ''} «{m.group(3).strip()}»"
    else:
        m = _OF_TITLE_RE.search(text)
        what = f"{m.group(1).lower()} van de {m.group(2).strip()}" if m else ""
    if not what:
        return ""
    if doc_type == "kabinetsreactie":
        return f"Kabinetsreactie op het {what}"
    return f"{kind}: {what}" if kind else what[0].upper() + what[1:]


class SourceLabeller:
    """Labels for cited chunks; looks a document's title up once (store optional)."""

    def __init__(self, store=None):
        self.store = store
        self._titles: dict[str, str] = {}

    def title(self, chunk: Chunk) -> str:
        doc_id = chunk.doc_id
        if doc_id in self._titles:
            return self._titles[doc_id]
        title, doc_type, opening = "", str((chunk.metadata or {}).get("doc_type") or ""), ""
        if self.store is not None:
            try:
                rec = self.store.get_document(doc_id)
                if rec is not None:
                    title = rec.title or ""
                    doc_type = doc_type or str((rec.metadata or {}).get("doc_type") or "")
                if not title or looks_bare(title, doc_id):
                    first = next(iter(self.store.chunks(doc_id)), None)
                    opening = first.text if first is not None else ""
            except Exception:  # noqa: BLE001 - a label must never cost the note
                opening = ""
        if not title or looks_bare(title, doc_id):
            title = derive_title(doc_type, opening or (chunk.text if chunk.seq == 0 else ""))
        if not title:
            kind = DOC_TYPE_LABELS.get(doc_type, "Document")
            words = " ".join((opening or chunk.text).split()[:8])
            title = f"{kind} «{words}…»"
        self._titles[doc_id] = title
        return title

    def label(self, chunk: Chunk) -> str:
        label = " ".join((chunk.citation or "").split())
        if not label or looks_bare(label, chunk.doc_id):
            label = self.title(chunk)
            if chunk.page_start is not None:
                label += f", p. {chunk.page_start}" + (f"-{chunk.page_end}" if chunk.page_end not in (None, chunk.page_start) else "")
        locator = _locator(chunk)
        if locator:
            label += f" ({locator})"
        return label


def _locator(chunk: Chunk) -> str:
    """Where in the document: the answer or fractie in a consultation, else the section when there is no page."""
    md = chunk.metadata or {}
    if md.get("role") == "answer" and md.get("answer_number") not in (None, ""):
        return f"antwoord {md['answer_number']}"
    if md.get("role") == "question" and md.get("fractie"):
        return f"inbreng {fractie_label(str(md['fractie']))}"
    if chunk.page_start is None and chunk.section:
        return f"§ {_short(chunk.section)}"
    return ""


@lru_cache(maxsize=256)
def _short(text: str, limit: int = 60) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 1].rsplit(" ", 1)[0] + "…"
