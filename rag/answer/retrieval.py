"""The passages an answer is chosen from.

The hybrid retriever's top passages, plus, when the question names a fractie that spoke
in the indexed consultations, that fractie's own question blocks and the cabinet's answers
to it: a fractie's inbreng without an answer of its own can rank below the top 10 of a
general search, and "wat vindt fractie X" must see it. A cabinet answer that points to
another ("Zie tevens het antwoord op vraag 21.") brings that numbered answer along: the
pointer itself answers nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from corpus.models import Passage
from corpus.settings import Settings
from rag.answer.question import QuestionInfo

log = logging.getLogger(__name__)

CANDIDATE_PASSAGES = Settings.answer_passages  # general search, when no setting is passed
FRACTIE_PASSAGES = 4  # extra passages from the named fractie's blocks
FRACTIE_POINTS = 2  # the fractie's own question blocks, when its view is asked
WHICH_FRACTIE_POINTS = 6  # question blocks of any fractie, when who spoke is asked
QUESTION_BLOCKS = 3  # the fractie's question paragraphs behind its best-matching answers
POINTED_ANSWERS = 2  # numbered answers that the top passages point to
# "Zie tevens het antwoord op vraag 21", "(zie ook beantwoording vraag 51)", "Zoals bij vraag 65 aangegeven"
_POINTER = re.compile(r"\b(?:zie|verwijs\w*|verwezen|zoals bij)\b[^.()]{0,40}?\bvraag\s+(\d{1,3})\b", re.I)


def known_fracties(retriever, filters: dict | None = None) -> set[str]:
    """Canonical names of the fracties whose blocks the filters let this question see."""
    from corpus.fracties import canonical

    return {canonical(v) for v in _values(retriever, "fractie", filters)}


def gather(question: QuestionInfo, query: str, retriever, k: int | None = None,
           filters: dict | None = None) -> list[Passage]:
    """Candidate passages, renumbered 1..n in the order the answer cites them by."""
    k = k or CANDIDATE_PASSAGES
    found: list[Passage] = list(retriever.search(query, k=k, filters=filters))
    if question.fractie:
        names = _fractie_spellings(retriever, question.fractie, filters)
        if names:
            extra_filters = {**(filters or {}), "fractie": names}
            try:
                extra = retriever.search(query, k=FRACTIE_PASSAGES, filters=extra_filters)
            except Exception as exc:  # a filter the index cannot apply: the general search stands
                log.debug("fractie search failed: %s", exc)
                extra = []
            seen = {p.chunk.chunk_id for p in found}
            found += [p for p in extra if p.chunk.chunk_id not in seen]
            found += _question_blocks(retriever, found, names, filters)
            if question.wants_view:
                found += _fractie_points(retriever, query, found, extra_filters)
    elif question.which_fractie:
        found += _fractie_points(retriever, query, found, filters or {}, k=WHICH_FRACTIE_POINTS)
    found += _pointed_answers(retriever, found, filters)
    if question.asks_signatories:
        found += _signature(retriever, found, filters)
    return renumber(found)


def _signature(retriever, passages: list[Passage], filters: dict | None = None) -> list[Passage]:
    """The chunk with the signature of the best passage's document (its last chunk that has one): a
    signature matches no question's words, so search alone never finds it."""
    from rag.answer.candidates import is_signature
    from rag.answer.spans import sentence_spans

    if not passages:
        return []
    best = passages[0]
    try:
        chunks = retriever.linked_chunks(doc_id=best.chunk.doc_id, filters=filters)
    except Exception as exc:  # an index that cannot list a document's chunks: no signature
        log.debug("no chunks of %s: %s", best.chunk.doc_id, exc)
        return []
    seen = {p.chunk.chunk_id for p in passages}
    for c in reversed(chunks):
        if any(is_signature(c.text[s:e]) for s, e in sentence_spans(c.text)):
            return [] if c.chunk_id in seen else [Passage(c, best.score, best.rank, {"signature_of": c.doc_id})]
    return []


def _fractie_points(retriever, query: str, passages: list[Passage], fractie_filters: dict,
                    k: int = FRACTIE_POINTS) -> list[Passage]:
    """The fractie's own question blocks that match the question (with no fractie in the filters:
    every fractie's, for "welke fracties vroegen naar …"). Answer chunks carry the fractie's
    question in their index text and outrank the block itself, so a point the cabinet did not answer
    under a number of its own ("de leden van de VVD-fractie zien de belangrijke rol van de ILC") is
    only found by searching the fractie's blocks alone."""
    seen = {p.chunk.chunk_id for p in passages}
    try:
        points = retriever.search(query, k=k, filters={**fractie_filters, "role": "question"})
    except Exception as exc:  # a filter the index cannot apply: the other searches stand
        log.debug("fractie point search failed: %s", exc)
        return []
    return [p for p in points if p.chunk.chunk_id not in seen]


