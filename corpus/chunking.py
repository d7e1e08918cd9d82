"""Paragraph chunks with metadata, and the text the retriever indexes.

Paragraphs are merged up to a target size (Settings.chunk_min_words ..
chunk_max_words), never across a section (a heading, a fractie's question
block, a numbered cabinet answer) and never across documents. A paragraph
longer than the maximum is split at sentence ends. Glued paragraphs (list
items, footnotes, signatures) stay with the paragraph before them.

`chunk_id` hashes doc_id, text and the occurrence number of that text in the
document, so re-ingesting unchanged text gives the same ids and verbatim
repeats (they occur in verslagen) still get distinct ids.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from corpus.citation import format_citation
from corpus.cleaning import Paragraph, split_sentences
from corpus.models import Chunk
from corpus.structure import SectionInfo

# Document metadata copied onto every chunk (for filters and citations).
DOC_KEYS_ON_CHUNK = (
    "dossier",
    "ondernummer",
    "vergaderjaar",
    "kamer",
    "doc_type",
    "date",
    "title",
    "reference",
    "kst",
)
# Chunk metadata a section contributes.
SECTION_KEYS = ("fractie", "topic", "answer_number", "question", "role", "answered_by")
INDEX_QUESTION_WORDS = 80  # how much of the answered question goes into an answer's index text


@dataclass
class Segment:
    """A stretch of the clean document text: a paragraph or a part of one."""

    start: int
    end: int
    words: int
    para: int  # paragraph index
    page_frac: tuple[float, float] = (0.0, 1.0)  # where in the paragraph it lies


@dataclass
class Unit:
    segments: list[Segment]
    key: int

    @property
    def words(self) -> int:
        return sum(s.words for s in self.segments)


@dataclass
class CleanText:
    text: str
    spans: list[tuple[int, int]]  # per paragraph


def assemble_text(paras: list[Paragraph]) -> CleanText:
    """The clean document text: paragraphs separated by a blank line."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for p in paras:
        if parts:
            pos += 2
        spans.append((pos, pos + len(p.text)))
        parts.append(p.text)
        pos += len(p.text)
    return CleanText("\n\n".join(parts), spans)


def _split_long(text: str, offset: int, para: int, max_words: int) -> list[Segment]:
    """Sentence segments of one long paragraph, grouped into balanced pieces <= max_words."""
    sents: list[tuple[int, int, int]] = []  # start, end, words (relative)
    pos = 0
    for s in split_sentences(text):
        i = text.find(s, pos)
        if i < 0:
            i = pos
        words = len(s.split())
        if words > max_words:  # a run-on "sentence": cut at word boundaries
            toks = list(re.finditer(r"\S+", s))
            for k in range(0, len(toks), max_words):
                part = toks[k : k + max_words]
                sents.append((i + part[0].start(), i + part[-1].end(), len(part)))
        else:
            sents.append((i, i + len(s), words))
        pos = i + len(s)
    total = sum(w for _, _, w in sents)
    n = max(1, math.ceil(total / max_words))
    target = total / n
    groups: list[list[tuple[int, int, int]]] = [[]]
    acc = 0
    for st in sents:
        if groups[-1] and (acc + st[2] > max_words or (acc >= target and len(groups) < n)):
            groups.append([])
            acc = 0
        groups[-1].append(st)
        acc += st[2]
    L = max(1, len(text))
    return [
        Segment(
            offset + g[0][0], offset + g[-1][1], sum(w for _, _, w in g), para, (g[0][0] / L, g[-1][1] / L)
        )
        for g in groups
        if g
    ]


