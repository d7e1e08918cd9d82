"""Check an answer against the passages it cites, before anyone relies on it.

Steps, per answer sentence:
1. parse its [n] markers; a marker pointing at no passage is removed (and noted);
2. the sentence's facts (numbers, amounts, dates, names, negations) must be found
   in the passages it cites, and the claim must be supported by them according
   to the claim-support scorer (`rag.claims.get_scorer` when installed, else the
   simple lexical checker below, behind the same `score(claim, context)` interface);
3. an uncited sentence is given the passage that supports it, if one does;
   a sentence no passage supports is dropped with a visible note;
4. every citation carries the exact, verbatim quote from its passage (the
   passage sentence that best supports the answer sentence).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from corpus.models import Citation, Passage
from rag import claim_text as ct

log = logging.getLogger(__name__)

_MARKER_RE = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# Sentence ends: . ! ? followed by space + an opening capital/digit/quote, or the end.
_END_RE = re.compile(r"[.!?]+[\"'»”)]*(?=\s+[\"'«“(]?[A-Z0-9À-Ý]|\s*$)")
_ABBREV = {a.replace(".", "") for a in ct._ABBREVIATIONS} | {"jl", "nr", "blz", "art", "oa", "p", "cs", "jo", "ea"}


# --- sentence spans (verbatim quotes need offsets into the original text) -------------------

def sentence_spans(text: str, min_chars: int = 1) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`, so text[s:e] is verbatim.

    Blank lines (paragraph breaks, footnote blocks) always end a sentence. A full
    stop after a known abbreviation ("jl.", "nr.") or a single letter does not.
    """
    out: list[tuple[int, int]] = []
    pos = 0
    for block in re.split(r"(\n\s*\n)", text):
        if block and not block.isspace():
            out += [(pos + s, pos + e) for s, e in _block_spans(block, min_chars)]
        pos += len(block)
    return out


