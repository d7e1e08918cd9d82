"""A readable Markdown report of an eval run, with PNG plots (matplotlib, Agg).

    write_report(result_dict, out_dir, previous=None) -> Path to report.md

Sections: headline metric table (with deltas against a previous run's JSON),
per-type breakdown, latency, and the worst questions with their answer,
citations and claim verdicts.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from corpus.display import markdown_line, markdown_text
from eval.metrics import METRIC_KEYS

log = logging.getLogger(__name__)

HEADLINE = ["hit@1", "hit@5", "mrr@10", "evidence_recall@5", "citation_precision", "citation_recall",
            "faithfulness", "answer_fact_recall", "refusal_accuracy"]
WORST_N = 5


def load_result(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read previous eval result {path}: {exc}; pass a file written by "
                         "`griffier eval GOLD --json > run.json`") from exc
    if "metrics" not in data:
        raise ValueError(f"{path} has no 'metrics': not a `griffier eval --json` result")
    return data


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _delta(cur: Any, prev: Any) -> str:
    if not isinstance(cur, (int, float)) or not isinstance(prev, (int, float)):
        return ""
    d = cur - prev
    if abs(d) < 5e-4:
        return "±0"
    return f"{d:+.3f}"


def badness(q: dict) -> float:
    """Higher is worse: wrong refusal decisions first, then missing facts, citations, support, retrieval."""
    b = 0.0 if q.get("refusal_correct", True) else 3.0
    for key, w in (("answer_fact_recall", 1.0), ("citation_recall", 0.7), ("faithfulness", 0.7),
                   ("citation_precision", 0.4), ("hit@5", 0.5)):
        v = q.get(key)
        if v is not None:
            b += w * (1.0 - float(v))
    return b


def _plots(result: dict, previous: dict | None, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    files = []
    m = result["metrics"]
    keys = [k for k in HEADLINE if m.get(k) is not None]
    if keys:
        fig, ax = plt.subplots(figsize=(9, 3.6))
        x = np.arange(len(keys))
        w = 0.38 if previous else 0.7
        ax.bar(x - (w / 2 if previous else 0), [m[k] for k in keys], w, label="deze run", color="#1f5f8b")
        if previous:
            pm = previous["metrics"]
            ax.bar(x + w / 2, [pm.get(k) or 0.0 for k in keys], w, label="vorige run", color="#b0b0b0")
            ax.legend(loc="lower right", fontsize=8)
        ax.set_xticks(x, keys, rotation=30, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.set_title("Metrics")
        fig.tight_layout()
        fig.savefig(out / "metrics.png", dpi=110)
        plt.close(fig)
        files.append("metrics.png")

    by_type = result.get("by_type") or {}
    show = ["hit@5", "answer_fact_recall", "citation_recall", "faithfulness", "refusal_accuracy"]
    if by_type:
        types = sorted(by_type)
        fig, ax = plt.subplots(figsize=(9, 3.6))
        x = np.arange(len(types))
        w = 0.8 / len(show)
        for i, k in enumerate(show):
            vals = [by_type[t].get(k) for t in types]
            ax.bar(x + i * w - 0.4 + w / 2, [v if v is not None else 0 for v in vals], w, label=k)
        ax.set_xticks(x, [f"{t} ({by_type[t]['n']})" for t in types], rotation=20, ha="right", fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7, ncol=3)
        ax.set_title("Per vraagtype")
        fig.tight_layout()
        fig.savefig(out / "by_type.png", dpi=110)
        plt.close(fig)
        files.append("by_type.png")

    lat = [q["latency_s"] for q in result.get("per_question", []) if q.get("latency_s") is not None]
    if lat:
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.hist(lat, bins=min(20, max(5, len(lat) // 2)), color="#1f5f8b")
        ax.set_xlabel("seconden per vraag")
        ax.set_title("Latency")
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=110)
        plt.close(fig)
        files.append("latency.png")
    return files


def render_markdown(result: dict, previous: dict | None = None, images: list[str] | None = None) -> str:
    info = result.get("info") or {}
    m = result["metrics"]
    lines = ["# Griffier evaluation report", ""]
    lines.append(f"- gold: `{info.get('gold', '?')}` ({result['n_questions']} questions)")
    for k in ("backend", "model", "scorer", "embedding_model", "top_k", "answer_passages", "reranker",
              "created"):
        if info.get(k) not in (None, ""):
            lines.append(f"- {k}: `{info[k]}`")
    if previous:
        pi = previous.get("info") or {}
        lines.append(f"- compared with: run of {pi.get('created', '?')} ({pi.get('model', '?')}, "
                     f"{previous.get('n_questions', '?')} questions)")
    lines += ["", "## Metrics", ""]
    if previous:
        lines += ["| metric | value | previous | delta |", "|---|---|---|---|"]
        for k in METRIC_KEYS:
            pv = previous["metrics"].get(k)
            lines.append(f"| {k} | {_fmt(m.get(k))} | {_fmt(pv)} | {_delta(m.get(k), pv)} |")
    else:
        lines += ["| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(m.get(k))} |" for k in METRIC_KEYS]
    note = ("Retrieval and fact recall: answerable questions. Citation precision/recall (ALCE) and "
            "faithfulness: answered questions, judged by the claim-support scorer named above. "
            "Refusal accuracy: all questions (unanswerable ones count only when refused).")
    lines += ["", note, ""]
    for img in images or []:
        lines += [f"![{img}]({img})", ""]

    by_type = result.get("by_type") or {}
    if by_type:
        cols = ["hit@5", "mrr@10", "answer_fact_recall", "citation_precision", "citation_recall", "faithfulness",
                "refusal_accuracy"]
        lines += ["## Per question type", "", "| type | n | " + " | ".join(cols) + " |",
                  "|---|---|" + "---|" * len(cols)]
        for t, r in sorted(by_type.items()):
            lines.append(f"| {t} | {r['n']} | " + " | ".join(_fmt(r.get(c)) for c in cols) + " |")
        lines.append("")

    if previous:
        prev_q = {q["id"]: q for q in previous.get("per_question", [])}
        changed = []
        for q in result.get("per_question", []):
            p = prev_q.get(q["id"])
            if p is not None:
                d = badness(p) - badness(q)
                if abs(d) > 0.05:
                    changed.append((d, q["id"]))
        if changed:
            changed.sort()
            lines += ["## Changed questions", "",
                      "Worse: " + (", ".join(f"{i} ({d:+.2f})" for d, i in changed if d < 0) or "none"),
                      "", "Better: " + (", ".join(f"{i} ({d:+.2f})" for d, i in changed if d > 0) or "none"), ""]

    worst = sorted(result.get("per_question", []), key=badness, reverse=True)[:WORST_N]
    if worst:
        lines += ["## Worst questions", ""]
    for q in worst:
        # Questions, answers, quotes and claims quote documents: escaped, so they show as text.
        lines += [f"### {markdown_line(q['id'])} ({markdown_line(q.get('type'))}): {markdown_line(q.get('question'))}", ""]
        exp = "beantwoordbaar" if q.get("answerable") else "niet beantwoordbaar"
        lines.append(f"- {exp}; refused: {q.get('refused')} (correct: {q.get('refusal_correct')}); "
                     f"first hit rank: {_fmt(q.get('first_hit_rank'))}; facts: {_fmt(q.get('answer_fact_recall'))}; "
                     f"citation P/R: {_fmt(q.get('citation_precision'))}/{_fmt(q.get('citation_recall'))}; "
                     f"faithfulness: {_fmt(q.get('faithfulness'))}; latency {_fmt(q.get('latency_s'), 2)} s")
        answer = (q.get("answer") or "").strip() or "(leeg antwoord)"
        lines += ["", "> " + markdown_text(answer).replace("\n", "\n> "), ""]
        for c in q.get("citations", []):
            quote = (c.get("quote") or "").replace("\n", " ")
            lines.append(f"- [{c.get('n')}] {markdown_line(c.get('doc_id'))} {markdown_line(c.get('citation') or '')}: "
                         f"“{markdown_line(quote[:200])}”")
        for v in q.get("claims", []):
            mark = "✔" if v["supported"] else "✘"
            why = f" ({markdown_line('; '.join(v['reasons']))})" if v.get("reasons") else ""
            lines.append(f"- {mark} {markdown_line(v['claim'])} — {v['score']:.2f}{why}")
        lines.append("")
    return "\n".join(lines) + "\n"


def write_report(result: dict, out_dir: Path | str, previous: dict | None = None) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    images = _plots(result, previous, out)
    path = out / "report.md"
    path.write_text(render_markdown(result, previous, images), encoding="utf-8")
    (out / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    log.info("report written to %s", path)
    return path
