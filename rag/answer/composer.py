"""Compose a short answer from the selected units: the answer first, every part cited.

- A number, amount, date or name question opens with the exact span that answers it
  ("ruim 40 procent [1]."), then the sentence it comes from.
- A fractie question gives the fractie's own point and the cabinet's numbered answer to it:
  "GroenLinks-fractie: … [1] Kabinet (antwoord 50): … [2]".
- Otherwise the best unit, and a second one only when the selector rates it nearly as high
  (the ratio is fitted with the model, rag/answer/weights/selector.json); nothing from another
  document unless it is that close. The sentence that follows the best unit in its passage needs
  a lower, also fitted, share: it is where an announced list or a reason continues.
  At most three sentences, except for lists.
- A refusal says in one sentence what is missing, then, marked as context and never as the
  answer, what the documents do say.
Parts carry their kind so the check knows how to verify each (rag/answer/check.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from corpus.fracties import canonical, label
from corpus.models import Passage
from rag import claim_text as ct
from rag.answer.candidates import Unit, is_signature
from rag.answer.features import DAY_RE, LABEL_WORDS, MAGNITUDES, NOT_A_COUNT
from rag.answer.question import QuestionInfo

CONTEXT_INTRO = "Wat de stukken wel zeggen (ter context, geen antwoord op de vraag):"
MAX_SENTENCES = 3
WHICH_FRACTIE_MOST = 4  # fracties listed for "welke fracties vroegen naar …"
# A unit whose content words are for this share already in a quoted unit says the same thing again
# (the same sentence on two pages of a document, "het Koninkrijk" for "Nederland"): it is left out.
SAME_CONTENT = 0.8


@dataclass
class Part:
    text: str  # what is claimed: a verbatim quote, an exact span, or a model sentence
    n: int | None  # the passage it cites (None for a note without a source)
    kind: str  # "span", "quote", "model", "note", "context"
    label: str = ""  # attribution shown before the text ("GroenLinks-fractie", "Kabinet (antwoord 12)")

    def render(self, show_label: bool = True) -> str:
        lead = f"{self.label[:1].upper()}{self.label[1:]}: " if self.label and show_label else ""
        if self.n is None:
            return f"{lead}{self.text}"
        if self.kind == "span":
            return f"{self.text} [{self.n}]."  # the exact answer, as a sentence of its own
        return lead + cite(self.text, self.n)


def cite(sentence: str, n: int) -> str:
    """'Zin [1].' — the marker before the closing punctuation."""
    s = " ".join(sentence.split())
    m = re.match(r"^(.*?)([.!?;:]+[\"'»”)]*)$", s, re.S)
    if m:
        return f"{m.group(1)} [{n}]{m.group(2)}"
    return f"{s} [{n}]"  # a quote that is not a whole sentence keeps its own ending


def render(parts: list[Part]) -> str:
    """The answer text; an attribution is shown once for consecutive parts that share it."""
    out, previous = [], None
    for p in parts:
        out.append(p.render(show_label=p.label != previous))
        previous = p.label
    return " ".join(out).strip()


# --- spans -----------------------------------------------------------------------------------

_QUALIFIER = r"(?:(?:medio|begin|eind|half|midden)\s+)?"
_ONE_DATE = (rf"(?:\b\d{{1,2}}\s(?:{ct.MONTH_PATTERN})(?:\s(?:19|20)\d\d)?\b|{_QUALIFIER}\b(?:{ct.MONTH_PATTERN})\s(?:19|20)\d\d\b|"
             r"\b(?:19|20)\d\d(?:[-–](?:19|20)?\d\d)?\b)")
_PERIOD_START = rf"(?:{_ONE_DATE}|{_QUALIFIER}(?:\b\d{{1,2}}\s)?\b(?:{ct.MONTH_PATTERN})\b)"  # "medio oktober tot …"
_SPAN_PATTERNS = {
    "amount": re.compile(r"(?:(?:ruim|bijna|circa|ongeveer|meer dan|minder dan|ca\.)\s+)?(?:€|EUR|USD|US\$|\$)\s?\d[\d.,]*"
                         r"(?:\s?(?:miljoen|miljard|mln\.?|mld\.?|mrd\.?))?|\d[\d.,]*\s?(?:miljoen|miljard|mln\.?|mld\.?)\s?"
                         r"(?:euro|dollar|EUR|USD)?|\d[\d.,]*\s?euro", re.I),
    # a period ("van medio oktober tot medio december 2016") before a single date, so it is kept whole
    "date": re.compile(rf"(?:van\s+)?{_PERIOD_START}\s+(?:tot(?:\s+en\s+met)?|t/m)\s+{_ONE_DATE}|{_ONE_DATE}", re.I),
    "number": re.compile(r"(?:(?:ruim|bijna|circa|ongeveer|meer dan|minder dan|zo'n|ca\.)\s+)?"
                         r"(?<![\w.,-])(?!(?:19|20)\d\d\b)"  # not inside a word or label, never a year
                         r"(?:\d[\d.,]*|(?:twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd|"
                         r"duizend|dertien|veertien|vijftien|zestien|zeventien|achttien|negentien|twaalf|elf|tien|"
                         r"twee|drie|vier|vijf|zes|zeven|acht|negen)\b)(?:\s?(?:%|procent|miljoen|miljard))?"
                         r"(?:\s[a-zà-ÿ][\w-]+)?", re.I),
}


def answer_span(unit: Unit, question: QuestionInfo) -> str | None:
    """The exact fact that answers a number/amount/date question, closest to the question's topic words."""
    kind = question.asked
    pattern = _SPAN_PATTERNS.get(kind)
    if pattern is None:
        return None
    text = unit.text
    if kind == "date" and question.exact_day:
        pattern = DAY_RE  # "op welke datum": a day, not a bare year
    # A quantity the question itself gives ("hoeveel van die 260 mln …") is what it asks about, not the
    # answer. Small numbers in a question are labels as often ("art 2 lid 4"), so they do not count.
    given = given_quantities(question) if kind in ("amount", "number") else set()
    found = [m for m in pattern.finditer(text)
             if _is_fact(m, text, kind) and not (given and quantities(m.group(0)) <= given)]
    if not found:
        return None
    q_stems = set(question.stems)
    toks = [(m.start(), s) for m, s in zip(re.finditer(r"\w+", text), ct.stem([w.lower() for w in re.findall(r"\w+", text)]))]
    anchors = [pos for pos, s in toks if s in q_stems]
    if anchors:
        best = min(found, key=lambda m: min(abs(m.start() - a) for a in anchors))
    else:
        best = found[0]
    span = best.group(0).strip(" ,.;:")
    # The number pattern takes the counted word after a number ("300.000 militairen"), not a
    # preposition or verb particle ("vijftien procent bij").
    words = span.split()
    if len(words) > 1 and words[-1].lower() in ct.STOPWORDS:
        span = " ".join(words[:-1])
    return span if 1 <= len(span.split()) <= 8 else None


