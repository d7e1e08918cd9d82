"""Errors name the problem and the fix, never a traceback (issue 12, item 7): the real `griffier`
command on bad arguments, bad filters, a home that is a file or empty, an unwritable output, a
full disk and a read-only home (where search must still work)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

GRIFFIER = str(Path(sys.executable).with_name("griffier"))
TEXT = ("Tweede Kamer der Staten-Generaal. De minister schrijft dat de subsidie voor dijkversterking in 2027 "
        "wordt verhoogd tot 12 miljoen euro, omdat de Deltacommissaris daarom vroeg.\n\n") * 2


def _run(*args, env=None, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    out = subprocess.run([GRIFFIER, *args], capture_output=True, check=False, timeout=300, env=env, **kw)
    out.stdout, out.stderr = (x.decode("utf-8", "replace") for x in (out.stdout, out.stderr))
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def small_home(tmp_path_factory):
    """A home with one small document, in a folder every user may enter (for the read-only test)."""
    base = Path(tempfile.mkdtemp(prefix="griffier-ro-", dir="/tmp"))
    base.chmod(0o755)
    home, docs = base / "home", base / "docs"
    home.mkdir()
    docs.mkdir()
    (home / "griffier.toml").write_text("sentence_weight = 0\n")
    (docs / "dijken.txt").write_text(TEXT, encoding="utf-8")
    out = _run("--home", str(home), "ingest", str(docs), "--no-progress")
    assert out.returncode == 0, out.stderr
    yield home
    for p in [base, *base.rglob("*")]:
        if not p.is_symlink():
            p.chmod(stat.S_IRWXU | (p.stat().st_mode & 0o777))
    shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("k", ["0", "-3", "5000"])
def test_invalid_k_is_refused(small_home, k):
    for cmd in (["search", "dijken"], ["ask", "Hoeveel subsidie?"]):
        out = _run("--home", str(small_home), *cmd, "-k", k)
        assert out.returncode == 2 and "the number of passages must be from 1 to 1000" in out.stderr, out.stderr


@pytest.mark.parametrize("value", ["gisteren", "2021-13-45", "04-03-2021"])
def test_invalid_date_filter_is_an_error_not_an_empty_result(small_home, value):
    out = _run("--home", str(small_home), "search", "dijken", "--filter", f"date_from={value}")
    assert out.returncode == 2 and "is not a date; use YYYY-MM-DD" in out.stderr, out.stderr


def test_valid_date_filters_still_work():
    from rag.retriever import FilterError, normalise_filters

    assert normalise_filters({"date_from": "2021", "date_to": "2021-03-04"}) == {"date_from": "2021",
                                                                             "date_to": "2021-03-04"}
    with pytest.raises(FilterError):
        normalise_filters({"datum_van": "2021-02-30"})


def test_non_utf8_arguments(small_home):
    out = _run("--home", str(small_home), "search", b"dijk\xffversterking")
    assert out.returncode == 2 and "the question is not valid UTF-8 text (byte ff" in out.stderr, out.stderr
    out = _run("--home", str(small_home), "search", "dijken", "--filter", b"fractie=\xe9VVD")
    assert out.returncode == 2 and "not valid UTF-8" in out.stderr


def test_home_that_is_a_file_or_empty(tmp_path):
    afile = tmp_path / "home.txt"
    afile.write_text("geen map")
    for cmd in (["search", "x"], ["documents"], ["ingest", str(afile)]):
        out = _run("--home", str(afile), *cmd)
        assert out.returncode == 2 and "is a file, not a folder" in out.stderr, out.stderr
    out = _run("--home", "", "documents", cwd=tmp_path)
    assert out.returncode == 2 and "--home is empty" in out.stderr
    assert not list(tmp_path.glob("*.sqlite")), "an empty --home wrote into the current folder"


def test_unwritable_brief_output(small_home, tmp_path):
    blocker = tmp_path / "een-bestand"
    blocker.write_text("x")
    out = _run("--home", str(small_home), "brief", "dijkversterking", "-o", str(blocker / "notitie.md"))
    assert out.returncode == 2 and "is a file where a folder is needed" in out.stderr, out.stderr
    (tmp_path / "map.md").mkdir()
    out = _run("--home", str(small_home), "brief", "dijkversterking", "-o", str(tmp_path / "map.md"))
    assert out.returncode == 2 and "is a folder" in out.stderr
    if os.geteuid() != 0:  # root writes anywhere; /proc refuses even root
        locked = tmp_path / "dicht"
        locked.mkdir(mode=0o500)
        out = _run("--home", str(small_home), "brief", "dijkversterking", "-o", str(locked / "n.md"))
        assert out.returncode == 2 and "not writable" in out.stderr
    out = _run("--home", str(small_home), "brief", "dijkversterking", "-o", "/proc/griffier-notitie.md")
    assert out.returncode == 2 and "cannot write" in out.stderr, out.stderr


def test_full_disk_is_reported_as_a_full_disk(tmp_path):
    """SQLite on /dev/full gets ENOSPC on every write: the store must not be called unreadable (nor
    moved aside, even with --rebuild)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "chunks.sqlite").symlink_to("/dev/full")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "dijken.txt").write_text(TEXT)
    for extra in ([], ["--rebuild"]):
        out = _run("--home", str(home), "ingest", str(docs), "--no-progress", *extra)
        assert out.returncode == 1, out.stderr
        assert "is full" in out.stderr and "free some space" in out.stderr, out.stderr
        assert "unreadable" not in out.stderr and "Move it aside" not in out.stderr
        assert (home / "chunks.sqlite").is_symlink()  # not moved aside


def _without_root_powers() -> list[str]:
    """A command prefix under which file permissions apply even to root (CI runs as root): the
    capabilities that override them are dropped."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be made to apply")
    return [setpriv, "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


def _run_plain(prefix, *args, env=None):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    out = subprocess.run([*prefix, GRIFFIER, *args], capture_output=True, check=False, text=True, timeout=300, env=env)
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    return out


@pytest.mark.slow
def test_read_only_home_can_still_be_searched(small_home, tmp_path):
    ro = small_home.parent / "ro-home"
    shutil.copytree(small_home, ro)
    for p in [ro, *ro.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    pre = _without_root_powers()
    out = _run_plain(pre, "--home", str(ro), "search", "subsidie dijkversterking", "--json")
    assert out.returncode == 0, out.stderr
    assert '"doc_id": "dijken"' in out.stdout
    out = _run_plain(pre, "--home", str(ro), "ask", "Hoeveel subsidie krijgt de dijkversterking?")
    assert out.returncode == 0 and "12 miljoen" in out.stdout, out.stdout + out.stderr
    out = _run_plain(pre, "--home", str(ro), "documents")
    assert out.returncode == 0 and "dijken" in out.stdout
    docs = small_home.parent / "docs"
    out = _run_plain(pre, "--home", str(ro), "ingest", str(docs), "--no-progress")
    assert out.returncode == 1 and ("not writable" in out.stderr or "read-only" in out.stderr), out.stderr
    assert sorted(p.name for p in ro.iterdir()) == sorted(p.name for p in small_home.iterdir())  # nothing written
