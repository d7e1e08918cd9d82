"""`griffier serve`: the HTTP API (FastAPI + uvicorn) over the home's index and office database."""

from __future__ import annotations

import typer

from ui.cli.common import fail, get_settings


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Another than loopback needs accounts "
                                                           "(`griffier users add`)."),
    port: int | None = typer.Option(None, "--port", help="Port (default: setting api_port, 8000)."),
    no_warm_up: bool = typer.Option(False, "--no-warm-up", help="Do not load the index and model at start."),
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs). Stop with Ctrl-C."""
    from ui.api.server import serve as run

    settings = get_settings()
    try:
        run(settings, host, port, warm_up=not no_warm_up)
    except ValueError as exc:
        fail(str(exc), 2)
    except OSError as exc:  # e.g. the port is in use
        fail(f"cannot listen on {host}:{port or settings.api_port}: {exc}", 1)


def register(app: typer.Typer) -> None:
    if "serve" not in {c.name for c in app.registered_commands}:
        app.command("serve")(serve)
