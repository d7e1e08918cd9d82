"""Names a staffer and a Kamerstuk write differently: "VS" and "de Verenigde Staten" and
"Amerikaanse", "WHO" and "Wereldgezondheidsorganisatie", "IMVO" and "maatschappelijk verantwoord
ondernemen". Stems do not bridge these; this table does (Dutch foreign-affairs usage, not tuned
to any topic). Each group lists one name per line of use; a topic word that is any of them
matches a passage holding any other.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rag import claim_text as ct

GROUPS: tuple[tuple[str, ...], ...] = (
    ("vs", "verenigde staten", "amerikaanse", "amerikaans", "amerika", "usa"),
    ("vn", "verenigde naties", "un"),
    ("eu", "europese unie"),
    ("vk", "verenigd koninkrijk", "britse", "brits"),
    ("avvn", "algemene vergadering"),
    ("vnvr", "veiligheidsraad", "vn-veiligheidsraad"),
    ("who", "wereldgezondheidsorganisatie", "world health organisation", "world health organization"),
    ("strafhof", "icc", "international criminal court"),
    ("isis", "isil", "is-strijders", "isis-strijders"),
    ("imvo", "maatschappelijk verantwoord ondernemen", "mvo"),
    ("navo", "nato"),
    ("npv", "non-proliferatieverdrag", "npt"),
    ("tpnw", "kernwapenverbod", "verbod op kernwapens", "treaty on the prohibition of nuclear weapons"),
    ("nucleaire", "kern", "kernwapens", "nucleair"),
    ("lhbti", "lhbtiq", "lhbtiq+", "lgbti", "lhbt", "lhbt's"),
    ("sdg", "sdg's", "duurzame ontwikkelingsdoelen", "sustainable development goals"),
    ("mensenrechtenraad", "human rights council", "mrr"),
    ("opec", "opec+"),
)


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[frozenset[str], ...]]:
    """stem of a one-word name -> the stem sets of every name in its group."""
    out: dict[str, tuple[frozenset[str], ...]] = {}
    for group in GROUPS:
        forms = tuple(frozenset(ct.stem(ct.lower_tokens(name))) for name in group)
        for name, stems in zip(group, forms):
            if len(stems) == 1:
                out[next(iter(stems))] = forms
    return out


def alternatives(stem: str) -> tuple[frozenset[str], ...]:
    """The stem sets of the other names of `stem` (a passage holding all stems of one matches)."""
    return tuple(f for f in _index().get(stem, ()) if f != frozenset({stem}))


def canonical_phrases(text: str) -> str:
    """The topic with many-word names written as their one-word name ("de Verenigde Staten" -> "de VS"),
    so a name is one topic word, not two."""
    for group in GROUPS:
        head = group[0]
        for name in sorted(group[1:], key=len, reverse=True):
            if " " in name:
                text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", head, text, flags=re.IGNORECASE)
    return text