def build_chunks(
    doc_id: str,
    paras: list[Paragraph],
    infos: list[SectionInfo],
    resolve_page: Callable[[int, int], tuple[int | None, bool]],
    doc_meta: dict[str, Any],
    min_words: int = 120,
    max_words: int = 350,
) -> tuple[list[Chunk], CleanText]:
    clean = assemble_text(paras)

    # 1. units: content paragraphs with their glued followers, per section
    units: list[Unit] = []
    for i, (p, info) in enumerate(zip(paras, infos)):
        if p.kind == "heading" or info.meta.get("heading"):
            continue
        a, b = clean.spans[i]
        seg = Segment(a, b, p.words, i)
        if p.glue_prev and units and units[-1].key == info.key:
            units[-1].segments.append(seg)
        else:
            units.append(Unit([seg], info.key))

    # 2. merge units into chunks within a section
    groups: list[list[Segment]] = []
    cur: list[Segment] = []
    cur_w = 0
    cur_key: int | None = None
    for u in units:
        if cur and (u.key != cur_key or cur_w >= min_words or cur_w + u.words > max_words):
            groups.append(cur)
            cur, cur_w = [], 0
        cur_key = u.key
        if u.words > max_words:
            segs: list[Segment] = []
            for s in u.segments:
                if s.words > max_words:
                    segs.extend(_split_long(clean.text[s.start : s.end], s.start, s.para, max_words))
                else:
                    segs.append(s)
            acc: list[Segment] = []
            w = 0
            for s in segs:
                if acc and w + s.words > max_words:
                    groups.append(acc)
                    acc, w = [], 0
                acc.append(s)
                w += s.words
            if acc:
                groups.append(acc)
            continue
        cur.extend(u.segments)
        cur_w += u.words
    if cur:
        groups.append(cur)
    group_keys = [infos[g[0].para].key for g in groups]

    # a small tail joins the chunk before it when both fit
    merged: list[list[Segment]] = []
    for g, k in zip(groups, group_keys):
        w = sum(s.words for s in g)
        if (
            merged
            and infos[merged[-1][0].para].key == k
            and w < min_words // 2
            and sum(s.words for s in merged[-1]) + w <= max_words
        ):
            merged[-1] = merged[-1] + g
        else:
            merged.append(g)

    # 3. chunks
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for seq, g in enumerate(merged):
        start, end = g[0].start, g[-1].end
        text = clean.text[start:end]
        first_p, last_p = paras[g[0].para], paras[g[-1].para]
        p0, e0 = _page_at(first_p, g[0].page_frac[0], resolve_page)
        p1, e1 = _page_at(last_p, g[-1].page_frac[1], resolve_page)
        info = infos[g[0].para]
        meta: dict[str, Any] = {
            k: doc_meta[k] for k in DOC_KEYS_ON_CHUNK if doc_meta.get(k) not in (None, "", [])
        }
        for k in SECTION_KEYS:
            if k in info.meta:
                meta[k] = info.meta[k]
        if p0 is not None or p1 is not None:
            meta["page_estimated"] = bool(e0 or e1)
        fns = [
            {"n": fn.n, "text": fn.text}
            for s in g
            for fn in (paras[s.para].footnotes if paras[s.para].kind == "footnote" else [])
        ]
        if fns:
            meta["footnotes"] = fns
        if p0 is not None and p1 is not None and p1 < p0:
            p1 = p0
        occ = seen.get(text, 0)
        seen[text] = occ + 1
        cid = hashlib.sha1(f"{doc_id}\x00{occ}\x00{text}".encode()).hexdigest()[:20]
        cite_meta = dict(doc_meta)
        cite_meta.setdefault("doc_id", doc_id)
        chunks.append(
            Chunk(
                chunk_id=cid,
                doc_id=doc_id,
                text=text,
                page_start=p0,
                page_end=p1,
                section=info.label,
                metadata=meta,
                char_span=(start, end),
                citation=format_citation(cite_meta, p0, p1),
                seq=seq,
            )
        )
    return chunks, clean


def _page_at(p: Paragraph, frac: float, resolve_page) -> tuple[int | None, bool]:
    if not p.src:
        return resolve_page(p.rel_page_start, p.first_line)
    k = min(len(p.src) - 1, max(0, int(frac * len(p.src) - 1e-9)))
    line, rel = p.src[k]
    return resolve_page(rel, line)


def _tail_words(text: str, n: int) -> str:
    words = text.split()
    return text if len(words) <= n else "… " + " ".join(words[-n:])


def index_text(chunk: Chunk) -> str:
    """What the retriever embeds and BM25-indexes for a chunk.

    Title, section and fractie give the chunk its context; an answer chunk also
    carries (the end of) the question it answers, so a query phrased like the
    question finds the answer. The displayed `chunk.text` stays clean: that is
    what gets quoted.
    """
    m = chunk.metadata or {}
    head: list[str] = []
    if m.get("title"):
        head.append(str(m["title"]))
    if chunk.section and chunk.section not in chunk.text[:200]:
        head.append(chunk.section)
    if m.get("topic") and m["topic"] != chunk.section:
        head.append(str(m["topic"]))
    if m.get("fractie"):
        head.append(f"{m['fractie']}-fractie")
    parts = [" | ".join(head)] if head else []
    if m.get("question"):
        parts.append("Vraag: " + _tail_words(str(m["question"]), INDEX_QUESTION_WORDS))
        parts.append("Antwoord: " + chunk.text)
    else:
        parts.append(chunk.text)
    return "\n".join(parts)
