"""The written consultation's structure: which fracties raised the topic, and what the cabinet answered.

A verslag schriftelijk overleg is chunked with, per chunk, `fractie`, `role`
("question" for a fractie's paragraphs, "answer" for the cabinet's),
`answered_by` on question chunks (the number of the answer) and
`answer_number` on answer chunks. A block is one fractie's question paragraph(s)
with the numbered answer to them.

A block is on the topic by what the fractie wrote (its best question unit) plus
a little of what the cabinet answered (answers often widen to neighbouring
subjects, so they count little). A fractie raised the topic when its best
block scores at least FRACTIE_FLOOR and at least FRACTIE_SHARE of the best
fractie's score: the second term adapts to how specific the topic is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.fracties import canonical
from rag.briefing.relevance import Unit

ANSWER_WEIGHT = 0.15
FRACTIE_FLOOR = 0.8
FRACTIE_SHARE = 0.5
CONTINUATION = 0.7


def _int(v) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


@dataclass
class Block:
    doc_id: str
    fractie: str  # canonical
    answer_number: int | None
    questions: list[Unit] = field(default_factory=list)
    answers: list[Unit] = field(default_factory=list)
    seq: int = 0  # position of its first question chunk in the document

    @property
    def q_score(self) -> float:
        return max((u.rel for u in self.questions), default=0.0)

    @property
    def a_score(self) -> float:
        return max((u.rel for u in self.answers), default=0.0)

    @property
    def score(self) -> float:
        return self.q_score + ANSWER_WEIGHT * max(self.a_score, 0.0)


@dataclass
class FractieTopic:
    fractie: str
    blocks: list[Block]  # best first
    score: float
    forced: bool = False  # named in the topic

    @property
    def seq(self) -> tuple[str, int]:
        return (self.blocks[0].doc_id, min(b.seq for b in self.blocks))


def blocks(units: list[Unit]) -> list[Block]:
    """The question/answer blocks of the consultation units in the pool."""
    by_key: dict[tuple, Block] = {}
    answers: dict[tuple[str, int], list[Unit]] = {}
    for u in units:
        md = u.meta
        if u.role == "question" and md.get("fractie"):
            num = _int(md.get("answered_by"))
            fr = canonical(str(md["fractie"]))
            key = (u.chunk.doc_id, fr, num if num is not None else u.chunk.chunk_id)
            b = by_key.get(key)
            if b is None:
                b = by_key[key] = Block(u.chunk.doc_id, fr, num, seq=u.chunk.seq)
            b.questions.append(u)
            b.seq = min(b.seq, u.chunk.seq)
        elif u.role == "answer":
            num = _int(md.get("answer_number"))
            if num is not None:
                answers.setdefault((u.chunk.doc_id, num), []).append(u)
    out = list(by_key.values())
    for b in out:
        if b.answer_number is not None:
            b.answers = answers.get((b.doc_id, b.answer_number), [])
    return out


def lend_relevance(all_blocks: list[Block], fracties: list["FractieTopic"]) -> None:
    """An answer to a fractie that raised the topic is on the topic when the question it answers
    is: its units' ctx take the question's relevance as their context's (relevance.CTX_OWN). A
    fractie's next question (the next answer number) often follows up without repeating the topic
    ("Is het kabinet voornemens een afvaardiging te sturen?"): it inherits CONTINUATION of the one
    before. Answers to other fracties, who did not raise the topic, stand on their own words."""
    from rag.briefing.relevance import CTX_OWN

    chosen = {ft.fractie: ft.score for ft in fracties}
    q_focus = {id(b): max((u.focus for u in b.questions), default=0.0) for b in all_blocks}
    chains: dict[tuple[str, str], list[Block]] = {}
    for b in all_blocks:
        if b.answer_number is not None and b.fractie in chosen:
            chains.setdefault((b.doc_id, b.fractie), []).append(b)
    for chain in chains.values():
        chain.sort(key=lambda b: b.answer_number)
        for prev, b in zip(chain, chain[1:]):
            if b.answer_number == prev.answer_number + 1:
                q_focus[id(b)] = max(q_focus[id(b)], CONTINUATION * q_focus[id(prev)])
    for chain in chains.values():
        for b in chain:
            for u in b.answers:
                u.ctx = max(u.ctx, CTX_OWN * u.focus + (1 - CTX_OWN) * q_focus[id(b)])


def fracties_on_topic(all_blocks: list[Block], named: list[str] | None = None) -> list[FractieTopic]:
    """The fracties that raised the topic, in the order they speak in the document."""
    named = [canonical(f) for f in (named or [])]
    per: dict[str, list[Block]] = {}
    for b in all_blocks:
        per.setdefault(b.fractie, []).append(b)
    scored = {f: max(b.score for b in bs) for f, bs in per.items()}
    if not scored:
        return []
    top = max(scored.values())
    out = []
    for f, bs in per.items():
        forced = f in named
        if forced or scored[f] >= max(FRACTIE_FLOOR, FRACTIE_SHARE * top):
            out.append(FractieTopic(f, sorted(bs, key=lambda b: -b.score), scored[f], forced))
    if named:
        # A topic that names fracties asks for those; others only when they clearly spoke on it too.
        out = [ft for ft in out if ft.forced or ft.score >= max(FRACTIE_FLOOR, 0.8 * top)]
    return sorted(out, key=lambda ft: ft.seq)