def quantities(text: str, least: float = 0) -> set[str]:
    """The numbers of `text` that state a quantity (no month, no bare "miljoen"), from `least` up."""
    out = set()
    for x in ct.numbers(text):
        if x.startswith("m") or x in MAGNITUDES:
            continue
        try:
            big_enough = float(x) >= least
        except ValueError:  # "2e": an ordinal
            big_enough = least == 0
        if big_enough:
            out.add(x)
    return out


GIVEN_QUANTITY_MIN = 10  # "hoeveel van die 260 mln …" gives 260; "art 2 lid 4" gives nothing to leave out


def given_quantities(question: QuestionInfo) -> set[str]:
    """The quantities the question itself gives: they are never its answer."""
    return quantities(question.text, least=GIVEN_QUANTITY_MIN)


def _is_fact(match: re.Match, text: str, kind: str) -> bool:
    if kind != "number":
        return True
    span = match.group(0)
    if not ct.numbers(span) - {f"m{i}" for i in range(1, 13)}:
        return False
    # "resolutie 2417", "COVID-19", "11 september" are labels and days, not counts (years never match).
    before = text[:match.start()].rstrip()
    words = [w.lower() for w in re.findall(r"\w+", before[-40:])]
    if before.endswith("-") or (words and words[-1] in LABEL_WORDS) or (
            len(words) >= 2 and words[-1].isdigit() and words[-2] in LABEL_WORDS):  # "(Kamerstuk 33 783"
        return False
    return not NOT_A_COUNT.match(text, match.start())  # a day ("8 en 9 juli") or the verb "acht"


