"""`griffier eval` and `griffier eval-claims` (contracts in DESIGN.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from corpus.display import terminal_safe
from ui.cli.common import emit_json, fail, get_settings


def eval_gold(
    gold: Path = typer.Argument(..., help="Gold questions, JSON Lines (id, question, doc, evidence, answer_facts, type)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object: {n_questions, metrics, per_question}."),
    report: Path | None = typer.Option(None, "--report", help="Write a Markdown report with PNG plots to this folder."),
    compare: Path | None = typer.Option(None, "--compare", help="A previous `eval --json` result to compare with."),
    backend: str | None = typer.Option(None, "--backend", help="LLM backend for answering (default: setting llm_backend)."),
    scorer: str | None = typer.Option(None, "--scorer", help="Claim scorer: offline, overlap, llm or nli:<model>."),
    ragas: Path | None = typer.Option(None, "--ragas", help="Also export the run in the RAGAS dataset layout (JSONL)."),
    limit: int | None = typer.Option(None, "--limit", help="Only the first N questions."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
) -> None:
    """Run gold questions through retrieval and answering; print retrieval, citation and faithfulness metrics."""
    from eval.harness import run_eval
    from eval.report import load_result, write_report

    settings = get_settings(scorer=scorer, llm_backend=backend)
    from ui.cli.common import current_user

    if not current_user().unrestricted:  # the harness retrieves over every document
        fail("eval reads every collection: run it without --user, or as a user granted every collection (*)", 2)
    if not gold.is_file():
        fail(f"gold file {gold} not found (see eval/gold/dev.jsonl for the format)")
    previous = None
    if compare is not None:
        try:
            previous = load_result(compare)
        except ValueError as exc:
            fail(str(exc))
    try:
        result = run_eval(gold, settings, progress=progress, limit=limit)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
        return
    data = result.to_dict()
    if report is not None:
        path = write_report(data, report, previous)
        typer.echo(f"rapport: {path}", err=True)
    if ragas is not None:
        from eval.ragas_export import write_ragas

        write_ragas(ragas, result.per_question, result.gold, result.contexts)
        typer.echo(f"RAGAS-export: {ragas}", err=True)
    if as_json:
        emit_json(data)
        return
    m = data["metrics"]
    prev = (previous or {}).get("metrics", {})
    typer.echo(f"{data['n_questions']} vragen ({terminal_safe(gold)})")
    for k, v in m.items():
        d = ""
        if isinstance(v, (int, float)) and isinstance(prev.get(k), (int, float)):
            d = f"  ({v - prev[k]:+.3f})"
        typer.echo(f"  {k:26s} {'–' if v is None else f'{v:.3f}'}{d}")


def eval_claims(
    pairs: Path = typer.Argument(..., help="JSON Lines with id, context, claim (and optionally label 1/0)."),
    as_json: bool = typer.Option(False, "--json", help='One JSON object: {"items": [...], "balanced_accuracy": ...}.'),
    scorer: str | None = typer.Option(None, "--scorer", help="offline (default), overlap, llm[:backend] or nli:<model>."),
    reasons: bool = typer.Option(False, "--reasons", help="Include the scorer's reasons per item."),
) -> None:
    """Score labelled or unlabelled claim/context pairs with the claim-support scorer."""
    from eval.jsonl import read_jsonl
    from rag.claims import get_scorer

    settings = get_settings(scorer=scorer)
    try:
        rows = read_jsonl(
            pairs, what="pairs file", expected="JSON Lines with id, context, claim", required=("claim", "context"),
            missing="needs 'claim' and 'context' fields",
        )
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
    try:
        sc = get_scorer(settings, spec=scorer)
    except ValueError as exc:
        fail(str(exc))
    if getattr(sc, "name", "") == "offline" and len(rows) > 8:
        from rag.claims.features import prefetch

        prefetch([(r["claim"], r["context"]) for r in rows])
    items, labels, preds, kinds = [], [], [], []
    from tqdm import tqdm

    for r in tqdm(rows, desc="claims", file=sys.stderr, disable=len(rows) < 20):
        v = sc.score(str(r["claim"]), str(r["context"]))
        item = {"id": r["id"], "supported": bool(v.supported), "score": round(float(v.score), 4)}
        if reasons:
            item["reasons"] = v.reasons
            item["failed_fact"] = getattr(v, "failed_fact", None)
        items.append(item)
        if r.get("label") is not None and str(r["label"]).strip() != "":
            labels.append(int(r["label"]))
            preds.append(bool(v.supported))
            kinds.append(r.get("kind"))
    ba = _balanced_accuracy(labels, preds) if labels else None
    per_kind = _per_kind(labels, preds, kinds)
    if as_json:
        out = {"items": items, "balanced_accuracy": ba}
        if per_kind:  # only when the pairs carry a "kind": the contract without it is unchanged
            out["per_kind"] = per_kind
        emit_json(out)
        return
    for it in items:
        typer.echo(f"{terminal_safe(it['id'])}\t{'gesteund' if it['supported'] else 'NIET gesteund'}\t{it['score']:.3f}")
    if ba is not None:
        typer.echo(f"balanced accuracy: {ba:.3f}")
    for kind, r in per_kind.items():
        typer.echo(f"  {terminal_safe(kind):16s} recall {r['recall']:.3f} ({r['n']} paren, label {r['label']})")


def _per_kind(labels: list[int], preds: list[bool], kinds: list) -> dict[str, dict]:
    """Recall per kind: the share of a kind's pairs judged as labelled (a kind's pairs share a label;
    when they do not, the label shown is the most common one)."""
    by: dict[str, list[tuple[int, bool]]] = {}
    for y, p, k in zip(labels, preds, kinds):
        if k is not None and str(k).strip():
            by.setdefault(str(k), []).append((y, p))
    out = {}
    for k in sorted(by):
        pairs = by[k]
        hits = sum(1 for y, p in pairs if p == bool(y))
        label = round(sum(y for y, _ in pairs) / len(pairs))
        out[k] = {"recall": round(hits / len(pairs), 4), "n": len(pairs), "label": label}
    return out


def _balanced_accuracy(labels: list[int], preds: list[bool]) -> float | None:
    pos = [p for y, p in zip(labels, preds) if y == 1]
    neg = [p for y, p in zip(labels, preds) if y == 0]
    if not pos or not neg:
        return None
    return round(0.5 * (sum(pos) / len(pos) + sum(not p for p in neg) / len(neg)), 4)


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_gold)
    app.command("eval-claims")(eval_claims)
