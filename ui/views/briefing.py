"""Briefing page: a topic (and filters) in, a cited briefing note out, with
Markdown and Word downloads. Drafting is `rag.briefing.draft_briefing`; the
page, the .md and the .docx all render the note's plain dict (`brief --json`)
with rag.export, every document string escaped. Drafted as the logged-in user:
their collections are a retrieval filter, and the note is checked against them
before it is shown (ui.office.access)."""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path

import streamlit as st

from corpus.display import markdown_line
from rag.export import briefing_html, briefing_markdown, write_briefing_docx
from ui import login, resources, widgets
from ui.office import access

log = logging.getLogger(__name__)

settings = resources.get_settings()
user = login.require_user(settings)
office = login.office(settings)
widgets.inject_css()
docs = resources.readable_documents(settings, user)
filters = widgets.filter_sidebar(settings, prefix="brief", docs=docs)
widgets.index_caption(settings, docs, show_home=user.unrestricted)

st.title("Briefing")
st.caption(
    "Een notitie over een onderwerp: samenvatting, kernfeiten, standpunten, open punten en bronnen. "
    "Elke regel verwijst naar de passage waarop hij rust."
)
empty = widgets.empty_index_notice(settings, docs, can_upload=user.at_least("editor"))


def docx_bytes(data: dict) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "briefing.docx"
        write_briefing_docx(data, path)
        return path.read_bytes()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:50] or "briefing"


with st.form("briefing_form"):
    topic = st.text_input("Onderwerp", key="brief_topic", placeholder="bijv. humanitaire interventie zonder VN-mandaat")
    submitted = st.form_submit_button("Briefing opstellen", type="primary", disabled=empty)

if submitted:
    if not topic.strip():
        st.warning("Vul een onderwerp in.")
    else:
        from rag.briefing import draft_briefing

        try:
            waiting = lambda: st.info(resources.WAITING_TEXT, icon=":material/hourglass_top:")
            scoped = office.retrieval_filters(user, filters)  # the user's collections, filtered before ranking
            with st.spinner("Briefing opstellen…"), resources.serialized(settings, on_wait=waiting):
                briefing = draft_briefing(topic.strip(), settings, filters=scoped)
            access.check_passages(user, briefing.passages, office.doc_collections(), "briefing")
            data = briefing.to_dict()
            st.session_state["briefing"] = {
                "topic": topic.strip(),
                "data": data,
                "markdown": briefing_markdown(data),
                "docx": docx_bytes(data),
            }
            login.audit(settings, user, "brief",
                         detail={"topic": topic.strip()[:300], "filters": filters or {},
                                 "lines": sum(len(x["lines"]) for x in data.get("sections", []))})
        except access.AccessLeak:  # a bug behind the retrieval filter: shown to no one, logged for the admin
            log.exception("briefing on %r for %s held passages outside the user's collections", topic, user.username)
            login.audit(settings, user, "brief", ok=False, detail={"topic": topic.strip()[:300],
                                                                               "error": "access"})
            st.error("De briefing kon niet worden opgesteld. De beheerder kan dit nazien in het logboek.")
        except Exception as exc:
            log.exception("briefing on %r failed", topic)
            login.audit(settings, user, "brief", ok=False,
                         detail={"topic": topic.strip()[:300], "error": type(exc).__name__})
            st.error(f"De briefing kon niet worden opgesteld: {markdown_line(exc)}")

result = st.session_state.get("briefing")
if result:
    name = slug(result["topic"])
    c1, c2, _ = st.columns([1, 1, 3])
    c1.download_button(
        "Download .md", result["markdown"], file_name=f"briefing-{name}.md", mime="text/markdown",
        icon=":material/download:", key="brief_md",
    )
    c2.download_button(
        "Download .docx", result["docx"], file_name=f"briefing-{name}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document", icon=":material/download:", key="brief_docx",
    )
    with st.container(border=True):
        # The note's dict rendered as escaped HTML, not its Markdown export:
        # nothing a document says becomes markup on the page.
        st.markdown(briefing_html(result["data"]), unsafe_allow_html=True)
