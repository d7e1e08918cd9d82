"""`griffier eval-claims` and `griffier eval` command-line contracts (DESIGN.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PAIRS = [
    {"id": "a", "context": "Het kabinet steunt de resolutie van de Veiligheidsraad uit 2017.",
     "claim": "Het kabinet steunt de Veiligheidsraadresolutie uit 2017.", "label": 1},
    {"id": "b", "context": "Het kabinet steunt de resolutie van de Veiligheidsraad uit 2017.",
     "claim": "Het kabinet steunt de resolutie van de Veiligheidsraad uit 2019.", "label": 0},
    {"id": "c", "context": "Nederland neemt niet deel aan de missie in Mali.",
     "claim": "Nederland neemt deel aan de missie in Mali.", "label": 0},
]


def griffier(*args: str, home: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    pre = ["--home", str(home)] if home else []
    return subprocess.run([sys.executable, "-c", "from ui.cli import main; main()", *pre, *args], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=timeout, check=False)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_eval_claims_json_contract_with_labels(tmp_path):
    p = griffier("eval-claims", str(write_jsonl(tmp_path / "pairs.jsonl", PAIRS)), "--json", home=tmp_path / "h")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)  # one JSON object on stdout, logs on stderr
    assert set(out) == {"items", "balanced_accuracy"}
    assert [it["id"] for it in out["items"]] == ["a", "b", "c"]
    for it in out["items"]:
        assert set(it) == {"id", "supported", "score"}
        assert isinstance(it["supported"], bool) and 0.0 <= it["score"] <= 1.0
    assert [it["supported"] for it in out["items"]] == [True, False, False]
    assert out["balanced_accuracy"] == 1.0


def test_eval_claims_without_labels_and_overlap_scorer(tmp_path):
    rows = [{k: v for k, v in r.items() if k != "label"} for r in PAIRS]
    p = griffier("eval-claims", str(write_jsonl(tmp_path / "p.jsonl", rows)), "--json", "--scorer", "overlap",
                 home=tmp_path / "h")
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["balanced_accuracy"] is None
    # Word overlap cannot see the changed year: the baseline's known weakness.
    assert out["items"][1]["supported"] is True


def test_eval_claims_errors_name_the_problem(tmp_path):
    p = griffier("eval-claims", str(tmp_path / "missing.jsonl"), "--json", home=tmp_path / "h")
    assert p.returncode == 2 and "missing.jsonl" in p.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "claim": "iets"}\n')
    p = griffier("eval-claims", str(bad), "--json", home=tmp_path / "h")
    assert p.returncode == 2 and "context" in p.stderr
    p = griffier("eval-claims", str(write_jsonl(tmp_path / "ok.jsonl", PAIRS)), "--scorer", "magic",
                 home=tmp_path / "h")
    assert p.returncode == 2 and "unknown scorer" in p.stderr


@pytest.mark.slow
def test_eval_gold_json_report_and_compare(demo_home, devset, tmp_path):
    """A real run (extractive answering, bundled embeddings) on a few dev questions incl. an unanswerable one."""
    picked = [q for q in devset if q["doc"] is not None][:2] + [q for q in devset if q["doc"] is None][:1]
    gold = write_jsonl(tmp_path / "gold.jsonl", picked)
    prev = tmp_path / "prev.json"
    prev.write_text(json.dumps({"n_questions": 3, "info": {"created": "earlier"}, "per_question": [],
                                "metrics": {"hit@1": 0.0, "refusal_accuracy": 0.0}}))
    p = griffier("eval", str(gold), "--json", "--backend", "extractive", "--no-progress", "--compare", str(prev),
                 "--report", str(tmp_path / "rep"), "--ragas", str(tmp_path / "ragas.jsonl"), home=demo_home.home)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout)
    assert out["n_questions"] == 3 and len(out["per_question"]) == 3
    for key in ("hit@1", "hit@5", "mrr@10", "citation_precision", "citation_recall", "faithfulness",
                "answer_fact_recall", "refusal_accuracy"):
        assert key in out["metrics"]
        v = out["metrics"][key]
        assert v is None or 0.0 <= v <= 1.0
    report = (tmp_path / "rep" / "report.md").read_text()
    assert "| delta |" in report and "Worst questions" in report
    assert (tmp_path / "rep" / "metrics.png").is_file()
    assert len((tmp_path / "ragas.jsonl").read_text().splitlines()) == 3


@pytest.mark.slow
def test_dev_report_from_full_run(demo_home, devset):
    """The dev-set report CI publishes: every dev question, default configuration, bundled models.

    Written to reports/dev (or $GRIFFIER_REPORT_DIR) so a CI run leaves the readable report behind;
    the floors guard against regressions well below the figures in the README.
    """
    out_dir = Path(os.environ.get("GRIFFIER_REPORT_DIR", ROOT / "reports" / "dev"))
    out_dir.mkdir(parents=True, exist_ok=True)
    p = griffier("eval", str(ROOT / "eval" / "gold" / "dev.jsonl"), "--json", "--no-progress",
                 "--report", str(out_dir), home=demo_home.home, timeout=1200)
    assert p.returncode == 0, p.stderr[-2000:]
    out = json.loads(p.stdout)
    (out_dir / "run.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    m = out["metrics"]
    assert out["n_questions"] == len(devset)
    # Floors under the README's figures for this set (answers are shorter and near misses are refused
    # since the learned answer selection; the old figures came from heuristics tuned on this set).
    assert m["hit@5"] >= 0.85 and m["answered"] >= 0.4 and m["answer_fact_recall"] >= 0.45, m
    assert m["refusal_accuracy"] >= 0.75 and m["citation_precision"] >= 0.9 and m["faithfulness"] >= 0.8, m
    assert (out_dir / "report.md").is_file()
