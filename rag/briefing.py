"""Draft a briefing note on a topic: Samenvatting, Kernfeiten, Standpunten, Open punten, Bronnen.

Retrieval is broad (the topic plus a few sub-queries aimed at positions, facts
and open items); every line is a verbatim sentence from a passage, cited [n] and
run through the same answer check as answers (rag/answer_check.py). With an LLM
backend the Samenvatting is written by the model from those sentences and kept
only when it passes the check; otherwise the quoted sentences stand.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from corpus.models import Citation, Passage
from corpus.settings import Settings
from rag import claim_text as ct
from rag.answer_check import check_answer, get_scorer
from rag.extractive import Candidate, score_units

log = logging.getLogger(__name__)

SECTION_TITLES = ("Samenvatting", "Kernfeiten", "Standpunten", "Open punten")
SUB_QUERIES = (
    "{topic}",
    "standpunt en inzet van het kabinet over {topic}",
    "vragen en opmerkingen van de fracties over {topic}",
    "cijfers, data en besluiten over {topic}",
    "vervolg, toezeggingen en openstaande vragen over {topic}",
)
_OPEN_RE = re.compile(r"\b(zal|zullen|nog niet|nog|nader|toezegging|toegezegd|onderzoek(t|en)?|voornemens|"
                      r"verwacht|in de loop van|later|binnenkort|op termijn|bezien|komende|volgende)\b", re.I)
_FRACTIE_RE = re.compile(r"\b(de leden van de|fractie)\b", re.I)
_CABINET_RE = re.compile(r"\b(kabinet|minister|regering|het koninkrijk|nederland zet|nederland zal|ik)\b", re.I)


@dataclass
class BriefingLine:
    text: str  # verbatim sentence (no markers)
    citations: list[int]
    label: str = ""  # e.g. "Kabinet" or "GroenLinks-fractie" in Standpunten

    def render(self) -> str:
        marks = " ".join(f"[{n}]" for n in self.citations)
        lead = f"**{self.label}:** " if self.label else ""
        return f"{lead}{self.text} {marks}".strip()


@dataclass
class BriefingSection:
    title: str
    lines: list[BriefingLine] = field(default_factory=list)


@dataclass
class Briefing:
    topic: str
    sections: list[BriefingSection]
    passages: list[Passage]  # [n] is passages[n-1]
    citations: list[Citation]
    flags: list[str] = field(default_factory=list)
    model: str = "extractive"
    created: str = field(default_factory=lambda: date.today().isoformat())

    @property
    def sources(self) -> list[tuple[int, str]]:
        """(n, official citation string) for every cited passage."""
        cited = sorted({n for s in self.sections for line in s.lines for n in line.citations})
        return [(n, _source_label(self.passages[n - 1])) for n in cited]

    def to_markdown(self) -> str:
        from rag.export import briefing_markdown

        return briefing_markdown(self)

    def write_docx(self, path: Path | str) -> Path:
        from rag.export import write_briefing_docx

        return write_briefing_docx(self, Path(path))

    def to_dict(self) -> dict:
        return {
            "topic": self.topic, "created": self.created, "model": self.model,
            "sections": [{"title": s.title, "lines": [{"text": ln.text, "citations": ln.citations, "label": ln.label}
                                                      for ln in s.lines]} for s in self.sections],
            "sources": [{"n": n, "citation": c} for n, c in self.sources],
            "citations": [c.to_dict() for c in self.citations],
            "flags": list(self.flags),
        }


def _source_label(p: Passage) -> str:
    c = p.chunk
    label = c.citation or c.doc_id
    if c.page_start and "p." not in label:
        label += f", p. {c.page_start}"
    return label


def gather_passages(topic: str, retriever, filters: dict | None, per_query: int = 6, limit: int = 14) -> list[Passage]:
    """Union of the passages for the topic and its sub-queries, best first, without duplicates."""
    seen: dict[str, Passage] = {}
    best: dict[str, float] = {}
    for qi, template in enumerate(SUB_QUERIES):
        for p in retriever.search(template.format(topic=topic), k=per_query, filters=filters):
            cid = p.chunk.chunk_id
            # Rank-based merge: the topic query counts most, then the sub-queries.
            val = 1.0 / (p.rank + 2) * (1.5 if qi == 0 else 1.0)
            best[cid] = best.get(cid, 0.0) + val
            seen.setdefault(cid, p)
    order = sorted(seen, key=lambda c: -best[c])[:limit]
    return [Passage(seen[c].chunk, best[c], i + 1, dict(getattr(seen[c], "scores", {}) or {}))
            for i, c in enumerate(order)]


def draft_briefing(topic: str, settings: Settings, filters: dict | None = None, *, retriever=None,
                   llm=None) -> Briefing:
    topic = (topic or "").strip()
    if not topic:
        raise ValueError("empty briefing topic: give a subject, e.g. griffier brief \"klimaat en veiligheid\" -o notitie.md")
    if retriever is None:
        from rag.retriever import get_retriever

        retriever = get_retriever(settings)
    passages = gather_passages(topic, retriever, filters)
    ranked = [c for c in score_units(topic, passages) if not c.text.rstrip().endswith("?")]
    questions = [c for c in score_units(topic, passages) if c.text.rstrip().endswith("?")]
    used: set[tuple[int, int]] = set()

    def take(cands: list[Candidate], n: int, min_score: float = 0.0) -> list[Candidate]:
        out = []
        for c in cands:
            if len(out) >= n:
                break
            key = (c.n, c.start)
            if key in used or c.score < min_score or any(_overlaps(c, o) for o in out):
                continue
            used.add(key)
            out.append(c)
        return out

    floor = 0.5 * ranked[0].score if ranked else 0.0
    summary = take(ranked, 2)
    # Facts and positions often sit next to the topical sentence without repeating the topic
    # ("... (42 landen)"): beyond the summary, a unit also counts by its passage's best unit.
    passage_best: dict[int, float] = {}
    for c in ranked + questions:
        passage_best[c.n] = max(passage_best.get(c.n, 0.0), c.score)
    for c in ranked + questions:
        c.score = 0.5 * c.score + 0.5 * passage_best[c.n]
    ranked.sort(key=lambda c: -c.score)
    questions.sort(key=lambda c: -c.score)
    facts = take([c for c in ranked if ct.numbers(c.text) or re.search(r"\b(19|20)\d\d\b", c.text)], 5, 0.7 * floor)

    positions: list[BriefingLine] = []
    cab = take([c for c in ranked if _is_cabinet(passages[c.n - 1]) and _CABINET_RE.search(c.text)
                and not _FRACTIE_RE.search(c.text)], 2, 0.7 * floor)
    positions += [BriefingLine(c.text, [c.n], "Kabinet") for c in cab]
    by_fractie: dict[str, list[Candidate]] = {}
    for c in ranked + questions:
        fr = (passages[c.n - 1].chunk.metadata or {}).get("fractie")
        if fr and passages[c.n - 1].chunk.metadata.get("role") != "answer":
            by_fractie.setdefault(str(fr), []).append(c)
    for fr, cands in sorted(by_fractie.items()):
        for c in take(sorted(cands, key=lambda c: -c.score), 1):
            label = fr if "fractie" in fr.lower() else f"{fr}-fractie"
            positions.append(BriefingLine(c.text, [c.n], label))

    open_points = take([c for c in ranked if _OPEN_RE.search(c.text)], 3, floor)
    open_points += take(questions, max(0, 4 - len(open_points)), floor)

    sections = [
        BriefingSection("Samenvatting", [BriefingLine(c.text, [c.n]) for c in summary]),
        BriefingSection("Kernfeiten", [BriefingLine(c.text, [c.n]) for c in facts]),
        BriefingSection("Standpunten", positions),
        BriefingSection("Open punten", [BriefingLine(c.text, [c.n]) for c in open_points]),
    ]
    model = "extractive"
    if llm is not None or settings.llm_backend != "extractive":
        model = _llm_summary(topic, settings, sections[0], passages, llm) or model
    return _checked(topic, sections, passages, settings, model)


def _is_cabinet(p: Passage) -> bool:
    md = p.chunk.metadata or {}
    return md.get("role") != "question"


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.n == b.n and a.start < b.end and b.start < a.end


def _llm_summary(topic: str, settings: Settings, section: BriefingSection, passages: list[Passage], llm) -> str | None:
    """Let the LLM condense the summary sentences; keep its text only when it passes the check."""
    from rag.chain import build_answer_chain, format_passages
    from rag.llm import get_chat_model

    if not section.lines:
        return None
    try:
        llm = llm or get_chat_model(settings)
        quotes: dict[int, list[str]] = {}
        for ln in section.lines:
            quotes.setdefault(ln.citations[0], []).append(ln.text)
        out = build_answer_chain(llm).invoke({"passages": format_passages(passages, quotes),
                                              "question": f"Vat samen wat de bronnen zeggen over: {topic}"})
    except Exception as exc:
        log.warning("briefing summary by LLM failed (%s); keeping the quoted sentences", exc)
        return None
    checked = check_answer(out, passages, get_scorer(settings))
    if checked.n_supported == 0 or any(not s.supported for s in checked.sentences) or len(ct.content_stems(checked.text)) < 5:
        return None
    section.lines = [BriefingLine(s.text, s.cited) for s in checked.sentences if s.supported]
    return settings.llm_backend


def _checked(topic: str, sections: list[BriefingSection], passages: list[Passage], settings: Settings,
             model: str) -> Briefing:
    """Run every line through the answer check; drop what fails, with a note; collect the quotes."""
    flags: list[str] = []
    citations: dict[tuple[int, str], Citation] = {}
    scorer = get_scorer(settings)
    for section in sections:
        kept = []
        for line in section.lines:
            res = check_answer(line.render().replace(f"**{line.label}:** ", "") if line.label else line.render(),
                               passages, scorer)
            if not res.citations or not res.text:
                flags.append(f"{section.title}: regel weggelaten (niet ondersteund): «{line.text[:80]}»")
                continue
            line.citations = sorted({c.n for c in res.citations})
            for c in res.citations:
                # The line is itself the verbatim quote when it was extracted; else the check's best quote.
                quote = line.text if line.text in passages[c.n - 1].chunk.text else c.quote
                citations.setdefault((c.n, quote), Citation(c.n, c.chunk_id, c.doc_id, quote, c.page, c.citation))
            kept.append(line)
        section.lines = kept
    return Briefing(topic, sections, passages, [citations[key] for key in sorted(citations)], flags, model)
