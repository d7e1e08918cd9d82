"""Each eval metric on small hand-made cases whose right value is known.

The metric arithmetic is checked with a transparent rule scorer (a claim is
supported when all its words occur in the context), so the expected values
follow from the cases alone; the real scorer has its own tests.
"""

from __future__ import annotations

import json
import re

import pytest

from corpus.models import Answer, Chunk, Citation, Passage
from eval import metrics as M
from rag.claim_text import normalise
from rag.claims import ClaimVerdict, split_claims


class WordsScorer:
    """Supported iff every word of the claim occurs in the context (case-insensitive)."""

    name = "words"

    def score(self, claim: str, context: str) -> ClaimVerdict:
        words = re.findall(r"\w+", claim.lower())
        have = set(re.findall(r"\w+", normalise(context).lower()))
        ok = bool(words) and all(w in have for w in words)
        return ClaimVerdict(ok, 1.0 if ok else 0.0, [] if ok else ["missing words"])

    def split_claims(self, text: str) -> list[str]:
        return split_claims(text)


S = WordsScorer()
GOLD = {"id": "g1", "question": "Wanneer?", "doc": "docA",
        "evidence": ["De werkgroep nam in 2017 voor het eerst aanbevelingen aan"], "answer_facts": ["2017", "werkgroep"],
        "type": "factoid"}
UNANSWERABLE = {"id": "g2", "question": "Hoeveel?", "doc": None, "evidence": [], "answer_facts": [], "type": "unanswerable"}
HIT = "Inleiding. De werk-\n groep nam in 2017 voor het eerst aanbevelingen aan over R2P."
MISS = "Een passage over iets anders."