# --- composition -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Composition:
    """How much an answer quotes; fitted with the selector (rag/answer/train.py) and stored in
    rag/answer/weights/selector.json, so these defaults only serve a file that predates a setting."""

    second_ratio: float = 0.9  # another unit joins when its share reaches this part of the best unit's
    max_words: int = 60
    next_ratio: float | None = None  # the same for the sentence after the best unit; None: like any unit
    next_words: int = 0  # ... while the two together stay within this many words
    fractie_answer_units: int = 2  # units quoted from the cabinet's answer to a fractie
    fractie_point_units: int = 2  # units quoted from the fractie's own point when its view is asked

    @classmethod
    def from_info(cls, info: dict) -> "Composition":
        known = {k: info[k] for k in cls.__dataclass_fields__ if info.get(k) is not None}
        return cls(**known)


def _metadata(passages: list[Passage]):
    """The chunk metadata of a unit's passage, as a function of the unit."""
    return lambda u: passages[u.n - 1].chunk.metadata or {}


def fractie_parts(question: QuestionInfo, units: list[Unit], passages: list[Passage], max_words: int = 90,
                  answer_units: int = 2, point_units: int = 2) -> list[Part]:
    """The named fractie's own point and the cabinet's numbered answer to it: the best-scored unit of
    either brings its linked counterpart. The cabinet's answer may take up to `answer_units` units of
    its block, read as a run (each next unit the best-scored one beside what is quoted), the fractie's
    point up to `point_units`, its best-scored ones, when the question asks what the fractie thinks or
    asks (one otherwise); the whole stays within `max_words`."""
    fr = question.fractie
    if not fr:
        return []
    meta = _metadata(passages)
    mine = [u for u in units
            if u.features.get("fractie_match") and meta(u).get("role") in ("question", "answer")]
    points = [u for u in mine if meta(u).get("role") == "question"]
    answers = [u for u in mine if meta(u).get("role") == "answer"]
    if not mine:
        return []
    lead = mine[0]
    # The counterpart is the linked block. A block without a link (a remark the cabinet did not answer
    # under a number, an index built before links) gets none: the fractie's best other block would be
    # on another subject.
    if meta(lead).get("role") == "answer":
        answer = lead
        number = meta(answer).get("answer_number")
        point = next((u for u in points if number is not None and meta(u).get("answered_by") == number), None)
    else:
        point = lead
        number = meta(point).get("answered_by")
        answer = next((u for u in answers if number is not None and meta(u).get("answer_number") == number), None)
    chosen = [u for u in (point, answer) if u is not None]
    words = sum(u.words() for u in chosen)
    sides = ((answer, answers, answer_units), (point, points, point_units if question.wants_view else 1))
    for first, pool, most in sides:
        if first is None:
            continue
        # more units of the same block while they fit; of the answer, the best-scored one beside what is
        # quoted (gold answers are runs of sentences: train fractie +4 -2 against the best ones apart; the
        # same rule for the point lost one)
        for _ in range(most - 1):
            taken = [c for c in chosen if c.n == first.n]
            extra = next((u for u in pool if u.n == first.n and not any(u.overlaps(c) for c in chosen)
                          and (pool is points or any(_adjacent(u, c) for c in taken))), None)
            if extra is None or words + extra.words() > max_words:
                break
            chosen.append(extra)
            words += extra.words()
    parts = []
    for u in sorted([u for u in chosen if meta(u).get("role") == "question"], key=lambda u: u.start):
        parts.append(Part(u.text, u.n, "quote", label(canonical(fr))))
    for u in sorted([u for u in chosen if meta(u).get("role") == "answer"], key=lambda u: u.start):
        number = meta(u).get("answer_number")
        parts.append(Part(u.text, u.n, "quote", f"Kabinet (antwoord {number})" if number else "Kabinet"))
    if question.wants_cabinet and not question.wants_view:
        parts.sort(key=lambda p: not p.label.startswith("Kabinet"))  # the cabinet's answer was asked for: it leads
    return parts


def _adjacent(a: Unit, b: Unit) -> bool:
    """Does unit `a` stand right before or after unit `b` in the same passage?"""
    return a.n == b.n and (a.sent_index + a.n_sents == b.sent_index or b.sent_index + b.n_sents == a.sent_index)


