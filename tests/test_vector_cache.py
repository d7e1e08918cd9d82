"""Content-addressed vector cache (issue 12, item 5): keyed by (model, hash of the embedded text),
written batch by batch, so a killed ingest resumes and a renamed, moved or duplicated text is never
embedded again; old cache files are migrated; documents whose vectors are missing are marked."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embeddings.cache import TABLE, VectorCache, embed_cached, text_hash

ROOT = Path(__file__).resolve().parent.parent


class _Counting:
    """A stand-in embedder that counts what it is asked to embed (fast, deterministic vectors)
    and can stop after a number of batches, like an ingest being killed."""

    model_name = "test-model"
    batch_size = 4

    def __init__(self, fail_after_batches: int | None = None):
        self.texts: list[str] = []
        self.batches = 0
        self.fail_after = fail_after_batches

    def embed_passages(self, texts, progress=False):
        if self.fail_after is not None and self.batches >= self.fail_after:
            raise KeyboardInterrupt("killed")
        self.batches += 1
        self.texts += list(texts)
        out = np.zeros((len(texts), 8), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, hash(t) % 8] = 1.0
        return out


def test_identical_texts_are_embedded_once_and_labels_do_not_matter(tmp_path):
    cache = VectorCache(tmp_path / "c.sqlite")
    emb = _Counting()
    texts = ["woord"] * 50 + ["ander woord", "woord"]
    vecs, stats = embed_cached(texts, emb, cache)
    assert emb.texts == ["woord", "ander woord"]  # a file of one repeated word: each distinct text once
    assert stats == {"texts": 52, "unique": 2, "from_cache": 0, "embedded": 2, "texts_from_cache": 0}
    assert vecs.shape == (52, 8) and np.array_equal(vecs[0], vecs[51])
    # the same text under any chunk id, file name or folder: found by content
    assert set(cache.get_many("test-model", [("chunk-a", text_hash("woord")), ("chunk-b", text_hash("woord"))])) \
        == {"chunk-a", "chunk-b"}
    assert cache.get_many("other-model", [("x", text_hash("woord"))]) == {}
    assert cache.count("test-model") == 2


def test_an_interrupted_run_keeps_every_finished_batch(tmp_path):
    cache = VectorCache(tmp_path / "c.sqlite")
    texts = [f"zin nummer {i}" for i in range(20)]
    with pytest.raises(KeyboardInterrupt):
        embed_cached(texts, _Counting(fail_after_batches=3), cache)
    cache.close()
    cache = VectorCache(tmp_path / "c.sqlite")  # a new process: only committed rows count
    assert cache.count("test-model") == 12
    again = _Counting()
    _, stats = embed_cached(texts, again, cache)
    assert stats["from_cache"] == 12 and stats["embedded"] == 8 and len(again.texts) == 8


def test_old_chunk_keyed_cache_is_migrated(tmp_path):
    """A cache file from before (table `vectors`, keyed by chunk_id, with a 16-hex SHA-1 of the text)."""
    import hashlib

    path = tmp_path / "vector_cache.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE vectors (model TEXT NOT NULL, chunk_id TEXT NOT NULL, text_hash TEXT NOT NULL, "
                 "dim INTEGER NOT NULL, vec BLOB NOT NULL, PRIMARY KEY (model, chunk_id))")
    old = np.arange(8, dtype=np.float32)
    old_hash = hashlib.sha1(b"een oude tekst").hexdigest()[:16]
    conn.execute("INSERT INTO vectors VALUES (?,?,?,?,?)", ("test-model", "doc-1-abc", old_hash, 8, old.tobytes()))
    conn.commit()
    conn.close()

    cache = VectorCache(path)
    emb = _Counting()
    vecs, stats = embed_cached(["een oude tekst", "een nieuwe tekst"], emb, cache)
    assert emb.texts == ["een nieuwe tekst"] and stats["from_cache"] == 1
    assert np.array_equal(vecs[0], old)
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {TABLE}
    # promoted to the new key: found by content from now on
    assert text_hash("een oude tekst") in cache.get_keys("test-model", [text_hash("een oude tekst")])


def _env(home: Path) -> dict:
    return {**os.environ, "GRIFFIER_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "PYTHONPATH": str(ROOT)}


def _ingest(home: Path, *args: str, check: bool = True) -> dict:
    proc = subprocess.run([sys.executable, "-m", "ui.cli", "--home", str(home), "ingest", *args, "--json",
                           "--no-progress"], env=_env(home), cwd=ROOT, capture_output=True, check=False, text=True, timeout=900)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def _small_chunks_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    # many small chunks, no sentence vectors: the embedding of chunks is all the work
    (home / "griffier.toml").write_text("chunk_min_words = 8\nchunk_max_words = 30\nsentence_weight = 0\n")
    return home


def _paragraphs(tag: str, n: int) -> str:
    return "\n\n".join(
        f"Alinea {i} van {tag}: de minister meldt dat project {tag}-{i} in het jaar {2000 + i} "
        f"{i * 3} miljoen euro kost en dat de Kamer daarover in kwartaal {i % 4 + 1} wordt ingelicht."
        for i in range(n)
    )


def _cache_rows(home: Path) -> int:
    path = home / VectorCache.FILENAME
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0])
    except sqlite3.DatabaseError:
        return 0


@pytest.mark.slow
def test_kill_9_mid_ingest_resumes_from_the_cache_and_the_gap_is_marked(tmp_path):
    home = _small_chunks_home(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "eerste.txt").write_text(_paragraphs("eerste", 10), encoding="utf-8")
    first = _ingest(home, str(docs))
    n_first = first["index"]["vectors"]
    (docs / "tweede.txt").write_text(_paragraphs("tweede", 240), encoding="utf-8")

    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "--home", str(home), "ingest", str(docs), "--json",
                             "--no-progress"], env=_env(home), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while _cache_rows(home) < n_first + 60 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the ingest finished before it could be killed; give it more text"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    cached = _cache_rows(home) - n_first
    assert cached >= 60

    # The store holds "tweede", the index does not: listed, marked, and search says so.
    listing = subprocess.run([sys.executable, "-m", "ui.cli", "--home", str(home), "documents", "--json"],
                             env=_env(home), cwd=ROOT, capture_output=True, check=False, text=True, timeout=300)
    docs_json = json.loads(listing.stdout)
    marks = {d["doc_id"]: d["searchable"] for d in docs_json["documents"]}
    assert marks == {"eerste": True, "tweede": False}
    assert "tweede" in docs_json["warnings"][0] and "griffier ingest" in docs_json["warnings"][0]
    plain = subprocess.run([sys.executable, "-m", "ui.cli", "--home", str(home), "documents"],
                           env=_env(home), cwd=ROOT, capture_output=True, check=False, text=True, timeout=300)
    assert "NOT SEARCHABLE" in plain.stdout and "griffier ingest" in plain.stderr
    search = subprocess.run([sys.executable, "-m", "ui.cli", "--home", str(home), "search", "project tweede",
                             "--json"], env=_env(home), cwd=ROOT, capture_output=True, check=False, text=True, timeout=300)
    assert search.returncode == 0
    warn = json.loads(search.stdout)["warnings"]
    assert warn and "tweede" in warn[0] and "not (fully) searchable" in warn[0]
    assert "tweede" in search.stderr and "griffier ingest" in search.stderr

    again = _ingest(home, str(docs))
    idx = again["index"]
    total_new = idx["vectors"] - n_first
    assert idx["from_cache"] >= cached and idx["embedded"] == total_new - idx["from_cache"]
    search = subprocess.run([sys.executable, "-m", "ui.cli", "--home", str(home), "search", "project tweede",
                             "--json"], env=_env(home), cwd=ROOT, capture_output=True, check=False, text=True, timeout=300)
    assert json.loads(search.stdout)["warnings"] == []


@pytest.mark.slow
def test_renamed_moved_and_copied_files_embed_nothing(tmp_path):
    home = _small_chunks_home(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "stuk.txt").write_text(_paragraphs("stuk", 12), encoding="utf-8")
    first = _ingest(home, str(docs))
    assert first["index"]["embedded"] > 0
    (docs / "stuk.txt").rename(docs / "hernoemd stuk.txt")
    renamed = _ingest(home, str(docs), "--prune")
    assert renamed["counts"]["added"] == 1 and renamed["counts"]["removed"] == 1
    assert renamed["index"]["embedded"] == 0 and renamed["index"]["from_cache"] == first["index"]["vectors"]
    other = tmp_path / "elders"
    other.mkdir()
    (other / "kopie.txt").write_bytes((docs / "hernoemd stuk.txt").read_bytes())
    copied = _ingest(home, str(other))
    assert copied["index"]["embedded"] == 0


@pytest.mark.slow
def test_a_file_of_one_repeated_word_embeds_each_distinct_text_once(tmp_path):
    """The issue's 1.2 MB file of one word took 504 s, embedded chunk by chunk."""
    home = tmp_path / "home"
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "woord.txt").write_text("woord " * 100_000, encoding="utf-8")  # 600 KB
    t0 = time.monotonic()
    rep = _ingest(home, str(docs))
    idx = rep["index"]
    assert idx["vectors"] > 100 and idx["embedded"] <= 3 and idx["duplicates"] >= idx["vectors"] - 3
    assert idx["sentences_embedded"] <= 3
    assert time.monotonic() - t0 < 120


def test_search_after_a_killed_first_ingest_names_the_stored_documents(tmp_settings):
    """A first ingest killed after the store was written leaves documents but no index."""
    from corpus.models import Chunk, Document
    from corpus.store import ChunkStore
    from rag.indexing import IndexError as GriffierIndexError
    from rag.retriever import HybridRetriever

    store = ChunkStore(tmp_settings.home)
    chunk = Chunk("brief-0", "brief", "De minister schrijft over dijken.", 1, 1, None, {}, None, "brief", 0)
    store.replace_document(Document("brief", "/x/brief.txt", None, {}), [chunk], fingerprint="f")
    with pytest.raises(GriffierIndexError, match=r"no index .* yet: 1 document\(s\) are stored but not .*\(brief\)"
                                                 r".*griffier ingest"):
        HybridRetriever(tmp_settings).search("dijken", 3)
