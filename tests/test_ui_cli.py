"""`griffier ui` and `griffier demo` (ui/cli/app_cmd.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ui.cli import app_cmd

GRIFFIER = str(Path(sys.executable).with_name("griffier"))


def test_streamlit_command_is_headless_on_the_given_port():
    cmd = app_cmd.streamlit_command(8765, address="127.0.0.1")
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(cmd[4]) == app_cmd.APP_PATH and app_cmd.APP_PATH.is_file()
    opts = dict(zip(cmd[5::2], cmd[6::2]))
    assert opts["--server.port"] == "8765"
    assert opts["--server.headless"] == "true"
    assert opts["--browser.gatherUsageStats"] == "false"
    assert opts["--server.address"] == "127.0.0.1"


def test_streamlit_listens_on_loopback_unless_told_otherwise():
    def address(cmd):
        return dict(zip(cmd[5::2], cmd[6::2]))["--server.address"]

    assert address(app_cmd.streamlit_command(8501)) == "127.0.0.1"
    assert address(app_cmd.streamlit_command(8501, address="0.0.0.0")) == "0.0.0.0"


def test_ui_and_demo_are_listed_in_help():
    out = subprocess.run([GRIFFIER, "--help"], check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert " ui " in out.stdout and " demo " in out.stdout
    out = subprocess.run([GRIFFIER, "demo", "--help"], check=False, capture_output=True, text=True, timeout=60)
    assert "--no-ui" in out.stdout and "--port" in out.stdout


@pytest.mark.slow
def test_demo_no_ui_ingests_and_searches(demo_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(demo_home.home, home)  # unchanged files: the ingest is a no-op
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIFFIER_")}
    out = subprocess.run([GRIFFIER, "--home", str(home), "demo", "--no-ui", "--json"],
                         check=False, capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["query"] == app_cmd.DEMO_QUESTION
    assert "000_ed1558a5d4f7a61a" in {p["doc_id"] for p in result["passages"]}
    out = subprocess.run([GRIFFIER, "--home", str(home), "demo", "--no-ui"],
                         check=False, capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0 and "Voorbeeldvraag" in out.stdout
