"""Candidate answer units: the pieces of the retrieved passages an answer may quote.

A unit is a verbatim, contiguous span of one passage:
- one sentence;
- a sentence with the next one, when an answer may need both (a list announced in one
  sentence and given in the next, "Dit zijn …", a point and its elaboration).
Sentences that read like instructions to an assistant (rag/answer/injection.py) are never
part of a unit, so no pairing step can bring one back. The learned selector
(rag/answer/selector.py) decides which unit answers; this module only proposes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from corpus.models import Passage
from rag import claim_text as ct
from rag.answer.injection import is_instruction
from rag.answer.spans import sentence_spans

MIN_WORDS = 4  # shorter spans are headings or labels ("Antwoord 12", "Iran")
MAX_PAIR_CHARS = 900

# The next sentence continues this one: it names what this one announced, or refers back to it.
CONTINUES = re.compile(r"^(?:dit|deze|dat|die|het) (?:zijn|is|waren|was|betreft|betreffen|gaat om|houdt in)\b|"
                       r"^(?:het gaat om|het betreft|daarbij gaat het|hieronder|daaronder|dit betekent|"
                       r"concreet|zo |daarnaast|ten eerste|ten tweede|allereerst|tevens|bovendien|ook)\b|"
                       r"^[a-z0-9][.)] |^[-•·]", re.I)
ANNOUNCES = re.compile(r":\s*$|\b(?:volgende|als volgt|onder meer|waaronder|namelijk|drie|twee|vier|vijf|zes|"
                       r"aantal|enkele|verschillende|meerdere)\b", re.I)


@dataclass
class Unit:
    n: int  # 1-based passage number
    start: int  # offsets into passages[n-1].chunk.text
    end: int
    text: str  # verbatim chunk.text[start:end]
    sent_index: int  # index of its first sentence among the passage's sentences
    n_sents: int  # 1 or 2
    n_passage_sents: int
    split: int = 0  # for two-sentence units: offset (in the unit text) where the second sentence starts
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0  # the selector's score (higher is better)
    prob: float = 0.0  # its share of the softmax over the question's candidates
    selector_prob: float = 0.0  # the same share without the learned similarity (rag/answer/similarity.py)
    # question vector * closest sentence vector, elementwise (rag/answer/dense.py); None without vectors
    match: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.n, self.start, self.end)

    def overlaps(self, other: "Unit") -> bool:
        return self.n == other.n and self.start < other.end and other.start < self.end

    def words(self) -> int:
        return len(ct.tokens(self.text))


# Words of a bare reference ("Kamerstuk 33 694, nr. 1", "Aanhangsel Handelingen II 2019/20, nr. 3225").
_REFERENCE_WORDS = {"kamerstuk", "kamerstukken", "nr", "nrs", "handelingen", "aanhangsel", "stcrt", "staatscourant",
                    "stb", "trb", "blz", "zie", "ook", "p", "pp", "ii", "i", "vergaderjaar", "bijlage", "en"}


# "Zie tevens beantwoording vraag 53.", "Zie ook het antwoord op vraag 12.": a pointer to another answer.
_POINTER = re.compile(r"^\(?\s*(?:zie|vgl\.?|verwezen wordt naar|ik verwijs)\b", re.I)
POINTER_MAX_WORDS = 12
# A web address with a few words around it is a source note ("Handelsblatt, 14 september 2020,
# «Europa muss …».(https://www.handelsblatt.com/…)"), not a statement.
_URL = re.compile(r"\(?\s*(?:https?://|www\.)\S*", re.I)
_URL_START = re.compile(r"https?://|(?<!//)(?<!// )www\.", re.I)  # one per address, also when split by a space
SOURCE_NOTE_WORDS = 20  # words around each address: a publisher, a date and a title


# The signature under a letter ("De Minister van Buitenlandse Zaken, De Minister voor Buitenlandse Handel
# en Ontwikkelingssamenwerking,", possibly with the ministers' names).
_SIGNATORY = re.compile(r"\b(?:de\s+)?(?:minister(?:-president)?|staatssecretaris)\s+(?:van|voor)\s+[^,.;:!?]{3,80}(?:,|$)",
                        re.I)


# A source note without an address: "UNHCR, 9 september 2020, «Situation of human rights in Yemen …»".
_TITLED_SOURCE = re.compile(rf"^[^«»]{{0,80}},\s*(?:\d{{1,2}}\s+)?(?:(?:{ct.MONTH_PATTERN})\s+)?(?:19|20)\d\d,\s*"
                            r"«[^»]*»[\s.,;]*$", re.I)


def is_signature(piece: str) -> bool:
    """A line of a letter's signature: "De Minister van Defensie, J.A. Hennis-Plasschaert"."""
    if not _SIGNATORY.search(piece) or piece.rstrip().endswith((".", "?", "!")):
        return False
    rest = re.sub(r"\bde\b", " ", _SIGNATORY.sub(" ", piece), flags=re.I)
    return not re.search(r"\b[a-zà-ÿ]{2,}", rest)  # only titles and capitalised names are left


