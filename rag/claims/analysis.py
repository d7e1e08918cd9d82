"""Reading a claim or a context into tokens and checkable facts.

`analyse(text)` returns sentences, tokens (word, stem, alias key, compound parts)
and the facts a claim can get wrong: numbers with their unit and the words they
count, dates (day, month, year, in any of the usual spellings), and names
(multi-word, with aliases). Pure functions over strings, cached per text,
so a context scored against many claims is read once.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field

from rag import claim_text as ct
from rag.claims import lexicon as lx

# --------------------------------------------------------------------------- tokens


@dataclass
class Token:
    text: str
    low: str
    i: int  # index in the text's token list
    sent: int  # sentence index
    start: int  # character offset in the normalised text
    end: int
    kind: str = "word"  # word | num | sym
    stem: str = ""
    alias: str | None = None
    parts: tuple[str, ...] = ()  # stems of compound/hyphen parts (without the whole)
    content: bool = False  # a content word to align (not a stopword, cue, number or month)
    zipf: float = 0.0


@dataclass
class Number:
    value: float
    text: str
    i: int  # first token index
    j: int  # last token index (inclusive)
    unit: str = ""  # eur, usd, %, pp or ""
    anchors: tuple[str, ...] = ()  # stems of the words it counts ("kwesties") or labels it ("artikel")
    ordinal: bool = False
    approx: bool = False


@dataclass
class Date:
    text: str
    i: int
    j: int
    days: frozenset[int] = frozenset()
    month: int | None = None
    year: int | None = None


@dataclass
class Name:
    text: str
    parts: tuple[str, ...]  # lowercased significant words
    key: str | None  # alias key of the whole name, if any
    i: int
    j: int


@dataclass
class Analysis:
    text: str
    sentences: list[str]
    tokens: list[Token]
    numbers: list[Number] = field(default_factory=list)
    dates: list[Date] = field(default_factory=list)
    names: list[Name] = field(default_factory=list)
    sent_spans: list[tuple[int, int]] = field(default_factory=list)  # token index ranges per sentence
    # indexes for alignment
    by_low: dict[str, list[int]] = field(default_factory=dict)
    by_stem: dict[str, list[int]] = field(default_factory=dict)
    by_part: dict[str, list[int]] = field(default_factory=dict)
    by_alias: dict[str, list[int]] = field(default_factory=dict)
    by_prefix: dict[str, list[int]] = field(default_factory=dict)


_TOKEN_RE = re.compile(
    r"(?P<num>\d+(?:[.,]\d+)*(?:e|de|ste)?(?![\w]))"
    r"|(?P<word>[^\W\d_][\w]*(?:['’\-][\w]+)*|\d+[^\W\d_][\w]*)"
    r"|(?P<sym>[€$%])"
)

LABELS = frozenset(
    [
        "artikel",
        "art",
        "lid",
        "nr",
        "nummer",
        "kamerstuk",
        "kamerstukken",
        "resolutie",
        "paragraaf",
        "hoofdstuk",
        "agendapunt",
        "bijlage",
        "vraag",
        "antwoord",
        "advies",
        "stcrt",
        "stb",
    ]
)
# Spellings of one label: "nr. 396" = "nummer 396", "art. 100" = "artikel 100".
_LABEL_KEYS = {
    "nr": "nr",
    "nummer": "nr",
    "nrs": "nr",
    "art": "artikel",
    "artikel": "artikel",
    "kamerstuk": "kamerstuk",
    "kamerstukken": "kamerstuk",
}
APPROX = frozenset(
    [
        "circa",
        "ca",
        "ongeveer",
        "zo'n",
        "ruim",
        "bijna",
        "rond",
        "omstreeks",
        "pakweg",
        "tientallen",
        "ruwweg",
    ]
)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _stem(word: str) -> str:
    from rag.text import _stem as stem_one

    return stem_one(_fold(word))


def _zipf(word: str) -> float:
    from rag.text import _zipf as zipf_one

    return zipf_one(word)


def _compound_parts(low: str) -> tuple[str, ...]:
    from rag.text import split_compound

    parts: list[str] = []
    pieces = [p for p in re.split(r"[-'’]", low) if p]
    if len(pieces) > 1:
        parts.extend(pieces)
    for p in pieces:
        sub = split_compound(_fold(p))
        if len(sub) > 1:
            parts.extend(sub)
    return tuple(dict.fromkeys(_stem(p) for p in parts if len(p) > 1))


def _tokenise(sentences: list[str]) -> tuple[list[Token], list[tuple[int, int]], str]:
    tokens: list[Token] = []
    spans: list[tuple[int, int]] = []
    offset = 0
    text_parts = []
    for si, sent in enumerate(sentences):
        first = len(tokens)
        for m in _TOKEN_RE.finditer(sent):
            kind = m.lastgroup or "word"
            t = m.group(0)
            low = t.lower()
            # "China's" names China; "SDG's" and "SDGs" name the SDG.
            if kind == "word" and re.search(r"['’]s$", low):
                low = low[:-2]
            elif kind == "word" and re.fullmatch(r"[A-Z0-9]{2,}s", t):
                low = low[:-1]
            tokens.append(Token(t, low, len(tokens), si, offset + m.start(), offset + m.end(), kind))
        spans.append((first, len(tokens)))
        text_parts.append(sent)
        offset += len(sent) + 1
    return tokens, spans, " ".join(text_parts)


# --------------------------------------------------------------------------- numbers and dates


def parse_numeral(text: str) -> float | None:
    """'1.000' 1000, '3,2' 3.2, '2.5' 2.5, '29521' 29521."""
    t = text.lower()
    t = re.sub(r"(e|de|ste)$", "", t)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", t):
        t = t.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d+", t):
        t = t.replace(",", ".")
    elif not re.fullmatch(r"\d+(?:\.\d+)?", t):
        return None
    try:
        return float(t)
    except ValueError:
        return None


# Words that start with a number: "twintigjarige" (20 jaar), "vierjaarlijkse", "viertal", "tweevoudig".
_NUMBER_PREFIXED = re.compile(
    r"(.+?)(jarige|jarig|jaarlijkse|jaarlijks|tal|voudig|voudige|maal|daagse|daags|"
    r"delig|delige|koppige|hoofdig|zijdig|zijdige)$"
)
_DOUBLE = frozenset(["dubbel", "dubbele", "verdubbeling", "verdubbeld", "verdubbelen", "verdubbelt"])


def _word_value(tok: Token) -> tuple[float | None, bool]:
    """(value, is_ordinal) of a token that is a number written as digits or words."""
    if tok.kind == "num":
        return parse_numeral(tok.text), bool(re.search(r"\d(e|de|ste)$", tok.low))
    n = lx.cardinal(tok.low)
    if n is not None:
        return float(n), False
    o = lx.ordinal(tok.low)
    if o is not None:
        return float(o), True
    if tok.low in _DOUBLE:
        return 2.0, False
    m = _NUMBER_PREFIXED.fullmatch(tok.low)
    if m:
        n = lx.cardinal(m.group(1)) or (int(m.group(1)) if m.group(1).isdigit() else None)
        if n is not None:
            return float(n), False
    return None, False


def _day_value(tok: Token) -> int | None:
    v, _ = _word_value(tok)
    if v is not None and v == int(v) and 1 <= v <= 31:
        return int(v)
    return None


def _month(tok: Token) -> int | None:
    m = lx.MONTHS.get(tok.low.rstrip("."))
    if m is None:
        return None
    if len(tok.low) <= 4 and tok.low not in ("mei", "juni", "juli"):
        return None  # abbreviations only count after a day (handled by the caller)
    return m


def _find_dates(tokens: list[Token], text: str) -> tuple[list[Date], set[int]]:
    dates: list[Date] = []
    used: set[int] = set()
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        # 10-12-2018 / 10/12/2018 arrive as one "num"-like run: rebuild it from the raw text.
        m = (
            re.match(r"(\d{1,2})[-/](\d{1,2})(?:[-/](\d{4}|\d{2}))?(?![\d-])", text[t.start : t.start + 12])
            if t.kind == "num"
            else None
        )
        if m and not m.group(3) and (len(m.group(2)) != 2 or (i + 2 < n and tokens[i + 2].low in lx.MONTHS)):
            m = None  # "8-9 juli" is a range of days, handled below; "31-08" is a date
        if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(1)) <= 31:
            y = int(m.group(3)) if m.group(3) else None
            y = y + 2000 if y is not None and y < 100 else y
            j = i
            while j + 1 < n and tokens[j + 1].start < t.start + m.end():
                j += 1
            dates.append(Date(m.group(0), i, j, frozenset({int(m.group(1))}), int(m.group(2)), y))
            used.update(range(i, j + 1))
            i = j + 1
            continue
        # [day [- day]] month [year]
        mon = lx.MONTHS.get(t.low.rstrip(".")) if t.kind == "word" else None
        if mon is not None:
            days: set[int] = set()
            k = i - 1
            d = _day_value(tokens[k]) if k >= 0 and tokens[k].sent == t.sent else None
            start = i
            if d is not None:
                days.add(d)
                start = k
                # a range: "8-9 juli", "8 en 9 juli", "8 t/m 10 juli"
                k2 = k - 1
                while (
                    k2 >= 0
                    and tokens[k2].low in ("en", "t", "m", "tot", "met", "-")
                    and tokens[k2].sent == t.sent
                ):
                    k2 -= 1
                if k2 >= 0 and k2 < k - 1 and _day_value(tokens[k2]) is not None:
                    days.add(_day_value(tokens[k2]))
                    start = k2
                elif k2 == k - 1 and text[tokens[k].start - 1 : tokens[k].start] in "-–" and k2 >= 0:
                    dd = _day_value(tokens[k2])
                    if dd is not None:
                        days.add(dd)
                        start = k2
                # "8-9" tokenises as one numeral "8-9"? no: as "8" then "9"; handled above.
            elif _month(t) is None:
                i += 1
                continue
            if (
                t.low in ("mei",)
                and not days
                and not (i + 1 < n and re.fullmatch(r"\d{4}", tokens[i + 1].text))
            ):
                # "mei" alone is the month; keep it (the verb "mag" is not spelt like this).
                pass
            end = i
            year = None
            if (
                i + 1 < n
                and tokens[i + 1].kind == "num"
                and re.fullmatch(r"(1[89]|20)\d\d", tokens[i + 1].text)
            ):
                year = int(tokens[i + 1].text)
                end = i + 1
            dates.append(
                Date(text[tokens[start].start : tokens[end].end], start, end, frozenset(days), mon, year)
            )
            used.update(range(start, end + 1))
            i = end + 1
            continue
        i += 1
    # Years on their own: "in 2015", "sinds 2014", "begin 2019".
    for k, t in enumerate(tokens):
        if k in used or t.kind != "num" or not re.fullmatch(r"(1[89]|20)\d\d", t.text):
            continue
        prev = tokens[k - 1].low if k > 0 else ""
        nxt = tokens[k + 1].low if k + 1 < n else ""
        if prev.rstrip(".") in LABELS or nxt in lx.MULTIPLIERS or nxt in lx.CURRENCIES or nxt in lx.PERCENT:
            continue
        if prev in lx.CURRENCIES:
            continue
        dates.append(Date(t.text, k, k, frozenset(), None, int(t.text)))
        used.add(k)
    return dates, used


def _join(tokens: list[Token], i: int, j: int) -> str:
    return " ".join(x.text for x in tokens[i : j + 1])


def _find_numbers(tokens: list[Token], used: set[int]) -> list[Number]:
    out: list[Number] = []
    n = len(tokens)
    k = 0
    while k < n:
        t = tokens[k]
        if k in used or t.kind == "sym":
            k += 1
            continue
        value, is_ord = _word_value(t)
        if (
            value is None
            and t.low in ("een", "één", "half", "anderhalf")
            and k + 1 < n
            and tokens[k + 1].low.rstrip(".") in lx.MULTIPLIERS
        ):
            value = {"half": 0.5, "anderhalf": 1.5}.get(t.low, 1.0)
        # "op één na grootste" is the second
        if (
            t.low in ("één", "een", "eén")
            and 0 < k
            and tokens[k - 1].low == "op"
            and k + 1 < n
            and tokens[k + 1].low == "na"
        ):
            out.append(Number(2.0, _join(tokens, k - 1, k + 1), k - 1, k + 1, "", (), True, False))
            k += 2
            continue
        # "acht" is also the verb achten ("die Nederland onrechtmatig acht, maar"): a number only
        # when a word follows without punctuation
        if t.low == "acht" and not (
            k + 1 < n
            and tokens[k + 1].sent == t.sent
            and tokens[k + 1].kind == "word"
            and tokens[k + 1].start == t.end + 1
        ):
            value = None
        # "één van de vragen" says which one, not how many: no count to check
        if value == 1 and t.kind == "word" and k + 1 < n and tokens[k + 1].low == "van":
            value = None
        if value is None:
            k += 1
            continue
        i = j = k
        # Thousands written with a space: "29 521" (Kamerstuk numbers).
        if (
            t.kind == "num"
            and re.fullmatch(r"\d{1,3}", t.text)
            and j + 1 < n
            and tokens[j + 1].kind == "num"
            and re.fullmatch(r"\d{3}", tokens[j + 1].text)
            and tokens[j + 1].start == t.end + 1
            and tokens[j + 1].sent == t.sent
        ):
            value = float(t.text + tokens[j + 1].text)
            j += 1
        unit = ""
        if i > 0 and tokens[i - 1].low in lx.CURRENCIES and (not out or out[-1].j < i - 1):
            unit = lx.CURRENCIES[tokens[i - 1].low]
            i -= 1
        while j + 1 < n and tokens[j + 1].low.rstrip(".") in lx.MULTIPLIERS:
            value *= lx.MULTIPLIERS[tokens[j + 1].low.rstrip(".")]
            j += 1
        if j + 1 < n and (tokens[j + 1].low in lx.CURRENCIES or tokens[j + 1].low in lx.PERCENT):
            unit = lx.CURRENCIES.get(tokens[j + 1].low) or lx.PERCENT.get(tokens[j + 1].low, "")
            j += 1
        anchors: list[str] = []
        # The counted noun: the next one or two content words ("drie mogelijke rechtsgrondslagen").
        for m in range(j + 1, min(n, j + 4)):
            tm = tokens[m]
            if tm.sent != t.sent or tm.kind != "word":
                break
            if tm.low in lx.STOPWORDS:
                continue
            anchors.append(tm.stem)
            if len(anchors) == 2:
                break
        if i > 0 and tokens[i - 1].low.rstrip(".") in LABELS:
            anchors.append(_LABEL_KEYS.get(tokens[i - 1].low.rstrip("."), tokens[i - 1].stem))
        # "ruim 500", and "ruim een half miljard" with the article in between
        approx = (i > 0 and tokens[i - 1].low in APPROX) or (
            i > 1 and tokens[i - 1].low in ("een", "één") and tokens[i - 2].low in APPROX
        )
        out.append(
            Number(
                value, " ".join(x.text for x in tokens[i : j + 1]), i, j, unit, tuple(anchors), is_ord, approx
            )
        )
        k = j + 1
    return out


# --------------------------------------------------------------------------- names


_CONNECTORS = frozenset(
    ["van", "voor", "de", "der", "den", "het", "of", "on", "for", "the", "and", "&", "op", "in"]
)


def _is_cap(t: Token) -> bool:
    return t.kind == "word" and (
        t.text[0].isupper()
        or (len(t.text) >= 2 and any(c.isdigit() for c in t.text) and any(c.isupper() for c in t.text))
    )


def _name_like(t: Token, first_in_sentence: bool, mid_caps: set[str]) -> bool:
    if not _is_cap(t):
        return False
    low = t.low
    if (
        len(low) < 2
        or low in ct._NOT_NAMES
        or low in lx.STOPWORDS
        or low in lx.NEGATIONS
        or low in lx.MONTHS
        or low in lx.CURRENCIES
        or low in lx.MULTIPLIERS
    ):
        return False
    if not first_in_sentence:
        return True
    if t.text.isupper() and len(t.text) >= 2:
        return True
    return low in lx.ALIASES or low in ct.GAZETTEER or low in mid_caps or (t.zipf and t.zipf < 3.0)


def _joined_by_space(text: str, run: list[Token]) -> bool:
    """No punctuation between the tokens of a name ("Vilnius, EUR" is two)."""
    return all(not text[a.end : b.start].strip() for a, b in itertools.pairwise(run))


def _find_names(tokens: list[Token], spans: list[tuple[int, int]], text: str) -> list[Name]:
    mid_caps = {t.low for t in tokens if _is_cap(t) and spans[t.sent][0] != t.i}
    out: list[Name] = []
    for a, b in spans:
        k = a
        while k < b:
            t = tokens[k]
            if not _name_like(t, k == a, mid_caps):
                k += 1
                continue
            j = k
            while True:
                m = j + 1
                while m < b and tokens[m].low in _CONNECTORS and not _is_cap(tokens[m]):
                    m += 1
                if (
                    m < b
                    and m - j <= 3
                    and _is_cap(tokens[m])
                    and _joined_by_space(text, tokens[j : m + 1])
                    and tokens[m].low not in ct._NOT_NAMES
                    and (m == j + 1 or tokens[m].text[0].isupper())
                ):
                    j = m
                else:
                    break
            text = " ".join(x.text for x in tokens[k : j + 1])
            parts = tuple(x.low for x in tokens[k : j + 1] if _is_cap(x) and x.low not in ct._NOT_NAMES)
            key = lx.ALIASES.get(text.lower())
            out.append(Name(text, parts, key, k, j))
            k = j + 1
    return out


# --------------------------------------------------------------------------- analysis


# Cue words are checked on their own (negation, modality) or belong to a number ("ruim 60"),
# so they are not content words to align.
_CUES = lx.NEGATIONS | lx.WEAK_NEGATIONS | lx.HEDGES | set(lx.FIRMS) | set(lx.QUANTIFIERS) | APPROX


def _build(text: str) -> Analysis:
    norm = ct.normalise(ct.strip_citations(text or ""))
    sentences = ct.split_sentences(norm) or ([norm] if norm else [])
    tokens, spans, joined = _tokenise(sentences)
    for t in tokens:
        if t.kind != "word":
            continue
        t.stem = _stem(t.low)
        t.alias = lx.ALIASES.get(t.low)
        t.zipf = _zipf(_fold(t.low))
    dates, used = _find_dates(tokens, joined)
    numbers = _find_numbers(tokens, used)
    num_tokens = set(used)
    for nb in numbers:
        num_tokens.update(range(nb.i, nb.j + 1))
    for t in tokens:
        if t.kind != "word" or t.i in num_tokens:
            continue
        t.parts = _compound_parts(t.low) if len(t.low) >= 8 or "-" in t.low else ()
        t.content = (
            t.low not in lx.STOPWORDS and t.low not in _CUES and len(t.low) > 1 and t.low not in lx.MONTHS
        )
    a = Analysis(joined, sentences, tokens, numbers, dates, _find_names(tokens, spans, joined), spans)
    # multi-word aliases ("Verenigde Naties", "Partij voor de Dieren")
    for k, t in enumerate(tokens):
        if t.kind != "word":
            continue
        a.by_low.setdefault(t.low, []).append(k)
        a.by_stem.setdefault(t.stem, []).append(k)
        for p in t.parts:
            a.by_part.setdefault(p, []).append(k)
        for key in lx.ALIAS_KEYS.get(t.low, ()):
            a.by_alias.setdefault(key, []).append(k)
        for width in (2, 3, 4):
            phrase = " ".join(x.low for x in tokens[k : k + width])
            for key in lx.ALIAS_KEYS.get(phrase, ()):
                a.by_alias.setdefault(key, []).append(k)
        if "-" in t.low:
            for piece in t.low.split("-"):
                for key in lx.ALIAS_KEYS.get(piece, ()):
                    a.by_alias.setdefault(key, []).append(k)
        if len(t.low) >= 7:
            a.by_prefix.setdefault(_fold(t.low)[:6], []).append(k)
    return a


_CACHE: OrderedDict[str, Analysis] = OrderedDict()
_LOCK = threading.Lock()
_MAX = 4096


def analyse(text: str) -> Analysis:
    """The (cached) analysis of a text. Analyses are read-only once built."""
    with _LOCK:
        hit = _CACHE.get(text)
        if hit is not None:
            _CACHE.move_to_end(text)
            return hit
    a = _build(text)
    with _LOCK:
        _CACHE[text] = a
        if len(_CACHE) > _MAX:
            _CACHE.popitem(last=False)
    return a


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def forget(text: str) -> None:
    with _LOCK:
        _CACHE.pop(text, None)
