"""Pick the note's lines from the scored units: Standpunten, Samenvatting, Open punten, Kernfeiten.

Every line is a verbatim unit of a pooled chunk (a sentence that leans on the
one before it, "Dit bedrag ..." or "Is de Minister bereid dit ...?", is quoted
with that sentence). One `Picker` is shared by all sections, so no two lines of
the note overlap in their passage or say the same thing (cues.near_duplicate).
Sections are filled in the order that gives each its best material: the
per-fractie standpunten first (each pair is tied to one question block and its
numbered answer, while the other sections can choose from the whole pool), then
the Samenvatting, then the open points (the rarer kind) and the key facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.citation import DOC_TYPE_LABELS
from corpus.fracties import label as fractie_label
from corpus.models import Chunk
from rag.briefing import cues
from rag.briefing.consultation import Block, FractieTopic
from rag.briefing.relevance import Unit

# Floors on relevance (see relevance.py), absolute and as a share of the best cabinet-side unit;
# chosen by reading the notes on the implementer's own topics (eval/data/briefing_topics_dev.jsonl).
SUMMARY_FLOOR, SUMMARY_SHARE = 0.5, 0.5
FACT_FLOOR, FACT_SHARE = 0.35, 0.5
LETTER_FLOOR, LETTER_SHARE = 0.45, 0.5
OPEN_FLOOR, OPEN_SHARE = 0.35, 0.45
MAX_FACTS = 8
FACT_SALIENCE = 0.5  # what an answer to a fractie needs to give a key fact of its own
MAX_OPEN = 4
MAX_UNANSWERED = 2
MAX_WORDS = 70

# A sentence that cannot stand alone: one that refers back ("Dit", "Daarbij"), or a question that
# points at what was said before it ("Is de Minister bereid dit ...?", "Zo ja, ...").
_BACK_REFERENCE = re.compile(r"^((hier|daar)(aan|bij|mee|voor|in|op|door|van|over|toe|naast|na|uit|onder|om)|"
                             r"dit|deze|dat|die|zij|ze|hij|hun|ook dit|ook deze|het spant|het zet|zo ja|zo nee|"
                             r"en|maar|tevens|voorts)\b", re.I)
# "Door de jaren heen is deze deel gaan uitmaken van ...", "... is daarmee een breder concept": a
# reference back after the verb, or a demonstrative early in the sentence ("Binnen deze kaders").
_INNER_REFERENCE = re.compile(r"^((\S+\s+){0,5}?(is|zijn|was|waren|heeft|hebben|wordt|werd|kan|zal|gaat|moet) "
                              r"(deze|dit|die|dat|hij|zij|ze|daarmee|hiermee|daardoor|daarom|dus)\b|"
                              r"(\S+\s+){1,2}(deze|dit|die|dergelijke)\s)", re.I)
_POINTS_BACK = re.compile(r"\b(dit|deze|dat|die|hiervan|daarvan|hierover|daarover|hiertoe|daartoe|hierin|daarin|"
                          r"hierop|daarop|hiermee|daarmee|zij|hij|ze|hun|het eerstgenoemde|bovenstaande)\b", re.I)
# A promise to the Kamer ("Dit najaar wordt uw Kamer hierover geïnformeerd") and a matter left open
# ("Het kabinet wil nog niet vooruitlopen op ...", "wordt nog bezien").
_COMMIT_RE = re.compile(r"\b((uw|de) kamer\b.{0,60}\b(informeren|geïnformeerd|informeert|op de hoogte|berichten|"
                        r"toegezonden|ontvangt)|(informeren|informeert|berichten|rapporteren aan) (uw|de) kamer|"
                        r"terugkomen|terug te komen|komt .{0,40}\bterug\b|toezegging|toegezegd|zegt toe)\b", re.I)
_DEFERRED_RE = re.compile(r"\b(nog niet|nog geen|niet vooruit(lopen| te lopen| lopen)|vooruit te lopen|"
                          r"(wordt|worden|zal|zullen)\b.{0,60}\b(bezien|onderzocht|bekeken|uitgewerkt|herzien|"
                          r"geëvalueerd)|is nog onduidelijk|"
                          r"nog onbekend|op een later moment|in een later stadium|in overweging (nemen|genomen)|"
                          r"pas (oordelen|besluiten|beslissen|bepalen)|zodra|na afronding|afgerond|van start gaan|"
                          r"nog te (bepalen|besluiten)|afwachten|dit (najaar|voorjaar)|later dit jaar|"
                          r"(de )?komende (maanden|weken)|volgend jaar)\b", re.I)


_ASK_RE = re.compile(r"\b(vragen|vraagt|verzoeken|verzoekt|roepen .{0,40}op|dringen .{0,40}aan|pleiten)\b", re.I)
_RECOUNT_RE = re.compile(r"^(de minister|het kabinet|in (zijn|haar|de) brief)\b.{0,30}\b(gaat|schrijft|stelt|geeft|"
                         r"noemt|meldt)\b", re.I)


@dataclass
class Draft:
    """A line before numbering: verbatim text, the chunk(s) it quotes, an optional label."""

    text: str
    chunks: list[Chunk]
    label: str = ""
    kind: str = ""  # which rule picked it (for the bench and for debugging)
    info: dict = field(default_factory=dict)


class Picker:
    """Remembers what the note already says, so nothing is said twice."""

    def __init__(self):
        self.texts: list[str] = []
        self.spans: list[tuple[str, int, int]] = []

    def ok(self, u: Unit) -> bool:
        if any(cid == u.chunk.chunk_id and s < u.end and u.start < e for cid, s, e in self.spans):
            return False
        return not any(cues.near_duplicate(u.text, t) for t in self.texts)

    def take(self, u: Unit) -> Unit:
        self.texts.append(u.text)
        self.spans.append((u.chunk.chunk_id, u.start, u.end))
        return u

    def drop(self, u: Unit) -> None:
        self.texts.remove(u.text)
        self.spans.remove((u.chunk.chunk_id, u.start, u.end))


def readable(u: Unit, strict: bool = True) -> Unit | None:
    """The unit as a line: with the sentence before it when it refers back. When that sentence is
    not in its passage (or the two would make too long a line): None if `strict`, else the unit."""
    opens_with_it = bool(_BACK_REFERENCE.match(u.text))
    needs = (opens_with_it or _INNER_REFERENCE.match(u.text)
             or (cues.is_question(u.text) and _POINTS_BACK.search(u.text)))
    if not needs:
        return u
    p = u.prev
    text = u.chunk.text[p.start:u.end] if p is not None else ""
    if p is None or cues.is_unusable(p.text) or len(text.split()) > MAX_WORDS:
        # "Dit betekent ..." cannot open a line; "Onderhandelingen over deze resolutie ..." still informs.
        return None if strict and opens_with_it else u
    return Unit(u.chunk, p.start, u.end, text, max(u.lexical, p.lexical), u.dense, max(u.rel, p.rel),
                max(u.focus, p.focus), max(u.ctx, p.ctx), p.prev)


def _plain(u: Unit) -> bool:
    """Usable as a line anywhere: not boilerplate, a fragment or a footnote, not too long."""
    return not cues.is_unusable(u.text) and 5 <= u.words <= MAX_WORDS


def _cabinet_side(u: Unit) -> bool:
    """Written by the cabinet: an answer in a consultation, or a letter/reaction (no consultation role)."""
    return u.role != "question" and not cues.is_question(u.text) and not cues.is_fractie_voice(u.text)


def cabinet_top(units: list[Unit]) -> float:
    """The best cabinet-side relevance (ctx): the floors of Samenvatting, Kernfeiten and Open punten are shares of it."""
    return max((u.ctx for u in units if _cabinet_side(u) and _plain(u)), default=0.0)


def _first(cands: list[Unit], picker: Picker, key, strict: bool = True) -> Unit | None:
    """The best-keyed candidate that reads alone (with its context) and says something new."""
    for u in sorted(cands, key=lambda u: -key(u)):
        line = readable(u, strict)
        if line is not None and picker.ok(line):
            return line
    return None


# -- Samenvatting ---------------------------------------------------------------------------------

def summary(units: list[Unit], picker: Picker, top: float) -> list[Draft]:
    """At most three sentences: what the topic is about, where the cabinet stands, the key decision."""
    floor = max(SUMMARY_FLOOR, SUMMARY_SHARE * top)
    # The cabinet often answers without the topic's words ("ecocide" is asked, "schade aan het milieu"
    # answered): ranked by ctx, which carries the relevance of the question answered. A passage that
    # matches on the dense score alone is not trusted with the opening line ("ecocide" ~ "ECOSOC").
    # Promises and matters left open belong to Open punten, not to what the topic is about.
    cands = [u for u in units if _cabinet_side(u) and _plain(u) and u.words >= 8 and u.ctx >= floor
             and (u.lexical > 0 or u.ctx >= u.focus + 0.2)
             and not _COMMIT_RE.search(u.text) and not _DEFERRED_RE.search(u.text)]
    out: list[Draft] = []
    first = _first(cands, picker, key=lambda u: u.ctx + 0.5 * u.focus)
    if first:
        out.append(Draft(picker.take(first).text, [first.chunk], kind="summary-topic"))
    stance = _first([u for u in cands if cues.is_stance(u.text)], picker, key=lambda u: u.ctx)
    if stance:
        out.append(Draft(picker.take(stance).text, [stance.chunk], kind="summary-stance"))
    used = {d.chunks[0].chunk_id for d in out}
    decision = _first([u for u in cands if cues.salience(u.text) >= 0.6 and u.chunk.chunk_id not in used
                       and u.ctx >= max(floor, 0.6 * top)], picker,
                      key=lambda u: u.ctx * (1 + 0.3 * cues.salience(u.text)))
    if decision:
        out.append(Draft(picker.take(decision).text, [decision.chunk], kind="summary-decision"))
    return out


# -- Standpunten ----------------------------------------------------------------------------------

def standpunten(fracties: list[FractieTopic], units: list[Unit], picker: Picker, top: float) -> list[Draft]:
    out = cabinet_positions(units, picker, top)
    for ft in fracties:
        out += fractie_pair(ft, picker)
    return out


def cabinet_positions(units: list[Unit], picker: Picker, top: float, limit: int = 2) -> list[Draft]:
    """The cabinet's own position from letters and reactions (not the consultation answers), one per document."""
    cands = [u for u in units if not u.role and _cabinet_side(u) and _plain(u) and u.words >= 8
             and cues.is_stance(u.text) and u.focus >= max(LETTER_FLOOR, LETTER_SHARE * top)]
    out: list[Draft] = []
    docs: set[str] = set()
    for u in sorted(cands, key=lambda u: -u.focus):
        if len(out) >= limit:
            break
        line = readable(u)
        if u.chunk.doc_id in docs or line is None or not picker.ok(line):
            continue
        docs.add(u.chunk.doc_id)
        out.append(Draft(picker.take(line).text, [u.chunk], _cabinet_label(u.chunk), kind="cabinet-letter"))
    return out


