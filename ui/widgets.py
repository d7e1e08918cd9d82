"""Streamlit widgets shared by several pages (filters, index status).

Widgets only collect choices and show state; what the choices mean for search
is decided by the library (`filters` dicts go to the retriever unchanged).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

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


def filter_sidebar(settings: Settings, *, prefix: str) -> dict[str, Any] | None:
    """Filter widgets in the sidebar; returns the filters dict (or None)."""
    facets = resources.facet_values(settings)
    titles = resources.document_titles(settings)
    selection: dict[str, list[str]] = {}
    with st.sidebar:
        st.subheader("Filters")
        selection["doc_id"] = st.multiselect(
            "Documenten",
            facets.get("doc_id", []),
            format_func=lambda d: f"{titles.get(d, d)[:60]} ({d})" if titles.get(d, d) != d else d,
            key=f"{prefix}_f_doc_id",
            placeholder="Alle documenten",
        )
        for key, label in FACET_LABELS.items():
            options = facets.get(key, [])
            if options:
                selection[key] = st.multiselect(label, options, key=f"{prefix}_f_{key}", placeholder="Alle")
    return build_filters(selection)


def index_caption(settings: Settings) -> None:
    """Backend, model and index size in the sidebar: what the user is talking to."""
    store = resources.get_store(settings)
    n_docs = len(store.documents())
    with st.sidebar:
        st.caption(
            f"Index: {n_docs} documenten, {store.count()} passages  \n"
            f"Taalmodel: `{settings.llm_backend}`  \n"
            f"Embeddings: `{settings.embedding_model}`  \n"
            f"Map: `{settings.home}`"
        )


def inject_css() -> None:
    st.markdown(render.CSS, unsafe_allow_html=True)


def empty_index_notice(settings: Settings) -> bool:
    """Show how to fill an empty index; True when the index is empty."""
    if resources.get_store(settings).count() > 0:
        return False
    st.info(
        "De index is nog leeg. Voeg documenten toe op de pagina **Documenten**, of start "
        "`griffier demo` om de demo-documenten te laden."
    )
    return True
