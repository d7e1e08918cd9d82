"""Documents page: what is in the index, upload new files, remove a document.

Listing, uploading and removing are `ui.office.documents` calls, the same as
the HTTP API's: a user sees only the documents of the collections they read,
and only an editor or admin uploads and removes, in the collections they may
write. Uploads are kept under the home folder (so `griffier ingest --prune`
keeps them); each file's outcome is reported.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import streamlit as st

from corpus.collections import DEFAULT_COLLECTION, normalise_collection
from corpus.display import markdown_line, plain_text
from ui import login, render, resources, widgets
from ui.office import documents as office_docs

log = logging.getLogger(__name__)

settings = resources.get_settings()
user = login.require_user(settings)
office = login.office(settings)
UPLOAD_TYPES = ["txt", "pdf", "docx", "xml", "html", "htm"]
NEW_COLLECTION = "__nieuw__"

st.title("Documenten")

# What the user reads, through the same library call as GET /api/documents: a document in
# another collection is not listed, counted or named anywhere on this page.
docs = office_docs.list_documents(office, user)
widgets.index_caption(settings, [SimpleNamespace(n_chunks=d["n_chunks"]) for d in docs],
                      show_home=user.unrestricted)


def _refusal(exc: office_docs.DocumentError, name: str) -> str:
    """A refused upload or removal in Dutch (the library's message is for the API's English clients)."""
    label = f"**{markdown_line(name)}**"
    if isinstance(exc, office_docs.TooLarge):
        return f"{label}: te groot; het maximum is {settings.api_max_upload_mb:g} MB."
    if isinstance(exc, office_docs.Unsupported):
        return f"{label}: dit bestandstype wordt niet ondersteund; gebruik .txt, .pdf, .docx, .xml of .html."
    if isinstance(exc, office_docs.NameTaken):
        return (f"{label}: er staat al een document met deze naam in de index. Geef het bestand een andere naam, "
                f"of verwijder eerst het bestaande document.")
    if isinstance(exc, office_docs.NotAllowed):
        return f"{label}: dat mag u niet in deze collectie."
    if isinstance(exc, office_docs.NotFound):
        return f"{label}: dit document bestaat niet (meer)."
    return f"{label}: niet toegevoegd — {markdown_line(exc)}"


def _upload_notice(res: office_docs.UploadResult, name: str) -> list[tuple[str, str]]:
    label, coll = f"**{markdown_line(name)}**", markdown_line(res.collection)
    if res.status == "unchanged":
        out = [("info", f"{label}: ongewijzigd, staat al in de index (collectie {coll}).")]
    else:
        verb = "bijgewerkt" if res.status == "updated" else "toegevoegd"
        out = [("success", f"{label}: {verb} aan collectie {coll} ({res.chunks} passages).")]
    if res.index_error:
        out.append(("error", f"De zoekindex kon niet worden bijgewerkt: {markdown_line(res.index_error)}"))
    return out


# -- outcome of the last upload (survives the rerun that follows it) ----------
for level, text in st.session_state.pop("doc_notices", []):
    getattr(st, level)(text)

# -- table ----------------------------------------------------------------------
if docs:
    rows = render.document_rows([SimpleNamespace(**d) for d in docs])
    for row, d in zip(rows, docs):
        row["collectie"] = plain_text(d["collection"], single_line=True)
    st.dataframe(
        rows,
        width="stretch",
        hide_index=True,
        column_config={"passages": st.column_config.NumberColumn("passages", format="%d")},
    )
    where = f" in `{settings.home}`" if user.unrestricted else ""
    st.caption(f"{len(docs)} documenten, {sum(d['n_chunks'] for d in docs)} passages{where}.")
elif user.at_least("editor"):
    st.info("Nog geen documenten in de index. Voeg hieronder bestanden toe.")
else:
    st.info("Er staan nog geen documenten in de index die u mag lezen.")

if not user.at_least("editor"):
    st.caption("U kunt documenten lezen en doorzoeken; toevoegen en verwijderen is voor redacteuren en beheerders.")
    st.stop()

# -- upload ---------------------------------------------------------------------
# The collections the user may write: their grant, or (unrestricted) every existing one plus a new name.
if user.unrestricted:
    existing = sorted({d["collection"] for d in docs} | {DEFAULT_COLLECTION})
    choices = [*existing, NEW_COLLECTION]
else:
    choices = sorted(c for c in user.collections if user.can_write(c))
st.subheader("Bestanden toevoegen")
with st.form("upload_form", clear_on_submit=True):
    files = st.file_uploader(
        "Kamerstukken (.txt, .pdf, .docx, .xml, .html)", type=UPLOAD_TYPES, accept_multiple_files=True,
        key="doc_upload",
    )
    collection = st.selectbox(
        "Collectie", choices, key="doc_collection",
        format_func=lambda c: "Nieuwe collectie…" if c == NEW_COLLECTION else plain_text(c, single_line=True),
    ) if len(choices) > 1 else (choices[0] if choices else None)
    if len(choices) == 1:
        st.caption(f"Collectie: {markdown_line(choices[0])}")
    new_name = st.text_input("Naam van de nieuwe collectie", key="doc_new_collection",
                             placeholder="bijv. intern") if NEW_COLLECTION in choices else ""
    add = st.form_submit_button("Toevoegen aan de index", type="primary", disabled=not choices)

if add and files:
    notices: list[tuple[str, str]] = []
    target = collection
    if collection == NEW_COLLECTION:
        try:
            target = normalise_collection(new_name)
        except ValueError:
            target = None
            notices.append(("error", ("Geef de nieuwe collectie een naam van kleine letters, cijfers, '-', '_' "
                                      "of '.', bijvoorbeeld `intern`.")))
    if target:
        bar = st.progress(0.0, text="Bestanden verwerken…")
        for i, f in enumerate(files):
            bar.progress(i / len(files), text=f"{markdown_line(f.name)} verwerken ({i + 1}/{len(files)})…")
            try:
                res = office_docs.upload_document(office, user, f.name, f.getvalue(), target, source=login.source())
            except office_docs.DocumentError as exc:
                notices.append(("error", _refusal(exc, f.name)))
            except Exception as exc:
                log.exception("upload of %s failed", f.name)
                notices.append(("error", f"**{markdown_line(f.name)}**: niet toegevoegd — {markdown_line(exc)}"))
            else:
                notices += _upload_notice(res, f.name)
        bar.progress(1.0, text="Klaar")
        resources.clear_index_caches()
    st.session_state["doc_notices"] = notices
    st.rerun()

# -- remove ---------------------------------------------------------------------
writable = [d for d in docs if user.can_write(d["collection"])]
if writable:
    st.subheader("Document verwijderen")
    titles = {d["doc_id"]: d["title"] or d["doc_id"] for d in writable}
    with st.form("remove_form"):
        doc_id = st.selectbox(
            "Document", [d["doc_id"] for d in writable], key="doc_remove",
            format_func=lambda d: plain_text(d if titles[d] == d else f"{d} — {titles[d][:70]}", single_line=True),
        )
        sure = st.checkbox("Ja, verwijder dit document en zijn passages uit de index", key="doc_remove_sure")
        remove = st.form_submit_button("Verwijderen")
    if remove:
        if not sure:
            st.warning("Vink eerst aan dat u het document wilt verwijderen.")
        else:
            try:
                office_docs.delete_document(office, user, doc_id, source=login.source())
            except office_docs.DocumentError as exc:
                st.error(_refusal(exc, doc_id))
            except Exception as exc:
                log.exception("removing %s failed", doc_id)
                st.error(f"{markdown_line(doc_id)} kon niet worden verwijderd: {markdown_line(exc)}")
            else:
                resources.clear_index_caches()
                st.session_state["doc_notices"] = [("success", f"**{markdown_line(doc_id)}** is verwijderd uit de index.")]
                st.rerun()
