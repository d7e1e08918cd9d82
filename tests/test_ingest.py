"""Incremental ingest, prune, rebuild, doc_id clashes, remove, the corpus CLI, and a kill mid-ingest."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus import loaders
from corpus.store import ChunkStore
from rag.ingest import ingest_paths, remove_document
from tests._docs import make_pdf

ROOT = Path(__file__).resolve().parent.parent


def _para(i: int, topic: str = "de inzet van Nederland in de Veiligheidsraad") -> str:
    return f"Paragraaf {i}. De leden van de fractie stellen vragen over {topic}, en het kabinet antwoordt uitvoerig."


def _write(path: Path, n: int = 2, topic: str = "de Veiligheidsraad") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(_para(i, topic) for i in range(n)) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def corpus_dir(tmp_path) -> Path:
    d = tmp_path / "corpus"
    _write(d / "a.txt", 2, "de begroting")
    _write(d / "sub" / "b.txt", 3, "de NAVO")
    make_pdf(d / "c.pdf", [_para(1, "het klimaat"), _para(2, "de landbouw")])
    return d


@pytest.fixture()
def store_only(monkeypatch):
    """For tests of the store bookkeeping: skip the index sync (embedding dominates their time).
    The index path runs for real in test_second_run_does_no_work, the CLI and the kill test."""
    import rag.indexing

    monkeypatch.setattr(rag.indexing, "sync_indexes", lambda store, settings, progress=True, **kw: {"skipped": True})


def _status(report) -> dict[str, str]:
    return {r.doc_id: r.status for r in report.results}


def test_second_run_does_no_work(corpus_dir, tmp_settings, monkeypatch):
    first = ingest_paths([corpus_dir], tmp_settings, progress=False)
    assert first.ok and _status(first) == {"a": "added", "b": "added", "c": "added"}
    store = ChunkStore(tmp_settings.home)
    gen, n = store.generation(), store.count()
    assert n > 0 and {d.doc_id for d in store.documents()} == {"a", "b", "c"}

    def no_parsing(*a, **k):
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(loaders, "load_file", no_parsing)
    second = ingest_paths([corpus_dir], tmp_settings, progress=False)
    assert second.ok and set(_status(second).values()) == {"unchanged"}
    assert sum(r.unchanged for r in second.results) == n
    assert store.generation() == gen  # the indexes see no change either
    if "embedded" in second.index:  # the real index sync reports what it did
        assert first.index["embedded"] + first.index.get("from_cache", 0) == n
        assert second.index["embedded"] == 0 and second.index["added"] == 0


def test_changed_file_is_replaced(corpus_dir, tmp_settings, store_only):
    ingest_paths([corpus_dir], tmp_settings, progress=False)
    store = ChunkStore(tmp_settings.home)
    before = [c.text for c in store.chunks("a")]
    (corpus_dir / "a.txt").write_text(f"{_para(0, 'de begroting')}\n\nEen geheel nieuwe alinea over de Noordzee.\n")
    report = ingest_paths([corpus_dir], tmp_settings, progress=False)
    res = {r.doc_id: r for r in report.results}
    assert res["a"].status == "updated" and res["a"].added >= 1 and res["a"].removed >= 1
    assert res["b"].status == "unchanged" and res["c"].status == "unchanged"
    after = [c.text for c in store.chunks("a")]
    assert after != before and any("Noordzee" in t for t in after)
    assert not any("Noordzee" in c.text for d in ("b", "c") for c in store.chunks(d))


def test_sidecar_and_pipeline_changes_reprocess(corpus_dir, tmp_settings, store_only, monkeypatch):
    from corpus import pipeline

    ingest_paths([corpus_dir], tmp_settings, progress=False)
    (corpus_dir / "a.txt.meta.json").write_text(json.dumps({"dossier": "26 150"}))
    report = ingest_paths([corpus_dir], tmp_settings, progress=False)
    assert _status(report) == {"a": "updated", "b": "unchanged", "c": "unchanged"}
    assert ChunkStore(tmp_settings.home).get_document("a").metadata["dossier"] == "26 150"

    monkeypatch.setattr(pipeline, "PIPELINE_VERSION", "cleaning-changed", raising=False)
    report = ingest_paths([corpus_dir], tmp_settings, progress=False)
    assert set(_status(report).values()) == {"updated"}
    report = ingest_paths([corpus_dir], tmp_settings.replace(chunk_max_words=200), progress=False)
    assert set(_status(report).values()) == {"updated"}  # chunking settings are part of the fingerprint


def test_prune_removes_only_gone_files_under_the_given_folders(corpus_dir, tmp_path, tmp_settings, store_only):
    elsewhere = _write(tmp_path / "elders" / "x.txt")
    ingest_paths([corpus_dir, elsewhere], tmp_settings, progress=False)
    (corpus_dir / "sub" / "b.txt").unlink()
    elsewhere.unlink()
    report = ingest_paths([corpus_dir], tmp_settings, progress=False)  # no --prune: nothing removed
    assert "removed" not in _status(report).values()
    report = ingest_paths([corpus_dir], tmp_settings, prune=True, progress=False)
    removed = [r for r in report.results if r.status == "removed"]
    assert [r.doc_id for r in removed] == ["b"] and removed[0].removed > 0 and report.ok
    docs = {d.doc_id for d in ChunkStore(tmp_settings.home).documents()}
    assert docs == {"a", "c", "x"}  # x is gone too, but was not under a folder given now


def test_rebuild_clears_first(corpus_dir, tmp_path, tmp_settings, store_only):
    ingest_paths([corpus_dir, _write(tmp_path / "elders" / "x.txt")], tmp_settings, progress=False)
    report = ingest_paths([corpus_dir], tmp_settings, rebuild=True, progress=False)
    # every file re-processed (each replacing its stored version), and what goes is listed
    statuses = {r.doc_id: r.status for r in report.results}
    assert statuses == {"a": "updated", "b": "updated", "c": "updated", "x": "removed"}
    assert all(r.replaces for r in report.results)
    assert {d.doc_id for d in ChunkStore(tmp_settings.home).documents()} == {"a", "b", "c"}


def test_rebuild_moves_an_unreadable_store_aside(corpus_dir, tmp_settings, store_only):
    home = tmp_settings.home
    home.mkdir(parents=True)
    (home / ChunkStore.FILENAME).write_bytes(b"this is not an SQLite database" * 100)
    from corpus.store import StoreError

    with pytest.raises(StoreError, match="--rebuild"):
        ingest_paths([corpus_dir], tmp_settings, progress=False)
    report = ingest_paths([corpus_dir], tmp_settings, rebuild=True, progress=False)
    assert report.ok and len(list(home.glob("chunks.sqlite.broken-*"))) == 1


def test_same_stem_twice_is_an_error_naming_both(tmp_path, tmp_settings, store_only):
    first = _write(tmp_path / "c" / "a" / "brief.txt", 2, "de eerste brief")
    second = _write(tmp_path / "c" / "b" / "brief.txt", 2, "de tweede brief")
    report = ingest_paths([tmp_path / "c"], tmp_settings, progress=False)
    res = {r.path: r for r in report.results}
    assert res[str(first)].status == "added"
    bad = res[str(second)]
    assert bad.status == "failed" and str(first) in bad.reason and "rename" in bad.reason
    assert report.failed == [bad]
    assert all("eerste" in c.text for c in ChunkStore(tmp_settings.home).chunks("brief"))

    # A skipped file does not claim its doc_id: the OCR'd text beside a scan goes in.
    make_pdf(tmp_path / "c" / "a" / "scan.pdf", [None])
    (tmp_path / "c" / "a" / "scan.txt").write_text("De tekst van de scan, na OCR.\n", encoding="utf-8")
    report = ingest_paths([tmp_path / "c" / "a"], tmp_settings, progress=False)
    assert {r.path.rsplit("/", 1)[1]: r.status for r in report.results} == {
        "brief.txt": "unchanged", "scan.pdf": "skipped", "scan.txt": "added"}

    # Later, from another folder, while the first file still exists: refused as well.
    other = _write(tmp_path / "d" / "brief.txt", 2, "een derde brief")
    report = ingest_paths([other], tmp_settings, progress=False)
    assert report.results[0].status == "failed" and str(first) in report.results[0].reason


def test_moved_file_is_not_reprocessed_and_prune_keeps_it(tmp_path, tmp_settings, store_only):
    src = _write(tmp_path / "oud" / "brief.txt")
    ingest_paths([tmp_path / "oud"], tmp_settings, progress=False)
    dst = tmp_path / "nieuw" / "brief.txt"
    dst.parent.mkdir()
    src.rename(dst)
    report = ingest_paths([tmp_path / "nieuw"], tmp_settings, progress=False)
    assert _status(report) == {"brief": "unchanged"}
    store = ChunkStore(tmp_settings.home)
    assert store.get_document("brief").path == str(dst)
    report = ingest_paths([tmp_path / "oud", tmp_path / "nieuw"], tmp_settings, prune=True, progress=False)
    assert "removed" not in _status(report).values() and store.get_document("brief") is not None


def test_remove_document(corpus_dir, tmp_settings, store_only):
    ingest_paths([corpus_dir], tmp_settings, progress=False)
    store = ChunkStore(tmp_settings.home)
    n = len(list(store.chunks("b")))
    assert remove_document("b", tmp_settings) == n > 0
    assert store.get_document("b") is None and list(store.chunks("b")) == []
    with pytest.raises(KeyError, match="no stored document 'b'"):
        remove_document("b", tmp_settings)


def test_missing_path_raises_before_touching_the_store(tmp_path, tmp_settings):
    with pytest.raises(FileNotFoundError, match="nope"):
        ingest_paths([tmp_path / "nope"], tmp_settings, progress=False)
    assert not (tmp_settings.home / ChunkStore.FILENAME).exists()


# -- command line --------------------------------------------------------
def _cli(home: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "GRIFFIER_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=env, capture_output=True, check=False,
                          text=True, timeout=timeout)


@pytest.mark.slow
def test_cli_ingest_chunks_documents_remove(corpus_dir, tmp_path):
    home = tmp_path / "home"
    run = _cli(home, "ingest", "--no-progress", "--json", str(corpus_dir))
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] and report["counts"]["added"] == 3
    assert {f["status"] for f in report["files"]} == {"added"}

    table = _cli(home, "ingest", "--no-progress", str(corpus_dir))
    assert table.returncode == 0 and "3 unchanged" in table.stdout

    lines = _cli(home, "chunks").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    keys = {"chunk_id", "doc_id", "text", "page_start", "page_end", "section", "citation", "metadata"}
    assert rows and all(set(r) == keys for r in rows)
    assert {r["doc_id"] for r in rows} == {"a", "b", "c"}
    only_b = [json.loads(x) for x in _cli(home, "chunks", "--doc", "b").stdout.splitlines()]
    assert only_b and {r["doc_id"] for r in only_b} == {"b"}
    assert _cli(home, "chunks", "--doc", "zz").returncode == 2

    docs = json.loads(_cli(home, "documents", "--json").stdout)["documents"]
    assert {d["doc_id"]: d["n_chunks"] for d in docs} == {
        d: sum(r["doc_id"] == d for r in rows) for d in ("a", "b", "c")
    }
    assert "c" in _cli(home, "documents").stdout

    assert _cli(home, "remove", "b").returncode == 0
    assert _cli(home, "remove", "b").returncode == 2
    assert "b" not in {d["doc_id"] for d in json.loads(_cli(home, "documents", "--json").stdout)["documents"]}

    missing = _cli(home, "ingest", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "nope" in missing.stderr
    assert _cli(home, "ingest").returncode == 2  # no paths
    helptext = _cli(home, "ingest", "--help").stdout
    assert "Exit status" in helptext and "--prune" in helptext and "--rebuild" in helptext


# -- crash safety ----------------------------------------------------------
def _consistent(home: Path) -> dict[str, int]:
    """Open the store after a crash; every document must have its full chunk set."""
    store = ChunkStore(home)
    docs = {d.doc_id: d.n_chunks for d in store.documents()}
    assert all(n > 0 for n in docs.values()), docs
    orphans = store.conn.execute(
        "SELECT COUNT(*) FROM chunks WHERE doc_id NOT IN (SELECT doc_id FROM documents)").fetchone()[0]
    assert orphans == 0
    store.close()
    return docs


@pytest.mark.slow
def test_kill_mid_ingest_leaves_a_loadable_store_and_a_rerun_completes(tmp_path):
    home = tmp_path / "home"
    base = tmp_path / "base"
    for i in range(3):
        _write(base / f"basis-{i}.txt", 2, f"onderwerp {i}")
    assert _cli(home, "ingest", "--no-progress", str(base)).returncode == 0
    baseline = _consistent(home)
    base_chunks = {c.chunk_id for c in ChunkStore(home).chunks()}

    # A big folder: small letters between slow, scanned (text-less) 150-page PDFs.
    big = tmp_path / "big"
    for i in range(24):
        _write(big / f"brief-{i:02d}.txt", 1, f"brief {i}")
        if i % 4 == 0:
            make_pdf(big / f"scan-{i:02d}.pdf", [None] * 150)
    env = {**os.environ, "GRIFFIER_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "ingest", "--no-progress", str(base), str(big)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = home / ChunkStore.FILENAME
    deadline = time.monotonic() + 120
    seen = len(baseline)
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as conn:
                seen = conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        except sqlite3.Error:
            pass
        if seen >= len(baseline) + 3:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL, "the ingest finished before it could be killed"

    after = _consistent(home)
    assert len(baseline) + 3 <= len(after) < len(baseline) + 24  # killed midway
    assert {d: after[d] for d in baseline} == baseline  # the previous state is intact
    assert base_chunks <= {c.chunk_id for c in ChunkStore(home).chunks()}

    rerun = _cli(home, "ingest", "--no-progress", "--json", str(base), str(big))
    report = json.loads(rerun.stdout)
    assert rerun.returncode == 1  # the scans are skipped: no text layer
    statuses = {Path(f["path"]).name: f["status"] for f in report["files"]}
    assert {s for n, s in statuses.items() if n.startswith("scan")} == {"skipped"}
    assert {s for n, s in statuses.items() if n.startswith(("brief", "basis"))} <= {"added", "unchanged"}
    final = _consistent(home)
    assert len(final) == len(baseline) + 24
