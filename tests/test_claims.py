"""The claim-support scorer: splitting, precise cues, each error kind, the model file,
and (slow) its balanced accuracy on a fixed slice of the held-out Dutch test split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import claim_text as ct
from rag.claims import MODEL_PATH, OfflineScorer, OverlapScorer, get_scorer, make_scorer, split_claims

ROOT = Path(__file__).resolve().parent.parent

CONTEXT = (
    "De door Duitsland en Frankrijk geleide Alliantie voor Multilateralisme is een informeel netwerk van "
    "Ministers van Buitenlandse Zaken van meer dan zestig landen. Het kabinet overweegt om de Alliantie in "
    "2021 financieel te steunen. Nederland neemt niet deel aan de EU-missie in Mali. "
    "Minister Blok informeerde de Kamer op 14 april 2018 over de chemische aanval in Douma."
)


@pytest.fixture(scope="module")
def scorer() -> OfflineScorer:
    return get_scorer(None, spec="offline")


def test_split_claims_sentences_abbreviations_and_markers():
    text = ("Het kabinet steunt R2P [1]. De EU nam in 2017 aanbevelingen aan; de VN volgde in 2018 [2]. "
            "Zie o.a. nr. 5 van 18 december jl. voor meer.")
    assert split_claims(text) == [
        "Het kabinet steunt R2P.",
        "De EU nam in 2017 aanbevelingen aan",
        "de VN volgde in 2018.",
        "Zie o.a. nr. 5 van 18 december jl. voor meer.",
    ]
    assert split_claims("") == []
    assert split_claims("- Eerste punt hier.\n- Tweede punt daar.") == ["Eerste punt hier.", "Tweede punt daar."]


def test_precise_cues():
    assert ct.numbers("meer dan zestig landen, 1.000 euro, 2,5 procent op 11 juli") >= {"60", "1000", "2.5", "11", "m7"}
    assert "duitsland" in ct.names("Het kabinet en Duitsland") and "het" not in ct.names("Het kabinet")
    assert ct.negation_count("Nederland neemt geen deel en steunt het niet") == 2
    assert ct.modality("Het kabinet overweegt dit") == (1, 0)
    assert ct.modality("Het kabinet heeft besloten dit te doen") == (0, 1)
    assert ct.citation_numbers("a [1] b [2, 3].") == [1, 2, 3]


@pytest.mark.parametrize("claim", [
    "De Alliantie voor Multilateralisme wordt geleid door Frankrijk en Duitsland.",  # passive + reorder
    "Ministers van Buitenlandse Zaken uit ruim 60 landen vormen een informeel netwerk.",  # paraphrase, digits
    "Nederland doet niet mee aan de EU-missie in Mali.",  # synonym, negation kept
    "Het kabinet overweegt financiële steun aan de Alliantie.",  # clause dropping, hedge kept
    "Nederland neemt niet deel aan de EU-missie in Mali [3].",  # verbatim quote with a marker
])
def test_accepts_honest_paraphrase(scorer, claim):
    v = scorer.score(claim, CONTEXT)
    assert v.supported, (claim, v)


@pytest.mark.parametrize("claim,kind", [
    ("De Alliantie voor Multilateralisme is een netwerk van ministers van meer dan zeventig landen.", "number"),
    ("Minister Blok informeerde de Kamer op 14 april 2019 over de chemische aanval in Douma.", "date"),
    ("De door Spanje en Frankrijk geleide Alliantie voor Multilateralisme is een informeel netwerk.", "country"),
    ("Minister Kaag informeerde de Kamer op 14 april 2018 over de chemische aanval in Douma.", "minister"),
    ("Nederland neemt deel aan de EU-missie in Mali.", "negation dropped"),
    ("Het kabinet overweegt niet om de Alliantie in 2021 financieel te steunen.", "negation added"),
    ("Het kabinet heeft besloten om de Alliantie in 2021 financieel te steunen.", "modality"),
    ("De Kamer informeerde minister Blok op 14 april 2018 over de chemische aanval in Douma.", "roles"),
    ("De NAVO heeft in 2019 een nieuwe strategie voor Afghanistan aangenomen.", "not in context"),
])
def test_rejects_each_error_kind(scorer, claim, kind):
    v = scorer.score(claim, CONTEXT)
    assert not v.supported, (kind, v)
    assert v.reasons


def test_empty_inputs_and_scorer_specs(scorer):
    assert not scorer.score("", CONTEXT).supported
    assert not scorer.score("Iets.", "").supported
    assert isinstance(make_scorer("overlap"), OverlapScorer)
    with pytest.raises(ValueError, match="nli:<cross-encoder"):
        make_scorer("nli")
    with pytest.raises(ValueError, match="unknown scorer"):
        make_scorer("magic")


def test_model_file_is_plain_json_matching_the_features():
    from rag.claim_features import FEATURE_NAMES

    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["features"] == FEATURE_NAMES
    assert len(data["weights"]) == len(FEATURE_NAMES) == len(data["mean"]) == len(data["scale"])
    assert 0.0 < data["threshold"] < 1.0
    assert OfflineScorer().source == str(MODEL_PATH)


def test_perturbation_set_is_deterministic_and_split_by_document(tmp_path):
    from eval import perturb

    src = [s for s in perturb.load_sources() if s.doc in ("003_6ed004c2cd8f7583", "004_bab3e267043ef5ee")]
    a = perturb.make_pairs(src, seed=5)
    b = perturb.make_pairs(src, seed=5)
    assert a == b and len(a) > 50
    kinds = {r["kind"] for r in a}
    assert {"number", "entity", "negation_added", "roles", "modality", "not_in_context", "synonyms"} <= kinds
    splits = perturb.split_rows(a, seed=5)
    assert {r["doc"] for r in splits["test"]} == {"004_bab3e267043ef5ee"}
    assert not {r["doc"] for r in splits["train"] + splits["dev"]} & set(perturb.TEST_DOCS)


@pytest.mark.slow
def test_balanced_accuracy_on_heldout_dutch_split(scorer):
    """A fixed, kind-stratified slice of the test split (never used for training or thresholds)."""
    rows = [json.loads(x) for x in (ROOT / "eval" / "data" / "claims_test.jsonl").read_text().splitlines()]
    sample = rows[::20]
    preds = [scorer.score(r["claim"], r["context"]).supported for r in sample]
    pos = [p for r, p in zip(sample, preds) if r["label"] == 1]
    neg = [p for r, p in zip(sample, preds) if r["label"] == 0]
    ba = 0.5 * (sum(pos) / len(pos) + sum(not p for p in neg) / len(neg))
    assert ba >= 0.8, ba