def test_retrieval_rank_hits_and_mrr():
    passages = [(MISS, "docA"), (HIT, "docA"), (HIT, "docB")]
    rank = M.first_hit_rank(passages, GOLD)
    assert rank == 2  # the PDF word break "werk-\n groep" is joined before matching
    assert M.retrieval_scores(rank) == {"hit@1": 0.0, "hit@5": 1.0, "mrr@10": 0.5}
    assert M.retrieval_scores(None) == {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": 0.0}
    assert M.retrieval_scores(7) == {"hit@1": 0.0, "hit@5": 0.0, "mrr@10": pytest.approx(1 / 7)}
    # Right text from the wrong document is no hit.
    assert M.first_hit_rank([(HIT, "docB")], GOLD) is None


def test_evidence_recall_at_k():
    gold = dict(GOLD, evidence=[GOLD["evidence"][0], "een tweede bewijsstuk dat nergens staat"])
    assert M.evidence_recall_at_k([(MISS, "docA"), (HIT, "docA")], gold, k=5) == 0.5
    assert M.evidence_recall_at_k([(MISS, "docA"), (HIT, "docA")], gold, k=1) == 0.0
    assert M.evidence_recall_at_k([(HIT, "docA")], UNANSWERABLE) is None


def test_answer_fact_recall():
    assert M.answer_fact_recall("In 2017 gebeurde het.", ["2017", "werkgroep"]) == 0.5
    assert M.answer_fact_recall("De Werkgroep koos 2017.", ["2017", "werkgroep"]) == 1.0
    assert M.answer_fact_recall("In 2017.", ["2017", "werkgroep"], refused=True) == 0.0  # refusal on answerable
    assert M.answer_fact_recall("", ["2017"]) == 0.0  # empty answer
    assert M.answer_fact_recall("iets", []) is None
    # Order of words matters for a multi-word fact only through its content words.
    assert M.fact_present("Duitsland en Frankrijk", "geleid door Frankrijk en Duitsland")
    assert not M.fact_present("2396", "resolutie 2397")


def test_refusal_correct_both_ways():
    assert M.refusal_correct(UNANSWERABLE, refused=True)
    assert not M.refusal_correct(UNANSWERABLE, refused=False)
    assert M.refusal_correct(GOLD, refused=False)
    assert not M.refusal_correct(GOLD, refused=True)


P1 = "De werkgroep nam in 2017 aanbevelingen aan."
P2 = "Het kabinet steunt de alliantie van zestig landen."


def test_citation_precision_recall_alce():
    # Sentence 1 is supported by its citation, sentence 2 is not: P = R = 1/2.
    p, r, d = M.citation_scores("De werkgroep nam aanbevelingen aan [1]. Het kabinet steunt niets [2].",
                                {1: P1, 2: P2}, S)
    assert (p, r) == (0.5, 0.5)
    assert [x.covered for x in d] == [True, False]
    # An irrelevant extra citation lowers precision only.
    p, r, _ = M.citation_scores("De werkgroep nam aanbevelingen aan [1][2].", {1: P1, 2: P2}, S)
    assert (p, r) == (0.5, 1.0)
    # Support that needs both passages together: both citations count as correct.
    p, r, _ = M.citation_scores("De werkgroep nam aanbevelingen aan, het kabinet steunt de alliantie [1, 2].", {1: P1, 2: P2}, S)
    assert (p, r) == (1.0, 1.0)
    # No citations at all: 0 and 0. A marker without a passage is a wrong citation.
    assert M.citation_scores("De werkgroep nam aanbevelingen aan.", {1: P1}, S)[:2] == (0.0, 0.0)
    assert M.citation_scores("De werkgroep nam aanbevelingen aan [3].", {1: P1}, S)[:2] == (0.0, 0.0)
    # Uncited second sentence lowers recall but not precision.
    p, r, _ = M.citation_scores("De werkgroep nam aanbevelingen aan [1]. Het kabinet steunt de alliantie.",
                                {1: P1, 2: P2}, S)
    assert (p, r) == (1.0, 0.5)
    assert M.citation_scores("", {1: P1}, S)[:2] == (0.0, 0.0)


def test_faithfulness():
    f, v = M.faithfulness("De werkgroep nam aanbevelingen aan. Het kabinet weigert alles.", P1 + " " + P2, S)
    assert f == 0.5 and [x["supported"] for x in v] == [True, False]
    assert M.faithfulness("", P1, S)[0] is None


def _chunk(cid: str, doc: str, text: str) -> Chunk:
    return Chunk(chunk_id=cid, doc_id=doc, text=text, page_start=1, page_end=1, section=None)


def test_score_question_and_aggregate():
    from eval.harness import score_question

    c1, c2 = _chunk("c1", "docA", HIT), _chunk("c2", "docA", P2)
    passages = [Passage(c1, 0.9, 1), Passage(c2, 0.5, 2)]
    ans = Answer(question="Wanneer?", text="De werkgroep nam in 2017 voor het eerst aanbevelingen aan [1].",
                 citations=[Citation(1, "c1", "docA", "De werkgroep nam in 2017", 1)], passages=passages)
    row = score_question(GOLD, ans, passages, S, 1.0)
    assert row["first_hit_rank"] == 1 and row["hit@1"] == 1.0
    assert row["answer_fact_recall"] == 1.0
    assert row["citation_precision"] == 1.0 and row["citation_recall"] == 1.0 and row["faithfulness"] == 1.0
    assert row["refusal_correct"]

    refused_answerable = score_question(GOLD, Answer(question="Wanneer?", text="Dat staat niet in de stukken.",
                                                     refused=True, passages=passages), [], S, 3.0)
    assert refused_answerable["answer_fact_recall"] == 0.0 and not refused_answerable["refusal_correct"]
    assert refused_answerable["citation_recall"] is None  # refusals are left out of citation metrics
    unans = score_question(UNANSWERABLE, Answer(question="Hoeveel?", text="Geen antwoord.", refused=True), [], S, 2.0)
    assert unans["refusal_correct"] and unans["hit@1"] is None
    empty = score_question(GOLD, Answer(question="Wanneer?", text="", passages=passages), passages, S, 1.0)
    assert empty["citation_recall"] == 0.0 and empty["faithfulness"] == 0.0 and empty["answer_fact_recall"] == 0.0

    agg = M.aggregate([row, refused_answerable, unans])
    assert agg["hit@1"] == 0.5  # over the two answerable questions; the refused one retrieved nothing
    assert agg["answer_fact_recall"] == 0.5
    assert agg["refusal_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert agg["answer_rate_answerable"] == 0.5 and agg["refusal_rate_unanswerable"] == 1.0
    assert agg["citation_precision"] == 1.0  # only the answered question counts
    assert agg["latency_s"] == 2.0 and agg["latency_p95_s"] == 3.0
    types = M.by_type([row, unans])
    assert types["factoid"]["n"] == 1 and types["unanswerable"]["refusal_accuracy"] == 1.0


def test_report_and_ragas_export(tmp_path):
    from eval.ragas_export import write_ragas
    from eval.report import load_result, write_report

    rows = [
        {"id": "g1", "question": "Wanneer?", "type": "factoid", "answerable": True, "refused": False,
         "refusal_correct": True, "first_hit_rank": 1, "hit@1": 1.0, "hit@5": 1.0, "mrr@10": 1.0,
         "answer_fact_recall": 0.5, "citation_precision": 1.0, "citation_recall": 0.5, "faithfulness": 0.5,
         "latency_s": 1.5, "answer": "In 2017 [1].", "citations": [{"n": 1, "doc_id": "docA", "quote": "in 2017"}],
         "claims": [{"claim": "In 2017.", "supported": False, "score": 0.2, "reasons": ["naam niet in de context"]}]},
    ]
    cur = {"n_questions": 1, "metrics": M.aggregate(rows), "by_type": M.by_type(rows), "info": {}, "per_question": rows}
    prev_rows = [dict(rows[0], answer_fact_recall=1.0)]
    prev = {"n_questions": 1, "metrics": M.aggregate(prev_rows), "per_question": prev_rows, "info": {}}
    prev_path = tmp_path / "prev.json"
    prev_path.write_text(json.dumps(prev))
    path = write_report(cur, tmp_path / "rep", load_result(prev_path))
    text = path.read_text()
    assert "| answer_fact_recall | 0.500 | 1.000 | -0.500 |" in text
    assert "Worst questions" in text and "naam niet in de context" in text
    for png in ("metrics.png", "by_type.png", "latency.png"):
        assert (tmp_path / "rep" / png).stat().st_size > 1000
    with pytest.raises(ValueError, match="metrics"):
        bad = tmp_path / "bad.json"
        bad.write_text("{}")
        load_result(bad)

    out = write_ragas(tmp_path / "ragas.jsonl", rows, [GOLD], {"g1": [HIT]})
    rec = json.loads(out.read_text().splitlines()[0])
    assert set(rec) >= {"user_input", "retrieved_contexts", "response", "reference"}
    assert rec["retrieved_contexts"] == [HIT] and "2017" in rec["reference"]
