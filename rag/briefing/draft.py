"""Draft a briefing note on a topic: Samenvatting, Kernfeiten, Standpunten, Open punten, Bronnen.

1. Pool: the topic and three sub-queries (positions, facts, follow-up) through
   the retriever; every written consultation among the hits is taken whole
   (its question and answer chunks the filters allow), so every fractie that
   raised the topic can be found, not only those in the top hits.
2. Score every sentence unit for the topic (relevance.py), find the fracties
   that raised it and their question/answer blocks (consultation.py).
3. Pick the lines (compose.py): each a verbatim unit, no two saying the same.
4. Check every line the way answers are checked (rag.answer.check), number the
   cited passages 1..m in reading order, label them (sources.py).

With an LLM backend the Samenvatting is rewritten by the model from the picked
sentences and kept only when every sentence passes the check.
"""

from __future__ import annotations

import logging
import time

from corpus.fracties import find_fracties
from corpus.models import Chunk, Citation, Passage
from corpus.settings import Settings
from rag import claim_text as ct
from rag.answer.check import best_quote, check_answer, get_scorer
from rag.briefing import compose, consultation
from rag.briefing.model import SECTION_TITLES, Briefing, BriefingLine, BriefingSection
from rag.briefing.relevance import IndexSignals, make_units, score
from rag.briefing.sources import SourceLabeller

log = logging.getLogger(__name__)

SUB_QUERIES = (
    ("{topic}", 20),
    ("standpunt en inzet van het kabinet over {topic}", 8),
    ("cijfers, bedragen, data en besluiten over {topic}", 8),
    ("toezeggingen, vervolg en open vragen over {topic}", 8),
)
CONSULTATION_K = 1000  # a written consultation is taken whole (up to this many passages)
_DOC_KEYS = ("doc", "doc_id", "doc_ids")


def gather(topic: str, retriever, filters: dict | None) -> list[Chunk]:
    """The pooled chunks, best first: the hits of the queries, then the rest of each consultation hit."""
    chunks: dict[str, Chunk] = {}
    for template, k in SUB_QUERIES:
        for p in retriever.search(template.format(topic=topic), k=k, filters=filters):
            chunks.setdefault(p.chunk.chunk_id, p.chunk)
    consultations = list(dict.fromkeys(c.doc_id for c in chunks.values()
                                       if (c.metadata or {}).get("role") in ("question", "answer")))
    for doc_id in consultations:
        # The document was found under the caller's filters, so narrowing them to it keeps them
        # (a collection or fractie filter still applies to every chunk taken).
        f = {k: v for k, v in (filters or {}).items() if k.lower() not in _DOC_KEYS}
        f["doc_id"] = doc_id
        for p in retriever.search(topic, k=CONSULTATION_K, filters=f):
            chunks.setdefault(p.chunk.chunk_id, p.chunk)
    return list(chunks.values())


def draft_briefing(topic: str, settings: Settings, filters: dict | None = None, *, retriever=None,
                   llm=None) -> Briefing:
    topic = " ".join((topic or "").split())
    if not topic:
        raise ValueError("empty briefing topic: give a subject, e.g. griffier brief \"klimaat en veiligheid\" -o notitie.md")
    t0 = time.perf_counter()
    if retriever is None:
        from rag.retriever import get_retriever

        retriever = get_retriever(settings)
    pool = gather(topic, retriever, filters)
    units = make_units(pool)
    score(topic, units, IndexSignals(retriever, topic))
    blocks = consultation.blocks(units)
    fracties = consultation.fracties_on_topic(blocks, find_fracties(topic))
    consultation.lend_relevance(blocks, fracties)
    top = compose.cabinet_top(units)

    # Standpunten first: each pair is tied to one block and its numbered answer, while the other
    # sections can choose from the whole pool; open points before facts, as they are the rarer kind.
    picker = compose.Picker()
    positions = compose.standpunten(fracties, units, picker, top)
    summary = compose.summary(units, picker, top)
    open_points = compose.open_points(units, fracties, picker, top)
    facts = compose.kernfeiten(units, picker, top, fracties)
    drafts = {"Samenvatting": summary, "Kernfeiten": facts, "Standpunten": positions, "Open punten": open_points}

    scorer = _LazyScorer(settings)
    model = "extractive"
    if llm is not None or settings.llm_backend != "extractive":
        rewritten = _llm_summary(topic, settings, summary, llm, scorer)
        if rewritten is not None:
            drafts["Samenvatting"], model = rewritten, _model_name(llm, settings)
    briefing = _assemble(topic, drafts, scorer, SourceLabeller(getattr(retriever, "store", None)), model)
    log.info("briefing %r: %d lines, %d sources, %d fracties, %.2f s", topic,
             sum(len(s.lines) for s in briefing.sections), len(briefing.passages), len(fracties),
             time.perf_counter() - t0)
    return briefing


