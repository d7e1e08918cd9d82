"""Sentence offsets in passages and sentence splitting of answers.

Quotes must be verbatim, so candidate units and citations work on (start, end)
offsets into the passage text; answers (ours or a model's) are split into
sentences that keep their [n] markers.
"""

from __future__ import annotations

import re

from rag import claim_text as ct

_MARKER_RE = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# Sentence ends: . ! ? followed by space + an opening capital/digit/quote, or the end.
_END_RE = re.compile(r"[.!?]+[\"'»”)]*(?=\s+[\"'«“(]?[A-Z0-9À-Ý]|\s*$)")
_ABBREV = {a.replace(".", "") for a in ct._ABBREVIATIONS} | {"jl", "nr", "blz", "art", "oa", "p", "cs", "jo", "ea"}


def _keeps_sentence(before: str) -> bool:
    """Does the word before a full stop keep the sentence going: an abbreviation ("jl.", "c.s."),
    a single letter or initials ("S.A. Blok")?"""
    last = re.findall(r"[\w.]+$", before)
    if not last:
        return False
    word = last[0].lower().replace(".", "")
    return word in _ABBREV or (len(word) == 1 and word.isalpha()) or bool(
        ct.INITIALS.fullmatch(last[0].lower().rstrip(".")))


def sentence_spans(text: str, min_chars: int = 1) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`, so text[s:e] is verbatim.

    Blank lines (paragraph breaks, footnote blocks) always end a sentence. A full
    stop after a known abbreviation ("jl.", "nr.") or a single letter does not.
    """
    out: list[tuple[int, int]] = []
    pos = 0
    for block in re.split(r"(\n\s*\n)", text):
        if block and not block.isspace():
            out += [(pos + s, pos + e) for s, e in _footnote_spans(block, min_chars)]
        pos += len(block)
    return out


# A footnote the cleaner placed inline ("… krijgsmacht. [Voetnoot 3: Kamerstuk 33 694, nr. 1.] Het …"):
# its text is a sentence of its own, never glued to the sentence it follows.
_FOOTNOTE_RE = re.compile(r"\[Voetnoot \d+:\s*(.*?)\]")


def _footnote_spans(text: str, min_chars: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _FOOTNOTE_RE.finditer(text):
        out += [(pos + s, pos + e) for s, e in _block_spans(text[pos:m.start()], min_chars)]
        if m.end(1) - m.start(1) >= min_chars and re.search(r"\w", m.group(1)):
            out.append((m.start(1), m.end(1)))
        pos = m.end()
    out += [(pos + s, pos + e) for s, e in _block_spans(text[pos:], min_chars)]
    return out


def _block_spans(text: str, min_chars: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END_RE.finditer(text):
        before = text[start:m.start()]
        last = re.findall(r"[\w.]+$", before)
        word = last[0].lower().replace(".", "") if last else ""
        if m.group(0).startswith(".") and (_keeps_sentence(before)
                                           or (word.isdigit() and len(word) <= 2 and m.end() < len(text)
                                               and text[m.end():m.end() + 2].strip()[:1].islower())):
            continue
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= min_chars and re.search(r"\w", text[s:e]):
            out.append((s, e))
    return out


def split_answer(text: str) -> list[str]:
    """Answer text into sentences, each keeping the [n] markers that follow it."""
    text = text.strip()
    pieces: list[str] = []
    start = 0
    pattern = re.compile(r"[.!?]+(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?=\s+[\"'«(]?[A-Z0-9À-Ý\[]|\s*$)|\n+")
    for m in pattern.finditer(text):
        if m.group(0).startswith(".") and not m.group(0).rstrip().endswith("]") and _keeps_sentence(
                text[start:m.start()]):
            continue
        pieces.append(text[start:m.end()].strip())
        start = m.end()
    if text[start:].strip():
        pieces.append(text[start:].strip())
    # A sentence that is only markers belongs to the sentence before it.
    merged: list[str] = []
    for p in pieces:
        if merged and not strip_markers(p):
            merged[-1] += " " + p
        elif p:
            merged.append(p)
    return merged


def markers(text: str) -> list[int]:
    """The distinct [n] numbers in `text`, in order of first appearance."""
    return ct.citation_numbers(text)


def strip_markers(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER_RE.sub("", text)).strip()
