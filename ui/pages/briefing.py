"""Briefing page: a topic (and filters) in, a cited briefing note out, with
Markdown and Word downloads. Drafting is `rag.briefing.draft_briefing`."""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path

import streamlit as st

from ui import resources, widgets

log = logging.getLogger(__name__)

settings = resources.get_settings()
widgets.inject_css()
filters = widgets.filter_sidebar(settings, prefix="brief")
widgets.index_caption(settings)

st.title("Briefing")
st.caption(
    "Een notitie over een onderwerp: samenvatting, kernfeiten, standpunten, open punten en bronnen. "
    "Elke regel verwijst naar de passage waarop hij rust."
)
empty = widgets.empty_index_notice(settings)


def docx_bytes(briefing) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "briefing.docx"
        briefing.write_docx(path)
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
            with st.spinner("Briefing opstellen…"), resources.serialized(settings, on_wait=waiting):
                briefing = draft_briefing(topic.strip(), settings, filters=filters)
            st.session_state["briefing"] = {
                "topic": topic.strip(),
                "markdown": briefing.to_markdown(),
                "docx": docx_bytes(briefing),
            }
        except Exception as exc:
            log.exception("briefing on %r failed", topic)
            st.error(f"De briefing kon niet worden opgesteld: {exc}")

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
        st.markdown(result["markdown"])
