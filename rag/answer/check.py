"""Check an answer against the passages it cites, before anyone relies on it.

Two entry points: `check_parts` for answers composed by rag/answer/composer.py (each
part has a kind and its own proof, see below), and `check_answer` for free text such as
a model's answer or a briefing line. No passage sentence that reads like an instruction
to an assistant can support anything: the scorer sees the passage without them.

Steps of `check_answer`, per answer sentence:
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

from corpus.fracties import canonical
from corpus.models import Citation, Passage
from rag import claim_text as ct
from rag.answer.composer import Part
from rag.answer.injection import redact_instructions
from rag.answer.spans import markers, sentence_spans, split_answer, strip_markers  # noqa: F401 - re-exported

log = logging.getLogger(__name__)



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
    """What a passage can support: its text without sentences addressed to an assistant."""
    return redact_instructions(p.chunk.text)


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


# --- composed answers: parts with a kind each (rag/answer/composer.py) -------------------------

@dataclass
class PartVerdict:
    text: str
    kind: str
    citations: list[int]
    supported: bool
    score: float
    failed: str = ""  # why it failed: the fact or the rule
    facts: list[dict] = field(default_factory=list)  # the claim scorer's per-fact breakdown (model sentences)

    def to_dict(self) -> dict:
        out = {"text": self.text, "kind": self.kind, "citations": self.citations, "supported": self.supported,
               "score": round(float(self.score), 4), "failed_fact": self.failed or None}
        if self.facts:
            out["facts"] = self.facts
        return out


@dataclass
class PartsCheck:
    parts: list[Part]  # the parts that passed
    verdicts: list[PartVerdict]
    citations: list[Citation]
    flags: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(ct.lower_tokens(ct.normalise(text)))


def check_parts(parts: list[Part], passages: list[Passage], scorer=None) -> PartsCheck:
    kept: list[Part] = []
    verdicts: list[PartVerdict] = []
    flags: list[str] = []
    quotes: dict[int, list[str]] = {}
    for part in parts:
        if part.kind == "note" or part.n is None:
            kept.append(part)
            continue
        if not 1 <= part.n <= len(passages):
            flags.append(f"Verwijzing naar een niet-bestaande passage verwijderd: [{part.n}]")
            continue
        p = passages[part.n - 1]
        ok, score, failed, facts = True, 1.0, "", []
        label_problem = _label_problem(part.label, p)
        if label_problem:
            ok, score, failed = False, 0.0, label_problem
        elif part.kind in ("quote", "context", "span"):
            ok = _norm(part.text) in _norm(p.chunk.text) if part.kind != "span" else \
                part.text.lower() in " ".join(p.chunk.text.split()).lower()
            score, failed = (1.0, "") if ok else (0.0, "niet letterlijk in de bron")
        else:  # a model sentence: facts and support against the passage without its instruction sentences
            context = redact_instructions(p.chunk.text)
            miss = missing_facts(part.text, context)
            if miss:
                ok, score, failed = False, 0.0, "niet in de bron: " + ", ".join(miss[:3])
            elif scorer is not None:
                v = scorer.score(part.text, context)
                ok, score = bool(getattr(v, "supported", False)), float(getattr(v, "score", 0.0))
                facts = [dict(f) for f in (getattr(v, "facts", None) or [])]
                failed = "" if ok else (getattr(v, "failed_fact", None) or "; ".join(getattr(v, "reasons", [])[:1])
                                        or "niet ondersteund door de bron")
        verdicts.append(PartVerdict(part.text, part.kind, [part.n], ok, score, failed, facts))
        if not ok:
            flags.append(f"Zin weggelaten omdat de bron hem niet ondersteunt ({failed}): «{part.text}»")
            continue
        kept.append(part)
        if part.kind in ("quote", "context"):
            quotes.setdefault(part.n, []).append(part.text)
        else:
            quotes.setdefault(part.n, []).append(best_quote(part.text, p.chunk.text)[0])
    citations = []
    for n in sorted(quotes):
        p = passages[n - 1]
        quote = " … ".join(dict.fromkeys(quotes[n]))  # several verbatim pieces of one passage
        citations.append(Citation(n=n, chunk_id=p.chunk.chunk_id, doc_id=p.chunk.doc_id, quote=quote,
                                  page=p.chunk.page_start, citation=p.chunk.citation))
    return PartsCheck(kept, verdicts, citations, flags)


def _label_problem(label_text: str, p: Passage) -> str:
    if not label_text:
        return ""
    md = p.chunk.metadata or {}
    m = re.match(r"^Kabinet(?: \(antwoord (\d+)\))?$", label_text)
    if m:
        if md.get("role") == "question":
            return "toegeschreven aan het kabinet, maar de bron is de inbreng van een fractie"
        if m.group(1) and str(md.get("answer_number")) != m.group(1):
            return f"antwoordnummer {m.group(1)} klopt niet met de bron"
        return ""
    fr = md.get("fractie")
    want = canonical(re.sub(r"^(?:De\s+)?(?:fractie van de\s+)?", "", label_text).replace("-fractie", ""))
    if not fr or canonical(str(fr)) != want or md.get("role") == "answer":
        return f"toegeschreven aan {label_text}, maar de bron is dat niet"
    return ""
