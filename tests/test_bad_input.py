"""Bad input (issue 3, item 8): each bad file gets a one-line reason naming it, the ingest goes on
with the others, the exit status says files were skipped, and nothing stored is lost."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.errors import LoadError
from corpus.loaders import load_file
from tests._docs import make_pdf

ROOT = Path(__file__).resolve().parent.parent
GOOD = "De leden van de VVD-fractie vragen het kabinet naar de inzet in de Veiligheidsraad.\n\n" \
       "Het kabinet antwoordt dat Nederland zich blijft inzetten voor het multilateralisme.\n"


def _junk_with_nul(path: Path) -> None:
    path.write_bytes(bytes(random.Random(1).randrange(256) for _ in range(8192)) + b"\x00")


def _junk_without_nul(path: Path) -> None:
    # Control bytes and C1 bytes only: no NUL, so only the printable-ratio check catches it.
    rng = random.Random(2)
    path.write_bytes(bytes(rng.choice(list(range(1, 9)) + list(range(14, 32)) + list(range(0x80, 0xA0)))
                           for _ in range(8192)))


def _corrupt_pdf(path: Path) -> None:
    good = make_pdf(path.with_suffix(".tmp"), ["Een pagina met tekst die straks kapot is."]).read_bytes()
    path.with_suffix(".tmp").unlink()
    path.write_bytes(good[:120] + b"\x00garbage" * 20)  # header intact, objects and xref gone


def _not_a_pdf(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 this is a zip with a .pdf name")


def _scanned_pdf(path: Path) -> None:
    make_pdf(path, [None, None, None])


def _bad_docx(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04 not really a docx")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _broken_link(path: Path) -> None:
    path.symlink_to(path.parent / "does-not-exist.txt")


BAD = {
    "empty.txt": (lambda p: p.write_bytes(b""), "empty file"),
    "blank.txt": (lambda p: p.write_text("  \n\n \t\n"), "empty file"),
    "junk.txt": (_junk_with_nul, "binary data"),
    "junk2.txt": (_junk_without_nul, "binary data"),
    "scan.pdf": (_scanned_pdf, "no text layer (scanned?); run OCR (e.g. ocrmypdf) first"),
    "corrupt.pdf": (_corrupt_pdf, "corrupt PDF"),
    "notpdf.pdf": (_not_a_pdf, "not a PDF"),
    "bad.docx": (_bad_docx, "not a readable .docx"),
    "notes.odt": (lambda p: p.write_text("x"), "unknown file type '.odt'; save it as .docx or PDF"),
    "pipe.txt": (_fifo, "not a regular file"),
    "link.txt": (_broken_link, "broken link"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_bad_file_gets_a_one_line_reason(tmp_path, tmp_settings, name):
    make, expected = BAD[name]
    path = tmp_path / name
    make(path)
    with pytest.raises(LoadError) as info:
        load_file(path, tmp_settings)
    msg = str(info.value)
    assert expected in msg
    assert msg.startswith(str(path)) and "\n" not in msg and ";" in msg  # names the file, reason; fix


@pytest.fixture(scope="module")
def big_text(tmp_path_factory) -> Path:
    """A 50 MB text file made of real parliamentary prose."""
    demo = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "demo").glob("*.txt")))
    path = tmp_path_factory.mktemp("big") / "big.txt"
    with open(path, "w", encoding="utf-8") as fh:
        written = 0
        while written < 50 * 2**20:
            fh.write(demo)
            written += len(demo.encode("utf-8"))
    return path


def test_50mb_text_is_skipped_by_default_with_the_fix(big_text, tmp_settings):
    with pytest.raises(LoadError, match=r"50\.\d MB of text, above max_text_mb=10.*raise max_text_mb"):
        load_file(big_text, tmp_settings)
    with pytest.raises(LoadError, match=r"above max_file_mb=20; raise max_file_mb"):
        load_file(big_text, tmp_settings.replace(max_file_mb=20))


def test_50mb_text_loads_when_allowed(big_text, tmp_settings):
    # The loader copes (about 0.5 s, 300 MB RSS); the limit exists for cleaning and embedding time.
    raw = load_file(big_text, tmp_settings.replace(max_text_mb=100))
    assert len(raw.text) > 49 * 2**20 and raw.text.startswith(big_text.read_text(encoding="utf-8")[:1000])


def _cli(home: Path, *args: str, env: dict | None = None, user: int | None = None, timeout: int = 600):
    full_env = {**os.environ, "GRIFFIER_HOME": str(home), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args], cwd=ROOT, env=full_env, capture_output=True, check=False, text=True,
        timeout=timeout, user=user,
    )


@pytest.mark.slow
def test_ingest_goes_on_reports_each_bad_file_and_keeps_the_store(tmp_path, big_text):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "goed.txt").write_text(GOOD, encoding="utf-8")
    (corpus / "ook-goed.txt").write_text(GOOD.replace("VVD", "D66"), encoding="utf-8")
    home = tmp_path / "home"
    first = _cli(home, "ingest", "--no-progress", "--json", str(corpus))
    assert first.returncode == 0, first.stderr
    before = _cli(home, "chunks").stdout

    for name, (make, _) in BAD.items():
        make(corpus / name)
    os.link(big_text, corpus / "big.txt")  # 50 MB, no copy
    (corpus / "goed.txt").write_bytes(b"")  # a stored document whose file is now empty

    run = _cli(home, "ingest", "--no-progress", "--json", str(corpus))
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    expected = {name: exp for name, (_, exp) in BAD.items()}
    expected["big.txt"] = "raise max_text_mb"
    expected["goed.txt"] = "empty file"
    for name, exp in expected.items():
        assert by_name[name]["status"] == "skipped", by_name[name]
        assert exp in by_name[name]["reason"] and "\n" not in by_name[name]["reason"]
    assert "stored version is kept" in by_name["goed.txt"]["reason"]
    assert by_name["ook-goed.txt"]["status"] == "unchanged"
    assert _cli(home, "chunks").stdout == before  # nothing stored was lost

    # The table names each file on the line with its reason; exit status 1 again.
    table = _cli(home, "ingest", "--no-progress", str(corpus))
    assert table.returncode == 1
    for name, exp in expected.items():
        assert any(name in line and exp in line for line in table.stdout.splitlines()), name


def test_unreadable_file_is_skipped(tmp_path):
    """A real permission failure. Root reads any file whatever its mode, so as root the ingest
    runs with the two capabilities that bypass file permissions dropped (util-linux setpriv):
    a fresh process, so no threads or locks are inherited from the test process."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "open.txt").write_text(GOOD, encoding="utf-8")
    secret = corpus / "secret.txt"
    secret.write_text(GOOD, encoding="utf-8")
    secret.chmod(0o000)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        assert setpriv, "setpriv (util-linux) is needed to drop root's file-permission override"
        caps = "-dac_override,-dac_read_search"
        prefix = [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]
    home = tmp_path / "home"
    run = subprocess.run(
        [*prefix, sys.executable, "-m", "ui.cli", "ingest", "--no-progress", "--json", str(corpus)],
        cwd=ROOT, env={**os.environ, "GRIFFIER_HOME": str(home)}, capture_output=True, text=True,
        timeout=600, check=False,
    )
    assert run.returncode == 1, run.stderr[-2000:]
    report = json.loads(run.stdout)
    files = {Path(f["path"]).name: f for f in report["files"]}
    assert files["secret.txt"]["status"] == "skipped"
    assert files["secret.txt"]["reason"].startswith("permission denied; make the file readable")
    assert files["open.txt"]["status"] == "added"
    assert report["ok"] is False
