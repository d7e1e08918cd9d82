"""Is a word the user typed a name (a country, a city, an organisation, a person)?

Staff type names in lower case ("letland", "unicef", "srebrenica"), so capitals cannot tell.
A question that names something the documents never mention is usually a near miss: the topic
is there, the place or organisation asked about is not. Three signs, each cheap:
- a Dutch country or territory name (rag/answer/data/countries_nl.json, the ISO 3166 names in
  Dutch as pycountry's translations give them);
- a word as common in English as in Dutch: names and international acronyms ("glasgow",
  "interpol", "darfur") are; Dutch verbs and nouns ("nestelen", "spil") are not;
- a word no word list knows at all ("covax", "shayrat").
Typos of corpus words never get here: the vocabulary check (answerability.Vocabulary.knows)
forgives one edit first.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from rag import claim_text as ct
from rag.text import fold, zipf

COUNTRIES_FILE = Path(__file__).resolve().parent / "data" / "countries_nl.json"
MIN_ENGLISH_ZIPF = 2.0  # about once per 10 million English words
ENGLISH_MARGIN = 1.0  # how much rarer in English than in Dutch a name may still be
COMMON_NAME_PART_ZIPF = 4.0  # "eiland", "verenigde": words of many names, not names themselves
MIN_UNLISTED_CHARS = 4  # shorter unlisted tokens are abbreviations of known words as often as names


@lru_cache(maxsize=1)
def _country_words() -> frozenset[str]:
    """One-word names whole ("polen", "saoedi-arabie"); of longer names only the capitalised,
    uncommon words ("Sri Lanka": lanka, "Verenigde Arabische Emiraten": emiraten), never
    "eiland", "verenigde" or "republiek"."""
    words = set()
    for name in json.loads(COUNTRIES_FILE.read_text(encoding="utf-8")):
        tokens = ct.tokens(name.split(",")[0].split("(")[0])
        if len(tokens) == 1:
            words.add(fold(tokens[0]))
        else:
            words.update(fold(t) for t in tokens
                         if len(t) >= 4 and t[0].isupper() and zipf(fold(t)) < COMMON_NAME_PART_ZIPF)
    return frozenset(words)


def _english_zipf(word: str) -> float:
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # wordfreq is a dependency; without it only the country list speaks
        return 0.0
    return zipf_frequency(word, "en")


def is_country(word: str) -> bool:
    """Is the word (any case) a country or its people's name ("zweden", "oekraïners")?"""
    return fold(word.lower()) in _country_words()


def is_name_like(word: str) -> bool:
    """Does the (lower-case) word read as a name rather than a Dutch word?"""
    w = fold(word.lower())
    if is_country(w):
        return True
    english, dutch = _english_zipf(w), zipf(w)
    if english >= MIN_ENGLISH_ZIPF and english >= dutch - ENGLISH_MARGIN:
        return True
    return len(w) >= MIN_UNLISTED_CHARS and w.isalnum() and english == 0.0 and dutch == 0.0


# English words that join the words of a name ("Group of Friends on R2P", "Finance Against Slavery and
# Trafficking"); they never start or end one, and they do not count as its words.
_ENGLISH_GLUE = frozenset({"of", "for", "and", "on", "to", "the", "in", "at", "against", "while", "with", "by"})
FOREIGN_WORD_MIN_CHARS = 4  # "who", "un", "eu" are acronyms or Dutch words as often as English words
FOREIGN_MARGIN = 0.5  # how much more common in English than in Dutch a word of an English name is


def _reads_english(word: str) -> bool:
    """A word of an English name: clearly more common in English than in Dutch ("call", not "plan")."""
    english = _english_zipf(word)
    return (len(word) >= FOREIGN_WORD_MIN_CHARS and english >= MIN_ENGLISH_ZIPF
            and english >= zipf(word) + FOREIGN_MARGIN)


def foreign_phrases(text: str) -> list[str]:
    """Runs of two or more English words in a Dutch question: the name of an initiative, a concept or
    an organisation ("geneva call", "responsibility while protecting", "Safe Schools Declaration"), in
    the user's own spelling. Joining words ("of", "for") may stand inside a run."""
    out: list[str] = []
    run: list[re.Match] = []

    def close() -> None:
        while run and run[-1].group(0).lower() in _ENGLISH_GLUE:
            run.pop()
        if sum(1 for m in run if m.group(0).lower() not in _ENGLISH_GLUE) >= 2:
            out.append(text[run[0].start():run[-1].end()])
        run.clear()

    for m in re.finditer(r"[^\W\d_]+(?:'s)?", text):
        word = fold(m.group(0).lower())
        gap = text[run[-1].end():m.start()] if run else " "
        if run and not re.fullmatch(r"[\s-]+", gap):  # punctuation ends a name
            close()
        if (run and word in _ENGLISH_GLUE) or _reads_english(word):
            run.append(m)
        else:
            close()
    close()
    return out


def is_decisive_name(word: str) -> bool:
    """A name that cannot be a user's own wording for something the documents cover: a country or
    territory ("letland", "hongkong"), or a name-like word (`is_name_like`) of five letters or more
    ("srebrenica"; not "info" or "nov")."""
    w = fold(word.lower())
    return w in _country_words() or (len(w) >= 5 and is_name_like(w))


# Words that stand before a person's name ("minister Blok", "VN-gezant Griffiths").
_PERSON_TITLES = frozenset({
    "minister", "minister-president", "president", "premier", "heer", "mevrouw", "dhr", "mw", "gezant",
    "vn-gezant", "secretaris-generaal", "ambassadeur", "koning", "koningin", "staatssecretaris", "commissaris",
    "generaal", "rapporteur", "adviseur", "directeur", "voorzitter", "vertegenwoordiger"})
PERSON_NAME_MAX_ZIPF = 3.0  # "Guterres", "Pompeo", "Rhuggenaath"; not "Raad", "Speciale" or "Haag"


def person_names(text: str) -> set[str]:
    """Words of `text` that read as a person's name: capitalised mid-sentence, not an acronym, and either
    after a title ("minister Blok") or rare in Dutch next to another capitalised word ("Antonio Guterres")."""
    out: set[str] = set()
    for sent in ct.split_sentences(text) or [text]:
        toks = ct.tokens(sent)
        for i, t in enumerate(toks):
            if i == 0 or len(t) < 3 or not t[:1].isupper() or t.isupper() or t.lower() in ct.STOPWORDS:
                continue
            if t.lower().split("-")[-1] in _PERSON_TITLES:
                continue
            prev, nxt = toks[i - 1], toks[i + 1] if i + 1 < len(toks) else ""
            if prev.lower() in _PERSON_TITLES:  # "minister Blok": a title makes even a common word a name
                out.add(t)
                continue
            capital_next_to_it = (i > 1 and prev[:1].isupper() and not prev.isupper()) or \
                (nxt[:1].isupper() and not nxt.isupper())
            if capital_next_to_it and zipf(t.lower()) < PERSON_NAME_MAX_ZIPF:
                out.add(t)
    return out
