"""The HTTP API (`griffier serve`): a third shell beside the command line and the Streamlit app.

`create_app(settings)` builds the FastAPI app; `ui.api.server.serve` runs it with uvicorn.
Routes call the library (rag.answer, rag.briefing, rag.retriever, rag.ingest) and
ui.office (accounts, collections, audit, history, feedback); they hold no logic of their own.
"""

from ui.api.app import create_app

__all__ = ["create_app"]
