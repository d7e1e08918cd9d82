"""Follow-up questions: carry the topic of the conversation, not whole earlier questions.

"en wat zei de SP daarover?" after "wat zegt het kabinet over Taiwan en de WHO?" is
searched as "en wat zei de SP daarover? (Taiwan, WHO)": the names and uncommon words the
earlier turns were about (the most recent turn first, its rarest words first), appended
once. A question that names its own topic passes unchanged, so the conversation never
drifts into a glued collage of old questions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from corpus.fracties import find_fracties
from rag import claim_text as ct
from rag.answer.question import QUESTION_WORDS

# A question that points back at the conversation: by its opening word ("en …?", "waarom?") or by a
# word that stands for something said before ("daarover", "die missie").
_OPENS_ON = re.compile(r"^(en|maar|ook|dus|waarom|hoezo|hoe dan|wat nog meer|nog meer)\b", re.I)
_REFERS_BACK = re.compile(
    r"\b(daarop|daarover|daarvan|daarmee|daarbij|daarin|daarvoor|daaraan|daartegen|daarnaar|hiernaar|ernaar|"
    r"hierover|hierop|hiervan|daar|zulke|zo'n|"
    r"dat|die|deze|dit|hij|zij|ze|hun|hem|haar|ermee|erover|erop|ervan|erbij|er)\b", re.I)
# Words that say nothing about the topic in a follow-up.
_FILLER = QUESTION_WORDS | {"daarnaar", "hiernaar", "ernaar", "vroegen",
                            "daarop", "daarover", "daarvan", "daarmee", "daarbij", "daarin", "daarvoor", "hierover",
                            "hierop", "hiervan", "daaraan", "daaruit", "daartoe", "daartegen", "daarna", "daardoor",
                            "eraan", "erin", "eruit", "ertoe", "hieraan", "hierin", "hiermee", "nog", "meer", "dan", "precies", "eigenlijk", "zei", "zeggen",
                            "dacht", "vond", "vinden", "mee", "doen", "doet", "gaat", "gaan", "ermee", "erover",
                            "erop", "ervan", "erbij", "waarom", "hoezo", "welke", "landen"}
MAX_TOPIC_TERMS = 6
# Words as common as "zit", "toen", "houdt" or "inmiddels" (Zipf frequency, rag/text.py) name no topic.
COMMON_WORD_ZIPF = 4.8
_ABOUT_SUBJECT = re.compile(r"\bover\s+(?:de|het|een)?\s*([^\W\d_][\w-]*)", re.I)
_ABOUT_POSITION = re.compile(r"\b(vind\w*|vond\w*|vraag\w*|vroeg\w*|wil\w*|zeg\w*|zei|stel\w*|antwoord\w*|reageer\w*|"
                             r"reageert|reactie|mening|standpunt)\b", re.I)


def normalise_history(history: Sequence[Any] | None) -> list[tuple[str, str]]:
    """History as (role, text) pairs; accepts dicts {'role','content'}, tuples or LangChain messages."""
    out: list[tuple[str, str]] = []
    for h in history or []:
        if isinstance(h, dict):
            role, text = h.get("role", "user"), h.get("content", "")
        elif isinstance(h, (tuple, list)) and len(h) == 2:
            role, text = h
        else:
            role = {"human": "user", "ai": "assistant"}.get(getattr(h, "type", "human"), "user")
            text = getattr(h, "content", str(h))
        role = "user" if role in ("user", "human") else "assistant"
        out.append((role, str(text)))
    return out


def _content_words(text: str, min_len: int) -> list[str]:
    """The words of a turn that are not question words, pointers, stopwords, numbers or a fractie's name."""
    fr_words = {w.lower() for f in find_fracties(text) for w in re.findall(r"\w+", f)}
    out = []
    for t in ct.tokens(text):
        low = t.lower()
        if low in _FILLER or low in ct.STOPWORDS or low in fr_words or len(low) < min_len or low.isdigit():
            continue
        if t not in out:
            out.append(t)
    return out


def topic_terms(text: str) -> list[str]:
    """The nouns and names a turn is about (surface forms, in order)."""
    return _content_words(text, min_len=3)


def own_terms(question: str) -> set[str]:
    """The analysed words a follow-up says itself ("libie" in "en libie?", "eu" in "en bij de eu?"):
    what the user moves on to, as opposed to what the conversation carries."""
    from rag.text import analyse

    return set(analyse(" ".join(_content_words(question, min_len=1))))


def carried_terms(text: str) -> list[str]:
    """The words of an earlier turn worth carrying into a follow-up: names and words rarer than
    everyday Dutch, the rarest first (they say most about what the turn was about)."""
    from rag.text import zipf

    ranked = [(zipf(w.lower()), i, w) for i, w in enumerate(topic_terms(text))]
    return [w for z, _, w in sorted(ranked) if z < COMMON_WORD_ZIPF]


def is_follow_up(question: str) -> bool:
    own = [w for w in topic_terms(question) if w.lower() not in ct.NEGATIONS]
    refers_back = bool(_REFERS_BACK.search(question))
    # An opening "en" or "waarom" does not make a question that names its subject a follow-up
    # ("waarom is het kabinet huiverig voor verplichtingen over dataverzameling?"); "daarover" does.
    if not refers_back and names_its_subject(question):
        return False
    points_back = refers_back or bool(_OPENS_ON.search(question))
    return len(own) <= 1 or (points_back and len(own) <= 3)


def names_its_subject(question: str) -> bool:
    """Whether the question says what it is about ("wat vraagt de SP over godsdienstvrijheid in de VN?"):
    a word after "over" rarer than everyday Dutch. Such a question is new, however few words it has;
    carrying the earlier topic into it would answer about that topic instead."""
    from rag.text import zipf

    for m in _ABOUT_SUBJECT.finditer(question):
        word = m.group(1).lower()
        if word not in _FILLER and word not in ct.STOPWORDS and zipf(word) < COMMON_WORD_ZIPF:
            return True
    return False


def standalone_question(question: str, history: Sequence[Any] | None) -> str:
    """The question as searched: unchanged when it stands alone, else with the conversation's topic."""
    turns = normalise_history(history)
    users = [t for r, t in turns if r == "user"]
    if not users or not is_follow_up(question):
        return question
    own = {w.lower() for w in topic_terms(question)}
    terms: list[str] = []
    for text in reversed(users):  # most recent turn first: it is what "daarover" points at
        for w in carried_terms(text):
            if w.lower() not in own and w.lower() not in {x.lower() for x in terms}:
                terms.append(w)
        if len(terms) >= MAX_TOPIC_TERMS:
            break
    # A follow-up about a position ("en wat vinden ze daarvan?", "wat antwoordt het kabinet?") without a
    # fractie of its own stays with the fractie the conversation was about; a factual one does not.
    fracties = find_fracties(question)
    if not fracties and _ABOUT_POSITION.search(question):
        for text in reversed(users):
            earlier = find_fracties(text)
            if earlier:
                terms.insert(0, earlier[0])
                break
    if not terms:
        return question
    return f"{question.rstrip()} ({', '.join(terms[:MAX_TOPIC_TERMS])})"
