"""Fractie names as staff type them: "GL", "groenlinks", "de PvdD", "ChristenUnie".

The chunk metadata holds the name as the document's heading spells it
("GroenLinks", "Partij voor de Dieren"); questions and briefing topics use
abbreviations, lower case and small typos. `find_fracties` maps a text to the
canonical names it mentions; `canonical` maps one written name.
"""

from __future__ import annotations

import re
from functools import lru_cache

# canonical name -> ways staff write it (lower case; matched as whole words).
ALIASES: dict[str, tuple[str, ...]] = {
    "VVD": ("vvd",),
    "CDA": ("cda",),
    "D66": ("d66", "d'66"),
    "GroenLinks": ("groenlinks", "groen links", "groen-links", "gl"),
    "SP": ("sp",),
    "PvdA": ("pvda", "partij van de arbeid", "partij vd arbeid", "partij v.d. arbeid"),
    "Partij voor de Dieren": ("partij voor de dieren", "pvdd", "pvd d", "partij vd dieren", "partij v.d. dieren",
                              "partij voor dieren", "partij v/d dieren"),
    "SGP": ("sgp",),
    "ChristenUnie": ("christenunie", "christen unie", "christen-unie", "cu"),
    "PVV": ("pvv",),
    "FvD": ("fvd", "forum voor democratie"),
    "DENK": ("denk",),
    "50PLUS": ("50plus", "50 plus"),
    "JA21": ("ja21",),
    "Volt": ("volt",),
    "BBB": ("bbb", "boerburgerbeweging"),
    "NSC": ("nsc", "nieuw sociaal contract"),
    "GroenLinks-PvdA": ("groenlinks-pvda", "gl-pvda", "glpvda"),
}

# Short aliases that are also ordinary words or abbreviations: only counted next to a fractie cue.
_AMBIGUOUS = {"sp", "gl", "cu", "denk", "volt", "ja21"}
_CUE = r"(?:fractie|partij|de leden van|leden)"


def canonical(name: str) -> str:
    """The canonical spelling of a fractie name; unknown names come back stripped of "-fractie"."""
    low = re.sub(r"[-\s]*fractie$", "", (name or "").strip(), flags=re.I).strip().lower()
    for canon, aliases in ALIASES.items():
        if low == canon.lower() or low in aliases:
            return canon
    return re.sub(r"[-\s]*fractie$", "", (name or "").strip(), flags=re.I).strip()


@lru_cache(maxsize=1)
def mention_pattern() -> re.Pattern:
    """A fractie's name as written in text ("de SP", "GroenLinks-fractie"); group 1 is the name."""
    names = sorted({a for aliases in ALIASES.values() for a in aliases} | {c.lower() for c in ALIASES},
                   key=len, reverse=True)
    alt = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
    return re.compile(rf"(?<![\w-])({alt})(?:-?fractie)?(?![\w])", re.I)


def find_fracties(text: str, known: set[str] | None = None) -> list[str]:
    """Canonical fractie names mentioned in `text`, in order of first mention.

    `known` (canonical names present in the corpus) lets an unknown but heading-like
    mention ("de 50PLUS-fractie") through as well.
    """
    out: list[str] = []
    low = text or ""
    for m in mention_pattern().finditer(low):
        word = re.sub(r"\s+", " ", m.group(1).lower())
        canon = canonical(word)
        if word in _AMBIGUOUS and not m.group(0).lower().endswith("fractie"):
            # "de SP", "sp vraagt", "GL": written in capitals, or after "de", counts; "sp" inside a word does not.
            before = low[max(0, m.start() - 12):m.start()].lower()
            if not (m.group(1).isupper() or re.search(r"\b(de|het|van|aan)\s+$", before)
                    or re.search(_CUE, low[m.end():m.end() + 20], re.I)):
                continue
        if canon not in out:
            out.append(canon)
    for m in re.finditer(r"(?:de\s+)?([\w'-]+?)-?fractie\b", low, re.I):
        canon = canonical(m.group(1))
        if known and canon in known and canon not in out:
            out.append(canon)
    return out


def label(fractie: str) -> str:
    """"GroenLinks-fractie", "fractie van de Partij voor de Dieren"."""
    canon = canonical(fractie)
    return f"fractie van de {canon}" if " " in canon else f"{canon}-fractie"
