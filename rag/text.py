"""Dutch text analysis for lexical search and query handling.

Lowercase word tokens, a small Dutch stopword list and the Snowball Dutch
stemmer (PyStemmer). The stopword list deliberately keeps negations and
prepositions that change what a question asks (niet, geen, tegen, zonder, voor,
na, ...): "steun voor" and "steun tegen" must not collapse into one query.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

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


def analyse(text: str) -> list[str]:
    """Tokens for BM25: folded words minus stopwords, stemmed.

    Single characters are dropped except digits ("2 procent"). Hyphenated
    compounds also yield their joined form ("vn-veiligheidsraad" -> vn,
    veiligheidsraad, vnveiligheidsraad) so either spelling matches.
    """
    out: list[str] = []
    for tok in words(text):
        if tok in STOPWORDS or (len(tok) == 1 and not tok.isdigit()):
            continue
        out.append(_stem(tok))
    for compound in re.findall(r"\w+(?:-\w+)+", fold(text)):
        out.append(_stem(compound.replace("-", "")))
    return out