def which_fractie_parts(question: QuestionInfo, units: list[Unit], passages: list[Passage],
                        share: float, most: int = WHICH_FRACTIE_MOST) -> list[Part]:
    """"Welke fracties vroegen naar Jemen?": each fractie with its best remark on the subject, at most
    `most` fracties, best first. When the question names something ("Jemen"), a remark counts when its
    block names it too, however it ranks; otherwise only a remark close to the best one (at least
    `share` of its score) counts, so a fractie that spoke about something else is not listed."""
    from rag.answer.features import names_subject

    meta = _metadata(passages)
    remarks = [u for u in units if meta(u).get("role") == "question" and meta(u).get("fractie")
               and names_subject(question, passages[u.n - 1])]
    if not remarks:
        return []
    best: dict[str, Unit] = {}
    for u in remarks:
        fr = canonical(str(meta(u)["fractie"]))
        close = bool(question.names) or u.prob >= share * remarks[0].prob
        if fr not in best and close and len(best) < most:
            best[fr] = u
    return [Part(u.text, u.n, "quote", label(fr)) for fr, u in best.items()]


SIGNATURE_LINES = 4  # a letter is signed by one to three ministers, now and then a state secretary more
SIGNED_BY = "Het stuk is ondertekend door:"


def signature_parts(units: list[Unit]) -> list[Part]:
    """Who signed: the signature lines of the best-scored signature's passage, in the letter's order."""
    signed = [u for u in units if u.n_sents == 1 and is_signature(u.text)]
    if not signed:
        return []
    lines = sorted((u for u in signed if u.n == signed[0].n), key=lambda u: u.start)[:SIGNATURE_LINES]
    return [Part(SIGNED_BY, None, "note"), *(Part(u.text, u.n, "quote") for u in lines)]


def compose_answer(question: QuestionInfo, units: list[Unit], passages: list[Passage],
                   how: Composition = Composition()) -> list[Part]:
    """Parts of an answer from ranked units (best first).

    Another unit joins the best one when its share is at least `how.second_ratio` of the best unit's.
    The sentence right after the best unit (the list an announcing sentence leads into, the
    "because" that follows a finding) needs only `how.next_ratio` of it when the two together stay
    within `how.next_words` words. A quoted sentence that announces items brings them."""
    if not units:
        return []
    if question.asks_signatories:
        parts = signature_parts(units)
        if parts:
            return parts
    top = units[0]
    if question.fractie and (top.features.get("fractie_match") or question.asked == "view"):
        parts = fractie_parts(question, units, passages, int(how.max_words * 1.5), how.fractie_answer_units,
                              how.fractie_point_units)
        if parts:
            return parts
    if question.which_fractie:
        parts = which_fractie_parts(question, units, passages, how.second_ratio)
        if parts:
            return parts
    parts: list[Part] = []
    span = answer_span(top, question) if question.asked in ("amount", "date", "number") else None
    if span:
        parts.append(Part(span, top.n, "span"))
    chosen: list[Unit] = []
    words = sentences = 0
    list_limit = int(how.max_words * 1.5)
    limit = list_limit if question.asked == "list" else how.max_words

    def take(u: Unit, budget: int) -> None:
        """Quote `u`, after the reason or announcement it points back at, then the items it announces
        or that follow it, within `budget` words. The best unit's items are the answer whatever their
        length (`list_limit`); a later unit that promises items ("Zij noemt vier redenen …") it cannot
        bring whole within the budget is left out rather than quoted as a bare or cut-off promise."""
        nonlocal words, sentences
        before = _antecedent(u, units, question, u is top)
        if before is not None and any(before.overlaps(o) for o in chosen):
            before = None
        room = budget - words - u.words()
        promised = _announced_items(u, units, question)
        if u is not top and u.n_sents == 1 and announces(u.text, question) and (
                not promised or sum(i.words() for i in promised) > room):
            return
        items = _first_within(promised, room)
        purpose = _purpose_after(u, units, question) if not items else None
        if purpose is not None and purpose.words() <= room:
            items = [purpose]
        for item in [*([before] if before else []), u, *items]:
            if item is not u and any(item.overlaps(o) for o in chosen):
                continue
            parts.append(Part(item.text, item.n, "quote"))
            chosen.append(item)
            words += item.words()
            sentences += item.n_sents

    def fits(u: Unit, n_sent: int) -> bool:
        """Does `u` (of `n_sent` sentences) fit the answer's word limit and, except for a list, its
        sentence limit?"""
        return words + u.words() <= limit and (sentences + n_sent <= MAX_SENTENCES or question.asked == "list")

    take(top, list_limit)
    response = _cabinet_response(top, units)
    if response is not None and not any(response.overlaps(o) for o in chosen) and fits(response, 1):
        take(response, limit)
    after_top = len(parts)
    following = _following(top, units, how.next_ratio, how.next_words)
    for u in ([following] if following else []) + [u for u in units[1:6] if u is not following]:
        if u is not following and u.prob < how.second_ratio * top.prob:
            break
        if any(u.overlaps(o) or _says_the_same(u, o) for o in chosen):
            continue
        if not fits(u, len(ct.split_sentences(u.text))):
            continue
        take(u, limit)
    # A list told over several sentences continues after the best unit when room is left: it is chosen
    # after the other units, which the selector rated, so a continuation never crowds out a better
    # sentence, and it is read right after the unit it continues ("Zo wordt onder meer …").
    before_continuation = len(parts)
    run_end = _end_of_run(top, chosen)
    for u in _next_items(run_end, units, question, passages):
        if any(u.overlaps(o) or _says_the_same(u, o) for o in chosen):
            continue
        if not fits(u, u.n_sents):
            break
        take(u, limit)
    continuation = parts[before_continuation:]
    del parts[before_continuation:]
    at = after_top if run_end is top else 1 + max(
        (i for i, p in enumerate(parts) if p.n == run_end.n and p.text == run_end.text), default=after_top - 1)
    parts[at:at] = continuation
    return parts


