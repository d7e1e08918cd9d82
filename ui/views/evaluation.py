"""Evaluation page: run the harness on a gold-question file and read the
results: metric table, plots, and a per-question drill-down.

Scoring is `eval.harness.run_eval`; this page only shows its JSON contract
(n_questions, metrics, per_question; see DESIGN.md). The harness answers gold
questions over the whole index, so only a user who reads every collection runs
it. Below it: the users' thumbs up/down on answers (`ui.office.feedback`), as
the library lets the viewer see them, exportable as gold-question candidates.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import streamlit as st

from corpus.display import markdown_line, markdown_text, plain_text
from ui import login, render, resources, widgets

log = logging.getLogger(__name__)

settings = resources.get_settings()
user = login.require_user(settings)
office = login.office(settings)
widgets.index_caption(settings, resources.readable_documents(settings, user), show_home=user.unrestricted)
PACKAGE_GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold"

st.title("Evaluatie")
st.caption(
    "Meet hoe goed Griffier de juiste passages vindt, correct citeert en terecht weigert, "
    "op een bestand met gouden vragen."
)


def _plain(value):
    """`value` with control characters removed from every string (tables and the JSON view show them raw)."""
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def gold_files() -> list[Path]:
    found = sorted(PACKAGE_GOLD.glob("*.jsonl")) + sorted((settings.home / "gold").glob("*.jsonl"))
    # dev set first: it is the default
    return sorted(found, key=lambda p: (p.name != "dev.jsonl", str(p)))


def feedback_section() -> None:
    """Users' votes on answers, newest first, and their export as gold-question candidates."""
    import pandas as pd

    st.subheader("Feedback op antwoorden")
    items = office.list_feedback(user) if login.office_exists(settings) else []
    if user.at_least("editor"):
        st.caption("Duim omhoog of omlaag van alle gebruikers, op antwoorden uit collecties die u leest.")
    else:
        st.caption("Uw eigen beoordelingen van antwoorden.")
    if not items:
        st.info("Nog geen feedback. Geef in de chat een duim omhoog of omlaag onder een antwoord.")
        return
    choice = st.segmented_control("Toon", ["alle", "duim omhoog", "duim omlaag"], default="alle", key="fb_filter")
    shown = [f for f in items if choice in (None, "alle") or (f.rating > 0) == (choice == "duim omhoog")]
    n_up = sum(1 for f in items if f.rating > 0)
    st.caption(f"{len(items)} beoordelingen: {n_up} duim omhoog, {len(items) - n_up} duim omlaag.")
    rows = [{
        "datum": f.to_dict()["created_at"].replace("T", " ")[:16],
        "gebruiker": f.username,
        "oordeel": "👍" if f.rating > 0 else "👎",
        "vraag": f.question,
        "toelichting": f.comment,
        "antwoord": (f.answer.get("answer") or "")[:300],
        "bronnen": ", ".join(sorted({c.get("doc_id", "") for c in f.answer.get("citations") or []})),
    } for f in shown]
    # table cells are shown as text, never markup; control characters are removed
    st.dataframe(pd.DataFrame(_plain(rows)), hide_index=True, width="stretch")
    if shown:
        idx = st.selectbox("Bekijk", range(len(shown)), key="fb_pick",
                           format_func=lambda i: plain_text(f"{rows[i]['oordeel']} {rows[i]['datum']} — "
                                                            f"{shown[i].question[:80]}", single_line=True))
        fb = shown[idx]
        st.markdown(f"**Vraag:** {markdown_line(fb.question)}")
        if fb.comment:
            st.markdown(f"**Toelichting van {markdown_line(fb.username)}:** {markdown_line(fb.comment)}")
        answer = fb.answer.get("answer") or ""
        if answer:
            st.markdown("> " + markdown_text(answer).replace("\n", "\n> "))
        cites = fb.answer.get("citations") or []
        if cites:
            st.dataframe(pd.DataFrame(_plain([{k: c.get(k) for k in ("n", "doc_id", "citation", "quote")}
                                              for c in cites])), hide_index=True, width="stretch")
    if user.at_least("editor"):
        rows_gold = office.gold_candidates(user)
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows_gold)
        st.download_button(
            f"Exporteren als kandidaat-gouden vragen ({len(rows_gold)}, .jsonl)", data,
            file_name="feedback-kandidaten.jsonl", mime="application/x-ndjson", icon=":material/download:",
            key="fb_gold", on_click=_audit_gold_export, args=(len(rows_gold),),
        )
        st.caption("Elke regel heeft het formaat van eval/gold/*.jsonl en is gemarkeerd met `needs_review`: "
                   "een duim is een aanwijzing, geen gouden label. Controleer document en bewijs voordat u de "
                   "vraag aan een gouden set toevoegt.")


def _audit_gold_export(n: int) -> None:
    who = login.current_user(settings)
    if who is not None:
        login.audit(settings, who, "feedback.export", detail={"n": n, "via": "web"})


