"""Dutch text analysis for lexical search and query handling.

Lowercase word tokens, a small Dutch stopword list, compound splitting and the
Snowball Dutch stemmer (PyStemmer). The stopword list deliberately keeps negations and
prepositions that change what a question asks (niet, geen, tegen, zonder, voor,
na, ...): "steun voor" and "steun tegen" must not collapse into one query.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from functools import lru_cache

log = logging.getLogger(__name__)

# Bump when analyse() changes: a BM25 index built by another version is rebuilt
# (rag/lexical.py), since its tokens no longer match the queries'.
ANALYSER_VERSION = 2

_TOKEN = re.compile(r"\w+")

# Function words with no retrieval value. Not in here on purpose: niet, geen,
# nooit, tegen, zonder, voor, na, over, onder, tussen, sinds, tijdens, binnen,
# buiten, boven, vanaf, tot, behalve, ondanks.
STOPWORDS = frozenset(
    """
    de het een en of maar dat die dit deze wat welke welk wie wiens waar waarom wanneer hoe hoeveel
    is zijn was waren ben bent wordt worden werd werden zal zullen zou zouden kan kunnen kon konden
    heeft hebben had hadden heb moet moeten mag mogen wil willen
    ik jij je u hij zij ze wij we jullie hen hun hem haar zich mij me mijn uw ons onze
    er daar hier dan toen als ook nog al wel zo eens toch nou eigenlijk even
    van in op aan met bij uit om te door naar tot
    dus omdat want doch noch zowel hetzelfde diezelfde
    """.split()
)

_stemmer_lock = threading.Lock()
_stemmer = None


def _get_stemmer():
    global _stemmer
    with _stemmer_lock:
        if _stemmer is None:
            import Stemmer

            _stemmer = Stemmer.Stemmer("dutch")
        return _stemmer


def fold(text: str) -> str:
    """Lowercase and strip accents (Curaçao == curacao, één == een)."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _get_stemmer().stemWord(word)


# Compound splitting (Koehn & Knight 2003): a word is split where its parts are
# common Dutch words and more frequent together than the whole. Dutch writes
# compounds as one word, so "rechtsgronden" and "rechtsgrondslagen",
# "geweldgebruik" and "gebruik van geweld" share no token without it.
MIN_PART = 4
MIN_PART_ZIPF = 3.0  # a part must occur at least once per million words
_LINKERS = ("s",)  # tussen-s: veiligheid-s-raad
# Verb particles and prepositions make verbs, not compounds: "onderschrijven" is
# not about "onder", and splitting it only adds a token that matches everything.
_PARTICLES = frozenset(
    "aan achter af bij binnen boven buiten door heen langs mede mee neer onder over rond samen tegen terug "
    "toe uit voor voorbij voort weder weer weg".split()
)
_lexicon_lock = threading.Lock()
_lexicon: dict[str, float] | None = None


def zipf(word: str) -> float:
    """How common a Dutch word is (wordfreq's Zipf scale: 0 unknown, 3 uncommon, 6 very common)."""
    return _zipf(word)


def _zipf(word: str) -> float:
    global _lexicon
    if _lexicon is None:
        with _lexicon_lock:
            if _lexicon is None:
                _lexicon = _load_lexicon()
    f = _lexicon.get(word, 0.0)
    return math.log10(f * 1e9) if f > 0 else 0.0


def _load_lexicon() -> dict[str, float]:
    try:
        from wordfreq import get_frequency_dict
    except ImportError:
        log.warning("wordfreq is not installed, so Dutch compounds are not split: pip install wordfreq")
        return {}
    return get_frequency_dict("nl", wordlist="large")


@lru_cache(maxsize=200_000)
def split_compound(word: str) -> tuple[str, ...]:
    """Parts of a Dutch compound ("veiligheidsraad" -> veiligheid, raad), or (word,)."""
    if len(word) < 2 * MIN_PART or not word.isalpha():
        return (word,)
    best: tuple[float, tuple[str, ...]] | None = None
    for i in range(MIN_PART, len(word) - MIN_PART + 1):
        head, tail = word[:i], word[i:]
        tail_parts = (tail,) if _zipf(tail) >= MIN_PART_ZIPF else split_compound(tail)
        if any(_zipf(p) < MIN_PART_ZIPF for p in tail_parts):
            continue
        heads = [head] + [head[: -len(s)] for s in _LINKERS if head.endswith(s) and len(head) - len(s) >= MIN_PART]
        for h in heads:
            if h in _PARTICLES or _zipf(h) < MIN_PART_ZIPF:
                continue
            parts = (h, *tail_parts)
            score = math.exp(sum(math.log(_zipf(p)) for p in parts) / len(parts))  # geometric mean
            if best is None or score > best[0]:
                best = (score, parts)
    if best is not None and best[0] > _zipf(word):
        return best[1]
    return (word,)


def analyse(text: str) -> list[str]:
    """Tokens for BM25: folded words minus stopwords, stemmed, compounds also as their parts.

    Single characters are dropped except digits ("2 procent"). Hyphenated
    compounds also yield their joined form ("vn-veiligheidsraad" -> vn,
    veiligheidsraad, vnveiligheidsraad) so either spelling matches.
    """
    out: list[str] = []
    for tok in words(text):
        if tok in STOPWORDS or (len(tok) == 1 and not tok.isdigit()):
            continue
        out.append(_stem(tok))
        parts = split_compound(tok)
        if len(parts) > 1:
            out.extend(_stem(p) for p in parts)
    for compound in re.findall(r"\w+(?:-\w+)+", fold(text)):
        out.append(_stem(compound.replace("-", "")))
    return out
