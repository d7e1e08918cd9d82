"""Documents page: what is in the index, upload new files, remove a document.

Ingesting and removing are `rag.ingest` calls; this page saves uploads under
the home folder (so `griffier ingest --prune` keeps them) and reports each
file's outcome.
"""

from __future__ import annotations

import logging

import streamlit as st

from ui import render, resources, widgets

log = logging.getLogger(__name__)

settings = resources.get_settings()
widgets.index_caption(settings)
UPLOAD_TYPES = ["txt", "pdf", "docx", "xml", "html", "htm"]

st.title("Documenten")


# -- outcome of the last upload (survives the rerun that follows it) ----------
for level, text in st.session_state.pop("doc_notices", []):
    getattr(st, level)(text)

# -- table ----------------------------------------------------------------------
store = resources.get_store(settings)
docs = store.documents()
if docs:
    st.dataframe(
        render.document_rows(docs),
        width="stretch",
        hide_index=True,
        column_config={"passages": st.column_config.NumberColumn("passages", format="%d")},
    )
    st.caption(f"{len(docs)} documenten, {store.count()} passages in `{settings.home}`.")
else:
    st.info("Nog geen documenten in de index. Voeg hieronder bestanden toe.")

# -- upload ---------------------------------------------------------------------
st.subheader("Bestanden toevoegen")
with st.form("upload_form", clear_on_submit=True):
    files = st.file_uploader(
        "Kamerstukken (.txt, .pdf, .docx, .xml, .html)", type=UPLOAD_TYPES, accept_multiple_files=True,
        key="doc_upload",
    )
    add = st.form_submit_button("Toevoegen aan de index", type="primary")

if add and files:
    bar = st.progress(0.0, text="Bestanden verwerken…")
    notices = resources.ingest_uploads(
        [(f.name, f.getvalue()) for f in files],
        settings,
        on_progress=lambda i, name: bar.progress(i / len(files), text=f"{name} verwerken ({i + 1}/{len(files)})…"),
    )
    bar.progress(1.0, text="Klaar")
    st.session_state["doc_notices"] = notices
    st.rerun()

# -- remove ---------------------------------------------------------------------
if docs:
    st.subheader("Document verwijderen")
    titles = {d.doc_id: d.title or d.doc_id for d in docs}
    with st.form("remove_form"):
        doc_id = st.selectbox(
            "Document", [d.doc_id for d in docs], format_func=lambda d: d if titles[d] == d else f"{d} — {titles[d][:70]}", key="doc_remove"
        )
        sure = st.checkbox("Ja, verwijder dit document en zijn passages uit de index", key="doc_remove_sure")
        remove = st.form_submit_button("Verwijderen")
    if remove:
        if not sure:
            st.warning("Vink eerst aan dat u het document wilt verwijderen.")
        else:
            from rag.ingest import remove_document

            try:
                remove_document(doc_id, settings)
            except Exception as exc:
                log.exception("removing %s failed", doc_id)
                st.error(f"{doc_id} kon niet worden verwijderd: {exc}")
            else:
                resources.clear_index_caches()
                st.session_state["doc_notices"] = [("success", f"**{doc_id}** is verwijderd uit de index.")]
                st.rerun()
