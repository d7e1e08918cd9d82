"""Placeholder: filled in by the issue that owns these subcommands."""

import typer


def register(app: typer.Typer) -> None:
    return None
