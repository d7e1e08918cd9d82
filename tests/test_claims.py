"""The claim-support scorer: splitting, the fact checks (numbers, dates, aliases, negation,
modality, roles), verdicts that name the failed fact, the model file, eval-claims per kind,
and (slow) its balanced accuracy on the blind train documents and a perturbation slice."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rag import claim_text as ct
from rag.claims import (
    MODEL_PATH,
    ClaimModel,
    ClaimVerdict,
    OfflineScorer,
    OverlapScorer,
    get_scorer,
    make_scorer,
    split_claims,
)
from rag.claims import lexicon as lx
from rag.claims.analysis import analyse
from rag.claims.features import FEATURE_NAMES, FEATURES_VERSION, check

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
    assert get_scorer(None).split_claims("Een. Twee drie.") == ["Een.", "Twee drie."]


def test_claim_text_cues_used_by_answering_are_unchanged():
    assert ct.numbers("meer dan zestig landen, 1.000 euro, 2,5 procent op 11 juli") >= {"60", "1000", "2.5", "11", "m7"}
    assert ct.numbers("een viertal functies, een zestigtal landen") == {"4", "60"}  # "een viertal": four
    assert ct.numbers("het aantal landen, een getal") == set()  # words that only end like one
    assert "duitsland" in ct.names("Het kabinet en Duitsland") and "het" not in ct.names("Het kabinet")
    assert ct.citation_numbers("a [1] b [2, 3].") == [1, 2, 3]


# --------------------------------------------------------------------------- facts


def _values(text: str) -> list[tuple[float, str]]:
    return [(n.value, n.unit) for n in analyse(text).numbers]


@pytest.mark.parametrize("word,value", [("zeventien", 17), ("vierenvijftig", 54), ("tweeënveertig", 42),
                                        ("honderdzestig", 160), ("tweehonderdvijftig", 250), ("drieduizend", 3000)])
def test_number_words(word, value):
    assert lx.cardinal(word) == value
    assert lx.cardinal("een") is None  # the article, not the number


def test_number_formats_normalise_to_one_value():
    assert _values("EUR 3,2 miljoen") == _values("3,2 mln euro") == [(3_200_000.0, "eur")]
    assert _values("Kamerstuk 29 521") == _values("Kamerstuk 29521") == [(29521.0, "")]
    assert _values("1.000 leden") == [(1000.0, "")]
    assert _values("25% van de leden") == _values("25 procent van de leden") == [(25.0, "%")]
    assert _values("als 4e donor") == _values("als vierde donor") == [(4.0, "")]
    assert _values("het twintigjarige bestaan") == [(20.0, "")]
    assert _values("de op één na grootste financier") == [(2.0, "")]
    assert _values("die Nederland onrechtmatig acht, maar") == []  # the verb achten


def test_dates_in_every_spelling_are_one_date():
    def dates(text):
        return [(sorted(d.days), d.month, d.year) for d in analyse(text).dates]

    assert dates("op 1-1-2019") == dates("op 1 januari 2019") == dates("op één januari 2019") == [([1], 1, 2019)]
    assert dates("op 8-9 juli in Warschau") == dates("op 8 en 9 juli in Warschau") == [([8, 9], 7, None)]
    assert dates("sinds 2014") == [([], None, 2014)]
    assert dates("Kamerstuk 2019 en artikel 2019") == []  # numbers after a label are no years


def test_number_and_date_facts_against_the_context():
    ctx = "Het kabinet heeft de expertgroep gevraagd zijn opinies te geven over de volgende twee kwesties op 18 december 2018."
    ok = check("Het kabinet legde de expertgroep 2 kwesties voor op 18-12-2018.", ctx, use_embeddings=False)
    assert [f.ok for f in ok.facts if f.kind in ("number", "date")] == [True, True]
    bad = check("Het kabinet legde de expertgroep drie kwesties voor op 18 december 2018.", ctx, use_embeddings=False)
    num = next(f for f in bad.facts if f.kind == "number")
    assert not num.ok and "twee" in num.note  # names what the context says instead
    late = check("Het kabinet vroeg dit op 18 december 2019.", ctx, use_embeddings=False)
    assert [f.ok for f in late.facts if f.kind == "date"] == [False]


@pytest.mark.parametrize("claim,context", [
    ("NL steunt de VN-missie.", "Nederland steunt de missie van de Verenigde Naties."),
    ("De VR nam de resolutie aan.", "De Veiligheidsraad nam de resolutie aan."),
    ("De GL-fractie vraagt dit.", "De leden van de GroenLinks-fractie vragen dit."),
    ("De PvdD stelt dit voor.", "De Partij voor de Dieren stelt dit voor."),
    ("De Russische annexatie van de Krim is illegaal.", "Rusland annexeerde de Krim illegaal."),
])
def test_name_aliases(claim, context):
    names = [f for f in check(claim, context, use_embeddings=False).facts if f.kind == "name"]
    assert names and all(f.ok for f in names), names


def test_a_missing_name_fails():
    facts = check("Frankrijk steunt de VN-missie.", "Nederland steunt de missie van de Verenigde Naties.",
                  use_embeddings=False).facts
    assert [f.text for f in facts if f.kind == "name" and not f.ok] == ["Frankrijk"]


def test_claim_sentences_keep_cum_suis_and_initials():
    text = ("Ik wijs naar de motie van het lid Soerdsma c.s. (Kamerstuk 33 783, nr. 44) van 2 juli. "
            "Getekend, S.A. Blok. De motie is niet aangenomen.")
    assert ct.split_sentences(text) == [
        "Ik wijs naar de motie van het lid Soerdsma c.s. (Kamerstuk 33 783, nr. 44) van 2 juli.",
        "Getekend, S.A. Blok.", "De motie is niet aangenomen."]


def test_a_vote_tally_is_not_a_negation():
    ctx = "De motie was «oordeel kamer» en is niet aangenomen, met 74 tegen 76 stemmen."
    # "74 tegen 76" counts votes; it does not negate "aangenomen" in the claim
    flipped = check("De motie is met 74 tegen 76 stemmen aangenomen.", ctx, use_embeddings=False)
    assert flipped.values["neg_dropped"] == 1.0
    kept = check("De motie is met 74 tegen 76 stemmen niet aangenomen.", ctx, use_embeddings=False)
    assert kept.values["neg_dropped"] == 0.0


def test_negation_dropped_is_local():
    ctx = "Het kabinet heeft geen inzicht in de uitkomsten van gepaste zorgvuldigheid van de bedrijven."
    dropped = check("Het kabinet heeft inzicht in de uitkomsten van de gepaste zorgvuldigheid.", ctx,
                    use_embeddings=False)
    assert dropped.values["neg_dropped"] == 1.0
    kept = check("Het kabinet heeft geen zicht op de uitkomsten van de gepaste zorgvuldigheid.", ctx,
                 use_embeddings=False)
    assert kept.values["neg_dropped"] == 0.0
    # "niet-bindend" negates too
    flip = check("De Verklaring is als bindend verdrag aanvaard.", "De Verklaring is als niet-bindend document aanvaard.",
                 use_embeddings=False)
    assert flip.values["neg_dropped"] == 1.0


def test_antonym_and_modality():
    ctx = "De overgrote meerderheid van de expertgroep raadt af dat Nederland een nieuwe uitzondering nastreeft."
    v = check("De meerderheid van de expertgroep beveelt Nederland aan een nieuwe uitzondering na te streven.", ctx,
              use_embeddings=False)
    assert v.values["antonym"] == 1.0
    # the general lexicon (rag/claims/data/antonyms.json): inflected forms and "on-" opposites
    eased = check("De EU heeft de sancties tegen Iran versoepeld.", "De EU heeft de sancties tegen Iran verscherpt.",
                  use_embeddings=False)
    assert eased.values["antonym"] == 1.0
    assert check("Iran respecteert het verdrag.", "Iran schendt het verdrag.", use_embeddings=False).values["antonym"] == 1
    short = check("Het budget is ontoereikend voor de missie.", "Het budget is toereikend voor de missie.",
                  use_embeddings=False)
    assert short.values["antonym"] == 1.0
    same = check("Het budget is toereikend voor de missie.", "Het budget is toereikend voor de missie.",
                 use_embeddings=False)
    assert same.values["antonym"] == 0.0
    hedge = "Het kabinet overweegt de missie te verlengen."
    assert check("Het kabinet heeft besloten de missie te verlengen.", hedge, use_embeddings=False).values["firm_added"] == 1
    # "moet" is supported by "dient"; "niet alle" is not an overclaim
    assert check("Elke lidstaat moet dit melden.", "Iedere lidstaat dient dit te melden.",
                 use_embeddings=False).values["firm_added"] == 0
    assert check("Niet alle leden kwamen uit Nederland.", "De leden kwamen uit binnen- en buitenland.",
                 use_embeddings=False).values["firm_added"] == 0


def test_role_swap_and_honest_passive():
    ctx = "Daarnaast informeert de Secretaris-Generaal van de Verenigde Naties de lidstaten periodiek over de hervormingen."
    swapped = check("De lidstaten informeren de Secretaris-Generaal van de VN periodiek over de hervormingen.", ctx,
                    use_embeddings=False)
    assert swapped.values["agent_swap"] == 1.0
    passive = check("De lidstaten worden door de Secretaris-Generaal periodiek over de hervormingen geïnformeerd.", ctx,
                    use_embeddings=False)
    assert passive.values["agent_swap"] == 0.0
    coordinated = check("De Alliantie wordt geleid door Frankrijk en Duitsland.", CONTEXT, use_embeddings=False)
    assert coordinated.values["agent_swap"] == 0.0


def test_cause_and_effect_reversed():
    ctx = ("De grote mate van instabiliteit in Libië heeft ertoe geleid dat ISIS voet aan de grond heeft kunnen "
           "krijgen in het land.")
    flipped = check("Doordat ISIS voet aan de grond heeft gekregen in Libië, is de instabiliteit in het land groot.",
                    ctx, use_embeddings=False)
    assert flipped.values["causal_flip"] == 1.0


# --------------------------------------------------------------------------- verdicts


@pytest.mark.parametrize("claim", [
    "De Alliantie voor Multilateralisme wordt geleid door Frankrijk en Duitsland.",  # passive + reorder
    "De Alliantie is een informeel netwerk van ministers van Buitenlandse Zaken uit ruim 60 landen.",  # digits
    "Nederland doet niet mee aan de EU-missie in Mali.",  # synonym, negation kept
    "Het kabinet overweegt financiële steun aan de Alliantie.",  # clause dropping, hedge kept
    "Nederland neemt niet deel aan de EU-missie in Mali [3].",  # verbatim quote with a marker
])
def test_accepts_honest_paraphrase(scorer, claim):
    v = scorer.score(claim, CONTEXT)
    assert v.supported, (claim, v)
    assert v.failed_fact is None


@pytest.mark.parametrize("claim,kind,failed", [
    ("De Alliantie voor Multilateralisme is een netwerk van ministers van meer dan zeventig landen.", "number",
     "zeventig"),
    ("Minister Blok informeerde de Kamer op 14 april 2019 over de chemische aanval in Douma.", "date",
     "14 april 2019"),
    ("De door Spanje en Frankrijk geleide Alliantie voor Multilateralisme is een informeel netwerk.", "name", "Spanje"),
    ("Minister Kaag informeerde de Kamer op 14 april 2018 over de chemische aanval in Douma.", "name", "Kaag"),
    ("Nederland neemt deel aan de EU-missie in Mali.", "negation", "deel"),
    ("Het kabinet heeft besloten om de Alliantie in 2021 financieel te steunen.", "modality", "besloten"),
    ("De Kamer informeerde minister Blok op 14 april 2018 over de chemische aanval in Douma.", "roles", "Kamer"),
    ("De NAVO heeft in 2019 een nieuwe strategie voor Afghanistan aangenomen.", "name", "NAVO"),
])
def test_rejects_and_names_the_failed_fact(scorer, claim, kind, failed):
    v = scorer.score(claim, CONTEXT)
    assert not v.supported, (kind, v)
    assert v.failed_fact and failed in v.failed_fact, (kind, v.failed_fact)
    assert v.reasons
    failing = [f for f in v.facts if not f["supported"]]
    assert any(f["kind"] == kind for f in failing), (kind, failing)


def test_short_fact_answers_and_source_labels(scorer):
    ctx = "Het kabinet concludeerde in 2017 dat een juridische basis ontbrak."
    assert scorer.score("2017.", ctx).supported  # a bare fact, found
    wrong = scorer.score("2018.", ctx)
    assert not wrong.supported and wrong.failed_fact == "2018"
    # a count with the word it counts, as the bundled model answers "hoeveel landen"
    coalitions = "Het Koninkrijk werkt samen met de Equal Rights Coalition (42 landen) en de Core Group (31 landen)."
    assert scorer.score("42 landen.", coalitions).supported
    assert not scorer.score("43 landen.", coalitions).supported
    assert not scorer.score("42 bedrijven.", coalitions).supported
    # a label in front of a quoted part says where it comes from, like a [n] marker
    assert scorer.score("Kabinet (antwoord 56): Het kabinet concludeerde in 2017 dat een juridische basis ontbrak.",
                        ctx).supported


def test_verdict_breakdown_serialises(scorer):
    v = scorer.score("Minister Blok informeerde de Kamer op 14 april 2019 over de aanval.", CONTEXT)
    d = v.to_dict()
    assert set(d) == {"supported", "score", "reasons", "failed_fact", "facts"}
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert {"kind", "text", "supported", "support", "evidence", "note", "check"} <= set(d["facts"][0])
    assert isinstance(ClaimVerdict(True, 1.0).to_dict()["facts"], list)


def test_empty_inputs_and_scorer_specs(scorer):
    assert not scorer.score("", CONTEXT).supported
    assert not scorer.score("Iets.", "").supported
    assert isinstance(make_scorer("overlap"), OverlapScorer)
    with pytest.raises(ValueError, match="nli:<cross-encoder"):
        make_scorer("nli")
    with pytest.raises(ValueError, match="unknown scorer"):
        make_scorer("magic")


def test_scorer_is_thread_safe(scorer):
    claims = ["Nederland doet niet mee aan de EU-missie in Mali.",
              "Minister Blok informeerde de Kamer op 14 april 2019 over de chemische aanval in Douma.",
              "Het kabinet heeft besloten om de Alliantie in 2021 financieel te steunen."] * 4
    expected = [scorer.score(c, CONTEXT).supported for c in claims]
    got: dict[int, bool] = {}
    errors: list[BaseException] = []

    def run(i: int, c: str) -> None:
        try:
            got[i] = scorer.score(c, CONTEXT).supported
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(claims)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [got[i] for i in range(len(claims))] == expected


# --------------------------------------------------------------------------- the model file


def test_model_file_is_plain_json_matching_the_features():
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert data["features"] == FEATURE_NAMES and data["features_version"] == FEATURES_VERSION
    assert len(data["weights"]) == len(FEATURE_NAMES) == len(data["mean"]) == len(data["scale"])
    assert 0.0 < data["threshold"] < 1.0
    assert set(data["hard_checks"]) <= set(FEATURE_NAMES)
    cv = data["cv_grouped_by_context"]
    assert cv["n"] == 1049 and 0.5 < cv["balanced_accuracy"] <= 1.0 and "per_kind" in cv
    assert OfflineScorer().source == str(MODEL_PATH)


def test_model_round_trip_and_stale_file_falls_back(tmp_path):
    model = ClaimModel.load(MODEL_PATH)
    path = tmp_path / "m.json"
    model.save(path)
    again = ClaimModel.load(path)
    assert again.weights == pytest.approx(model.weights, abs=1e-6) and again.threshold == model.threshold
    assert again.meta["hard_checks"] == model.meta["hard_checks"]
    values = dict.fromkeys(FEATURE_NAMES, 0.3)
    assert again.probability(values) == pytest.approx(model.probability(values), abs=1e-5)
    stale = json.loads(path.read_text())
    stale["features"] = stale["features"][:-1]
    path.write_text(json.dumps(stale))
    assert ClaimModel.load(path).source == "fallback"
    assert OfflineScorer(model_path=tmp_path / "absent.json").source == "fallback"


# --------------------------------------------------------------------------- eval-claims


def test_eval_claims_reports_recall_per_kind(tmp_path):
    rows = [
        {"id": "a", "context": CONTEXT, "claim": "Nederland doet niet mee aan de EU-missie in Mali.", "label": 1,
         "kind": "paraphrase"},
        {"id": "b", "context": CONTEXT, "claim": "Minister Blok informeerde de Kamer op 14 april 2019 over de "
                                                 "chemische aanval in Douma.", "label": 0, "kind": "date"},
        {"id": "c", "context": CONTEXT, "claim": "Nederland neemt deel aan de EU-missie in Mali.", "label": 0,
         "kind": "negation"},
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    p = subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", "--home", str(tmp_path / "h"),
                        "eval-claims", str(path), "--json", "--reasons"], cwd=ROOT, capture_output=True, text=True,
                       timeout=600, check=False)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["per_kind"] == {
        "date": {"recall": 1.0, "n": 1, "label": 0},
        "negation": {"recall": 1.0, "n": 1, "label": 0},
        "paraphrase": {"recall": 1.0, "n": 1, "label": 1},
    }
    assert out["balanced_accuracy"] == 1.0
    assert "14 april 2019" in out["items"][1]["failed_fact"]


# --------------------------------------------------------------------------- accuracy (slow)


def _balanced(rows, preds):
    pos = [p for r, p in zip(rows, preds) if r["label"] == 1]
    neg = [p for r, p in zip(rows, preds) if r["label"] == 0]
    return 0.5 * (sum(pos) / len(pos) + sum(not p for p in neg) / len(neg))


@pytest.mark.slow
def test_balanced_accuracy_on_perturbation_slice(scorer):
    """A fixed slice of the rule-made perturbation test split (never used for fitting)."""
    rows = [json.loads(x) for x in (ROOT / "eval" / "data" / "claims_test.jsonl").read_text().splitlines()]
    sample = rows[::20]
    assert _balanced(sample, [scorer.score(r["claim"], r["context"]).supported for r in sample]) >= 0.75


@pytest.mark.slow
def test_cross_validated_accuracy_recorded_in_the_model_file_is_reproduced():
    """Refitting by cross-validation on the blind train documents gives the figure the model file records."""
    from bench.claims import SETS, _verbatim, cross_validate, decide, features, figures, load_jsonl

    model = ClaimModel.load(MODEL_PATH)
    rows = load_jsonl(SETS["blind_train_cv"])
    feats = features(rows, progress=False)
    probs = cross_validate(rows, feats, model.meta["C"])
    f = figures(rows, list(decide(probs, feats, _verbatim(rows), model.threshold, tuple(model.meta["hard_checks"]))))
    assert f["balanced_accuracy"] == pytest.approx(model.meta["cv_grouped_by_context"]["balanced_accuracy"], abs=0.02)
