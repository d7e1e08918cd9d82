"""One writer at a time per home (issue 12, item 3): the lock file, waiting or --no-wait, and an
index clean-up that never deletes what another process is reading or writing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from corpus.homelock import HomeBusyError, holder_info, is_locked, writer_lock

ROOT = Path(__file__).resolve().parent.parent


def _env(home: Path) -> dict:
    return {**os.environ, "GRIFFIER_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
            "PYTHONPATH": str(ROOT)}


def _hold_lock_in_child(home: Path, seconds: float, release: Path | None = None) -> subprocess.Popen:
    """A process holding the home's lock for `seconds`, or until the file `release` exists."""
    code = textwrap.dedent(f"""
        import os, sys, time
        from corpus.homelock import writer_lock
        with writer_lock({str(home)!r}, what="test holder"):
            print("held", flush=True)
            end = time.monotonic() + {seconds}
            while time.monotonic() < end and not ({str(release)!r} != "None" and os.path.exists({str(release)!r})):
                time.sleep(0.05)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=_env(home))
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_writer_waits_with_a_message_or_fails_with_no_wait(tmp_path, caplog):
    home = tmp_path / "home"
    holder = _hold_lock_in_child(home, 2.0)
    try:
        assert is_locked(home)
        info = holder_info(home)
        assert info["pid"] == holder.pid and info["command"] == "test holder" and info["since"]
        with pytest.raises(HomeBusyError, match=rf"another ingest is running on .* since .*pid {holder.pid}"):
            with writer_lock(home, wait=False):
                pass
        seen: list[str] = []
        t0 = time.monotonic()
        with caplog.at_level("WARNING", logger="corpus.homelock"):
            with writer_lock(home, on_wait=seen.append):
                waited = time.monotonic() - t0
        assert waited > 0.5, "the second writer did not wait for the first"
        assert seen and "waiting" in seen[0] and "test holder" in seen[0]
        assert any("another ingest is running" in r.getMessage() for r in caplog.records)
    finally:
        holder.wait(10)
    assert not is_locked(home)


def test_lock_is_reentrant_in_a_thread_and_exclusive_across_threads(tmp_path):
    home = tmp_path / "home"
    order: list[str] = []
    with writer_lock(home):
        with writer_lock(home):  # the ingest holds it and calls the index sync, which takes it again
            order.append("nested")

        def other():
            with writer_lock(home):
                order.append("other thread")

        t = threading.Thread(target=other)
        t.start()
        time.sleep(0.3)
        order.append("first done")
    t.join(5)
    assert order == ["nested", "first done", "other thread"]


def test_lock_dies_with_its_holder(tmp_path):
    home = tmp_path / "home"
    holder = _hold_lock_in_child(home, 60)
    holder.kill()  # kill -9: the kernel drops the flock, no stale lock file blocks the home
    holder.wait(10)
    with writer_lock(home, wait=False):
        pass


def test_clean_up_keeps_what_readers_and_other_writers_use(tmp_path):
    """The old clean-up deleted every folder but the newest two, including other writers' temp folders."""
    from rag.indexing import READERS_LOCK, _clean_up, _reading

    root = tmp_path / "index"
    root.mkdir()
    for name in ("v1-a", "v2-b", "v3-c"):
        (root / name).mkdir()
        time.sleep(0.02)  # ordered by modification time
    live_writer = root / f"v4-20250101000000-{os.getppid()}-1.tmp"  # a running process's temp folder
    dead_writer = root / "v4-20250101000000-999999999-1.tmp"
    live_writer.mkdir()
    dead_writer.mkdir()
    (root / "v4-d").mkdir()
    with _reading(root):  # a reader between reading the manifest and opening the files
        _clean_up(root, keep="v4-d")
    assert (root / "v1-a").exists(), "a version was deleted while a reader was opening the index"
    assert live_writer.exists() and not dead_writer.exists()
    _clean_up(root, keep="v4-d")
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == sorted(["v3-c", "v4-d", live_writer.name])
    assert (root / READERS_LOCK).exists()


SEARCH_LOOP = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from corpus.settings import load_settings
    from rag.retriever import HybridRetriever
    settings = load_settings()
    retriever = HybridRetriever(settings)
    stop = Path(sys.argv[1])
    n = errors = 0
    messages = []
    while not stop.exists():
        try:
            retriever.search("subsidie dijkversterking Deltacommissaris", 3)
            n += 1
        except Exception as exc:
            errors += 1
            messages.append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.05)
    print(json.dumps({"searches": n, "errors": errors, "messages": messages[:5]}))
