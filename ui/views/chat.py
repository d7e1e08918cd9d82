"""Chat page: questions in, streamed cited answers out, sources beside them.

Page code only arranges widgets: retrieval, prompting and checking happen in
`rag.answer`; HTML comes from `ui.render`. Every question runs as the logged-in
user (ui/login.py): their collections are a retrieval filter, each answer is
checked and stored in their history (`ui.office`), and can be rated. The open
conversation's id is in the URL (`?gesprek=`), so a reload or a restart of the
server brings it back.
"""

from __future__ import annotations

import logging
import re

import streamlit as st

from corpus.display import inline_markdown_html, markdown_line, markdown_text, plain_text
from corpus.models import Answer
from ui import conversations, login, render, resources, widgets
from ui.office import access
from ui.office.feedback import MAX_COMMENT_CHARS
from ui.render import Message

log = logging.getLogger(__name__)

settings = resources.get_settings()
user = login.require_user(settings)
office = login.office(settings)
widgets.inject_css()
docs = resources.readable_documents(settings, user)
readable_ids = {d.doc_id for d in docs}

CONV_KEY = "conversation_id"
FEEDBACK_KEY = "feedback_given"  # turn_id -> (rating "up"/"down", comment)
NOTICE_KEY = "chat_notices"  # turn_id ("" for the page) -> (level, Markdown)
URL_PARAM = "gesprek"
MAX_LISTED = 30


def _notice(level: str, text: str, turn_id: str = "") -> None:
    st.session_state.setdefault(NOTICE_KEY, {})[turn_id] = (level, text)


def _show_notice(turn_id: str = "") -> None:
    found = st.session_state.get(NOTICE_KEY, {}).pop(turn_id, None)
    if found:
        getattr(st, found[0])(found[1])


def _acting_user():
    """The user a callback acts for, checked again (callbacks run before the page's login check)."""
    return login.current_user(settings)


def _new_conversation() -> None:
    st.session_state["messages"] = []
    st.session_state[CONV_KEY] = None
    st.session_state[FEEDBACK_KEY] = {}
    st.query_params.pop(URL_PARAM, None)


