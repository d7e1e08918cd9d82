"""Streamlit widgets shared by several pages (filters, index status).

Widgets only collect choices and show state; what the choices mean for search
is decided by the library (`filters` dicts go to the retriever unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from corpus.collections import collection_of
from corpus.display import plain_text
from corpus.settings import Settings
from ui import render, resources

FACET_LABELS = {
    "dossier": "Dossier",
    "vergaderjaar": "Vergaderjaar",
    "doc_type": "Type document",
    "fractie": "Fractie",
}


def build_filters(selection: dict[str, list[str]]) -> dict[str, Any] | None:
    """Widget choices -> retriever filters: empty choices are dropped, single
    values passed as scalars, several as lists (any of them matches)."""
    out: dict[str, Any] = {}
    for key, values in selection.items():
        values = [v for v in values if v not in (None, "")]
        if values:
            out[key] = values[0] if len(values) == 1 else list(values)
    return out or None


def filter_sidebar(settings: Settings, *, prefix: str, docs: Sequence[Any] | None = None) -> dict[str, Any] | None:
    """Filter widgets in the sidebar; returns the filters dict (or None).

    `docs`: the documents the user reads (None: all). Every choice offered (documents,
    dossiers, fracties, collections) comes from those only, so a filter list never names
    what the user may not read.
    """
    if docs is None:
        docs = resources.get_store(settings).documents()
    facets = resources.facet_values(settings, [d.doc_id for d in docs])
    titles = {d.doc_id: (d.title or d.doc_id) for d in docs}
    collections = sorted({collection_of(d.metadata) for d in docs})
    selection: dict[str, list[str]] = {}
    with st.sidebar:
        st.subheader("Filters")
        if len(collections) > 1:
            selection["collection"] = st.multiselect(
                "Collectie", collections, key=f"{prefix}_f_collection", placeholder="Alle collecties",
                format_func=lambda v: plain_text(v, single_line=True),
            )
        selection["doc_id"] = st.multiselect(
            "Documenten",
            facets.get("doc_id", []),
            format_func=lambda d: plain_text(f"{titles.get(d, d)[:60]} ({d})" if titles.get(d, d) != d else d,
                                             single_line=True),
            key=f"{prefix}_f_doc_id",
            placeholder="Alle documenten",
        )
        for key, label in FACET_LABELS.items():
            options = facets.get(key, [])
            if options:
                selection[key] = st.multiselect(label, options, key=f"{prefix}_f_{key}", placeholder="Alle",
                                                format_func=lambda v: plain_text(v, single_line=True))
    return build_filters(selection)


def index_caption(settings: Settings, docs: Sequence[Any] | None = None, *, show_home: bool = True) -> None:
    """Backend, model and index size in the sidebar: what the user is talking to.

    `docs`: the documents the user reads (None: all); the counts are theirs only.
    """
    if docs is None:
        store = resources.get_store(settings)
        n_docs, n_passages = len(store.documents()), store.count()
    else:
        n_docs, n_passages = len(docs), sum(int(d.n_chunks) for d in docs)
    home = f"  \nMap: `{settings.home}`" if show_home else ""
    with st.sidebar:
        st.caption(
            f"Index: {n_docs} documenten, {n_passages} passages  \n"
            f"Taalmodel: `{settings.llm_backend}`  \n"
            f"Embeddings: `{settings.embedding_model}`" + home
        )


def inject_css() -> None:
    st.markdown(render.CSS, unsafe_allow_html=True)


def empty_index_notice(settings: Settings, docs: Sequence[Any] | None = None, *, can_upload: bool = True) -> bool:
    """Show how to fill an empty index; True when the index (or the part the user reads, `docs`) is empty."""
    if docs is None:
        if resources.get_store(settings).count() > 0:
            return False
    elif any(int(d.n_chunks) > 0 for d in docs):
        return False
    if not can_upload:
        st.info("Er staan nog geen documenten in de index die u mag lezen. Vraag een redacteur of beheerder "
                "om ze toe te voegen.")
        return True
    st.info(
        "De index is nog leeg. Voeg documenten toe op de pagina **Documenten**, of start "
        "`griffier demo` om de demo-documenten te laden."
    )
    return True
