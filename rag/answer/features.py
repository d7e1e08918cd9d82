"""Features of a candidate unit against a question, for the learned selector.

Each feature is a signal the answer selection needs and that a reader can check:
how much of the question the unit covers (IDF-weighted stems, Dutch compounds),
how close it is in meaning (the sentence vectors built at ingest), whether it holds
the kind of fact asked for and whether that fact sits next to the question's topic,
whether the names the question is about are there, whether it is the named fractie's
own point or the cabinet's answer to it, where it sits, how long it is. No weights
here: rag/answer/selector.py applies the fitted model from rag/answer/weights/.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from corpus.cleaning import DANGLING_END
from corpus.fracties import canonical
from corpus.models import Passage
from rag import claim_text as ct
from rag.answer.candidates import Unit, pair_cue
from rag.answer.question import QUESTION_WORDS, QuestionInfo

# Callable(query, passages) -> per passage, [(start, end, cosine)] of its indexed sentences.
DenseFn = Callable[[str, Sequence[Passage]], list[list[tuple[int, int, float]]]]

MAGNITUDES = {"1000000", "1000000000"}  # "miljoen", "miljard": a scale, not a quantity
_AMOUNT_RE = re.compile(r"(€|\beuro\b|\bEUR\b|\bmiljoen\b|\bmiljard\b|\bmln\b|\bmld\b|\bmrd\b|\bdollar\b|\bUSD\b)", re.I)
_REASON_RE = re.compile(r"\b(omdat|doordat|aangezien|want|vanwege|wegens|aanleiding|naar aanleiding|reden|redenen|daarom|dankzij|"
                        r"opgezet na|in reactie op|met als doel|teneinde|om te|bedoeld om|als gevolg van|"
                        r"waardoor|immers|gelet op|gezien|zodat|ter bevordering|met het oog op)\b", re.I)
_MONTH = ct.MONTH_PATTERN
_DATE_RE = re.compile(rf"\b(\d{{1,2}} ({_MONTH})|({_MONTH})|(19|20)\d\d)\b", re.I)
# Words before a number that names a thing rather than counts it ("resolutie 2417", "Kamerstuk 33 783").
LABEL_WORDS = ("resolutie", "artikel", "nr", "nummer", "kamerstuk", "lid", "hoofdstuk", "advies", "agendapunt", "motie")
_LABEL_NUMBER = re.compile(rf"\w+-\d+|\b({'|'.join(LABEL_WORDS)})\.? \d+(?: \d+)?", re.I)
# "8 en 9 juli", "3 tot 5 mei": the first day of a range is a day too.
DAY_RANGE_TAIL = r"(?:(?:en|tot(?:\s+en\s+met)?|t/m|[-–])\s*\d{1,2}\s+)?"
# "acht het kabinet noodzakelijk", "acht deze redenen overtuigend": the verb, not the number eight.
VERB_ACHT = r"\bacht(?=\s+(?:de|het|een|deze|die|dit|dat|zijn|haar|hun|zij|hij|ik|wij|we|ze|men|u|nederland)\b)"
# A year or a day of the month is not a count: "hoeveel" is not answered by "in 2018", "11 september",
# the "8" of "8 en 9 juli" or the verb "acht".
NOT_A_COUNT = re.compile(rf"\b(19|20)\d\d\b|\b\d{{1,2}}\s+{DAY_RANGE_TAIL}({ct.ANY_MONTH_PATTERN})|{VERB_ACHT}",
                         re.I)
# A day: what "op welke datum" asks for (a bare year or month does not answer it).
DAY_RE = re.compile(rf"\b\d{{1,2}}(e|ste)? ({_MONTH})(?: (?:19|20)\d\d)?\b|"
                    r"\b\d{1,2}-\d{1,2}-(?:19|20)?\d\d\b", re.I)
_EVALUATIVE = re.compile(r"\b(acht|vindt|steunt|onderschrijft|deelt|is van mening|is het eens|staat positief|"
                         r"verwelkomt|betreurt|is voorstander|is tegen|wijst af|zal|heeft besloten|is niet|"
                         r"ziet geen|ziet|erkent|kan zich vinden)\b", re.I)
_ANAPHORIC = re.compile(r"^(dit|deze|dat|die|zij|ze|hij|het|daarbij|daarnaast|ook|hiermee|daarmee|hierbij)\b", re.I)
_YESNO_START = re.compile(r"^(ja|nee|neen|dat klopt|dat is (niet )?(het geval|juist|correct)|het kabinet (deelt|onderschrijft|"
                          r"steunt|is het (niet )?eens|acht|ziet)|zeker|inderdaad)\b", re.I)
_ENUMERATION = re.compile(r",|\ben\b|;|\b[a-z][.)]\s|•|\s-\s")

FEATURE_NAMES = [
    "bias_free",  # always 1: lets rows be read without the model's bias (kept for inspection)
    "lex", "lex_rank", "lex_passage", "lex_meta", "lex_idf", "bigram", "lex_vs_passage", "neighbour_lex",
    "dense", "dense_rank", "dense_gap", "dense_vs_passage",
    "passage_rank", "passage_score",
    "type_needed", "type_ok", "type_missing", "type_near", "counted_near",
    "names_cov", "names_cov_passage", "names_absent", "nums_ok",
    "fractie_named", "fractie_match", "fractie_mismatch",
    "role_question", "role_answer", "view_x_question", "view_x_answer", "cabinet_x_answer",
    "is_question", "first_sentence", "rel_position", "anaphoric_start", "answer_block_first", "yesno_start",
    "pair", "pair_cue", "list_x_pair", "list_x_enum", "unterminated",
    "yesno_x_evaluative", "reason_x_cue", "log_words", "long_unit",
]


def has_type(text: str, kind: str, exact_day: bool = False) -> bool:
    """Does `text` hold a fact of the kind asked for? (`exact_day`: the question asks for a day, not a year.)"""
    if kind == "date":
        return bool((DAY_RE if exact_day else _DATE_RE).search(text))
    if kind in ("amount", "number"):
        return bool(counts(text, kind))
    if kind == "name":
        return bool(ct.names(text))
    if kind == "reason":
        return bool(_REASON_RE.search(text))
    if kind == "list":
        return len(_ENUMERATION.findall(text)) >= 2
    return True


def counts(text: str, kind: str) -> set[str]:
    """The figures of `text` that may answer a "hoeveel": no year, day, month or bare scale ("260
    miljoen" is 260); for a number no label either ("resolutie 2417"); for an amount only in a text
    that names money."""
    if kind == "amount" and not _AMOUNT_RE.search(text):
        return set()
    plain = NOT_A_COUNT.sub(" ", text if kind == "amount" else _LABEL_NUMBER.sub(" ", text))
    figures = {x for x in ct.numbers(plain) if not x.startswith("m")}
    return (figures - MAGNITUDES) or figures  # "260 miljoen": 260; "een miljoen mensen": the million


def type_positions(text: str, kind: str) -> list[int]:
    """Token positions of the asked-for facts in `text` (for "is it near the topic")."""
    toks = ct.tokens(text)
    out = []
    for i, t in enumerate(toks):
        low = t.lower()
        if kind in ("number", "amount") and (ct.numbers(t) - {f"m{m}" for m in range(1, 13)}):
            prev = toks[i - 1].lower().rstrip(".") if i else ""
            prev2 = toks[i - 2].lower().rstrip(".") if i > 1 else ""
            nxt = toks[i + 1].lower() if i + 1 < len(toks) else ""
            labelled = prev in LABEL_WORDS or (prev.isdigit() and prev2 in LABEL_WORDS)  # "Kamerstuk 33 783"
            day = nxt in ct.MONTHS or (nxt in ("en", "tot", "t/m") and i + 3 < len(toks) and toks[i + 2].isdigit()
                                        and toks[i + 3].lower() in ct.MONTHS)  # "8 en 9 juli"
            verb = re.match(VERB_ACHT, f"{low} {nxt}")  # "acht het kabinet noodzakelijk"
            if kind == "number" and (re.fullmatch(r"(19|20)\d\d", t) or labelled or day or verb):
                continue  # a year, a label ("resolutie 2417") or a day of the month counts nothing
            out.append(i)
        elif kind == "date" and (low in ct.MONTHS or re.fullmatch(r"(19|20)\d\d", t)):
            out.append(i)
        elif kind == "name" and t[:1].isupper() and i > 0:
            out.append(i)
    return out


def stem_matches(q_stems: set[str], stems: set[str]) -> set[str]:
    """Question stems found in `stems`, allowing Dutch compound prefixes and heads
    ("rechtsgrond" ~ "rechtsgrondslag", "kernbelang" ~ "belang")."""
    out = q_stems & stems
    for t in q_stems - out:
        if len(t) >= 5 and any(len(s) >= 5 and (s.startswith(t) or t.startswith(s) or (len(s) >= 6 and t.endswith(s)))
                               for s in stems):
            out.add(t)
    return out


def names_found(names: set[str], hay: str) -> float:
    """Share of `names` found in `hay` (lowercased), by a prefix of each name or of its hyphen parts."""
    if not names:
        return 1.0
    found = 0
    for name in names:
        parts = [name] + [x for x in name.split("-") if len(x) >= 3]
        # A prefix, so "Veiligheidsraadresolutie" finds "Veiligheidsraad" and plurals match.
        found += any(x[:max(4, min(len(x), 7))] in hay for x in parts)
    return found / len(names)


def names_subject(question: QuestionInfo, passage: Passage) -> bool:
    """Does the passage name what the question names ("Jemen"), in the question's words or in an
    equivalent the thesaurus knows ("SIDS": Small Island Developing States)? True when the question
    names nothing."""
    from rag.answer.thesaurus import equivalents
    from rag.text import fold

    hay = passage.chunk.text.lower()
    if names_found(question.names, hay) > 0:
        return True
    folded = fold(hay)
    return any(_holds(folded, e) for name in question.names for e in equivalents(name))


def _passage_fractie(p: Passage) -> str | None:
    f = (p.chunk.metadata or {}).get("fractie")
    return canonical(str(f)) if f else None


def _meta_text(p: Passage) -> str:
    c, m = p.chunk, p.chunk.metadata or {}
    return " ".join(str(x) for x in (c.section, m.get("topic"), m.get("question"), m.get("title")) if x)


def _ranks(values: list[float]) -> list[float]:
    """1 / rank (best = 1) of each value among all."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    out = [0.0] * len(values)
    for r, i in enumerate(order, start=1):
        out[i] = 1.0 / r
    return out


def compute(question: QuestionInfo, passages: Sequence[Passage], units: list[Unit],
            dense: list[list[tuple[int, int, float]]] | None = None, vocab=None) -> None:
    """Fill `unit.features` for every unit (in place). `vocab` (corpus IDF) weighs rare question words."""
    from rag.text import analyse

    if not units:
        return
    q_terms = set(analyse(" ".join(w for w in ct.lower_tokens(question.text) if w not in QUESTION_WORDS)))
    q_weights = {t: (vocab.weight(t) if vocab is not None else 1.0) for t in q_terms}
    q_total = sum(q_weights.values()) or 1.0
    q_bigrams = _bigrams(question.stems)
    q_stems = set(question.stems)
    unit_stems = [set(ct.content_stems(u.text)) for u in units]
    concepts = _concepts(question.text, q_stems)
    matched = [stem_matches(q_stems, st) | _said_otherwise(concepts, u.text) for u, st in zip(units, unit_stems)]
    # IDF over the candidate units: words every unit shares say little about which one answers.
    n = len(units)
    df: dict[str, int] = {}
    for m in matched:
        for t in m:
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log(1 + (n + 1) / (df.get(t, 0) + 0.5)) for t in q_stems}
    total = sum(idf.values()) or 1.0
    lex = [sum(idf[t] for t in m) / total for m in matched]
    passage_lex = {}
    meta_lex = {}
    for i, p in enumerate(passages, start=1):
        found = stem_matches(q_stems, set(ct.content_stems(p.chunk.text))) | _said_otherwise(concepts, p.chunk.text)
        passage_lex[i] = sum(idf.get(t, 0.0) for t in found) / total
        meta_lex[i] = sum(idf.get(t, 0.0) for t in stem_matches(q_stems, set(ct.content_stems(_meta_text(p))))) / total
    dense_vals = [_unit_dense(u, dense) for u in units]
    top_dense = max(dense_vals) if dense_vals else 0.0
    lex_rank, dense_rank = _ranks(lex), _ranks(dense_vals)
    best_in_passage: dict[int, tuple[float, float]] = {}
    single_lex: dict[tuple[int, int], float] = {}
    for i, u in enumerate(units):
        b = best_in_passage.get(u.n, (0.0, 0.0))
        best_in_passage[u.n] = (max(b[0], lex[i]), max(b[1], dense_vals[i]))
        if u.n_sents == 1:
            single_lex[(u.n, u.sent_index)] = lex[i]
    top_score = max((p.score for p in passages), default=0.0) or 1.0
    kind = question.asked
    needed = kind in ("amount", "date", "number", "name", "reason")
    fr_named = question.fractie
    for i, u in enumerate(units):
        p = passages[u.n - 1]
        md = p.chunk.metadata or {}
        role = md.get("role")
        hay = " ".join([p.chunk.text, p.chunk.citation or "", _meta_text(p)]).lower()
        type_ok = kind in ("yesno", "view", "other") or has_type(u.text, kind, question.exact_day) or (
            question.asks_label and bool(_LABEL_NUMBER.search(u.text)))  # "welk artikel": "artikel 101"
        near = 0.0
        if needed and type_ok:
            toks = [t.lower() for t in ct.tokens(u.text)]
            tok_stems = ct.stem(toks)
            anchor_pos = [j for j, s in enumerate(tok_stems) if s in matched[i] or any(
                len(s) >= 5 and len(q) >= 5 and (s.startswith(q) or q.startswith(s)) for q in matched[i])]
            pos = type_positions(u.text, kind)
            if pos and anchor_pos:
                dist = min(abs(a - b) for a in pos for b in anchor_pos)
                near = 1.0 / (1.0 + dist / 4.0)
        counted = _counted_near(u.text, question.counted) if question.counted and type_ok else 0.0
        quantities = {x for x in question.numbers if not re.fullmatch(r"(19|20)\d\d", x)}
        nums_ok = float(quantities <= ct.numbers(u.text) and question.numbers <= ct.numbers(p.chunk.text + " " + hay))
        pf = _passage_fractie(p)
        words = u.words()
        u_terms = set(analyse(u.text))
        f = {
            "bias_free": 1.0,
            "lex": lex[i],
            "lex_idf": sum(w for t, w in q_weights.items() if t in u_terms) / q_total,
            "bigram": (len(q_bigrams & _bigrams(ct.content_stems(u.text))) / len(q_bigrams)) if q_bigrams else 0.0,
            "lex_vs_passage": lex[i] - best_in_passage[u.n][0],
            "neighbour_lex": max(single_lex.get((u.n, u.sent_index - 1), 0.0),
                                 single_lex.get((u.n, u.sent_index + u.n_sents), 0.0)),
            "dense_vs_passage": dense_vals[i] - best_in_passage[u.n][1],
            "lex_rank": lex_rank[i],
            "lex_passage": passage_lex[u.n],
            "lex_meta": meta_lex[u.n],
            "dense": dense_vals[i],
            "dense_rank": dense_rank[i],
            "dense_gap": top_dense - dense_vals[i],
            "passage_rank": 1.0 / max(1, p.rank or u.n),
            "passage_score": float(p.score) / top_score,
            "type_needed": float(needed),
            "type_ok": float(type_ok and needed),
            "type_missing": float(needed and not type_ok),
            "type_near": near,
            "counted_near": counted,
            "names_cov": names_found(question.names, u.text.lower()),
            "names_cov_passage": names_found(question.names, hay),
            "names_absent": float(bool(question.names) and names_found(question.names, hay) == 0.0),
            "nums_ok": nums_ok,
            "fractie_named": float(bool(fr_named)),
            "fractie_match": float(bool(fr_named) and pf == fr_named),
            "fractie_mismatch": float(bool(fr_named) and pf is not None and pf != fr_named),
            "role_question": float(role == "question"),
            "role_answer": float(role == "answer"),
            "view_x_question": float(question.wants_view and role == "question" and pf == fr_named),
            "view_x_answer": float(question.wants_view and role == "answer" and pf == fr_named),
            "cabinet_x_answer": float(question.wants_cabinet and role != "question"),
            "is_question": float(u.text.rstrip().endswith("?")),
            "first_sentence": float(u.sent_index == 0),
            "rel_position": u.sent_index / max(1, u.n_passage_sents - 1),
            "anaphoric_start": float(bool(_ANAPHORIC.match(u.text))),
            "answer_block_first": float(role == "answer" and u.sent_index == 0),
            "yesno_start": float(kind == "yesno" and bool(_YESNO_START.match(u.text))),
            "pair": float(u.n_sents > 1),
            "pair_cue": pair_cue(u),
            "list_x_pair": float(kind == "list" and u.n_sents > 1),
            "list_x_enum": float(kind == "list") * min(3.0, len(_ENUMERATION.findall(u.text))) / 3.0,
            # "…het mandaat van": a fragment (text lost at a page break, a list cut off) answers badly
            "unterminated": float(not re.search(r"[.!?:;»\"')\]]\s*$", u.text) or bool(DANGLING_END.search(u.text))),
            "yesno_x_evaluative": float(kind == "yesno" and bool(_EVALUATIVE.search(u.text))),
            "reason_x_cue": float(kind == "reason" and bool(_REASON_RE.search(u.text))),
            "log_words": math.log1p(words),
            "long_unit": max(0.0, (words - 45) / 45.0),
        }
        u.features = f