def _cabinet_label(chunk: Chunk) -> str:
    kind = DOC_TYPE_LABELS.get(str((chunk.metadata or {}).get("doc_type") or ""), "")
    return f"Kabinet ({kind.lower()})" if kind else "Kabinet"


def _fractie_label(fractie: str) -> str:
    lab = fractie_label(fractie)
    return lab[:1].upper() + lab[1:]


def fractie_pair(ft: FractieTopic, picker: Picker) -> list[Draft]:
    """The fractie's point (from its best block) and the cabinet's numbered answer to it.

    A block whose answer has nothing left to quote (its sentences already in the note) gives way to
    the fractie's next block on the topic; failing all, the point stands alone."""
    fallback: tuple[Block, Unit] | None = None
    for b in ft.blocks[:3]:
        if b.score < 0.5 * ft.score:
            break
        q = _question_line(b, picker)
        if q is None:
            continue
        if fallback is None:
            fallback = (b, q)
        a = _answer_line(b, q, picker)
        if a is not None:
            return _pair(ft, b, q, a, picker)
    return _pair(ft, fallback[0], fallback[1], None, picker) if fallback else []


def _pair(ft: FractieTopic, b: Block, q: Unit, a: Unit | None, picker: Picker) -> list[Draft]:
    info = {"fractie": ft.fractie, "answer_number": b.answer_number}
    out = [Draft(picker.take(q).text, [q.chunk], _fractie_label(ft.fractie), kind="fractie", info=info)]
    if a is not None:
        out.append(Draft(picker.take(a).text, [a.chunk], f"Kabinet (antwoord {b.answer_number})", kind="answer",
                         info=info))
    return out


