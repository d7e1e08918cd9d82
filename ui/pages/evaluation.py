"""Evaluation page: run the harness on a gold-question file and read the
results: metric table, plots, and a per-question drill-down.

Scoring is `eval.harness.run_eval`; this page only shows its JSON contract
(n_questions, metrics, per_question; see DESIGN.md).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import streamlit as st

from ui import render, resources, widgets

log = logging.getLogger(__name__)

settings = resources.get_settings()
widgets.index_caption(settings)
PACKAGE_GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold"

st.title("Evaluatie")
st.caption(
    "Meet hoe goed Griffier de juiste passages vindt, correct citeert en terecht weigert, "
    "op een bestand met gouden vragen."
)


def gold_files() -> list[Path]:
    found = sorted(PACKAGE_GOLD.glob("*.jsonl")) + sorted((settings.home / "gold").glob("*.jsonl"))
    # dev set first: it is the default
    return sorted(found, key=lambda p: (p.name != "dev.jsonl", str(p)))


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
            spinner = st.spinner(f"Evaluatie van {Path(path).name} loopt… (elke vraag wordt gezocht en beantwoord)")
            with spinner, resources.serialized(settings, on_wait=waiting):
                result = run_eval(Path(path), settings, progress=False)
            st.session_state["eval_result"] = {"source": Path(path).name, **result.to_dict()}
        except Exception as exc:
            log.exception("evaluation of %s failed", path)
            st.error(f"De evaluatie is mislukt: {exc}")
elif previous is not None:
    try:
        st.session_state["eval_result"] = {"source": previous.name, **json.loads(previous.getvalue())}
    except (ValueError, TypeError) as exc:
        st.error(f"{previous.name} is geen geldig resultaat van `griffier eval --json`: {exc}")

result = st.session_state.get("eval_result")
if result:
    import pandas as pd

    per_q = result.get("per_question") or []
    st.subheader(f"Resultaat: {result.get('source', '')} — {result.get('n_questions', len(per_q))} vragen")
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
        st.markdown(f"**Vraag:** {q.get('question', '')}")
        meta = [
            f"type: {q.get('type')}" if q.get("type") else "",
            f"gouden document: {q.get('doc')}" if q.get("doc") else "",
            f"eerste treffer op plaats {q.get('first_hit_rank')}" if q.get("first_hit_rank") else "",
            ("terecht geweigerd" if q.get("refusal_correct") else "ten onrechte geweigerd") if q.get("refused")
            else ("ten onrechte niet geweigerd" if q.get("refusal_correct") is False else ""),
            f"{q['latency_s']:.1f} s" if isinstance(q.get("latency_s"), (int, float)) else "",
        ]
        st.caption(" · ".join(m for m in meta if m))
        values = render.metric_values(q)
        if values:
            st.dataframe(pd.DataFrame([values]), hide_index=True, width="stretch")
        answer = q.get("answer")
        if isinstance(answer, dict):
            answer = answer.get("answer") or answer.get("text")
        if answer:
            st.markdown("**Antwoord**")
            st.markdown(f"> {answer}")
        cites = q.get("citations") or []
        if cites:
            st.markdown("**Citaten**")
            st.dataframe(pd.DataFrame(cites), hide_index=True, width="stretch")
        if q.get("sentences"):
            st.markdown("**Zinnen: geciteerd, gedekt, correct**")
            st.dataframe(pd.DataFrame(q["sentences"]), hide_index=True, width="stretch")
        for name in ("claims", "verdicts", "claim_verdicts"):
            if q.get(name):
                st.markdown("**Beweringen: gesteund door de passages?**")
                st.dataframe(pd.DataFrame(q[name]), hide_index=True, width="stretch")
                break
        with st.expander("Alle velden (JSON)"):
            st.json(q)