def _own_feedback(who, turn_ids: set[str]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for fb in office.list_feedback(who):  # newest first: the latest vote on a turn wins
        if fb.username == who.username and fb.turn_id in turn_ids and fb.turn_id not in out:
            out[fb.turn_id] = ("up" if fb.rating > 0 else "down", fb.comment)
    return out


def _open_conversation(conversation_id: str) -> None:
    """Show one of the user's stored conversations (from the sidebar list or the URL)."""
    who = _acting_user()
    if who is None:
        return
    try:
        conv = office.get_conversation(who, conversation_id[:64])
    except KeyError:
        _new_conversation()
        _notice("warning", "Dit gesprek bestaat niet (meer) of is niet van u.")
        return
    st.session_state["messages"] = conversations.messages_from_turns(conv.turns)
    st.session_state[CONV_KEY] = conv.id
    st.session_state[FEEDBACK_KEY] = _own_feedback(who, {t.id for t in conv.turns})
    st.query_params[URL_PARAM] = conv.id
    login.audit(settings, who, "history", target=conv.id, detail={"turns": len(conv.turns)})


def _delete_conversation(conversation_id: str) -> None:
    who = _acting_user()
    if who is None:
        return
    if office.delete_conversation(who, conversation_id):
        login.audit(settings, who, "history.delete", target=conversation_id)
        _notice("success", "Het gesprek is verwijderd.")
    _new_conversation()


def _audit_export(conversation_id: str, fmt: str) -> None:
    who = _acting_user()
    if who is not None:
        login.audit(settings, who, "history.export", target=conversation_id, detail={"format": fmt})


def _send_feedback(turn_id: str) -> None:
    """Form callback: record the thumbs and comment given under one answer."""
    who = _acting_user()
    if who is None:
        return
    rating = st.session_state.get(f"fb_rating_{turn_id}")
    comment = (st.session_state.get(f"fb_comment_{turn_id}") or "").strip()
    if rating is None:
        _notice("warning", "Kies eerst duim omhoog of duim omlaag.", turn_id)
        return
    vote = "up" if rating == 1 else "down"  # st.feedback("thumbs"): 1 up, 0 down
    try:
        office.record_feedback(who, vote, turn_id=turn_id, comment=comment, source=login.source())
    except KeyError:
        _notice("error", "Dit antwoord is niet (meer) beschikbaar; uw feedback is niet opgeslagen.", turn_id)
        return
    except ValueError as exc:
        _notice("error", f"Feedback niet opgeslagen: {markdown_line(exc)}", turn_id)
        return
    st.session_state.setdefault(FEEDBACK_KEY, {})[turn_id] = (vote, comment)
    st.session_state[f"fb_comment_{turn_id}"] = ""
    _notice("success", "Bedankt voor uw feedback.", turn_id)


def _show_context(answer: Answer, n: int, chunk_id: str, quote: str) -> None:
    """The cited chunk with its neighbours, quote marked, inside an expander."""
    store = resources.get_store(settings)
    found = store.get_chunks([chunk_id])
    # A stored answer may cite a document since removed or moved to a collection the user does not read.
    if not found or found[0].doc_id not in readable_ids:
        st.caption("Deze passage staat niet meer in de index.")
        return
    center = found[0]
    for c in store.neighbours(center):
        if c.chunk_id == center.chunk_id:
            st.markdown(render.context_html(c, quote), unsafe_allow_html=True)
        else:
            st.caption(markdown_line(render.chunk_meta_line(c)))
            st.text(plain_text(c.text))


def _write_stream_escaped(pieces) -> None:
    """st.write_stream for answer text: the text so far is shown as escaped
    Markdown (it quotes documents), so a Markdown image or link in a quote never
    renders, not even for the moment before the checked answer replaces it."""
    box, shown = st.empty(), ""
    for piece in pieces:
        shown += piece
        box.markdown(markdown_text(shown) + " ▌")
    box.markdown(markdown_text(shown))


def show_answer(m: Message) -> None:
    a = m.answer
    if a is None:
        st.markdown(markdown_text(m.content))
        return
    col_text, col_src = st.columns([3, 2], gap="medium")
    with col_text:
        st.markdown(render.link_citations(a.text, a.citations, m.key), unsafe_allow_html=True)
        if a.flags:
            st.warning("**Controle van het antwoord**\n\n" + render.flags_markdown(a.flags), icon=":material/warning:")
        # the marker tells browser tests (ui/browser.py) that this answer is final
        done = '<span class="griffier-done"></span>'
        st.caption(inline_markdown_html(render.timing_caption(a)) + done, unsafe_allow_html=True)
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


def feedback_form(m: Message) -> None:
    """Thumbs up or down and an optional comment under a stored answer."""
    if not m.turn_id:
        return
    given = st.session_state.get(FEEDBACK_KEY, {}).get(m.turn_id)
    if given:
        vote, comment = given
        note = f" — {markdown_line(comment)}" if comment else ""
        st.caption(f"Uw beoordeling: {'duim omhoog' if vote == 'up' else 'duim omlaag'}{note}")
    with st.form(f"fb_{m.turn_id}", border=False):
        c1, c2, c3 = st.columns([1, 5, 1.4], vertical_alignment="bottom")
        with c1:
            st.feedback("thumbs", key=f"fb_rating_{m.turn_id}")
        with c2:
            st.text_input("Toelichting (optioneel)", key=f"fb_comment_{m.turn_id}", max_chars=MAX_COMMENT_CHARS,
                          placeholder="Toelichting bij uw beoordeling (optioneel)", label_visibility="collapsed")
        with c3:
            st.form_submit_button("Feedback geven", on_click=_send_feedback, args=(m.turn_id,))
    _show_notice(m.turn_id)


def _conversation_title(conversation_id: str | None, convs) -> str:
    return next((c.title for c in convs if c.id == conversation_id), "") if conversation_id else ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "gesprek"


def conversation_sidebar(box, messages: list[Message]) -> None:
    """The user's stored conversations (newest first) and what can be done with the open one."""
    convs = office.list_conversations(user) if login.office_exists(settings) else []
    current = st.session_state.get(CONV_KEY)
    with box:
        st.subheader("Gesprekken")
        if not convs:
            st.caption("Nog geen eerdere gesprekken.")
        for c in convs[:MAX_LISTED]:
            title = c.title or "Gesprek zonder titel"
            st.button(
                # a title is the user's own question: data, so escaped like document text
                markdown_line(title if len(title) <= 48 else title[:47] + "…"),
                key=f"conv_{c.id}", on_click=_open_conversation, args=(c.id,), width="stretch",
                type="primary" if c.id == current else "secondary",
                help=f"{c.n_turns} {'vraag' if c.n_turns == 1 else 'vragen'}, laatst {c.to_dict()['updated_at'][:10]}",
            )
        if len(convs) > MAX_LISTED:
            st.caption(f"{len(convs) - MAX_LISTED} oudere gesprekken niet getoond.")
        if not messages:
            return
        title = _conversation_title(current, convs)
        md = render.conversation_markdown(messages, title=f"Griffier — {markdown_line(title) if title else 'gesprek'}")
        name = f"griffier-{_slug(title)}"
        st.download_button(
            "Gesprek downloaden (.md)", md, file_name=f"{name}.md", mime="text/markdown",
            icon=":material/download:", width="stretch", key="download_chat",
            on_click=_audit_export if current else "ignore", args=(current, "markdown") if current else None,
        )
        if current:
            st.download_button(
                "Gesprek downloaden (.json)", office.export_conversation(user, current, "json"),
                file_name=f"{name}.json", mime="application/json", icon=":material/data_object:", width="stretch",
                key="download_chat_json", on_click=_audit_export, args=(current, "json"),
            )
        with st.expander("Gesprek als Markdown kopiëren"):
            st.code(md, language="markdown")
        if current:
            st.button("Gesprek verwijderen", icon=":material/delete:", width="stretch", key="delete_chat",
                      on_click=_delete_conversation, args=(current,))


# -- the conversation this session shows: the URL names it, so a reload brings it back ------------
wanted = st.query_params.get(URL_PARAM)
if wanted and wanted != st.session_state.get(CONV_KEY):
    _open_conversation(wanted)
elif not wanted and st.session_state.get(CONV_KEY):
    st.query_params[URL_PARAM] = st.session_state[CONV_KEY]

# -- sidebar ------------------------------------------------------------------
with st.sidebar:
    st.button("Nieuw gesprek", on_click=_new_conversation, icon=":material/add_comment:", width="stretch", key="new_chat")
    default_k = max(1, int(settings.answer_passages))  # a setting above the slider's range widens it
    k = st.slider("Aantal passages", min_value=1, max_value=max(20, default_k), value=default_k,
                  key="chat_k", help="Passages waaruit het antwoord wordt gekozen (instelling answer_passages).")
filters = widgets.filter_sidebar(settings, prefix="chat", docs=docs)
conversation_box = st.sidebar.container()  # filled at the end, when this run's answer is stored
widgets.index_caption(settings, docs, show_home=user.unrestricted)

# -- conversation ---------------------------------------------------------------
st.title("Griffier")
st.caption("Stel een vraag over de Kamerstukken in de index. Elk antwoord noemt de passages waarop het rust.")
_show_notice()
messages: list[Message] = st.session_state.setdefault("messages", [])
empty = widgets.empty_index_notice(settings, docs, can_upload=user.at_least("editor"))

for m in messages:
    with st.chat_message(m.role):
        if m.role == "assistant":
            show_answer(m)
            feedback_form(m)
        else:
            st.markdown(markdown_text(m.content))

question = st.chat_input("Stel een vraag over de Kamerstukken…", disabled=empty)
if question:
    history = render.history_pairs(messages)
    messages.append(Message("user", question, key=f"m{len(messages)}"))
    with st.chat_message("user"):
        st.markdown(markdown_text(question))
    with st.chat_message("assistant"):
        key = f"m{len(messages)}"
        slot = st.empty()
        audit_detail = {"question": question.strip()[:500], "filters": filters or {}}
        answer: Answer | None = None
        try:
            answerer = resources.get_answerer(settings)
            # the user's collections join the filters: retrieval never ranks a passage they may not read
            scoped = office.retrieval_filters(user, filters)
            stream = resources.StreamCollector(
                resources.locked_stream(
                    settings,
                    lambda: answerer.stream(question, history=history or None, filters=scoped, k=k),
                    on_wait=lambda: st.info(resources.WAITING_TEXT, icon=":material/hourglass_top:"),
                )
            )
            with slot.container():
                _write_stream_escaped(stream)
            answer = stream.answer
            if answer is None:
                raise RuntimeError("het antwoord kwam zonder afsluitend Answer-object")
            colls = office.doc_collections()
            access.check_answer(user, answer.to_dict(), colls)  # AccessLeak: nothing of it is shown
            try:
                turn = office.save_turn(user, question, answer, st.session_state.get(CONV_KEY), colls)
            except Exception:  # e.g. a read-only home: the answer is still shown, just not kept
                log.exception("storing the answer to %r for %s failed", question, user.username)
                turn = None
        except access.AccessLeak:  # a bug behind the retrieval filter: shown to no one, logged for the admin
            log.exception("answer to %r for %s held passages outside the user's collections", question,
                          user.username)
            login.audit(settings, user, "ask", ok=False, detail={**audit_detail, "error": "access"})
            slot.error("Er ging iets mis bij het beantwoorden. De beheerder kan dit nazien in het logboek.")
        except Exception as exc:  # shown to the user, logged with traceback
            log.exception("answering %r failed", question)
            login.audit(settings, user, "ask", ok=False,
                         detail={**audit_detail, "error": type(exc).__name__})
            slot.error(f"Er ging iets mis bij het beantwoorden: {markdown_line(exc)}")
        else:
            if turn is not None:
                st.session_state[CONV_KEY] = turn.conversation_id
                st.query_params[URL_PARAM] = turn.conversation_id
            login.audit(settings, user, "ask", target=turn.id if turn else "",
                        detail={**audit_detail, "refused": answer.refused, "citations": len(answer.citations),
                                "conversation": turn.conversation_id if turn else None})
            slot.empty()
            msg = Message("assistant", answer.text, answer, key=key, turn_id=turn.id if turn else "")
            messages.append(msg)
            with slot.container():
                show_answer(msg)
                if turn is None:
                    st.caption("Dit antwoord kon niet worden bewaard in uw gesprekken.")
                feedback_form(msg)

conversation_sidebar(conversation_box, messages)
