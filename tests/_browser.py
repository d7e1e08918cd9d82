"""The real Streamlit server and headless Chromium that the browser tests share (ui/browser.py does the work)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ui import browser


def served(home: Path, log_dir: Path) -> Iterator[browser.Server]:
    """A Streamlit server on `home` for as long as the caller's fixture lives; no browser fails the test."""
    missing = browser.browser_available()
    if missing:  # scripts/install.sh --dev installs them; a silent skip would hide a broken CI
        pytest.fail(f"headless browser unavailable: {missing}")
    with browser.serve(home, log_path=log_dir / "server.log") as srv:
        yield srv


def driven(profile_dir: Path) -> Iterator:
    """A headless Chromium WebDriver with a fresh profile in `profile_dir`, quit at the end."""
    d = browser.chrome(profile_dir)
    try:
        yield d
    finally:
        d.quit()
