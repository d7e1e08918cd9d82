"""Run the API with uvicorn (`griffier serve`)."""

from __future__ import annotations

import logging
import threading

from corpus.settings import Settings

log = logging.getLogger("griffier.api")


def _warm_up(settings: Settings) -> None:
    """Load the index and the embedding model in the background, so /health answers at once
    and the first question does not pay for the loading."""
    try:
        from rag.retriever import get_retriever

        get_retriever(settings).warm_up()
        log.info("index and embedding model loaded")
    except Exception as exc:  # noqa: BLE001 - no index yet is fine: the first upload makes one
        log.info("not warmed up (%s)", exc)


def serve(settings: Settings, host: str = "127.0.0.1", port: int | None = None, *, log_level: str = "info",
          warm_up: bool = True) -> None:
    """Serve the API on host:port until interrupted; ValueError on a public address without accounts."""
    import uvicorn

    from ui.api.app import create_app
    from ui.office import Office

    office = Office(settings)
    office.check_bind(host)
    port = int(port or settings.api_port)
    app = create_app(settings, bind_host=host, office=office)
    if warm_up:
        threading.Thread(target=_warm_up, args=(settings,), name="griffier-warm-up", daemon=True).start()
    mode = "accounts" if office.has_accounts() else "no accounts: local requests only, unrestricted"
    log.info("Griffier API on http://%s:%d (docs at /docs; %s; home %s)", host, port, mode, settings.home)
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False, date_header=True,
                timeout_graceful_shutdown=10)
