"""The `griffier` command line: a thin shell over the library.

Each subcommand lives in its own module and imports heavy libraries only inside
the command body, so `griffier --help` stays fast. Logs go to stderr; `--json`
output is one JSON object on stdout.
"""

from __future__ import annotations

import logging
import sys

import typer

from ui.cli import answer_cmd, app_cmd, eval_cmd, ingest_cmd, search_cmd, serve_cmd, users_cmd
from ui.cli.common import app


def main() -> None:
    for module in (ingest_cmd, search_cmd, answer_cmd, eval_cmd, app_cmd, serve_cmd, users_cmd):
        module.register(app)
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        logging.getLogger("griffier").info("onderbroken")
        sys.exit(130)
    except Exception as exc:  # the last net: known conditions as one line, never a traceback
        message = _known_failure(exc)
        if message is None:
            raise
        from corpus.display import terminal_safe

        sys.stderr.write(f"fout: {terminal_safe(message, single_line=False)}\n")
        sys.exit(1)


def _known_failure(exc: BaseException) -> str | None:
    """A one-line reason and fix for conditions of the machine rather than bugs: a full disk, a
    read-only or misplaced home, another writer, a store or index that cannot be used."""
    import errno
    import sqlite3

    from corpus.homelock import HomeBusyError
    from corpus.store import StoreError, disk_full_message, os_error_message
    from rag.indexing import IndexError as GriffierIndexError

    if isinstance(exc, (StoreError, HomeBusyError, GriffierIndexError)):
        return str(exc)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES,
                                                  errno.EPERM, errno.ENOTDIR):
        return os_error_message(exc, exc.filename or "the Griffier home", "write")
    if isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc):
        from corpus.settings import load_settings

        return disk_full_message(load_settings().home)
    return None


__all__ = ["main", "app", "typer"]
