"""`griffier search`: the --json contract of DESIGN.md and the readable output."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli():
    from ui.cli import answer_cmd, app_cmd, eval_cmd, ingest_cmd, search_cmd
    from ui.cli.common import app

    for module in (ingest_cmd, search_cmd, answer_cmd, eval_cmd, app_cmd):
        module.register(app)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, list(args))

    return run


def test_search_json_contract(cli, demo_home):
    res = cli("--home", str(demo_home.home), "search", "Hoeveel landen onderschrijven de Kigali Principles?",
              "-k", "3", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout.strip().splitlines()[-1])
    assert data["query"].startswith("Hoeveel landen")
    assert len(data["passages"]) == 3
    for p in data["passages"]:
        assert set(p) >= {"rank", "chunk_id", "doc_id", "text", "score", "page_start", "page_end", "section",
                          "citation", "metadata"}
    assert [p["rank"] for p in data["passages"]] == [1, 2, 3]


def test_search_readable_output_and_filters(cli, demo_home):
    res = cli("--home", str(demo_home.home), "search", "Kigali Principles", "-k", "2",
              "--filter", "doc_id=001_a399eb8240a0f1b4")
    assert res.exit_code == 0, res.output
    assert "[1]" in res.stdout and "[2]" in res.stdout and "Kigali" in res.stdout
    js = cli("--home", str(demo_home.home), "search", "Kigali Principles", "--json", "-f",
             "doc_id=001_a399eb8240a0f1b4")
    assert {p["doc_id"] for p in json.loads(js.stdout)["passages"]} == {"001_a399eb8240a0f1b4"}


def test_search_errors(cli, demo_home, tmp_path):
    bad = cli("--home", str(demo_home.home), "search", "x", "--filter", "kleur=rood")
    assert bad.exit_code == 2 and "kleur" in bad.output
    malformed = cli("--home", str(demo_home.home), "search", "x", "--filter", "fractie")
    assert malformed.exit_code == 2 and "key=value" in malformed.output
    empty = cli("--home", str(tmp_path / "leeg"), "search", "x")
    assert empty.exit_code == 1 and "griffier ingest" in empty.output
