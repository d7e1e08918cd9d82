"""How much a sentence of the pool is about the topic.

Three numbers per unit (a sentence, or a sentence joined with the one it continues):

- rel = lexical + DENSE_WEIGHT * dense_z: finds the fracties that raised the topic
  (consultation.py) and their best sentences;
- focus = lexical ** FOCUS_POWER + DENSE_WEIGHT * dense_z: the same with partial matches
  of a many-word topic discounted (one word of "humanitaire interventie zonder
  VN-mandaat" is weak evidence), for the cabinet-side sections;
- ctx: focus with its context blended in (its neighbours; for an answer to a fractie
  that raised the topic, the question it answers): a figure next to the topical
  sentence, or in the answer to an on-topic question, need not repeat the topic.

lexical is the IDF-weighted share of the topic's words the unit holds. Words match as
Dutch stems, loosely (compound parts, "China" ~ "Chinese"), or by another name
(aliases.py: "VS" ~ "Verenigde Staten"); a hyphenated word is one term. IDF is the
corpus-wide one of the BM25 index (within the pool, retrieved for the topic, the
central word is common by design), else the pool's; a word no pooled passage holds
weighs nothing.

dense_z is the cosine between the topic and the unit's best sentence vector (the
vectors the index already holds, rag/sentences.py), as a z-score over the pool's
sentences: the small e5 model's cosines sit in a narrow band whose level shifts per
query. It bridges what words do not ("dronezwermen" ~ "autonome wapensystemen").

Without the index's signals (a test retriever) the pool's lexical statistics stand
alone. Weights chosen on the implementer's own topics (eval/data/briefing_topics_dev.jsonl,
bench/briefing.py); the blind topics only measure.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from corpus.fracties import find_fracties
from corpus.models import Chunk
from rag import claim_text as ct
from rag.briefing import aliases

log = logging.getLogger(__name__)

DENSE_WEIGHT = 0.15
FOCUS_POWER = 1.5
# ctx = CTX_OWN * own relevance + (1 - CTX_OWN) * its context's (the sentences next to it, or for a
# consultation answer the question it answers): a fact in an on-topic passage need not repeat the topic.
CTX_OWN = 0.4


@dataclass
class Unit:
    """A sentence of a pooled chunk (with the one it introduces, after a colon); text is chunk.text[start:end]."""

    chunk: Chunk
    start: int
    end: int
    text: str
    lexical: float = 0.0
    dense: float | None = None
    rel: float = 0.0  # own relevance
    focus: float = 0.0  # own relevance with partial matches of a many-word topic discounted
    ctx: float = 0.0  # focus with its context blended in: neighbours, or the question an answer answers
    prev: "Unit | None" = field(default=None, repr=False, compare=False)  # the unit before it in its chunk

    @property
    def meta(self) -> dict:
        return self.chunk.metadata or {}

    @property
    def role(self) -> str:
        return str(self.meta.get("role") or "")

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.chunk.chunk_id, self.start, self.end)

    @property
    def words(self) -> int:
        return len(ct.tokens(self.text))


def topic_terms(topic: str) -> str:
    """The topic's subject words: many-word names as one (aliases.py), without the fractie names it
    mentions ("GL over klimaat" -> "klimaat"): those select fracties, they say nothing about which
    of their sentences is on the topic."""
    from corpus.fracties import ALIASES

    text = aliases.canonical_phrases(topic)
    for canon in find_fracties(text):
        for name in sorted({canon.lower(), *ALIASES.get(canon, ())}, key=len, reverse=True):
            text = re.sub(rf"(?<![\w-]){re.escape(name)}(?:-?fractie)?(?![\w])", " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\b(fractie|fracties|standpunt(en)?)\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split()) or topic


# A "sentence" that ends in a preposition or article was cut at a stray full stop in the source
# ("met betrekking tot. Jemen op de agenda"): it is joined to what follows.
_CUT_RE = re.compile(r"\b(tot|van|de|het|een|en|of|met|op|in|voor|aan|door|naar|om|te|bij|over)\.\s*$", re.I)


MIN_WORDS = 5  # shorter units are headings and fragments ("Antwoord 12", "Zie antwoord op vraag 21.")


def make_units(chunks: Sequence[Chunk]) -> list[Unit]:
    """The sentences of the chunks, verbatim by offset. A sentence ending in a colon is read with
    the one it introduces; a document sentence that reads as an instruction to an assistant is
    data, never a line of the note."""
    from rag.answer.injection import is_instruction
    from rag.answer.spans import sentence_spans

    out: list[Unit] = []
    for chunk in chunks:
        text = chunk.text
        spans = sentence_spans(text)
        first = len(out)
        j = 0
        while j < len(spans):
            s, e = spans[j]
            # "... de volgende twee kwesties:" and a sentence cut at a stray full stop ("met betrekking
            # tot. Jemen op de agenda") are read together with what follows.
            while j + 1 < len(spans) and (text[s:e].rstrip().endswith(":") or _CUT_RE.search(text[s:e])) \
                    and e - s < 600:
                j += 1
                e = spans[j][1]
            if len(ct.tokens(text[s:e])) >= MIN_WORDS and not is_instruction(text[s:e]):
                out.append(Unit(chunk, s, e, text[s:e]))
            j += 1
        for a, b in zip(out[first:], out[first + 1:]):
            b.prev = a
    return out


class IndexSignals:
    """What the loaded index knows beyond the passages: the sentence vectors (dense score per
    sentence) and the corpus-wide IDF of the BM25 index. Found through the retriever that loaded
    them; a retriever without them (a test double) leaves both None and scoring falls back to
    the pool alone."""

    _idf_cache: dict[int, dict[str, float]] = {}  # id(lexical index) -> its idf, one index version

    def __init__(self, retriever, topic: str):
        self.index = None
        self.qv = None
        self.idf: dict[str, float] | None = None
        try:
            loaded = retriever._ensure_loaded()  # the lead may expose this; guarded, as a test retriever lacks it
        except Exception as exc:  # noqa: BLE001 - these signals are extras; the pool alone still scores
            log.debug("briefing: no index signals (%s); pool statistics only", exc)
            return
        try:
            lexical = getattr(loaded, "lexical", None)
            if lexical is not None and hasattr(lexical, "idf"):
                key = id(lexical)
                if key not in self._idf_cache:
                    IndexSignals._idf_cache = {key: lexical.idf()}
                self.idf = self._idf_cache[key] or None
        except Exception as exc:  # noqa: BLE001
            log.debug("briefing: no corpus idf (%s)", exc)
        try:
            self.index = getattr(loaded, "sentences", None)
            if self.index is not None:
                self.qv = np.asarray(retriever.embeddings.embed_query_vector(topic), dtype=np.float32).reshape(-1)
        except Exception as exc:  # noqa: BLE001
            log.debug("briefing: no sentence vectors (%s); lexical relevance only", exc)
            self.index = None

    def word_idf(self, word: str) -> float | None:
        """The corpus IDF of a topic word (its most telling analysed part), 0.0 when the corpus lacks
        it, None without corpus statistics."""
        if self.idf is None:
            return None
        from rag.text import analyse

        vals = [self.idf[t] for t in analyse(word) if t in self.idf]
        return max(vals) if vals else 0.0

    def spans(self, chunk: Chunk) -> list[tuple[int, int, float]]:
        """(start, end, cosine) of the chunk's indexed sentences."""
        if self.index is None or self.qv is None:
            return []
        from rag.sentences import split_sentences

        rows = self.index.rows.get(chunk.chunk_id)
        sents = split_sentences(chunk.text)
        if rows is None or rows[1] - rows[0] != len(sents):
            return []
        sims = np.asarray(self.index.vectors[rows[0]:rows[1]]) @ self.qv
        out, pos = [], 0
        for s, sim in zip(sents, sims):
            i = chunk.text.find(s, pos)
            if i < 0:
                i = chunk.text.find(s)
            if i < 0:
                continue
            out.append((i, i + len(s), float(sim)))
            pos = i + len(s)
        return out


