"""The answer check: markers, facts, verbatim quotes, dropped sentences."""

from __future__ import annotations

from corpus.models import Chunk, Passage
from rag.answer.check import (
    SimpleScorer,
    best_quote,
    check_answer,
    markers,
    sentence_spans,
    split_answer,
    strip_markers,
)

P1 = ("De EU Raadswerkgroep voor VN-gerelateerde zaken nam in 2017 voor het eerst een reeks aanbevelingen aan "
      "over het promoten van R2P beginselen. Dit heeft geleid tot meer aandacht voor preventie.")
P2 = ("Minister-president Rhuggenaath van Curaçao sprak namens het Koninkrijk in de Veiligheidsraad op 11 juli jl. "
      "over klimaat en veiligheid. Nederland steunt de resolutie niet.")


def _passages(*texts: str) -> list[Passage]:
    return [Passage(Chunk(f"c{i}", f"doc{i}", t, i + 1, i + 1, None, {}, None, f"Kamerstukken II, nr. {i}", i), 1.0, i + 1)
            for i, t in enumerate(texts)]


def test_sentence_spans_are_verbatim_and_respect_abbreviations():
    text = "Uw Kamer ontving op 18 december jl. (Kamerstuk 29 521, nr. 396) het rapport. Motie-Soerdsma c.s. werd verworpen. Klaar!"
    spans = sentence_spans(text)
    pieces = [text[s:e] for s, e in spans]
    assert pieces == ["Uw Kamer ontving op 18 december jl. (Kamerstuk 29 521, nr. 396) het rapport.",
                      "Motie-Soerdsma c.s. werd verworpen.", "Klaar!"]
    # initials do not end a sentence ("S.A. Blok"), so a signature is one unit, not "…Zaken, S.A."
    signed = "Het kabinet zal de Kamer informeren. De Minister van Buitenlandse Zaken, S.A. Blok. Bijlage volgt."
    assert [signed[s:e] for s, e in sentence_spans(signed)][1] == "De Minister van Buitenlandse Zaken, S.A. Blok."
    assert split_answer("Ondertekend door S.A. Blok [1]. Verder niets [2].") == [
        "Ondertekend door S.A. Blok [1].", "Verder niets [2]."]


def test_markers_and_split():
    assert markers("Zin [1]. Nog een [2, 3][1].") == [1, 2, 3]
    assert strip_markers("Het was 2017 [1].") == "Het was 2017."
    assert split_answer("Eerste zin [1]. Tweede zin [2].") == ["Eerste zin [1].", "Tweede zin [2]."]


def test_supported_sentence_is_kept_with_verbatim_quote():
    ps = _passages(P1, P2)
    res = check_answer("De raadswerkgroep nam in 2017 voor het eerst aanbevelingen aan over R2P [1].", ps, SimpleScorer())
    assert res.n_supported == 1 and res.text
    assert [c.n for c in res.citations] == [1]
    assert res.citations[0].quote in P1
    assert "2017" in res.citations[0].quote
    assert not res.invalid_markers


def test_marker_to_missing_passage_is_removed_and_flagged():
    ps = _passages(P1)
    res = check_answer("De raadswerkgroep nam in 2017 aanbevelingen aan over R2P [1][7].", ps, SimpleScorer())
    assert res.invalid_markers == [7]
    assert "[7]" not in res.text and "[1]" in res.text
    assert any("[7]" in f for f in res.flags)


def test_wrong_number_is_dropped_with_note():
    ps = _passages(P1, P2)
    res = check_answer("De raadswerkgroep nam in 2018 aanbevelingen aan over R2P [1]. "
                       "Rhuggenaath sprak op 11 juli in de Veiligheidsraad [2].", ps, SimpleScorer())
    assert "2018" not in res.text
    assert "Rhuggenaath" in res.text
    dropped = [s for s in res.sentences if not s.supported]
    assert len(dropped) == 1 and "2018" in dropped[0].note
    assert any("weggelaten" in f for f in res.flags)


def test_wrong_name_and_added_negation_are_dropped():
    ps = _passages(P1, P2)
    res = check_answer("Minister-president Pisas van Curaçao sprak in de Veiligheidsraad [2]. "
                       "De raadswerkgroep nam in 2017 geen aanbevelingen aan over R2P [1].", ps, SimpleScorer())
    assert res.n_supported == 0 and res.text == ""


def test_uncited_supported_sentence_gets_its_passage():
    ps = _passages(P1, P2)
    res = check_answer("Rhuggenaath sprak namens het Koninkrijk in de Veiligheidsraad over klimaat en veiligheid.",
                       ps, SimpleScorer())
    assert res.n_supported == 1
    assert [c.n for c in res.citations] == [2]
    assert "[2]" in res.text


def test_sentence_citing_the_wrong_passage_is_not_supported():
    ps = _passages(P1, P2)
    res = check_answer("Rhuggenaath sprak op 11 juli in de Veiligheidsraad [1].", ps, SimpleScorer())
    assert res.n_supported == 0


def test_best_quote_picks_the_supporting_sentence():
    quote, score = best_quote("Nederland steunt de resolutie niet", P2)
    assert quote == "Nederland steunt de resolutie niet."
    assert score > 0.5


def test_claims_scorer_plugs_in(tmp_settings):
    from rag.answer.check import get_scorer

    scorer = get_scorer(tmp_settings)
    v = scorer.score("In 2017 nam de raadswerkgroep aanbevelingen aan over R2P.", P1)
    assert hasattr(v, "supported") and hasattr(v, "score")
