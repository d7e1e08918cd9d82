"""Extractive answers: the best-supported sentences of the retrieved passages, quoted and cited.

This is the deterministic first step of every answer path (extract-then-generate):
sentences are scored against the question, the best ones are selected, and each
is returned verbatim with its passage number. The "extractive" backend shows
them as the answer; LLM backends may only connect/condense them, and fall back to
them when their output fails the check.

Scoring is lexical and explainable: IDF-weighted coverage of the question's
content words (Dutch stems, compounds split), a bonus when the sentence holds
the kind of fact the question asks for (a number for "hoeveel", a date for
"wanneer", a name for "wie"), and a penalty when a number the question names is
absent from the passage. An optional dense similarity (the query embedder the
retriever already loaded) is blended in when given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from corpus.models import Passage
from rag import claim_text as ct
from rag.answer_check import sentence_spans
from rag.chain import is_instruction

# A sentence opening with one of these continues the previous one ("Dit zijn ...").
_ANAPHORA = re.compile(r"^(dit|deze|dat|die) (zijn|is|waren|was|betreft|betreffen)\b|^(het gaat om|het betreft|"
                       r"daarbij gaat het|hieronder|daaronder|dit betekent)\b", re.I)
_NUMBER_Q = re.compile(r"\b(hoeveel|hoe vaak|hoe veel|welk bedrag|welk percentage|hoe groot|hoe lang|"
                       r"stemverhouding|aantal)\b", re.I)
_DATE_Q = re.compile(r"\b(wanneer|welk jaar|welke datum|op welke dag|in welke maand|sinds wanneer|welk moment)\b", re.I)
_NAME_Q = re.compile(r"\b(wie|welke (premier|minister|vertegenwoordiger|persoon|land|landen|organisatie|fractie|"
                     r"partij|voorzitter|staatssecretaris|gezant)|welk land)\b", re.I)
_AMOUNT_Q = re.compile(r"\b(hoeveel (geld|euro)|welk bedrag|hoeveel kost|wat kost|wat kosten|hoe duur|"
                       r"hoe groot is het budget|hoeveel budget)\b", re.I)
_AMOUNT_RE = re.compile(r"(€|\beuro\b|\bEUR\b|\bmiljoen\b|\bmiljard\b|\bmln\b|\bmld\b|\bdollar\b|\bUSD\b)", re.I)
_REASON_Q = re.compile(r"\b(waarom|aanleiding|reden|redenen|oorzaak|hoezo|met welk doel)\b", re.I)
_REASON_RE = re.compile(r"\b(omdat|doordat|vanwege|wegens|aanleiding|naar aanleiding|reden|daarom|dankzij|"
                        r"opgezet na|na evaluatie|in reactie op|met als doel|teneinde|om te|bedoeld om|"
                        r"als gevolg van)\b", re.I)
_DATE_RE = re.compile(r"\b(\d{1,2} (januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|"
                      r"november|december)|(19|20)\d\d)\b", re.I)
_MIN_WORDS = 5


@dataclass
class Candidate:
    n: int  # 1-based passage number
    start: int
    end: int
    text: str  # verbatim passage text[start:end]
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)


@dataclass
class Selection:
    sentences: list[Candidate]
    relevance: float  # best sentence score: the refusal signal
    candidates: list[Candidate]

    def answer_text(self) -> str:
        """The units, each of their sentences cited, so the answer check sees no uncited sentence."""
        parts = []
        for c in self.sentences:
            parts += [_cite(" ".join(c.text[s:e].split()), c.n) for s, e in sentence_spans(c.text)]
        return " ".join(parts)


def _cite(sentence: str, n: int) -> str:
    m = re.match(r"^(.*?)([.!?;:]+[\"'»”)]*)$", sentence, re.S)
    if m:
        return f"{m.group(1)} [{n}]{m.group(2)}"
    return f"{sentence} [{n}]."


def units(passages: Sequence[Passage]) -> list[Candidate]:
    """Candidate units: sentences, merged with a following anaphoric sentence."""
    out: list[Candidate] = []
    for i, p in enumerate(passages, start=1):
        text = p.chunk.text
        spans = sentence_spans(text)
        j = 0
        while j < len(spans):
            s, e = spans[j]
            # "…twee rechtsgronden. Dit zijn A, B en C." and "…als volgt:" read as one unit.
            while j + 1 < len(spans) and (text[s:e].rstrip().endswith(":")
                                          or _ANAPHORA.match(text[spans[j + 1][0]:spans[j + 1][1]])) \
                    and e - s < 600:
                j += 1
                e = spans[j][1]
            # Instructions addressed to an assistant are data, never an answer to quote.
            if len(ct.tokens(text[s:e])) >= _MIN_WORDS and not is_instruction(text[s:e]):
                out.append(Candidate(i, s, e, text[s:e]))
            j += 1
    return out


def expected_type(question: str) -> str | None:
    if _AMOUNT_Q.search(question):
        return "amount"
    if _DATE_Q.search(question):
        return "date"
    if _NUMBER_Q.search(question):
        return "number"
    if _NAME_Q.search(question):
        return "name"
    if _REASON_Q.search(question):
        return "reason"
    return None


def _has_type(text: str, kind: str | None) -> bool:
    if kind == "date":
        return bool(_DATE_RE.search(text))
    if kind == "amount":
        return bool(_AMOUNT_RE.search(text))
    if kind == "number":
        # "COVID-19" or "resolutie 2417" style labels are not quantities.
        plain = re.sub(r"\w+-\d+|\b(resolutie|artikel|nr|nummer|kamerstuk)\.? \d+", " ", text, flags=re.I)
        return bool(ct.numbers(plain) - {f"m{i}" for i in range(1, 13)})
    if kind == "name":
        return bool(ct.names(text))
    if kind == "reason":
        return bool(_REASON_RE.search(text))
    return True


def score_units(question: str, passages: Sequence[Passage],
                dense: Callable[[str, list[str]], list[float]] | None = None) -> list[Candidate]:
    """All candidate units, scored against the question, best first."""
    cands = units(passages)
    if not cands:
        return []
    q_stems = set(ct.content_stems(question))
    stems = [set(ct.content_stems(c.text)) for c in cands]
    n = len(cands)
    # IDF over the candidate units: words every unit shares say little about which one answers.
    matched = [_matches(q_stems, st) for st in stems]
    df: dict[str, int] = {}
    for m in matched:
        for t in m:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + (n + 1) / (df.get(t, 0) + 0.5)) for t in q_stems}
    total = sum(idf.values()) or 1.0
    lex = [sum(idf[t] for t in m) / total for m in matched]
    kind = expected_type(question)
    q_numbers = {x for x in ct.numbers(question) if not x.startswith("m")}
    q_names = _question_names(question)
    dense_scores = dense(question, [c.text for c in cands]) if dense else None
    out: list[Candidate] = []
    for i, c in enumerate(cands):
        own = lex[i]
        if dense_scores is not None:
            own = 0.7 * own + 0.3 * max(0.0, (dense_scores[i] - 0.7) / 0.3)
        type_ok = _has_type(c.text, kind)
        passage_text = passages[c.n - 1].chunk.text
        # A number the question names ("2 procent", "in 2020") must occur in the passage or its
        # metadata (a letter's date or vergaderjaar is often only there).
        # Quantities ("2 procent", "42 landen") must be in the unit itself; years may sit in the metadata.
        quantities = {x for x in q_numbers if not re.fullmatch(r"(19|20)\d\d", x)}
        nums_ok = (not q_numbers or q_numbers <= ct.numbers(passage_text) | _meta_numbers(passages[c.n - 1])) \
            and quantities <= ct.numbers(c.text)
        # Names the question is about (UNRWA, Kigali, Rhuggenaath) anchor it: a passage without
        # them is about something else, however many ordinary words it shares.
        names_cov = _name_coverage(q_names, passages[c.n - 1])
        # Without the kind of fact asked for a unit cannot answer; a missing number/date/amount weighs most.
        factor = (1.0 if type_ok else (0.5 if kind in ("number", "date", "amount") else 0.75)) * (1.0 if nums_ok else 0.6) * (0.5 + 0.5 * names_cov)
        # Long units cover many question words by sheer length; answers sit in compact sentences.
        words = len(ct.tokens(c.text))
        if words > 50:
            factor *= (50 / words) ** 0.5
        # A question quoted in the document (written consultations) is not an answer.
        if c.text.rstrip().endswith("?"):
            factor *= 0.4
        prior = 0.03 / passages[c.n - 1].rank if passages[c.n - 1].rank else 0.0
        c.score = own * factor + prior
        c.parts = {"lexical": lex[i], "type_ok": float(type_ok), "numbers_ok": float(nums_ok), "names": names_cov}
        out.append(c)
        # The answer often follows the sentence that names the topic ("... Kigali Principles.
        # Het aantal landen ... is gegroeid tot 39."): score the pair, quoted as one unit.
        prev = i - 1
        if prev >= 0 and cands[prev].n == c.n and cands[prev].end <= c.start and type_ok and kind is not None:
            pair_stems = stems[prev] | stems[i]
            pair_lex = sum(idf[t] for t in _matches(q_stems, pair_stems)) / total
            if pair_lex > own and not cands[prev].text.rstrip().endswith("?"):
                text = passage_text[cands[prev].start:c.end]
                pair = Candidate(c.n, cands[prev].start, c.end, text,
                                 0.9 * pair_lex * factor + prior,
                                 {"lexical": pair_lex, "type_ok": 1.0, "numbers_ok": float(nums_ok), "pair": 1.0})
                out.append(pair)
    cands = out
    return sorted(cands, key=lambda c: -c.score)


# Names so common in this corpus that they anchor nothing.
_COMMON_NAMES = {"nederland", "nederlandse", "koninkrijk", "kamer", "kabinet", "minister", "vn", "eu", "tweede"}


def _question_names(question: str) -> set[str]:
    """Names and acronyms in the question, not its opening word ("Hoeveel", "Welke")."""
    first = (ct.tokens(question) or [""])[0].lower()
    return {n for n in ct.names(question) if n not in _COMMON_NAMES and n != first}


def _name_coverage(q_names: set[str], p: Passage) -> float:
    if not q_names:
        return 1.0
    c = p.chunk
    hay = " ".join([c.text, c.citation or "", c.section or ""] + [str(v) for v in (c.metadata or {}).values()]).lower()
    found = 0
    for name in q_names:
        parts = [name] + [x for x in name.split("-") if len(x) >= 3 and x not in _COMMON_NAMES]
        # A prefix, so "Veiligheidsraadresolutie" finds "Veiligheidsraad" and plurals match.
        found += any(x[:max(4, min(len(x), 7))] in hay for x in parts)
    return found / len(q_names)


def _meta_numbers(p: Passage) -> set[str]:
    c = p.chunk
    values = [c.citation or "", c.section or ""] + [str(v) for v in (c.metadata or {}).values()]
    return ct.numbers(" ".join(values)) | {y for v in values for y in re.findall(r"(?:19|20)\d\d", v)}


def _matches(q_stems: set[str], stems: set[str]) -> set[str]:
    """Question stems found in `stems`, allowing compound prefixes ("rechtsgrond" ~ "rechtsgrondslag")."""
    out = q_stems & stems
    for t in q_stems - out:
        # Compound prefix ("rechtsgrond" ~ "rechtsgrondslag") or head ("kernbelang" ~ "belang").
        if len(t) >= 5 and any(len(s) >= 5 and (s.startswith(t) or t.startswith(s) or (len(s) >= 6 and t.endswith(s)))
                               for s in stems):
            out.add(t)
    return out


def select(question: str, passages: Sequence[Passage], max_sentences: int = 4, min_ratio: float = 0.6,
           max_chars: int = 1200,
           dense: Callable[[str, list[str]], list[float]] | None = None) -> Selection:
    """The best units for `question`: the top one plus those that add coverage or another document."""
    ranked = score_units(question, passages, dense)
    if not ranked:
        return Selection([], 0.0, [])
    best = ranked[0]
    chosen = [best]
    q_stems = set(ct.content_stems(question))
    covered = q_stems & set(ct.content_stems(best.text))
    docs = {passages[best.n - 1].chunk.doc_id}
    kind = expected_type(question)
    for c in ranked[1:]:
        if len(chosen) >= max_sentences or c.score < min_ratio * best.score:
            break
        if sum(len(o.text) for o in chosen) + len(c.text) > max_chars:
            continue
        if any(c.n == o.n and c.start < o.end and o.start < c.end for o in chosen):
            continue
        if any(_near_duplicate(c.text, o.text) for o in chosen):
            continue
        new_terms = (q_stems & set(ct.content_stems(c.text))) - covered
        other_doc = passages[c.n - 1].chunk.doc_id not in docs
        adds_fact = _has_type(c.text, kind) and kind is not None
        # A near-tie, or a strong unit from another passage, is part of the answer too.
        close = len(chosen) < 3 and (c.score >= 0.7 * best.score or c.n not in {o.n for o in chosen})
        if new_terms or other_doc or adds_fact or close:
            chosen.append(c)
            covered |= new_terms
            docs.add(passages[c.n - 1].chunk.doc_id)
    # Read in document order within a passage, passages in rank order.
    chosen.sort(key=lambda c: (c.n, c.start))
    return Selection(chosen, best.score, ranked)


def _near_duplicate(a: str, b: str) -> bool:
    sa, sb = set(ct.content_stems(a)), set(ct.content_stems(b))
    return bool(sa and sb) and len(sa & sb) / min(len(sa), len(sb)) > 0.85