def matches(q_stems: set[str], stems: set[str]) -> set[str]:
    """Query stems found in `stems`: equal, a compound prefix or head ("kernwapen" ~ "kernwapenverbod",
    "wapen" ~ "massavernietigingswapen"), or the same word in another form ("china" ~ "chines",
    "bedrijv" ~ "bedrijfslev"): a shared start of 4+ letters that leaves at most one letter of the
    shorter word."""
    out = q_stems & stems
    for t in q_stems - out:
        for s in stems:
            if len(t) >= 5 and len(s) >= 5 and (s.startswith(t) or t.startswith(s)):
                out.add(t)
                break
            if len(t) >= 6 and len(s) >= 6 and (s.endswith(t) or t.endswith(s)):
                out.add(t)
                break
            n = _common_prefix(t, s)
            if n >= 4 and n >= min(len(t), len(s)) - 1:
                out.add(t)
                break
    return out


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


# Prepositions a topic uses ("staakt-het-vuren tijdens de coronapandemie") that claim_text keeps.
_TOPIC_STOPWORDS = {"tijdens", "rond", "rondom", "inzake", "omtrent", "jegens", "via", "vanuit", "namens",
                    "betreffende", "aangaande", "m.b.t", "mbt", "t.a.v", "tav",
                    # English names of commissions and treaties: "Commission on Unalienable Rights"
                    "on", "of", "the", "and", "for", "to", "a", "an"}


@dataclass(frozen=True)
class Term:
    """A content word of the topic: "VN-mandaat" is one term with parts ("vn", "mandaat"), not three."""

    word: str
    stem: str
    part_words: tuple[str, ...] = ()
    part_stems: tuple[str, ...] = ()
    alternatives: tuple[frozenset[str], ...] = ()  # other names for it (aliases.py): "vs" ~ "verenigde staten"

    def found_in(self, stems: set[str]) -> bool:
        """The word itself (loosely, see `matches`) or one of its other names, wholly."""
        return bool(matches({self.stem}, stems)) or any(alt <= stems for alt in self.alternatives)


