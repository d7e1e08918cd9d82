"""Errors the corpus stage raises for bad input.

Each one names the file, says what is wrong and how to fix it, in one line, so
`griffier ingest` can print it as the file's "skipped" reason and go on.
"""

from __future__ import annotations

from pathlib import Path


class LoadError(Exception):
    """A file that cannot be turned into a `RawDocument`.

    `reason` says what is wrong ("no text layer (scanned?)"), `fix` what the
    user can do about it ("run OCR (e.g. ocrmypdf) first"); both are short.
    """

    def __init__(self, path: Path | str, reason: str, fix: str = ""):
        self.path = str(path)
        self.reason = reason
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """`<reason>; <fix>` without the path (the ingest report shows the path)."""
        return f"{self.reason}; {self.fix}" if self.fix else self.reason

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"
