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
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from corpus.files import write_text_atomic
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
    from rag.answer import get_answerer

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


def facet_values(settings: Settings, doc_ids: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Filter choices present in the index: {"doc_id": [...], "dossier": [...], ...}.

    `doc_ids`: only the choices these documents carry (the ones a user reads); None: all.
    """
    store = get_store(settings)
    per_doc = _doc_facets(str(settings.home), store.generation())
    keep = list(per_doc) if doc_ids is None else [d for d in per_doc if d in set(doc_ids)]
    values: dict[str, set[str]] = {k: set() for k in FACETS}
    for doc_id in keep:
        for k, vs in per_doc[doc_id].items():
            values[k].update(vs)
    out = {k: sorted(v) for k, v in values.items()}
    out["doc_id"] = keep
    return out


FACETS = ("dossier", "vergaderjaar", "doc_type", "fractie")


@st.cache_data(show_spinner=False, max_entries=4)
def _doc_facets(home: str, generation: int) -> dict[str, dict[str, list[str]]]:
    """doc_id -> facet -> values, in doc_id order; per document, so a user's choices are the union of theirs."""
    store = _store(home)
    per_doc: dict[str, dict[str, set[str]]] = {}
    for d in store.documents():
        values: dict[str, set[str]] = {k: set() for k in FACETS}
        for k in FACETS:
            v = d.metadata.get(k)
            if v not in (None, ""):
                values[k].update(map(str, v) if isinstance(v, list) else [str(v)])
        per_doc[d.doc_id] = values
    # Fractie lives on chunks (the asking fractie of a question block).
    for c in store.chunks():
        v = c.metadata.get("fractie")
        if v and c.doc_id in per_doc:
            per_doc[c.doc_id]["fractie"].add(str(v))
    return {doc_id: {k: sorted(v) for k, v in values.items() if v} for doc_id, values in per_doc.items()}


def document_titles(settings: Settings) -> dict[str, str]:
    return {d.doc_id: (d.title or d.doc_id) for d in get_store(settings).documents()}


def readable_documents(settings: Settings, user: Any = None) -> list:
    """The stored documents `user` (a ui.office User) reads; all of them for None or an unrestricted user.

    Collections are read fresh from the store on every call: a document moved to another
    collection disappears from a user's view at once.
    """
    store = get_store(settings)
    if user is None or user.unrestricted:
        return store.documents()
    from ui.office import access

    return access.readable_documents(user, store)


def clear_index_caches() -> None:
    """After an ingest or removal: drop the filter choices (keyed by store
    generation anyway; this frees the old ones now). Retriever and answerer
    notice the new index by themselves."""
    _doc_facets.clear()


def home_from_env() -> str | None:
    return os.environ.get("GRIFFIER_HOME")


def safe_upload_name(name: str) -> str:
    """A file name without folders or odd characters (its stem becomes the doc_id)."""
    import re
    from pathlib import Path

    stem = Path(name).name
    return re.sub(r"[^\w.\-]+", "_", stem).strip("._") or "document"


UPLOAD_NAMES = ".upload-names.json"  # saved file name -> the name it was uploaded as


def upload_target(upload_dir, name: str, data: bytes):
    """Where an upload is saved, and a notice when that is not simply its own name.

    Different upload names can clean up to one file name ("Brief 2024.txt" and
    "Brief_2024.txt" both give Brief_2024.txt). The name each saved file was uploaded
    as is kept in uploads/.upload-names.json: a new upload of the *same* name replaces
    its earlier version (the ingest report says what it replaces), any other clash is
    saved under a free name ("Brief_2024-2.txt") and said so. Never a silent overwrite.
    """
    from pathlib import Path

    from corpus.display import markdown_line

    registry_path = Path(upload_dir) / UPLOAD_NAMES
    try:
        registry = json.loads(registry_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        registry = {}
    wanted = safe_upload_name(name)
    target = Path(upload_dir) / wanted
    stem, suffix = target.stem, target.suffix
    n = 1
    while target.exists() and registry.get(target.name) != name:
        if registry.get(target.name) is None and target.read_bytes() == data:
            break  # the same bytes under a name saved before the registry existed: nothing is lost
        n += 1
        target = target.with_name(f"{stem}-{n}{suffix}")
    registry[target.name] = name
    write_text_atomic(registry_path, json.dumps(registry, ensure_ascii=False, indent=1))
    if target.name != wanted:
        return target, (f"**{markdown_line(name)}**: opgeslagen als {markdown_line(target.name)}, want "
                        f"{markdown_line(wanted)} bestaat al (geüpload als "
                        f"{markdown_line(registry.get(wanted, wanted))}) en wordt niet overschreven.")
    return target, None


def ingest_uploads(
    uploads: list[tuple[str, bytes]], settings: Settings, on_progress: Callable[[int, str], Any] | None = None
) -> list[tuple[str, str]]:
    """Save uploaded files under <home>/uploads and ingest them one by one.

    Returns (level, Markdown) notices per file; one bad file never stops the
    others. Kept under the home so `griffier ingest --prune` does not lose them.
    """
    from corpus.display import markdown_line
    from rag.ingest import ingest_paths
    from ui import render

    upload_dir = settings.home / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    notices: list[tuple[str, str]] = []
    for i, (name, data) in enumerate(uploads):
        if on_progress:
            on_progress(i, name)
        path, note = upload_target(upload_dir, name, data)
        if note:
            notices.append(("warning", note))
        path.write_bytes(data)
        try:
            report = ingest_paths([path], settings, progress=False)
        except Exception as exc:
            log.exception("ingest of %s failed", path)
            notices.append(("error", f"**{markdown_line(name)}**: niet toegevoegd — {markdown_line(exc)}"))
            continue
        notices += render.ingest_notices(report, name)
        for r in report.results:  # a replaced document is said, not silently swapped
            if r.status == "updated" and getattr(r, "replaces", ""):
                notices.append(("info", f"**{markdown_line(name)}**: vervangt de eerder opgeslagen versie "
                                        f"({markdown_line(r.replaces)})."))
    clear_index_caches()
    return notices
