"""Staff wording to document wording ("premier" -> "minister-president", "killer robots" ->
"autonome wapensystemen"), from rag/answer/data/thesaurus.json.

Two uses: the search query gets the document wording added (rag/answer/question.py,
`expand_query`), and a question word the documents lack is not reported as "niet genoemd"
when the documents use its equivalent (rag/answer/answerability.py). Phrases match by
word stems, so "premiers" finds the entry for "premier".
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from rag.text import _stem, fold

THESAURUS_FILE = Path(__file__).resolve().parent / "data" / "thesaurus.json"
_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")


def _stems(words: list[str]) -> tuple[str, ...]:
    return tuple(_stem(w) for w in words)


@lru_cache(maxsize=1)
def _terms() -> dict[str, list[str]]:
    return json.loads(THESAURUS_FILE.read_text(encoding="utf-8")).get("terms", {})


@lru_cache(maxsize=1)
def _table() -> tuple[dict[tuple[str, ...], list[str]], int]:
    terms = _terms()
    table: dict[tuple[str, ...], list[str]] = {}
    for key, wordings in terms.items():
        words = _WORD.findall(fold(key))
        if not words or not wordings:
            continue
        entry = table.setdefault(_stems(words), [])  # two spellings of one phrase share their stems
        entry += [w for w in dict.fromkeys(wordings) if w not in entry]
    return table, max((len(k) for k in table), default=0)


def matches(text: str) -> list[tuple[list[str], list[str]]]:
    """(the words of `text` that form a staff phrase, its document wordings), longest phrase first
    at each position, in text order."""
    table, longest = _table()
    words = _WORD.findall(fold(text or ""))
    stems = _stems(words)
    out, i = [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            wordings = table.get(stems[i:i + n])
            if wordings:
                out.append((words[i:i + n], wordings))
                i += n
                break
        else:
            i += 1
    return out


def expansions(text: str) -> list[str]:
    """Document wordings for the staff phrases in `text` that `text` does not already contain."""
    folded = fold(text or "")
    out: list[str] = []
    for _, wordings in matches(text):
        for w in wordings:
            if fold(w) not in folded and w not in out:
                out.append(w)
    return out


def known_equivalents(text: str, knows) -> set[str]:
    """Folded words of `text` that belong to a staff phrase whose document wording `knows` accepts."""
    out: set[str] = set()
    for words, wordings in matches(text):
        if any(all(knows(w) for w in re.findall(r"\w+", wording)) for wording in wordings):
            out.update(words)
            out.update(part for w in words for part in w.split("-"))
    return out


@lru_cache(maxsize=1)
def _groups() -> list[tuple[tuple[tuple[str, ...], str], ...]]:
    """Each entry as one group of equivalent phrases, the staff phrase and its document wordings, each
    as (its stems, the folded phrase)."""
    return [tuple((_stems(_WORD.findall(fold(p))), fold(p)) for p in dict.fromkeys((key, *wordings)))
            for key, wordings in _terms().items() if wordings]


@lru_cache(maxsize=512)
def equivalents(phrase: str) -> frozenset[str]:
    """Folded phrases that mean what `phrase` means, in either direction ("sids": "kleine eilandstaten",
    "small island developing states"); empty for a phrase the thesaurus lacks."""
    stems = _stems(_WORD.findall(fold(phrase)))
    out = {p for group in _groups() if any(s == stems for s, _ in group) for _, p in group}
    return frozenset(out - {fold(phrase)})