def _pointed_answers(retriever, passages: list[Passage], filters: dict | None = None) -> list[Passage]:
    """The numbered answers that the passages point to ("Zie antwoord op vraag 21"), same document,
    at most POINTED_ANSWERS; the user's filters apply to them as to any passage."""
    seen = {p.chunk.chunk_id for p in passages}
    out: list[Passage] = []
    for p in passages:
        own = (p.chunk.metadata or {}).get("answer_number")
        for number in dict.fromkeys(int(m.group(1)) for m in _POINTER.finditer(p.chunk.text)):
            if number == own or len(out) >= POINTED_ANSWERS:
                continue
            try:
                chunks = retriever.linked_chunks(doc_id=p.chunk.doc_id, role="answer", answer_number=number,
                                                 filters=filters)
            except Exception as exc:  # an index without answer numbers: the pointer stays unresolved
                log.debug("no answer %s to follow: %s", number, exc)
                continue
            for c in chunks[:1]:
                if c.chunk_id not in seen:
                    seen.add(c.chunk_id)
                    out.append(Passage(c, p.score, p.rank, {"pointed_from": p.chunk.chunk_id}))
    return out


def _question_blocks(retriever, passages: list[Passage], fractie_names: list[str],
                     filters: dict | None = None) -> list[Passage]:
    """The fractie's own question paragraphs behind the cabinet's answers found: an answer chunk
    carries the question in its index text, so the question block itself rarely ranks."""
    seen = {p.chunk.chunk_id for p in passages}
    out: list[Passage] = []
    answers = [p for p in passages if (p.chunk.metadata or {}).get("role") == "answer"
               and (p.chunk.metadata or {}).get("fractie") in fractie_names][:QUESTION_BLOCKS]
    for p in answers:
        md = p.chunk.metadata
        try:
            chunks = retriever.linked_chunks(doc_id=p.chunk.doc_id, role="question",
                                             answered_by=md.get("answer_number"), fractie=md.get("fractie"),
                                             filters=filters)
        except Exception as exc:  # an older index without the link: the answers stand alone
            log.debug("no linked question block: %s", exc)
            continue
        for c in chunks:
            if c.chunk_id not in seen:
                seen.add(c.chunk_id)
                out.append(Passage(c, p.score, p.rank, {"linked_to": p.chunk.chunk_id}))
    return out


def corpus_vocabulary(retriever, filters: dict | None = None):
    """The analysed terms of what the question may see: the whole index (from the BM25 index) or, with
    filters such as a user's readable collections, only the allowed chunks, so that "X wordt in de
    stukken niet genoemd" never reveals what an unreadable collection holds. Cached per index version."""
    from rag.answer.answerability import Vocabulary

    try:
        idx = retriever.loaded_index()
        allowed = retriever.allowed_chunk_ids(filters) if filters else None
    except Exception as exc:  # no index yet: nothing is known, nothing is flagged unknown
        log.debug("no vocabulary: %s", exc)
        return None
    key = (id(idx), frozenset(allowed) if allowed is not None else None)
    vocab = _VOCAB.get(key)
    if vocab is None:
        vocab = Vocabulary(*_terms(idx, retriever, allowed))
        if len(_VOCAB) >= 16:  # per index version and set of readable chunks; old ones drop out
            _VOCAB.pop(next(iter(_VOCAB)))
        _VOCAB[key] = vocab
    return vocab


def _terms(idx, retriever, allowed: set[str] | None):
    import math

    from rag.indexing import embed_text
    from rag.text import analyse

    if allowed is None:
        idf = idx.lexical.idf()
        return frozenset(idf), idf, idx.lexical.postings()
    rows: dict[str, list[int]] = {}
    chunks = retriever.store.get_chunks(sorted(allowed))
    for row, c in enumerate(chunks):
        for t in set(analyse(embed_text(c))):
            rows.setdefault(t, []).append(row)
    idf = {t: math.log1p(len(chunks) / len(r)) for t, r in rows.items()}
    return frozenset(idf), idf, rows


_VOCAB: dict[tuple, object] = {}


def renumber(passages: Sequence[Passage]) -> list[Passage]:
    return [Passage(p.chunk, p.score, i + 1, dict(getattr(p, "scores", {}) or {})) for i, p in enumerate(passages)]


def _fractie_spellings(retriever, fractie: str, filters: dict | None = None) -> list[str]:
    """The spellings the index uses for `fractie` ("GroenLinks", "Partij voor de Dieren")."""
    from corpus.fracties import canonical

    return sorted(v for v in _values(retriever, "fractie", filters) if canonical(v) == fractie)


def _values(retriever, key: str, filters: dict | None = None) -> set[str]:
    try:
        return retriever.field_values(key, filters)
    except Exception as exc:  # an empty or missing index has no values
        log.debug("no %s values: %s", key, exc)
        return set()
