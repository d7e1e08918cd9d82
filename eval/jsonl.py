"""Reading the JSON Lines inputs of the evaluation tools (gold questions, claim pairs)."""

from __future__ import annotations

import json
from pathlib import Path


def read_jsonl(
    path: Path | str, *, what: str, expected: str, required: tuple[str, ...], missing: str, id_prefix: str = ""
) -> list[dict]:
    """Rows of a JSON Lines file; blank lines are skipped, rows without an id get `<id_prefix><line>`.

    Errors name the file, the line and what was expected: FileNotFoundError when the file
    is absent, ValueError for a line that is not JSON or lacks a `required` field.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{what} {path} not found; expected {expected}")
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{i}: not valid JSON ({exc})") from exc
        if not isinstance(row, dict) or any(key not in row for key in required):
            raise ValueError(f"{path}:{i}: {missing}")
        row.setdefault("id", f"{id_prefix}{i}")
        rows.append(row)
    return rows