def _end_of_run(top: Unit, chosen: list[Unit]) -> Unit:
    """The last of the quoted units that follow `top` sentence by sentence in its passage: a list
    continues after the run ("… in EU-verband. Gezamenlijke EU-inzet biedt … . Bovendien …")."""
    last = top
    while True:
        nxt = next((u for u in chosen if u.n == last.n and u.sent_index == last.sent_index + last.n_sents), None)
        if nxt is None:
            return last
        last = nxt


def _following(top: Unit, units: list[Unit], next_ratio: float | None, next_words: int) -> Unit | None:
    """The best-scored unit that starts with the sentence after `top`, when its share reaches
    `next_ratio` and the two together stay within `next_words` words."""
    if next_ratio is None:
        return None
    after = top.sent_index + top.n_sents
    return next((u for u in units[1:] if u.n == top.n and u.sent_index == after
                 and u.prob >= next_ratio * top.prob and top.words() + u.words() <= next_words), None)


# "Zij noemt vier redenen …", "bestaan er drie mogelijke rechtsgrondslagen", "zette … de prioriteiten uiteen",
# "Het betreft:": the sentence promises items that the next sentences give.
_COUNT = r"(?:twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|[2-9]|1[0-2])"
# "Het kabinet acht deze redenen overtuigend": a count is never followed by a determiner ("acht" the verb is).
_DETERMINER = r"(?:de|het|een|deze|die|dit|dat|zijn|haar|hun|onze|ons)\b"
_ANNOUNCING = re.compile(r"\b(?:de volgende|als volgt|uiteen(?:gezet)?|op een rij)\b", re.I)
_ITEM_START = re.compile(r"^\s*(?:[-•·▪]|\(?[a-z0-9]{1,2}[.)]\s)", re.I)
# "vier redenen", "op twee manieren", "drie mogelijke rechtsgrondslagen": a count before a noun that
# names items announces them, whichever word the question used ("argumenten" for "redenen").
_LIST_NOUN = (r"(?:redenen|manieren|punten|elementen|onderdelen|prioriteiten|voorwaarden|overwegingen|argumenten"
              r"|doelen|doelstellingen|pijlers|thema'?s|kwesties|aanbevelingen|conclusies|lijnen|hoofdlijnen|sporen"
              r"|stappen|maatregelen|factoren|criteria|uitgangspunten|aandachtspunten|rechtsgrond(?:slag)?en"
              r"|categorieën|vormen|terreinen|gebieden|instrumenten|opties|vragen|lessen|risico'?s|taken)")
_COUNTED_ITEMS = re.compile(rf"\b{_COUNT}\s+(?:(?!{_DETERMINER})\w+\s+)?{_LIST_NOUN}\b", re.I)
# Words that open an item only a list already running can have: "Ten tweede …", "Tot slot …".
_LATER_ITEM_WORDS = (r"ten (?:tweede|derde|vierde|vijfde|zesde|slotte)|tot slot|tot besluit"
                     r"|in de (?:tweede|derde) plaats|op de (?:tweede|derde) plaats")
