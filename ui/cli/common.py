"""Shared pieces of the command line: the Typer app, global options, settings."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from corpus.settings import Settings, load_settings

app = typer.Typer(
    name="griffier",
    help="Griffier: vragen beantwoorden over Kamerstukken, met gecontroleerde bronvermelding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state: dict[str, Any] = {"overrides": {}}


@app.callback()
def _global_options(
    home: Optional[Path] = typer.Option(
        None, "--home", help="Griffier home folder (index, models). Default: $GRIFFIER_HOME or ~/.local/share/griffier."
    ),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output (-vv for debug)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors on stderr."),
) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s", force=True)
    for noisy in ("httpx", "urllib3", "sentence_transformers", "faiss", "bm25s", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    _state["overrides"] = {"home": home}


def get_settings(**overrides: Any) -> Settings:
    """Settings from file and environment, with the global and command flags on top."""
    merged = {**_state["overrides"], **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return load_settings(merged)
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable, for type checkers


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"fout: {message}", err=True)
    raise typer.Exit(code)
