"""Shared test fixtures. Area-specific fixtures live in the test modules themselves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "corpus" / "demo"
DEVSET = ROOT / "eval" / "gold" / "dev.jsonl"

# Never reach for a model hub during tests: everything must come from packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO_DIR


@pytest.fixture(scope="session")
def devset() -> list[dict]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture()
def tmp_settings(tmp_path):
    from corpus.settings import load_settings

    return load_settings({"home": tmp_path / "home"}, env={})


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory):
    """The demo corpus ingested once per test session with the default (real) models.

    Tests must treat it as read-only; copy it (shutil.copytree) to change it.
    """
    from corpus.settings import load_settings
    from rag.ingest import ingest_paths

    home = tmp_path_factory.mktemp("demo_home")
    prebuilt = os.environ.get("GRIFFIER_TEST_DEMO_HOME")
    if prebuilt:
        # A developer's already ingested demo home, copied: the ingest below then finds every file
        # unchanged and every vector cached, so it only proves the home is current.
        import shutil

        shutil.copytree(prebuilt, home, dirs_exist_ok=True)
    settings = load_settings({"home": home}, env={})
    report = ingest_paths([DEMO_DIR], settings, progress=False)
    assert not report.failed, report.failed
    return settings