_OPENING = r"^\W*(?:\w+\W+){0,3}?"
# "Ten tweede …", "Tot slot …", "Het Koninkrijk acht daarnaast …": the sentence gives the next item of
# a list that runs over several sentences.
_NEXT_ITEM = re.compile(rf"{_OPENING}(?:{_LATER_ITEM_WORDS}|ten eerste|daarnaast|tevens|voorts|bovendien|anderzijds"
                        r"|in de eerste plaats|op de eerste plaats)\b", re.I)
# "Tot slot …", "Ten derde …": an item that can only continue a list already running.
_CLOSING_ITEM = re.compile(rf"{_OPENING}(?:{_LATER_ITEM_WORDS})\b", re.I)
# Kinds where a promised list is the answer (a count, date or yes/no is answered by the sentence itself).
_LIST_KINDS = ("list", "reason", "other", "view")


def announces(text: str, question: QuestionInfo) -> bool:
    """Does this sentence announce items the question asks for (rather than give them)?"""
    if question.asked not in _LIST_KINDS:
        return False
    if text.rstrip().endswith(":") or _COUNTED_ITEMS.search(text):
        return True
    toks = [t.lower() for t in ct.tokens(text)]
    stems = ct.stem(toks)
    q_stems = set(question.stems)
    asked_at = [i for i, s in enumerate(stems) if s in q_stems and len(s) >= 4]
    if not asked_at:
        return False
    counts = [i for i, t in enumerate(toks) if re.fullmatch(_COUNT, t)
              and not (i + 1 < len(toks) and re.fullmatch(_DETERMINER, toks[i + 1]))]
    if any(0 < a - c <= 3 for a in asked_at for c in counts):
        return True
    return bool(_ANNOUNCING.search(text))


def _announced_items(last: Unit, units: list[Unit], question: QuestionInfo) -> list[Unit]:
    """The sentences after `last` that give what it announces: the next one, and after it each one
    that continues a list (the previous ends in ':' or ';', or it opens with a bullet or with "ten
    tweede", "daarnaast", "tot slot"). A piece too short to quote ("Het betreft:") is stepped over
    when a list item follows it. Empty when `last` announces nothing or the items are not in the
    passage."""
    if last.n_sents != 1 or not announces(last.text, question):
        return []
    single = _single_sentences(last, units)
    out: list[Unit] = []
    prev_text, skipped = last.text, False
    for i in range(last.sent_index + 1, last.n_passage_sents):
        u = single.get(i)
        if u is None:  # not a quotable sentence
            if skipped:
                break
            skipped = True
            continue
        continues_list = (prev_text.rstrip().endswith((":", ";")) or bool(_ITEM_START.match(u.text))
                          or bool(_NEXT_ITEM.match(u.text)))
        if (out or skipped) and not continues_list:
            break
        out.append(u)
        prev_text, skipped = u.text, False
    return out


def _first_within(items: list[Unit], budget: int) -> list[Unit]:
    """The leading `items` that together stay within `budget` words (a list cut where the budget ends)."""
    out: list[Unit] = []
    for u in items:
        budget -= u.words()
        if budget < 0:
            break
        out.append(u)
    return out


def _next_items(last: Unit, units: list[Unit], question: QuestionInfo,
                passages: Sequence[Passage] = ()) -> list[Unit]:
    """For a list-like question: the sentences right after `last` that open as the next item of a
    list told over several sentences ("Het Koninkrijk acht daarnaast …", "Ten tweede …") or that
    work it out ("Hierbij zal worden ingezet op …"). A closing item ("Tot slot …") may follow one
    sentence that comments on the item before it, and the list may run on into the next paragraph
    of the document when that is among the `passages`."""
    if question.asked not in _LIST_KINDS:
        return []
    following = _sentences_after(last, units, passages)
    first = following[0] if following else None
    if first is not None and _ELABORATES.match(first.text):  # "Hierbij zal worden ingezet op …"
        return [first, *_next_items(first, units, question, passages)]
    out: list[Unit] = []
    for i, u in enumerate(following):
        if u is not None and _NEXT_ITEM.match(u.text):
            out.append(u)
            continue
        # "Daarnaast … . Het Koninkrijk richt zich daarom liever … . Tot slot …": the comment is stepped over
        after = following[i + 1] if i + 1 < len(following) else None
        if out and u is not None and after is not None and _CLOSING_ITEM.match(after.text):
            out.append(after)
        break
    return out