def _block_spans(text: str, min_chars: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END_RE.finditer(text):
        before = text[start:m.start()]
        last = re.findall(r"[\w.]+$", before)
        word = last[0].lower().replace(".", "") if last else ""
        if m.group(0).startswith(".") and (word in _ABBREV or (len(word) == 1 and word.isalpha())
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
        before = text[start:m.start()]
        last = re.findall(r"[\w.]+$", before)
        word = last[0].lower().replace(".", "") if last else ""
        if m.group(0).startswith(".") and not m.group(0).rstrip().endswith("]") and (
                word in _ABBREV or (len(word) == 1 and word.isalpha())):
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


# --- facts ---------------------------------------------------------------------------------

@dataclass
class Facts:
    numbers: set[str]
    names: set[str]
    negations: int


def facts(text: str) -> Facts:
    return Facts(ct.numbers(text), ct.names(text), ct.negation_count(text))


def missing_facts(claim: str, context: str) -> list[str]:
    """Facts of `claim` not found in `context` (empty: all found)."""
    c, x = facts(claim), facts(context)
    ctx_low = ct.normalise(context).lower()
    out = [f"getal {n}" for n in sorted(c.numbers - x.numbers)]
    for name in sorted(c.names - x.names):
        if name not in ctx_low:  # names() may see a capital where the passage has none
            out.append(f"naam {name}")
    if c.negations > x.negations:
        out.append("ontkenning")
    return out


# --- scorer interface ------------------------------------------------------------------------

@dataclass
class Verdict:
    supported: bool
    score: float


class Scorer(Protocol):
    def score(self, claim: str, context: str) -> Any: ...


class SimpleScorer:
    """Lexical fallback: every fact present and most content words covered."""

    def __init__(self, min_coverage: float = 0.6):
        self.min_coverage = min_coverage

    def score(self, claim: str, context: str) -> Verdict:
        claim_stems = set(ct.content_stems(claim))
        if not claim_stems:
            return Verdict(not missing_facts(claim, context), 0.5)
        ctx_stems = set(ct.content_stems(context))
        coverage = len(claim_stems & ctx_stems) / len(claim_stems)
        ok = coverage >= self.min_coverage and not missing_facts(claim, context)
        return Verdict(ok, coverage if ok else min(coverage, self.min_coverage - 0.01))


def get_scorer(settings: Any | None) -> Scorer:
    """The claim-support scorer named by settings.scorer, or the simple checker without one."""
    if settings is None:
        return SimpleScorer()
    try:
        from rag.claims import get_scorer as claims_scorer  # the evaluation issue's scorer
    except ImportError:
        return SimpleScorer()
    try:
        return claims_scorer(settings)
    except Exception as exc:  # a broken optional scorer must not take answering down
        log.warning("claim scorer %r unavailable (%s); using the simple lexical checker", settings.scorer, exc)
        return SimpleScorer()


# --- quotes ----------------------------------------------------------------------------------

def _overlap(a: str, b: str) -> float:
    sa, sb = set(ct.content_stems(a)), set(ct.content_stems(b))
    fa, fb = ct.numbers(a), ct.numbers(b)
    num = len(sa & sb) + 2 * len(fa & fb)
    return num / max(1, len(sa) + 2 * len(fa))


def best_quote(claim: str, passage_text: str) -> tuple[str, float]:
    """The passage sentence (verbatim) that best supports `claim`, with its overlap.

    When the claim spans two adjacent sentences, the pair is quoted.
    """
    spans = sentence_spans(passage_text)
    if not spans:
        return passage_text.strip(), 0.0
    best, best_score = spans[0], -1.0
    for i, (s, e) in enumerate(spans):
        for j in (i, i + 1):
            if j >= len(spans):
                continue
            cand = (s, spans[j][1])
            sc = _overlap(claim, passage_text[cand[0]:cand[1]]) - (0.05 if j > i else 0.0)
            if sc > best_score:
                best, best_score = cand, sc
    return passage_text[best[0]:best[1]], max(best_score, 0.0)


# --- the check ---------------------------------------------------------------------------------

@dataclass
class SentenceCheck:
    text: str  # without markers
    cited: list[int]
    supported: bool
    score: float
    note: str = ""


@dataclass
class CheckResult:
    text: str  # the checked answer: supported sentences with valid markers
    citations: list[Citation]
    sentences: list[SentenceCheck]
    flags: list[str] = field(default_factory=list)
    invalid_markers: list[int] = field(default_factory=list)

    @property
    def n_supported(self) -> int:
        return sum(1 for s in self.sentences if s.supported)


def _verbatim(sentence: str, context: str) -> bool:
    norm = lambda t: re.sub(r"\s+", " ", t).strip().lower().rstrip(".!?")
    sent = norm(sentence).strip("„“”\"'«» ")
    return len(sent) > 20 and sent in norm(context)


def _passage_context(p: Passage) -> str:
    return p.chunk.text


def check_answer(answer: str, passages: list[Passage], scorer: Scorer | None = None, *,
                 drop_unsupported: bool = True, min_chars: int = 3) -> CheckResult:
    """Check `answer` (with [n] markers, n = 1-based position in `passages`)."""
    scorer = scorer or SimpleScorer()
    by_n = {i + 1: p for i, p in enumerate(passages)}
    flags: list[str] = []
    invalid: list[int] = []
    kept: list[str] = []
    checks: list[SentenceCheck] = []
    quotes: dict[tuple[int, str], float] = {}
    for raw in split_answer(answer):
        cited_all = markers(raw)
        bad = [n for n in cited_all if n not in by_n]
        invalid += [n for n in bad if n not in invalid]
        cited = [n for n in cited_all if n in by_n]
        sent = strip_markers(raw)
        if len(sent) < min_chars or not re.search(r"\w", sent):
            continue
        supporting: list[int] = []
        best_score, note = 0.0, ""
        candidates = cited
        if not cited:
            # An uncited sentence may still be supported somewhere: try the two closest passages
            # (the scorer can be slow; lexical overlap picks the plausible ones).
            candidates = sorted(by_n, key=lambda n: -_overlap(sent, _passage_context(by_n[n])))[:2]
        for n in candidates:
            ctx = _passage_context(by_n[n])
            if _verbatim(sent, ctx):  # a quoted passage sentence supports itself
                supporting.append(n)
                best_score = 1.0
                continue
            miss = missing_facts(sent, ctx)
            if miss:  # a number, name or negation not in the passage: no need to ask the scorer
                note = note or "niet in de bron: " + ", ".join(miss[:3])
                continue
            v = scorer.score(sent, ctx)
            if bool(getattr(v, "supported", False)):
                supporting.append(n)
                best_score = max(best_score, float(getattr(v, "score", 0.0)))
        if cited and not supporting:
            # The cited passages fail each one alone; try them together (a claim joining two passages).
            ctx = "\n".join(_passage_context(by_n[n]) for n in cited)
            v = scorer.score(sent, ctx)
            if not missing_facts(sent, ctx) and bool(getattr(v, "supported", False)):
                supporting = list(cited)
                best_score = float(getattr(v, "score", 0.0))
        if not cited and supporting:
            # Keep only the best supporting passage for an uncited sentence.
            supporting = [max(supporting, key=lambda n: best_quote(sent, _passage_context(by_n[n]))[1])]
        ok = bool(supporting)
        checks.append(SentenceCheck(sent, supporting if ok else cited, ok, best_score, "" if ok else
                                    (note or "niet ondersteund door de aangehaalde passages")))
        if ok or not drop_unsupported:
            marks = "".join(f" [{n}]" for n in (supporting or cited))
            kept.append(_attach(sent, marks))
            for n in supporting:
                quotes.setdefault((n, sent), best_score)
        if not ok:
            flags.append(f"Zin weggelaten omdat de bronnen hem niet ondersteunen ({checks[-1].note}): «{sent}»"
                         if drop_unsupported else f"Niet gecontroleerd ondersteund: «{sent}»")
    if invalid:
        flags.append("Verwijzing(en) naar niet-bestaande passages verwijderd: " + ", ".join(f"[{n}]" for n in invalid))
    citations = _citations(quotes, by_n)
    return CheckResult(" ".join(kept).strip(), citations, checks, flags, invalid)


def _attach(sentence: str, marks: str) -> str:
    """Put markers before the final full stop: 'Zin [1].'"""
    m = re.match(r"^(.*?)([.!?]+[\"'»”)]*)$", sentence, re.S)
    if m and marks:
        return f"{m.group(1)}{marks}{m.group(2)}"
    return sentence + marks


def _citations(quotes: dict[tuple[int, str], float], by_n: dict[int, Passage]) -> list[Citation]:
    """One citation per cited passage, quoting the sentence that best supports the answer."""
    claims_by_n: dict[int, list[str]] = {}
    for (n, sent) in quotes:
        claims_by_n.setdefault(n, []).append(sent)
    out = []
    for n in sorted(claims_by_n):
        p = by_n[n]
        quote, _ = best_quote(" ".join(claims_by_n[n]), p.chunk.text)
        out.append(Citation(n=n, chunk_id=p.chunk.chunk_id, doc_id=p.chunk.doc_id, quote=quote,
                            page=p.chunk.page_start, citation=p.chunk.citation))
    return out