def harness_section() -> None:
    files = gold_files()
    with st.form("eval_form"):
        choice = st.selectbox(
            "Bestand met gouden vragen", files, format_func=lambda p: f"{p.name} ({p.parent})", key="eval_gold"
        ) if files else None
        upload = st.file_uploader("…of upload een eigen .jsonl", type=["jsonl"], key="eval_upload")
        run = st.form_submit_button("Evaluatie starten", type="primary")
    previous = st.file_uploader("Of open een eerder resultaat (`griffier eval --json`)", type=["json"], key="eval_prev")

    if run:
        path = choice
        if upload is not None:
            path = settings.home / "gold" / Path(upload.name).name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(upload.getvalue())
        if path is None:
            st.warning("Kies of upload een bestand met gouden vragen.")
        else:
            from eval.harness import run_eval

            try:
                waiting = lambda: st.info(resources.WAITING_TEXT, icon=":material/hourglass_top:")
                spinner = st.spinner(f"Evaluatie van {markdown_line(Path(path).name)} loopt… (elke vraag wordt gezocht en beantwoord)")
                with spinner, resources.serialized(settings, on_wait=waiting):
                    result = run_eval(Path(path), settings, progress=False)
                st.session_state["eval_result"] = {"source": Path(path).name, **result.to_dict()}
                login.audit(settings, user, "eval", target=Path(path).name,
                             detail={"n_questions": st.session_state["eval_result"].get("n_questions")})
            except Exception as exc:
                log.exception("evaluation of %s failed", path)
                st.error(f"De evaluatie is mislukt: {markdown_line(exc)}")
    elif previous is not None:
        try:
            st.session_state["eval_result"] = {"source": previous.name, **json.loads(previous.getvalue())}
        except (ValueError, TypeError) as exc:
            st.error(f"{markdown_line(previous.name)} is geen geldig resultaat van `griffier eval --json`: {markdown_line(exc)}")

    result = st.session_state.get("eval_result")
    if result:
        import pandas as pd

        per_q = result.get("per_question") or []
        st.subheader(f"Resultaat: {markdown_line(result.get('source', ''))} — "
                     f"{markdown_line(result.get('n_questions', len(per_q)))} vragen")
        rows = render.metric_rows(result.get("metrics") or {})
        c1, c2 = st.columns([2, 3])
        with c1:
            st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        with c2:
            scores = [r for r in rows if r["groep"] != "overig"]  # 0..1 scores; latencies etc. stay in the table
            if scores:
                st.markdown("**Retrieval- en antwoordmetrieken**")
                st.bar_chart(pd.DataFrame(scores), x="metriek", y="waarde", color="groep", horizontal=True, height=300)

        by_type = result.get("by_type")
        type_rows = render.by_type_rows(by_type) if by_type else render.per_type_rows(per_q)
        if type_rows:
            st.markdown("**Per type vraag**")
            df = pd.DataFrame(type_rows)
            st.dataframe(df, hide_index=True, width="stretch")
            metric_cols = [c for c in df.columns if c in render.RETRIEVAL_METRICS or c in render.ANSWER_METRICS]
            if metric_cols:
                long = df.melt(id_vars=["type"], value_vars=metric_cols, var_name="metriek", value_name="waarde")
                st.bar_chart(long, x="metriek", y="waarde", color="type", stack=False, height=320)

        if per_q:
            st.subheader("Per vraag")
            idx = st.selectbox(
                "Vraag", range(len(per_q)), format_func=lambda i: render.question_label(per_q[i]), key="eval_q"
            )
            q = per_q[idx]
            st.markdown(f"**Vraag:** {markdown_line(q.get('question', ''))}")
            meta = [
                f"type: {q.get('type')}" if q.get("type") else "",
                f"gouden document: {q.get('doc')}" if q.get("doc") else "",
                f"eerste treffer op plaats {q.get('first_hit_rank')}" if q.get("first_hit_rank") else "",
                ("terecht geweigerd" if q.get("refusal_correct") else "ten onrechte geweigerd") if q.get("refused")
                else ("ten onrechte niet geweigerd" if q.get("refusal_correct") is False else ""),
                f"{q['latency_s']:.1f} s" if isinstance(q.get("latency_s"), (int, float)) else "",
            ]
            st.caption(" · ".join(markdown_line(m) for m in meta if m))
            values = render.metric_values(q)
            if values:
                st.dataframe(pd.DataFrame([values]), hide_index=True, width="stretch")
            answer = q.get("answer")
            if isinstance(answer, dict):
                answer = answer.get("answer") or answer.get("text")
            if answer:
                st.markdown("**Antwoord**")
                st.markdown("> " + markdown_text(str(answer)).replace("\n", "\n> "))
            cites = q.get("citations") or []
            if cites:
                st.markdown("**Citaten**")
                st.dataframe(pd.DataFrame(_plain(cites)), hide_index=True, width="stretch")
            if q.get("sentences"):
                st.markdown("**Zinnen: geciteerd, gedekt, correct**")
                st.dataframe(pd.DataFrame(_plain(q["sentences"])), hide_index=True, width="stretch")
            for name in ("claims", "verdicts", "claim_verdicts"):
                if q.get(name):
                    st.markdown("**Beweringen: gesteund door de passages?**")
                    st.dataframe(pd.DataFrame(_plain(q[name])), hide_index=True, width="stretch")
                    break
            with st.expander("Alle velden (JSON)"):
                st.json(_plain(q))


if user.unrestricted:
    harness_section()
else:
    st.info("De evaluatie op gouden vragen zoekt en antwoordt over alle collecties; alleen een beheerder die "
            "alle collecties leest kan haar starten.")
feedback_section()
