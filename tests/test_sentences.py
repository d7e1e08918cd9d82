"""Sentence-level dense scoring (rag/sentences.py): splitting and max-sim, no model needed."""

import numpy as np

from rag.sentences import SentenceIndex, save, split_sentences


def test_split_keeps_sentences_and_drops_short_fragments():
    text = "Antwoord 12\nHet kabinet steunt het voorstel niet. Dat is in 2019 besloten; 26 150 blijft open."
    assert split_sentences(text) == [
        "Het kabinet steunt het voorstel niet.",
        "Dat is in 2019 besloten;",
        "26 150 blijft open.",
    ]
    assert split_sentences("") == []


def test_max_sim_takes_the_best_sentence_of_a_chunk(tmp_path):
    vecs = np.eye(4, dtype=np.float32)
    save(tmp_path, vecs, {"a": [0, 2], "b": [2, 4]})
    idx = SentenceIndex.load(tmp_path)
    q = np.array([0.1, 0.9, 0.2, 0.0], dtype=np.float32)
    assert abs(idx.max_sim(q, "a") - 0.9) < 1e-6
    assert abs(idx.max_sim(q, "b") - 0.2) < 1e-6
    assert idx.max_sim(q, "missing") is None
    assert SentenceIndex.load(tmp_path / "none") is None
