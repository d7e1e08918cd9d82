"""Chat page: questions in, streamed cited answers out, sources beside them.

Page code only arranges widgets: retrieval, prompting and checking happen in
`rag.answering`; HTML comes from `ui.render`.
"""

from __future__ import annotations

import html
import logging

import streamlit as st

from corpus.models import Answer
from ui import render, resources, widgets
from ui.render import Message

log = logging.getLogger(__name__)

settings = resources.get_settings()
widgets.inject_css()


def _new_conversation() -> None:
    st.session_state["messages"] = []


def _show_context(answer: Answer, n: int, chunk_id: str, quote: str) -> None:
    """The cited chunk with its neighbours, quote marked, inside an expander."""
    store = resources.get_store(settings)
    found = store.get_chunks([chunk_id])
    if not found:
        st.caption("Deze passage staat niet meer in de index.")
        return
    center = found[0]
    for c in store.neighbours(center):
        if c.chunk_id == center.chunk_id:
            st.markdown(
                f'<div class="griffier-source-text"><b>{render.chunk_meta_line(c)}</b>\n'
                f"{render.highlight_html(c.text, quote)}</div>",
                unsafe_allow_html=True,
            )
        else:
            st.caption(render.chunk_meta_line(c))
            st.text(c.text)


def show_answer(m: Message) -> None:
    a = m.answer
    if a is None:
        st.markdown(m.content)
        return
    col_text, col_src = st.columns([3, 2], gap="medium")
    with col_text:
        st.markdown(render.link_citations(a.text, a.citations, m.key), unsafe_allow_html=True)
        if a.flags:
            st.warning("**Controle van het antwoord**\n\n" + render.flags_markdown(a.flags), icon=":material/warning:")
        # the marker tells browser tests (ui/browser.py) that this answer is final
        done = '<span class="griffier-done"></span>'
        st.caption(html.escape(render.timing_caption(a)) + done, unsafe_allow_html=True)
    with col_src:
        chunks = render.passage_lookup(a)
        if a.refused or not a.citations:
            if a.passages:
                st.markdown("**Dichtstbijzijnde passages**")
                for p in a.passages[:3]:
                    st.markdown(render.passage_card_html(p, m.key), unsafe_allow_html=True)
            return
        st.markdown("**Bronnen**")
        for c in a.citations:
            st.markdown(render.source_card_html(c, chunks.get(c.chunk_id), m.key), unsafe_allow_html=True)
            with st.expander(f"[{c.n}] in context lezen"):
                _show_context(a, c.n, c.chunk_id, c.quote)


# -- sidebar ------------------------------------------------------------------
with st.sidebar:
    st.button("Nieuw gesprek", on_click=_new_conversation, icon=":material/add_comment:", width="stretch", key="new_chat")
    k = st.slider("Aantal passages", min_value=1, max_value=20, value=int(settings.top_k), key="chat_k")
filters = widgets.filter_sidebar(settings, prefix="chat")
widgets.index_caption(settings)

# -- conversation ---------------------------------------------------------------
st.title("Griffier")
st.caption("Stel een vraag over de Kamerstukken in de index. Elk antwoord noemt de passages waarop het rust.")
messages: list[Message] = st.session_state.setdefault("messages", [])
empty = widgets.empty_index_notice(settings)

for m in messages:
    with st.chat_message(m.role):
        if m.role == "assistant":
            show_answer(m)
        else:
            st.markdown(m.content)

question = st.chat_input("Stel een vraag over de Kamerstukken…", disabled=empty)
if question:
    history = render.history_pairs(messages)
    messages.append(Message("user", question, key=f"m{len(messages)}"))
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        key = f"m{len(messages)}"
        slot = st.empty()
        try:
            answerer = resources.get_answerer(settings)
            stream = resources.StreamCollector(
                resources.locked_stream(
                    settings,
                    lambda: answerer.stream(question, history=history or None, filters=filters, k=k),
                    on_wait=lambda: st.info(resources.WAITING_TEXT, icon=":material/hourglass_top:"),
                )
            )
            with slot.container():
                st.write_stream(stream)
            answer = stream.answer
            if answer is None:
                raise RuntimeError("het antwoord kwam zonder afsluitend Answer-object")
        except Exception as exc:  # shown to the user, logged with traceback
            log.exception("answering %r failed", question)
            slot.error(f"Er ging iets mis bij het beantwoorden: {exc}")
        else:
            slot.empty()
            msg = Message("assistant", answer.text, answer, key=key)
            messages.append(msg)
            with slot.container():
                show_answer(msg)

if messages:
    md = render.conversation_markdown(messages)
    with st.sidebar:
        st.download_button(
            "Gesprek downloaden (.md)", md, file_name="griffier-gesprek.md", mime="text/markdown",
            icon=":material/download:", width="stretch", key="download_chat",
        )
        with st.expander("Gesprek als Markdown kopiëren"):
            st.code(md, language="markdown")