def query_terms(topic: str) -> list[Term]:
    """The topic's content words; negations ("zonder", "geen") and prepositions select nothing."""
    out: list[Term] = []
    for w in ct.lower_tokens(topic_terms(topic)):
        if w in ct.STOPWORDS or w in ct.NEGATIONS or w in _TOPIC_STOPWORDS or w.isdigit() or len(w) < 2:
            continue
        parts = tuple(p for p in w.split("-") if len(p) > 1 and p not in ct.STOPWORDS) if "-" in w else ()
        if len(parts) < 2:
            parts = ()
        stem = ct.stem([w])[0]
        term = Term(w, stem, parts, tuple(ct.stem(list(parts))), aliases.alternatives(stem))
        if all(t.stem != term.stem for t in out):
            out.append(term)
    return out


def score(topic: str, units: list[Unit], signals: IndexSignals | None) -> None:
    """Set lexical, dense, rel and ctx on every unit (in place)."""
    if not units:
        return
    terms = query_terms(topic)
    stems = [set(ct.content_stems(u.text)) for u in units]
    chunk_stems: dict[str, set[str]] = {}
    for u, st in zip(units, stems):
        chunk_stems.setdefault(u.chunk.chunk_id, set()).update(st)
    n = len(chunk_stems)
    singles = {t for term in terms for t in term.part_stems}
    df = {t: sum(1 for st in chunk_stems.values() if matches({t}, st)) for t in singles}
    df.update({term.stem: sum(1 for st in chunk_stems.values() if term.found_in(st)) for term in terms})

    def weight_of(word: str, stem: str) -> float:
        # A topic word no pooled passage holds tells no passage from another: it weighs nothing
        # (left in, it would cap every passage's share below 1). Otherwise its IDF over the whole
        # corpus: within the pool, retrieved for the topic, its central word is common by design.
        if not df[stem]:
            return 0.0
        corpus = signals.word_idf(word) if signals is not None else None
        return corpus if corpus else math.log(1 + (n + 1) / (df[stem] + 0.5))

    idf = {}
    for term in terms:
        idf[term.stem] = weight_of(term.word, term.stem)
        for w, st in zip(term.part_words, term.part_stems):
            idf[st] = weight_of(w, st)
    # A hyphenated word weighs as its most telling part: "VN-mandaat" is rare as written, but what it
    # says is carried by "mandaat" (and "VN").
    weight = [max(idf[p] for p in t.part_stems) if t.part_stems else idf[t.stem] for t in terms]
    total = sum(weight) or 1.0

    def term_match(term: Term, st: set[str], found: set[str]) -> float:
        if term.found_in(st):
            return 1.0
        part_total = sum(idf[p] for p in term.part_stems)
        # Only some parts of a compound ("VN" of "VN-mandaat"): partial credit by their weight.
        return 0.8 * sum(idf[p] for p in term.part_stems if p in found) / part_total if part_total else 0.0

    for u, st in zip(units, stems):
        found = matches(singles, st)
        u.lexical = sum(w * term_match(t, st, found) for w, t in zip(weight, terms)) / total

    spans: dict[str, list[tuple[int, int, float]]] = {}
    if signals is not None:
        for u in units:
            cid = u.chunk.chunk_id
            if cid not in spans:
                spans[cid] = signals.spans(u.chunk)
    sims = [s for sp in spans.values() for _, _, s in sp]
    mu, sd = (float(np.mean(sims)), float(np.std(sims)) or 1.0) if len(sims) >= 5 else (0.0, 0.0)
    z = []
    for u in units:
        best = None
        for s, e, sim in spans.get(u.chunk.chunk_id, []):
            if s < u.end and u.start < e and min(e, u.end) - max(s, u.start) >= 0.5 * min(e - s, u.end - u.start):
                best = sim if best is None else max(best, sim)
        u.dense = best
        z.append((best - mu) / sd if (best is not None and sd) else 0.0)
    for u, zi in zip(units, z):
        u.rel = u.lexical + DENSE_WEIGHT * zi
        # Soft AND for the cabinet-side sections: a passage holding one word of a three-word topic
        # is weak evidence that it is about the topic (for finding the fracties, any mention counts).
        u.focus = u.lexical ** FOCUS_POWER + DENSE_WEIGHT * zi
    following = {id(u.prev): u for u in units if u.prev is not None}
    for u in units:
        # A figure often sits next to the sentence that names the topic ("... Yemen Humanitarian Fund.
        # Het Koninkrijk heeft EUR 8,5 miljoen ..."): its neighbours lend it some relevance. Only the
        # neighbours: a long answer moves on to other subjects (consultation.lend_relevance lends an
        # answer the relevance of the question it answers).
        nxt = following.get(id(u))
        near = max([n.focus for n in (u.prev, nxt) if n is not None], default=u.focus)
        u.ctx = max(u.focus, CTX_OWN * u.focus + (1 - CTX_OWN) * near)
