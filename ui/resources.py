"""Process-wide resources of the Streamlit app, loaded once and shared.

Thin wrappers over library calls behind `st.cache_resource`: every browser
session of one server process shares one store, retriever and answerer, keyed
by the settings (as JSON). The retriever reloads itself when an ingest writes a
new index, so uploads from the documents page reach every session without a
restart; filter choices are keyed by the store generation.

The in-process LLM (llama.cpp) is not thread-safe, and Streamlit runs each
session in its own thread: `serialized()` queues answer calls behind one
process-wide lock and shows a waiting note instead of crashing.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from corpus.settings import Settings, load_settings
from corpus.store import ChunkStore

log = logging.getLogger(__name__)

WAITING_TEXT = "Even geduld: het taalmodel beantwoordt eerst een vraag van een andere gebruiker…"


def get_settings() -> Settings:
    """Settings from the home in GRIFFIER_HOME (set by `griffier ui`), the config
    file and the environment. Cheap, so read per run: a changed config file or
    home is seen on the next interaction."""
    return load_settings()


def settings_key(settings: Settings) -> str:
    return json.dumps(settings.to_dict(), sort_keys=True, default=str)


@st.cache_resource(show_spinner=False)
def _store(home: str) -> ChunkStore:
    return ChunkStore(home)


def get_store(settings: Settings) -> ChunkStore:
    return _store(str(settings.home))


@st.cache_resource(show_spinner="Zoekindex laden…", max_entries=4)
def _retriever(key: str) -> Any:
    from rag.retriever import get_retriever

    # The retriever watches the index manifest and reloads itself after an ingest
    # (from this server or the command line), so the key is the settings only.
    return get_retriever(load_settings(json.loads(key)))


def get_retriever(settings: Settings) -> Any:
    return _retriever(settings_key(settings))


@st.cache_resource(show_spinner="Taalmodel laden…", max_entries=4)
def _answerer(key: str) -> Any:
    from rag.answering import get_answerer

    settings = load_settings(json.loads(key))
    log.info("answerer %s for %s", settings.llm_backend, settings.home)
    return get_answerer(settings)


def get_answerer(settings: Settings) -> Any:
    return _answerer(settings_key(settings))


@st.cache_resource(show_spinner=False)
def _llm_lock() -> threading.Lock:
    return threading.Lock()


def llm_lock() -> threading.Lock:
    """The one lock all sessions of this process queue on for model calls."""
    return _llm_lock()


def needs_serializing(settings: Settings) -> bool:
    """True for backends that run a model inside this process (llama.cpp).

    Remote endpoints (Ollama, OpenAI-compatible) handle their own concurrency and
    the extractive backend holds no model state, so they are not queued.
    """
    backend = settings.llm_backend
    return backend == "bundled" or backend.startswith("gguf:")


@contextmanager
def serialized(settings: Settings, on_wait: Callable[[], Any] | None = None) -> Iterator[float]:
    """Hold the process-wide model lock for the block (when the backend needs it).

    `on_wait` is called when another session holds the lock; whatever it returns
    (e.g. an `st.empty()` showing a waiting note) is cleared once it is our turn.
    Yields the seconds spent waiting.
    """
    if not needs_serializing(settings):
        yield 0.0
        return
    lock = llm_lock()
    waited = 0.0
    if not lock.acquire(blocking=False):
        note = on_wait() if on_wait else None
        t0 = time.perf_counter()
        lock.acquire()
        waited = time.perf_counter() - t0
        if note is not None and hasattr(note, "empty"):
            note.empty()
    try:
        yield waited
    finally:
        lock.release()


class StreamCollector:
    """Splits an answer stream (str pieces, then one final Answer) into the text
    pieces for `st.write_stream` and the Answer, kept in `.answer`."""

    def __init__(self, stream: Iterator[Any]):
        self._stream = stream
        self.answer: Any = None

    def __iter__(self) -> Iterator[str]:
        for item in self._stream:
            if isinstance(item, str):
                if item:
                    yield item
            else:
                self.answer = item


def locked_stream(settings: Settings, make_stream: Callable[[], Iterator[Any]], on_wait=None) -> Iterator[Any]:
    """Run `make_stream()` under `serialized`, lock held until the stream ends
    (or the session stops it: the generator's close releases the lock)."""
    with serialized(settings, on_wait):
        yield from make_stream()


def facet_values(settings: Settings) -> dict[str, list[str]]:
    """Filter choices present in the index: {"doc_id": [...], "dossier": [...], ...}."""
    store = get_store(settings)
    return _facets(str(settings.home), store.generation())


FACETS = ("dossier", "vergaderjaar", "doc_type", "fractie")


@st.cache_data(show_spinner=False, max_entries=4)
def _facets(home: str, generation: int) -> dict[str, list[str]]:
    store = _store(home)
    values: dict[str, set[str]] = {k: set() for k in FACETS}
    docs = store.documents()
    for d in docs:
        for k in FACETS:
            v = d.metadata.get(k)
            if v not in (None, ""):
                values[k].update(map(str, v) if isinstance(v, list) else [str(v)])
    # Fractie lives on chunks (the asking fractie of a question block).
    for c in store.chunks():
        v = c.metadata.get("fractie")
        if v:
            values["fractie"].add(str(v))
    out = {k: sorted(v) for k, v in values.items()}
    out["doc_id"] = [d.doc_id for d in docs]
    return out


def document_titles(settings: Settings) -> dict[str, str]:
    return {d.doc_id: (d.title or d.doc_id) for d in get_store(settings).documents()}


def clear_index_caches() -> None:
    """After an ingest or removal: drop the filter choices (keyed by store
    generation anyway; this frees the old ones now). Retriever and answerer
    notice the new index by themselves."""
    _facets.clear()


def home_from_env() -> str | None:
    return os.environ.get("GRIFFIER_HOME")


def safe_upload_name(name: str) -> str:
    """A file name without folders or odd characters (its stem becomes the doc_id)."""
    import re
    from pathlib import Path

    stem = Path(name).name
    return re.sub(r"[^\w.\-]+", "_", stem).strip("._") or "document"


def ingest_uploads(
    uploads: list[tuple[str, bytes]], settings: Settings, on_progress: Callable[[int, str], Any] | None = None
) -> list[tuple[str, str]]:
    """Save uploaded files under <home>/uploads and ingest them one by one.

    Returns (level, Markdown) notices per file; one bad file never stops the
    others. Kept under the home so `griffier ingest --prune` does not lose them.
    """
    from rag.ingest import ingest_paths
    from ui import render

    upload_dir = settings.home / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    notices: list[tuple[str, str]] = []
    for i, (name, data) in enumerate(uploads):
        if on_progress:
            on_progress(i, name)
        path = upload_dir / safe_upload_name(name)
        path.write_bytes(data)
        try:
            report = ingest_paths([path], settings, progress=False)
        except Exception as exc:
            log.exception("ingest of %s failed", path)
            notices.append(("error", f"**{name}**: niet toegevoegd — {exc}"))
            continue
        notices += render.ingest_notices(report, name)
    clear_index_caches()
    return notices
