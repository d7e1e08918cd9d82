"""Writing a small file so that a reader sees the old or the new content, never half of it."""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomic(path: Path | str, text: str) -> None:
    """Write `text` (UTF-8) to a temporary file beside `path`, then rename it over `path`; on failure
    the temporary file is removed and `path` is as it was."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
