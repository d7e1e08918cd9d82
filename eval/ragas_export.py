"""Export an eval run in the RAGAS dataset layout (single-turn samples).

One JSON object a line with `user_input`, `retrieved_contexts` (list of
passage texts given to the answer), `response` and `reference` (the gold
evidence and facts joined; empty for unanswerable questions), plus Griffier's
`id` and `type`. Load it in RAGAS with
`EvaluationDataset.from_list([json.loads(l) for l in open(path)])`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def ragas_rows(per_question: list[dict[str, Any]], gold: list[dict], contexts: dict[str, list[str]]) -> list[dict]:
    by_id = {g.get("id"): g for g in gold}
    rows = []
    for q in per_question:
        g = by_id.get(q["id"], {})
        reference = " ".join([*(g.get("evidence") or []), *(g.get("answer_facts") or [])]).strip()
        rows.append({
            "id": q["id"],
            "type": q.get("type"),
            "user_input": q.get("question") or g.get("question", ""),
            "retrieved_contexts": list(contexts.get(q["id"], [])),
            "response": q.get("answer", ""),
            "reference": reference,
        })
    return rows


def write_ragas(path: Path | str, per_question: list[dict], gold: list[dict], contexts: dict[str, list[str]]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in ragas_rows(per_question, gold, contexts):
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