NEXT_PARAGRAPH_SENTENCES = 3  # how far a list is followed into the next paragraph


def _sentences_after(last: Unit, units: list[Unit], passages: Sequence[Passage]) -> list[Unit | None]:
    """The one-sentence units after `last` in its passage (None where a sentence is no unit), then the
    first sentences of the document's next paragraph when it is a candidate passage too."""
    single = _single_sentences(last, units)
    out = [single.get(i) for i in range(last.sent_index + last.n_sents, last.n_passage_sents)]
    if not 0 < last.n <= len(passages):
        return out
    chunk = passages[last.n - 1].chunk
    nxt = next((i + 1 for i, p in enumerate(passages)
                if p.chunk.doc_id == chunk.doc_id and p.chunk.seq == chunk.seq + 1), None)
    if nxt is not None:
        later = {u.sent_index: u for u in units if u.n == nxt and u.n_sents == 1}
        out += [later.get(i) for i in range(NEXT_PARAGRAPH_SENTENCES)]
    return out


def _single_sentences(like: Unit, units: list[Unit]) -> dict[int, Unit]:
    """The one-sentence units of `like`'s passage by sentence index."""
    return {u.sent_index: u for u in units if u.n == like.n and u.n_sents == 1}


# "Om deze reden …", "Daarom …", "Derhalve …": the sentence gives the consequence; the reason is the
# sentence before it.
_POINTS_BACK_TO_REASON = re.compile(r"\b(?:daarom|hierom|derhalve|vandaar|om (?:deze|die) reden(?:en)?)\b", re.I)
# "Dit zijn het recht op zelfverdediging, …": the items; what they are items of is the sentence before.
_POINTS_BACK_TO_LIST = re.compile(r"^\W*(?:dit|dat|deze|het) (?:zijn|betreffen|betreft|gaat om)\b", re.I)


# "De rol van het Koninkrijk is daarin beperkt": for a "waarom", the best sentence that refers back to the
# one before it needs that one; it holds the circumstance the reason is.
_POINTS_BACK = re.compile(r"\b(?:daarin|hierin|daarbij|hierbij|daarmee|hiermee|daarvoor|hiervoor|daaraan|hieraan"
                          r"|daarover|hierover)\b", re.I)
# "waarom steunt nl het mechanisme … en wanneer is dat besloten": a reason is asked beside the date.
_WHY = re.compile(r"\bwaarom\b", re.I)
# "Hierbij zal worden ingezet op …": the sentence works out the one before it.
_ELABORATES = re.compile(r"^\W*(?:daarbij|hierbij|daarmee|hiermee|daarin|hierin|daarvoor|hiervoor|zo)\b", re.I)


def _antecedent(u: Unit, units: list[Unit], question: QuestionInfo, is_top: bool = False) -> Unit | None:
    """The sentence before `u` that `u` points back at: for a "waarom", the reason ("Daarom …", "Om deze
    reden …"; for the best unit also "daarin", "daarbij"), or the announcement of the items `u` lists
    ("Dit zijn …")."""
    first = u.text[: u.split] if u.n_sents == 2 and u.split else u.text
    before = next((o for o in units if o.n == u.n and o.n_sents == 1 and o.sent_index == u.sent_index - 1), None)
    if before is None:
        return None
    asks_reason = question.asked == "reason" or bool(_WHY.search(question.text))
    if asks_reason and (_POINTS_BACK_TO_REASON.search(first) or (is_top and _POINTS_BACK.search(first))):
        return before
    if _POINTS_BACK_TO_LIST.match(first) and announces(before.text, question):
        return before
    return None


# "De expertgroep is van mening dat …", "In dit verband lijkt de AIV ervan uit te gaan dat …": a view reported
_REPORTED_VIEW = re.compile(r"\b(?:expertgroep|aiv|cavv|adviesraad|advies|rapport|commissie|rapporteur)\b[^.;]{0,80}?"
                            r"\b(?:van mening|stelt|concludeert|meent|beveelt|adviseert|ervan uit|pleit|wijst)", re.I)