def _question_line(b: Block, picker: Picker) -> Unit | None:
    def key(u: Unit) -> float:
        # A fractie's own statement ("De leden van de CDA-fractie maken zich zorgen over ...") reads
        # better than a bare follow-up question, and a full sentence better than a fragment.
        # Their ask is their point; a sentence that only recounts the Minister's letter is not.
        return (u.rel + 0.3 * cues.is_fractie_voice(u.text) + 0.1 * min(1.0, u.words / 25)
                + 0.15 * bool(cues.is_question(u.text) or _ASK_RE.search(u.text))
                - 0.3 * bool(_RECOUNT_RE.match(u.text)) - 0.3 * (u.words < 8))

    return _first([u for u in b.questions if _plain(u)], picker, key, strict=False)


def _answer_line(b: Block, q: Unit, picker: Picker) -> Unit | None:
    """The answer sentence that takes up the question: on the topic, sharing its words, stating a position."""
    q_stems = cues.stems(q.text)
    opening = min((u.start for u in b.answers if u.chunk.seq == min(a.chunk.seq for a in b.answers)), default=-1)

    def key(u: Unit) -> float:
        st = cues.stems(u.text)
        answers_it = len(st & q_stems) / max(4, len(st))
        # "Ja, dit is staand beleid van het kabinet." says nothing without the question.
        bare_reply = bool(re.match(r"(ja|nee)\b", u.text, re.I)) and u.words < 15
        return (u.rel + 0.5 * answers_it + 0.25 * cues.is_stance(u.text) + 0.15 * (u.start == opening)
                - 0.3 * (u.words < 8) - 0.6 * bare_reply)

    cands = [u for u in b.answers if _plain(u) and not cues.is_question(u.text)]
    for u in sorted(cands, key=lambda u: -key(u)):
        line = readable(u, strict=False)
        if line is not None and picker.ok(line) and not cues.near_duplicate(line.text, q.text):
            return line
    return None


