"""`griffier ui` and `griffier demo`: start the Streamlit app, or load the demo
corpus and open the chat on it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import typer

from corpus.display import terminal_safe
from ui.cli.common import emit_json, fail, get_settings

log = logging.getLogger(__name__)

APP_PATH = Path(__file__).resolve().parent.parent / "app.py"
DEMO_DIR = Path(__file__).resolve().parents[2] / "corpus" / "demo"
DEMO_QUESTION = "Welke rechtsgronden voor geweldgebruik door staten erkent het kabinet?"


def streamlit_command(port: int, *, address: str | None = None) -> list[str]:
    """The `streamlit run` command line for the app (headless, no telemetry).

    Listens on loopback unless an address is given: the index may hold unpublished documents,
    so exposing it on the network is an explicit choice (`--address 0.0.0.0`).
    """
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(APP_PATH),
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.runOnSave", "false",
        "--client.toolbarMode", "minimal",
        "--theme.primaryColor", "#1f5fa8",
    ]
    cmd += ["--server.address", address or "127.0.0.1"]
    return cmd


def run_app(home: Path, port: int, address: str | None = None) -> int:
    """Run the Streamlit server in the foreground on `home`; returns its exit code."""
    env = {**os.environ, "GRIFFIER_HOME": str(home)}
    cmd = streamlit_command(port, address=address)
    typer.echo(f"Griffier draait op http://{address or 'localhost'}:{port} (index: {home}). Stoppen: Ctrl+C", err=True)
    log.debug("running %s", " ".join(cmd))
    try:
        return subprocess.call(cmd, env=env)
    except KeyboardInterrupt:  # pragma: no cover - interactive
        return 130


def register(app: typer.Typer) -> None:
    @app.command("ui")
    def ui_command(
        port: int | None = typer.Option(None, "--port", "-p", help="Port (default: setting ui_port, 8501)."),
        address: str | None = typer.Option(None, "--address", help="Listen address, e.g. 0.0.0.0 for the network."),
    ) -> None:
        """Start the Griffier web app (Streamlit) on the configured index."""
        from ui.office import get_office, is_loopback

        settings = get_settings()
        if address and not is_loopback(address):  # without accounts anyone who reaches it reads and changes all
            try:
                get_office(settings).check_bind(address)
            except ValueError as exc:
                fail(str(exc), 2)
        raise typer.Exit(run_app(settings.home, port or settings.ui_port, address))

    @app.command("demo")
    def demo_command(
        port: int | None = typer.Option(None, "--port", "-p", help="Port for the web app (default 8501)."),
        no_ui: bool = typer.Option(False, "--no-ui", help="Only ingest and run a sample search; do not start the app."),
        as_json: bool = typer.Option(False, "--json", help="With --no-ui: print the sample search as JSON."),
    ) -> None:
        """Load the bundled demo corpus (5 Kamerstukken) into the home and open the chat on it."""
        from rag.ingest import ingest_paths

        settings = get_settings()
        if not DEMO_DIR.is_dir():
            fail(f"demo corpus not found at {DEMO_DIR}; reinstall Griffier (pip install -e .)")
        typer.echo(f"Demo-documenten laden in {settings.home} …", err=True)
        report = ingest_paths([DEMO_DIR], settings, progress=True)
        if getattr(report, "failed", None):
            fail(f"demo ingest failed for: {report.failed}", code=1)
        if not no_ui:
            raise typer.Exit(run_app(settings.home, port or settings.ui_port))

        from rag.retriever import get_retriever

        passages = get_retriever(settings).search(DEMO_QUESTION, k=3)
        if as_json:
            emit_json({"query": DEMO_QUESTION, "passages": [p.to_dict() for p in passages]})
            return
        typer.echo(f"\nVoorbeeldvraag: {DEMO_QUESTION}\n")
        for p in passages:
            c = p.chunk
            snippet = terminal_safe(" ".join(c.text.split())[:240])
            typer.echo(f"{p.rank}. {terminal_safe(c.citation or c.doc_id)}  (score {p.score:.3f})\n   {snippet}…\n")
        typer.echo("Start de chat met: griffier ui", err=True)
