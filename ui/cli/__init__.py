"""The `griffier` command line: a thin shell over the library.

Each subcommand lives in its own module and imports heavy libraries only inside
the command body, so `griffier --help` stays fast. Logs go to stderr; `--json`
output is one JSON object on stdout.
"""

from __future__ import annotations

import logging
import sys

import typer

from ui.cli import answer_cmd, app_cmd, eval_cmd, ingest_cmd, search_cmd
from ui.cli.common import app


def main() -> None:
    for module in (ingest_cmd, search_cmd, answer_cmd, eval_cmd, app_cmd):
        module.register(app)
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        logging.getLogger("griffier").info("onderbroken")
        sys.exit(130)


__all__ = ["main", "app", "typer"]