# "Hoewel het kabinet deze interpretatie deelt, …", "Het kabinet onderschrijft deze conclusie": the answer to it
_CABINET_RESPONSE = re.compile(r"^\W*(?:(?:hoewel|maar|ook|wel)\s+)?(?:het kabinet|de regering|het koninkrijk)\s+"
                               r"(?:\w+\s+){0,3}?(?:deelt|onderschrijft|is het|steunt|acht|neemt|volgt)\b", re.I)


RESPONSE_WITHIN = 2  # "De expertgroep is van mening … Hij trekt deze conclusie … Hoewel het kabinet deze … deelt"


# "Het moet ervoor zorgen dat …", "Dit is bedoeld om …": the sentence gives the purpose of what the one
# before it describes, which is the answer to a "waarom" as much as its cause.
_PURPOSE = re.compile(r"^\W*(?:het|dit|dat|deze|die|zij|hij)\s+(?:moet|moeten|dient|dienen|zal|zullen)\s+(?:er\s*)?voor\s*zorgen"
                      r"|^\W*(?:het|dit|dat|deze|die|zij|hij)\s+(?:is|zijn|was|waren)\s+bedoeld\s+(?:om|voor)\b"
                      r"|^\W*(?:het\s+)?doel\s+(?:hiervan|daarvan|ervan|is|was)\b", re.I)


def _purpose_after(u: Unit, units: list[Unit], question: QuestionInfo) -> Unit | None:
    """For a "waarom": the sentence right after `u` that gives the purpose of what `u` describes."""
    if u.n_sents != 1 or not (question.asked == "reason" or _WHY.search(question.text)):
        return None
    after = _single_sentences(u, units).get(u.sent_index + 1)
    return after if after is not None and _PURPOSE.match(after.text) else None


def _cabinet_response(top: Unit, units: list[Unit]) -> Unit | None:
    """The sentence, one of the `RESPONSE_WITHIN` after a reported view (of an advisory body, a report),
    that gives the cabinet's own response to it: the view alone does not say where the cabinet stands."""
    if top.n_sents != 1 or not _REPORTED_VIEW.search(top.text):
        return None
    single = _single_sentences(top, units)
    for i in range(top.sent_index + 1, top.sent_index + 1 + RESPONSE_WITHIN):
        after = single.get(i)
        if after is not None and _CABINET_RESPONSE.match(after.text):
            return after
    return None


def _says_the_same(a: Unit, b: Unit) -> bool:
    sa, sb = set(ct.content_stems(a.text)), set(ct.content_stems(b.text))
    return bool(sa and sb) and len(sa & sb) / min(len(sa), len(sb)) >= SAME_CONTENT


CONTEXT_MIN_WORDS = 8  # a shorter question ("Zo nee, waarom niet?") tells the user nothing as context
CONTEXT_CANDIDATES = 5
# Context is read on its own, without the sentence before it: a pointing word among the first four
# ("Het resultaat hiervan is …", "Daarom …", "Zij vragen …") leaves the reader asking what is meant.
_CONTEXT_POINTS_BACK = re.compile(
    rf"{_OPENING}(?:hiervan|daarvan|hierdoor|daardoor|hiermee|daarmee|hierbij|daarbij|hiervoor|daarvoor|"
    r"hierop|daarop|hierin|daarin|hiertoe|daartoe|daarom|hierom|daarnaast|zij|ze|hij|"
    r"(?:dit|deze)(?!\s+(?:moment|jaar|week|maand|najaar|voorjaar|zomer|winter|keer|stadium)\b))\b", re.I)


def refusal_parts(missing: str, units: list[Unit]) -> list[Part]:
    """The missing-fact sentence, then the closest unit marked as context: the best of the first few
    that is not a bare question fragment, and of those the best that does not point back at a
    sentence the user does not see."""
    parts = [Part(missing, None, "note")]
    if units:
        said = [u for u in units[:CONTEXT_CANDIDATES]
                if not (u.text.rstrip().endswith("?") and u.words() < CONTEXT_MIN_WORDS)]
        context = next((u for u in said if not _CONTEXT_POINTS_BACK.match(u.text)), said[0] if said else units[0])
        parts.append(Part(CONTEXT_INTRO, None, "note"))
        parts.append(Part(context.text, context.n, "context"))
    return parts