def is_reference(piece: str) -> bool:
    """A citation of another document, a pointer to another answer or a letter's signature, not a
    statement: nothing in it answers a question (unless who signed is asked: `build_units`)."""
    if _TITLED_SOURCE.match(" ".join(piece.split())):
        return True
    if is_signature(piece):
        return True
    words = [w for w in ct.lower_tokens(piece) if re.search(r"[a-zà-ÿ]", w)]
    if _POINTER.match(piece.strip()) and len(words) <= POINTER_MAX_WORDS:
        return True
    addresses = len(_URL_START.findall(piece))
    if addresses:
        around = [w for w in ct.lower_tokens(_URL.sub(" ", piece)) if re.search(r"[a-zà-ÿ]", w)]
        if len(around) <= SOURCE_NOTE_WORDS * addresses:
            return True
    return len([w for w in words if w not in _REFERENCE_WORDS]) < 2


def passage_sentences(text: str, signatures: bool = False) -> list[tuple[int, int, bool]]:
    """(start, end, usable) per sentence: unusable ones are instructions, bare references to other
    documents or too short to answer; a signature line is usable when `signatures` (who signed is asked)."""
    out = []
    for s, e in sentence_spans(text):
        piece = text[s:e]
        if signatures and is_signature(piece):
            out.append((s, e, True))
            continue
        usable = len(ct.tokens(piece)) >= MIN_WORDS and not is_instruction(piece) and not is_reference(piece)
        out.append((s, e, usable))
    return out


def build_units(passages: Sequence[Passage], signatures: bool = False) -> list[Unit]:
    units: list[Unit] = []
    for n, p in enumerate(passages, start=1):
        text = p.chunk.text
        sents = passage_sentences(text, signatures)
        for i, (s, e, usable) in enumerate(sents):
            if not usable:
                continue
            units.append(Unit(n, s, e, text[s:e], i, 1, len(sents)))
            if i + 1 < len(sents):
                s2, e2, usable2 = sents[i + 1]
                # Only adjacent usable sentences with nothing but whitespace between them: a pair
                # never spans a dropped (instruction) sentence.
                if usable2 and not text[e:s2].strip() and e2 - s <= MAX_PAIR_CHARS:
                    units.append(Unit(n, s, e2, text[s:e2], i, 2, len(sents), split=s2 - s))
    return units


def pair_cue(unit: Unit) -> float:
    """How strongly a two-sentence unit reads as one answer (announcement + list, "Dit zijn …")."""
    if unit.n_sents < 2:
        return 0.0
    lead, rest = unit.text[:unit.split], unit.text[unit.split:]
    cue = 0.0
    if CONTINUES.match(rest):
        cue += 1.0
    if ANNOUNCES.search(lead):
        cue += 0.5
    if lead.rstrip().endswith(":"):
        cue += 1.0
    return cue