def _model_name(llm, settings: Settings) -> str:
    if llm is None or settings.llm_backend != "extractive":
        return settings.llm_backend
    return str(getattr(llm, "model_name", "") or getattr(llm, "model", "") or type(llm).__name__)


class _LazyScorer:
    """The claim-support scorer, loaded only when a line is not a verbatim quote (an LLM's sentence)."""

    def __init__(self, settings: Settings):
        self.settings, self._scorer = settings, None

    def score(self, claim: str, context: str):
        if self._scorer is None:
            self._scorer = get_scorer(self.settings)
        return self._scorer.score(claim, context)


def _assemble(topic: str, drafts: dict[str, list[compose.Draft]], scorer, labeller: SourceLabeller,
              model: str) -> Briefing:
    """Check every line against the passages it quotes, then number the cited passages without gaps."""
    flags: list[str] = []
    kept: dict[str, list[tuple[compose.Draft, list[Chunk]]]] = {}
    for title in SECTION_TITLES:
        kept[title] = []
        for d in drafts.get(title, []):
            passages = [Passage(c, 1.0, i + 1) for i, c in enumerate(d.chunks)]
            marks = " ".join(f"[{i + 1}]" for i in range(len(d.chunks)))
            res = check_answer(f"{d.text} {marks}", passages, scorer)
            ok = res.sentences and all(s.supported for s in res.sentences)
            if not ok:
                flags.append(f"{title}: regel weggelaten (niet ondersteund door de bron): «{d.text[:100]}»")
                continue
            cited = sorted({n for s in res.sentences for n in s.cited})
            kept[title].append((d, [d.chunks[n - 1] for n in cited]))
    numbers: dict[str, int] = {}
    ordered: list[Chunk] = []
    sections = []
    for title in SECTION_TITLES:
        lines = []
        for d, chunks in kept[title]:
            ns = []
            for c in chunks:
                if c.chunk_id not in numbers:
                    ordered.append(c)
                    numbers[c.chunk_id] = len(ordered)
                ns.append(numbers[c.chunk_id])
            lines.append(BriefingLine(d.text, sorted(set(ns)), d.label))
        sections.append(BriefingSection(title, lines))
    passages = [Passage(c, 1.0, i + 1) for i, c in enumerate(ordered)]
    citations: list[Citation] = []
    for s in sections:
        for line in s.lines:
            for n in line.citations:
                c = passages[n - 1].chunk
                quote = line.text if line.text in c.text else best_quote(line.text, c.text)[0]
                citations.append(Citation(n, c.chunk_id, c.doc_id, quote, c.page_start, c.citation))
    labels = {i + 1: labeller.label(c) for i, c in enumerate(ordered)}
    return Briefing(topic, sections, passages, citations, flags, model, source_labels=labels)


def _llm_summary(topic: str, settings: Settings, summary: list[compose.Draft], llm, scorer) -> list[compose.Draft] | None:
    """The model's Samenvatting from the picked sentences; None unless every sentence of it passes the check."""
    from rag.answer.chain import build_answer_chain, format_passages
    from rag.llm import get_chat_model

    if not summary:
        return None
    chunks: list[Chunk] = []
    for d in summary:
        for c in d.chunks:
            if c not in chunks:
                chunks.append(c)
    passages = [Passage(c, 1.0, i + 1) for i, c in enumerate(chunks)]
    quotes: dict[int, list[str]] = {}
    for d in summary:
        quotes.setdefault(chunks.index(d.chunks[0]) + 1, []).append(d.text)
    try:
        llm = llm or get_chat_model(settings)
        out = build_answer_chain(llm).invoke({"passages": format_passages(passages, quotes),
                                              "question": f"Vat samen wat de bronnen zeggen over: {topic}"})
    except Exception as exc:  # noqa: BLE001 - the quoted sentences stand without the model
        log.warning("briefing summary by LLM failed (%s); keeping the quoted sentences", exc)
        return None
    checked = check_answer(out, passages, scorer)
    good = [s for s in checked.sentences if s.supported and s.cited]
    if not good or len(good) != len(checked.sentences) or len(good) > 3 or len(ct.content_stems(checked.text)) < 5:
        return None
    texts = [s.text for s in good]
    if any(compose.cues.near_duplicate(a, b) for i, a in enumerate(texts) for b in texts[i + 1:]):
        return None
    return [compose.Draft(s.text, [chunks[n - 1] for n in s.cited], kind="summary-llm") for s in good]
