import sqlite3

import pytest

from corpus.models import Chunk, Document
from corpus.store import ChunkStore, StoreError


def _chunks(doc_id, texts):
    return [Chunk(f"{doc_id}-{i}-{t}", doc_id, t, 1, 1, "s", {"k": i}, (0, len(t)), "cit", i) for i, t in enumerate(texts)]


def test_replace_reports_changes_and_bumps_generation(tmp_path):
    store = ChunkStore(tmp_path)
    g0 = store.generation()
    s = store.replace_document(Document("a", "a.txt", "A", {"dossier": "1"}), _chunks("a", ["x", "y"]), "f1")
    assert (s.added, s.unchanged, s.removed) == (2, 0, 0)
    g1 = store.generation()
    assert g1 > g0
    s = store.replace_document(Document("a", "a.txt", "A", {}), _chunks("a", ["x", "y"]), "f1")
    assert (s.added, s.unchanged, s.removed) == (0, 2, 0)
    assert store.generation() == g1  # nothing changed in the chunk set
    s = store.replace_document(Document("a", "a.txt", "A", {}), _chunks("a", ["x", "z"]), "f2")
    assert (s.added, s.unchanged, s.removed) == (1, 1, 1)
    assert [c.text for c in store.chunks("a")] == ["x", "z"]
    assert store.get_document("a").fingerprint == "f2"
    assert store.get_document("a").n_chunks == 2


def test_roundtrip_and_lookup(tmp_path):
    store = ChunkStore(tmp_path)
    chunks = _chunks("a", ["een", "twee", "drie"])
    store.replace_document(Document("a", "a.txt", None, {}), chunks, "f")
    got = store.get_chunks([chunks[2].chunk_id, "missing", chunks[0].chunk_id])
    assert [c.text for c in got] == ["drie", "een"]
    assert got[0].metadata == {"k": 2} and got[0].char_span == (0, 4)
    assert [c.text for c in store.neighbours(chunks[1])] == ["een", "twee", "drie"]
    assert store.count() == 3
    assert store.remove_document("a") == 3
    assert store.count() == 0 and store.documents() == []


def test_failed_write_keeps_previous_state(tmp_path):
    store = ChunkStore(tmp_path)
    store.replace_document(Document("a", "a.txt", None, {}), _chunks("a", ["x"]), "f")
    dup = _chunks("a", ["y"]) * 2  # duplicate ids are refused before anything is written
    with pytest.raises(StoreError, match="duplicate"):
        store.replace_document(Document("a", "a.txt", None, {}), dup, "g")
    bad = _chunks("a", ["y"])
    bad[0].metadata = {"x": object()}  # not JSON-serialisable: fails mid-transaction
    with pytest.raises(TypeError):
        store.replace_document(Document("a", "a.txt", None, {}), bad, "g")
    assert [c.text for c in ChunkStore(tmp_path).chunks("a")] == ["x"]


def test_corrupt_store_names_file_and_fix(tmp_path):
    (tmp_path / ChunkStore.FILENAME).write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="--rebuild"):
        ChunkStore(tmp_path).count()


def test_schema_version_mismatch_refused(tmp_path):
    ChunkStore(tmp_path).count()
    conn = sqlite3.connect(tmp_path / ChunkStore.FILENAME)
    conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="schema version 99"):
        ChunkStore(tmp_path).count()