# -- Kernfeiten -----------------------------------------------------------------------------------

def kernfeiten(units: list[Unit], picker: Picker, top: float, fracties: list[FractieTopic] | None = None) -> list[Draft]:
    """Key facts: the on-topic cabinet sentences left, those with amounts, counts, dates, decisions,
    reasons first (cues.salience), spread over passages and documents. The answers to the fracties
    that raised the topic come first: each gives its most salient remaining sentence, when it has one."""
    floor = max(FACT_FLOOR, FACT_SHARE * top)
    cands = []
    for u in units:
        # A key fact says something: a figure, a date, a decision or reason, a position, a "not".
        if _cabinet_side(u) and _plain(u) and u.words >= 6 and u.ctx >= floor and cues.says_something(u.text):
            line = readable(u)
            if line is not None:
                cands.append(line)
    base = {u.key: u.ctx * (1 + 0.3 * cues.salience(u.text)) for u in cands}
    picked: list[Unit] = []
    for ft in fracties or []:
        if len(picked) >= MAX_FACTS - 2:
            break
        answered = {id(u) for b in ft.blocks[:2] for u in b.answers}
        own = [u for u in cands if id(u) in answered or (u.prev is not None and id(u.prev) in answered)]
        own = [u for u in own if cues.salience(u.text) >= FACT_SALIENCE and picker.ok(u)]
        if own:
            picked.append(picker.take(max(own, key=lambda u: cues.salience(u.text) + 0.5 * u.ctx)))
    while len(picked) < MAX_FACTS:
        best, best_score = None, 0.0
        taken = {p.key for p in picked}
        for u in cands:
            if u.key in taken:
                continue
            same_doc = sum(p.chunk.doc_id == u.chunk.doc_id for p in picked)
            same_chunk = sum(p.chunk.chunk_id == u.chunk.chunk_id for p in picked)
            sc = base[u.key] * (0.85 ** same_doc) * (0.6 ** same_chunk)
            if sc > best_score and picker.ok(u):
                best, best_score = u, sc
        if best is None:
            break
        picked.append(picker.take(best))
    docs = {u.chunk.doc_id for u in picked}
    if len(docs) == 1:
        # The corpus may hold the topic in another document too: give it a line when it is close enough.
        other = [u for u in cands if u.chunk.doc_id not in docs and u.ctx >= 0.5 * top and picker.ok(u)]
        if other:
            if len(picked) >= MAX_FACTS:
                picker.drop(picked.pop())
            picked.append(picker.take(max(other, key=lambda u: base[u.key])))
    picked.sort(key=lambda u: -base[u.key])
    return [Draft(u.text, [u.chunk], kind="fact") for u in picked]