""")


def _doc(i: int) -> str:
    return (f"Tweede Kamer der Staten-Generaal. Brief nummer {i} van de minister over de subsidie voor "
            f"dijkversterking in regio {i}. De Deltacommissaris vroeg om {i} miljoen euro extra voor project {i}. "
            f"Het kabinet neemt dit advies over en meldt de uitvoering in het voorjaar.\n\n") * 2


@pytest.mark.slow
def test_three_concurrent_ingests_and_searches_on_one_home(tmp_path):
    """Three `griffier ingest` runs on one home at once, plus searches in a loop: every run succeeds,
    every document ends up stored and searchable, and no search fails."""
    home = tmp_path / "home"
    base = tmp_path / "base"
    base.mkdir()
    (base / "basis.txt").write_text(_doc(0), encoding="utf-8")
    run = [sys.executable, "-m", "ui.cli", "--home", str(home)]
    subprocess.run(run + ["ingest", str(base), "--no-progress"], check=True, env=_env(home), cwd=ROOT,
                   capture_output=True)
    stop = tmp_path / "stop"
    searcher = subprocess.Popen([sys.executable, "-c", SEARCH_LOOP, str(stop)], env=_env(home), cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folders = []
    for j in range(3):
        folder = tmp_path / f"batch{j}"
        folder.mkdir()
        for i in range(3):
            (folder / f"brief-{j}-{i}.txt").write_text(_doc(10 * j + i + 1), encoding="utf-8")
        folders.append(folder)
    # A holder keeps the home for a moment, so all three runs are certainly contending (before the
    # lock existed it changed nothing: the three ran at once and deleted each other's index folders).
    release = tmp_path / "release"
    holder = _hold_lock_in_child(home, 600, release)
    errs = [tmp_path / f"ingest{j}.err" for j in range(3)]
    ingests = [subprocess.Popen(run + ["ingest", str(f), "--no-progress", "--json"], env=_env(home), cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=e.open("w"), text=True) for f, e in zip(folders, errs)]
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not all("waiting" in e.read_text() for e in errs):
        time.sleep(0.1)
    release.touch()  # all three are queued on the lock now: let them go
    outs = [(p.communicate(timeout=600)[0], e.read_text()) for p, e in zip(ingests, errs)]
    holder.wait(30)
    stop.touch()
    s_out, s_err = searcher.communicate(timeout=120)
    for p, (out, err) in zip(ingests, outs):
        assert p.returncode == 0, err
        rep = json.loads(out)
        assert rep["ok"] and rep["index_error"] is None and rep["counts"]["added"] == 3, rep
    assert all("another ingest is running" in err and "waiting" in err for _, err in outs), \
        "a run did not report waiting for another"
    stats = json.loads(s_out.strip().splitlines()[-1])
    assert stats["errors"] == 0 and stats["searches"] > 0, (stats, s_err[-2000:])

    from corpus.settings import load_settings
    from corpus.store import ChunkStore
    from rag.indexing import indexed_chunk_ids, load_index, unindexed_documents
    from rag.retriever import HybridRetriever

    settings = load_settings({"home": home}, env={})
    store = ChunkStore(home)
    assert len(store.documents()) == 10
    assert unindexed_documents(store, indexed_chunk_ids(settings)) == {}
    idx = load_index(settings)
    assert set(idx.chunk_to_id) == set(store.chunk_ids())  # consistent: store and index agree exactly
    hits = HybridRetriever(settings).search("Deltacommissaris project 23 miljoen", 3)
    assert hits and hits[0].chunk.doc_id == "brief-2-2"
    versions = [p for p in (home / "index").iterdir() if p.is_dir()]
    assert len(versions) <= 2 and not any(p.name.endswith(".tmp") for p in versions)