def _concepts(question: str, q_stems: set[str]) -> list[tuple[set[str], list[str]]]:
    """(the question stems of a staff phrase, the folded document wordings of that phrase) for each
    phrase of the thesaurus in the question ("kleine eilandstaten": small island developing states, sids)."""
    from rag.answer.thesaurus import matches
    from rag.text import fold

    out = []
    for words, wordings in matches(question):
        stems = set(ct.content_stems(" ".join(words))) & q_stems
        if stems:
            out.append((stems, [fold(w) for w in wordings]))
    return out


def _said_otherwise(concepts: list[tuple[set[str], list[str]]], text: str) -> set[str]:
    """The question stems whose phrase `text` writes in a document wording: they count as matched."""
    from rag.text import fold

    if not concepts:
        return set()
    folded = fold(text)
    return {s for stems, wordings in concepts if any(_holds(folded, w) for w in wordings) for s in stems}


def _holds(folded_text: str, phrase: str) -> bool:
    """Does the folded text hold the folded phrase as whole words?"""
    return re.search(rf"\b{re.escape(phrase)}\b", folded_text) is not None


def _counted_near(text: str, counted: str) -> float:
    """How close what the question counts ("landen") is to a number in the unit: 1 adjacent, 0 absent."""
    toks = ct.tokens(text)
    stems = ct.stem([t.lower() for t in toks])
    noun = [i for i, s in enumerate(stems) if s == counted or (len(counted) >= 4 and s.endswith(counted))]
    nums = [i for i, t in enumerate(toks) if ct.numbers(t) - {f"m{m}" for m in range(1, 13)}]
    if not noun or not nums:
        return 0.0
    low = [t.lower() for t in toks]
    if any(i > 0 and low[i - 1] in ("aantal", "totaal", "totale") for i in noun):
        return 1.0  # "het aantal landen … is gegroeid tot 39": the number is the count of the noun
    dist = min(abs(a - b) for a in noun for b in nums)
    return 1.0 / (1.0 + max(0, dist - 1) / 3.0)


def _bigrams(stems: Sequence[str]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in zip(stems, stems[1:])}


def _unit_dense(u: Unit, dense: list[list[tuple[int, int, float]]] | None) -> float:
    """Best cosine of the indexed sentences that overlap the unit (0 without sentence vectors)."""
    if not dense or u.n - 1 >= len(dense):
        return 0.0
    sims = [c for s, e, c in dense[u.n - 1] if s < u.end and u.start < e]
    return max(sims) if sims else 0.0


def matrix(units: Sequence[Unit]) -> np.ndarray:
    return np.array([[u.features[name] for name in FEATURE_NAMES] for u in units], dtype=np.float64)