# -- Open punten ----------------------------------------------------------------------------------

def open_points(units: list[Unit], fracties: list[FractieTopic], picker: Picker, top: float) -> list[Draft]:
    """What the cabinet promised to come back on, what it left open, dates ahead, and questions without an answer."""
    floor = max(OPEN_FLOOR, OPEN_SHARE * top)
    cands = []
    for u in units:
        if not (_cabinet_side(u) and _plain(u) and u.words >= 6 and u.ctx >= floor):
            continue
        commit = bool(_COMMIT_RE.search(u.text))
        deferred = bool(_DEFERRED_RE.search(u.text))
        ahead = date_ahead(u)
        if commit or deferred or ahead:
            cands.append((u.ctx * (1 + 0.8 * commit + 0.5 * deferred + 0.4 * ahead), u, commit, deferred, ahead))
    out: list[Draft] = []
    for _, u, commit, deferred, ahead in sorted(cands, key=lambda x: -x[0]):
        if len(out) >= MAX_OPEN:
            break
        line = readable(u)
        if line is None or not picker.ok(line):
            continue
        label = "Toezegging" if commit else ("Nog open" if deferred else "Vooruitblik")
        out.append(Draft(picker.take(line).text, [u.chunk], label, kind="open"))
    return out + unanswered(fracties, picker)


def date_ahead(u: Unit) -> bool:
    """A date after the document's own: a later year than its date or vergaderjaar, or a named
    day or month with a future verb ("op 25 september aanstaande zal ..."). A bare year in an
    undated document cannot be placed."""
    md = u.meta
    m = re.match(r"(19|20)\d\d", str(md.get("date") or md.get("vergaderjaar") or ""))
    year = int(m.group(0)) if m else None
    years = [int(y.group(0)) for y in re.finditer(r"\b(19|20)\d\d\b", u.text)]
    if year is not None and any(y > year for y in years):
        return True
    return bool(cues.FULL_DATE_RE.search(u.text) and cues.FUTURE_RE.search(u.text))


def unanswered(fracties: list[FractieTopic], picker: Picker) -> list[Draft]:
    """On-topic questions the document gives no answer to: a block without a numbered answer, or a
    question after a number or a date ("hoeveel", "wanneer") whose answer holds none.

    Whether an answer "takes up" a question in general cannot be read from shared words (a faithful
    answer often uses other ones), so only these two checkable cases are reported."""
    out: list[Draft] = []
    for ft in fracties:
        for b in ft.blocks[:2]:
            if b.score < 0.6 * ft.score:
                continue
            answer_text = " ".join(dict.fromkeys(a.chunk.text for a in b.answers))
            for u in sorted(b.questions, key=lambda u: -u.rel):
                if len(out) >= MAX_UNANSWERED:
                    return out
                if not (cues.is_question(u.text) and _plain(u) and u.rel >= 0.6 * b.q_score):
                    continue
                kind = cues.asks_for(u.text)
                if b.answers and not (kind and not cues.holds(answer_text, kind)):
                    continue
                line = readable(u, strict=False)
                if line is not None and picker.ok(line):
                    label = f"Open vraag ({fractie_label(ft.fractie)})"
                    out.append(Draft(picker.take(line).text, [line.chunk], label, kind="unanswered",
                                     info={"fractie": ft.fractie, "answer_number": b.answer_number}))
                break
    return out
