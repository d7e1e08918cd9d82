"""Pure rendering of answers, sources and conversations to Markdown/HTML.

No Streamlit here: every function takes plain data (corpus.models) and returns a
string, so the look of an answer is unit-tested without a browser. Page code
passes the HTML to `st.markdown(..., unsafe_allow_html=True)`; everything that
comes from a document or a model goes through corpus.display first
(`inline_markdown_html` for HTML, `markdown_text` for Markdown), so a document
cannot inject HTML or Markdown (images, links, styles, forms) into the page or
into an export.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corpus.display import html_text, inline_markdown_html, markdown_line, markdown_text, plain_text
from corpus.models import Answer, Chunk, Citation, Passage

# [1], [1, 2], [1; 3] and [1][2] all occur in model output.
MARKER_RE = re.compile(r"\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_WORD_RE = re.compile(r"\w+", re.UNICODE)

# Share of a quote's words that must be found in order before a fuzzy match is
# highlighted; below it we show the paragraph unhighlighted rather than mark
# the wrong words (a wrong highlight is worse than none).
FUZZY_MIN_SHARE = 0.6

CSS = """
<style>
.griffier-cite { text-decoration: none; font-weight: 600; color: #1f5fa8;
  background: #e8f0fb; border-radius: 4px; padding: 0 3px; font-size: 0.85em; }
.griffier-source { border: 1px solid #d9dee5; border-left: 4px solid #1f5fa8; border-radius: 6px;
  padding: 0.6rem 0.8rem; margin: 0.4rem 0 0.6rem 0; background: #fbfcfe; scroll-margin-top: 4rem; }
.griffier-source:target { border-left-color: #e0a100; box-shadow: 0 0 0 2px #ffe08a; }
.griffier-source-head { font-weight: 600; }
.griffier-source-meta { color: #5b6573; font-size: 0.85em; margin: 0.1rem 0 0.35rem 0; }
.griffier-source-text { font-size: 0.92em; line-height: 1.45; white-space: pre-wrap; }
.griffier-source-text mark { background: #fff1a8; padding: 0 1px; }
.griffier-flag { color: #8a5300; }
.griffier-answer { line-height: 1.6; margin-bottom: 0.6rem; }
.griffier-context { margin-bottom: 0.5rem; }
.griffier-context-meta { font-weight: 600; white-space: normal; }
.griffier-briefing h2 { font-size: 1.25rem; margin: 1rem 0 0.3rem 0; }
.griffier-briefing h3 { font-size: 1.05rem; margin: 0.8rem 0 0.3rem 0; }
.griffier-briefing .griffier-briefing-meta { color: #5b6573; font-style: italic; }
.griffier-briefing .griffier-briefing-empty { color: #5b6573; font-style: italic; }
</style>
"""


# -- quotes inside paragraphs ---------------------------------------------------

def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0).lower(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def find_quote_span(text: str, quote: str) -> tuple[int, int] | None:
    """Character span of `quote` inside `text`, tolerant of case, whitespace,
    punctuation and small wording differences; None when it is not there.

    Matching works on word tokens so that line breaks and double spaces in
    either string do not matter.
    """
    if not text or not quote or not quote.strip():
        return None
    idx = text.find(quote)
    if idx >= 0:
        return idx, idx + len(quote)
    tw, qw = _words(text), _words(quote)
    if not tw or not qw:
        return None
    t_tok, q_tok = [w for w, _, _ in tw], [w for w, _, _ in qw]
    n = len(q_tok)
    for i in range(len(t_tok) - n + 1):  # exact token run
        if t_tok[i : i + n] == q_tok:
            return tw[i][1], tw[i + n - 1][2]
    matcher = difflib.SequenceMatcher(None, t_tok, q_tok, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return None
    matched = sum(b.size for b in blocks)
    first, last = blocks[0], blocks[-1]
    span_len = last.a + last.size - first.a
    # Scattered hits across a long chunk are not a quote.
    if matched / n < FUZZY_MIN_SHARE or span_len > 2 * n + 5:
        return None
    return tw[first.a][1], tw[last.a + last.size - 1][2]


def paragraph_around(text: str, span: tuple[int, int] | None) -> tuple[str, tuple[int, int] | None]:
    """The blank-line-separated paragraph holding `span` (span re-based), or the
    whole text when there is no span or the quote crosses paragraphs."""
    if span is None:
        return text, None
    start = text.rfind("\n\n", 0, span[0])
    start = 0 if start < 0 else start + 2
    end = text.find("\n\n", span[1])
    end = len(text) if end < 0 else end
    if span[0] < start or span[1] > end:
        return text, span
    return text[start:end], (span[0] - start, span[1] - start)


def context_window(text: str, span: tuple[int, int] | None, around: int = 300) -> tuple[str, tuple[int, int] | None]:
    """At most `around` characters either side of `span`, cut at word
    boundaries and marked with an ellipsis; the whole chunk is one click away."""
    if span is None:
        if len(text) <= 2 * around:
            return text, None
        cut = text.rfind(" ", 0, 2 * around)
        return text[: cut if cut > 0 else 2 * around].rstrip() + " …", None
    a, b = span
    start = 0 if a <= around else max(text.rfind(" ", 0, a - around) + 1, 0)
    end = len(text) if len(text) - b <= around else (text.find(" ", b + around) if text.find(" ", b + around) > 0 else len(text))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + text[start:end] + suffix, (a - start + len(prefix), b - start + len(prefix))


def highlight_html(text: str, quote: str | None) -> str:
    """`text` escaped (display.inline_markdown_html) with `quote` wrapped in
    <mark> where it is found."""
    return _marked_html(text, find_quote_span(text, quote or ""))


def _marked_html(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return inline_markdown_html(text)
    a, b = span
    return (
        inline_markdown_html(text[:a]) + "<mark>" + inline_markdown_html(text[a:b]) + "</mark>"
        + inline_markdown_html(text[b:])
    )


# -- answers ------------------------------------------------------------------

def anchor_id(msg_key: str, n: int) -> str:
    """HTML id of source card `n` of the answer `msg_key` (unique per page)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", str(msg_key))
    return f"bron-{safe}-{n}"


def cited_numbers(text: str) -> list[int]:
    """The citation numbers used in `text`, in order of first use."""
    seen: list[int] = []
    for m in MARKER_RE.finditer(text):
        for part in re.split(r"[,;]", m.group(1)):
            k = int(part)
            if k not in seen:
                seen.append(k)
    return seen


def link_citations(text: str, citations: Sequence[Citation], msg_key: str) -> str:
    """Answer text as one HTML block with each [n] a link to its source card.

    The text between the markers is escaped (display.inline_markdown_html:
    neither HTML nor Markdown survives; line breaks become <br>, so the block
    stays one Markdown HTML block); markers that point at no citation stay
    plain text (the answer check should have removed them, but never link
    nowhere).
    """
    by_n = {c.n: c for c in citations}

    def marker(m: re.Match) -> str:
        parts = []
        for part in re.split(r"[,;]", m.group(1)):
            k = int(part)
            c = by_n.get(k)
            if c is None:
                parts.append(f"[{k}]")
                continue
            title = html_text(_short(c.citation or c.doc_id, 120) + (f" — “{_short(c.quote, 200)}”" if c.quote else ""))
            parts.append(f'<a class="griffier-cite" href="#{anchor_id(msg_key, k)}" title="{title}">[{k}]</a>')
        return "".join(parts)

    out, pos = [], 0
    for m in MARKER_RE.finditer(text):
        out += [inline_markdown_html(text[pos : m.start()], br=True), marker(m)]
        pos = m.end()
    out.append(inline_markdown_html(text[pos:], br=True))
    return '<div class="griffier-answer">' + "".join(out) + "</div>"


def markdown_with_markers(text: str) -> str:
    """Answer text as Markdown that shows exactly the text, its [n] markers
    kept readable (not backslash-escaped) for exports."""
    out, pos = [], 0
    for m in MARKER_RE.finditer(text):
        out += [markdown_text(text[pos : m.start()]), m.group(0)]
        pos = m.end()
    out.append(markdown_text(text[pos:]))
    return "".join(out)


def _short(s: str, n: int) -> str:
    s = " ".join((s or "").split())
    return s if len(s) <= n else s[: n - 1].rstrip() + "…"


def passage_lookup(answer: Answer) -> dict[str, Chunk]:
    return {p.chunk.chunk_id: p.chunk for p in answer.passages}


def chunk_meta_line(chunk: Chunk | None, page: int | None = None) -> str:
    """'p. 6 · Antwoord 117 · fractie: VVD' — only the parts that are known."""
    parts: list[str] = []
    meta: dict[str, Any] = dict(chunk.metadata) if chunk else {}
    p0 = page if page is not None else (chunk.page_start if chunk else None)
    p1 = chunk.page_end if chunk else None
    if p0 is not None:
        parts.append(f"p. {p0}" + (f"–{p1}" if p1 not in (None, p0) else ""))
    if chunk and chunk.section:
        parts.append(str(chunk.section))
    fractie = meta.get("fractie")
    if fractie:
        parts.append(f"fractie: {fractie}")
    if chunk:
        parts.append(chunk.doc_id)
    return " · ".join(parts)


def source_card_html(
    citation: Citation, chunk: Chunk | None, msg_key: str, *, label: str | None = None
) -> str:
    """One source card: citation string, page/section/fractie, and the quote
    highlighted inside the paragraph it comes from."""
    head = citation.citation or (chunk.citation if chunk else "") or citation.doc_id
    if chunk is not None:
        span = find_quote_span(chunk.text, citation.quote)
        body = _marked_html(*context_window(*paragraph_around(chunk.text, span)))
    else:  # the passage is not in the answer: show the quote itself, marked
        body = "<mark>" + inline_markdown_html(citation.quote or "") + "</mark>"
    label = label or f"[{citation.n}]"
    return (
        f'<div class="griffier-source" id="{anchor_id(msg_key, citation.n)}">'
        f'<div class="griffier-source-head">{inline_markdown_html(label)} {inline_markdown_html(_one_line(head))}</div>'
        f'<div class="griffier-source-meta">{inline_markdown_html(chunk_meta_line(chunk, citation.page))}</div>'
        f'<div class="griffier-source-text">{body}</div></div>'
    )


def _one_line(s: str) -> str:
    return " ".join((s or "").split())


def passage_card_html(passage: Passage, msg_key: str, *, max_chars: int = 700) -> str:
    """A retrieved passage (no quote), e.g. the nearest passages after a refusal."""
    c = passage.chunk
    text = c.text if len(c.text) <= max_chars else c.text[: max_chars - 1].rstrip() + "…"
    head = c.citation or c.doc_id
    return (
        f'<div class="griffier-source" id="{anchor_id(msg_key, passage.rank)}">'
        f'<div class="griffier-source-head">{passage.rank}. {inline_markdown_html(_one_line(head))}</div>'
        f'<div class="griffier-source-meta">{inline_markdown_html(chunk_meta_line(c))} · score {passage.score:.3f}</div>'
        f'<div class="griffier-source-text">{inline_markdown_html(text)}</div></div>'
    )


def context_html(chunk: Chunk, quote: str | None) -> str:
    """The cited chunk in the "in context lezen" view: its page/section/fractie
    line and its text with the quote marked, all escaped."""
    return (
        f'<div class="griffier-source-text griffier-context"><div class="griffier-context-meta">'
        f"{inline_markdown_html(chunk_meta_line(chunk))}</div>{highlight_html(chunk.text, quote)}</div>"
    )


def flags_markdown(flags: Iterable[str]) -> str:
    """The answer check's notes as a Markdown list (empty string when none);
    the notes quote document sentences, so each is escaped."""
    items = [f"- {markdown_line(f)}" for f in flags if f and str(f).strip()]
    return "\n".join(items)


def timing_caption(answer: Answer) -> str:
    bits = []
    if answer.model:
        bits.append(f"model: {answer.model}")
    total = answer.timings.get("total") if answer.timings else None
    if isinstance(total, (int, float)):
        bits.append(f"{total:.1f} s")
    if answer.standalone_question and answer.standalone_question != answer.question:
        bits.append(f"gezocht als: “{answer.standalone_question}”")
    return " · ".join(bits)


# -- conversation export ------------------------------------------------------

@dataclass
class Message:
    """One turn of the chat as kept in the session."""

    role: str  # "user" or "assistant"
    content: str
    answer: Answer | None = None
    key: str = ""
    turn_id: str = ""  # the stored answer (ui.office history) feedback refers to; "" when not stored


def history_pairs(messages: Sequence[Message]) -> list[tuple[str, str]]:
    """The conversation so far as (role, text) pairs for follow-up questions."""
    return [(m.role, m.content) for m in messages if m.content]


def citation_line(c: Citation, chunk: Chunk | None = None) -> str:
    """'[n] citation, p. N — “quote”' as one line of Markdown (text escaped)."""
    head = c.citation or (chunk.citation if chunk else "") or c.doc_id
    page = f", p. {c.page}" if c.page is not None and f"p. {c.page}" not in head else ""
    quote = f" — “{_short(c.quote, 400)}”" if c.quote else ""
    return f"[{c.n}] " + markdown_line(f"{head}{page}{quote}")


def conversation_markdown(messages: Sequence[Message], *, title: str = "Griffier — gesprek") -> str:
    """The whole conversation as Markdown, each answer followed by its sources."""
    out = [f"# {title}", ""]
    for m in messages:
        if m.role == "user":
            out += [f"## Vraag: {markdown_line(m.content.strip())}", ""]
            continue
        out += [markdown_with_markers(m.content.strip()), ""]
        a = m.answer
        if a is None:
            continue
        if a.flags:
            out += ["**Controle:**", flags_markdown(a.flags), ""]
        if a.citations:
            chunks = passage_lookup(a)
            out += ["**Bronnen**", ""]
            out += [f"- {citation_line(c, chunks.get(c.chunk_id))}" for c in a.citations]
            out.append("")
        elif a.refused and a.passages:
            out += ["**Dichtstbijzijnde passages**", ""]
            out += [f"- {markdown_line(p.chunk.citation or p.chunk.doc_id)}: “{markdown_line(_short(p.chunk.text, 200))}”"
                    for p in a.passages[:3]]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- documents page -------------------------------------------------------------

DOC_COLUMNS = (  # metadata key -> column name; only columns some document has are shown
    ("doc_type", "type"),
    ("dossier", "dossier"),
    ("ondernummer", "nr."),
    ("vergaderjaar", "vergaderjaar"),
    ("datum", "datum"),
)


def document_rows(records: Sequence[Any]) -> list[dict[str, Any]]:
    """DocumentRecords as table rows for the documents page (text cells as
    plain single-line text: the table shows them raw, control bytes included)."""
    present = {k for r in records for k, _ in DOC_COLUMNS if r.metadata.get(k) not in (None, "", [])}
    rows = []
    for r in records:
        row: dict[str, Any] = {"doc_id": plain_text(r.doc_id, single_line=True),
                               "titel": plain_text(r.title or "", single_line=True)}
        for key, col in DOC_COLUMNS:
            if key in present:
                v = r.metadata.get(key)
                v = ", ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))
                row[col] = plain_text(v, single_line=True)
        row["passages"] = int(r.n_chunks)
        row["toegevoegd"] = r.ingested_at
        rows.append(row)
    return rows


def _get(obj: Any, name: str, default: Any = None) -> Any:
    return obj.get(name, default) if isinstance(obj, dict) else getattr(obj, name, default)


def ingest_notices(report: Any, name: str) -> list[tuple[str, str]]:
    """(level, Markdown) notices for one uploaded file from an IngestReport
    (`results` of FileResult: path, status, reason, added...); level is
    "success", "info" or "error", for st.<level>."""
    items = _get(report, "results") or _get(report, "files") or []
    out: list[tuple[str, str]] = []
    for f in items:
        status = str(_get(f, "status", "") or "")
        reason = _get(f, "reason") or ""
        label = markdown_line(Path(str(_get(f, "path"))).name if _get(f, "path") else name)
        reason = markdown_line(reason)
        if status in {"failed", "skipped", "error"}:
            out.append(("error", f"**{label}**: niet toegevoegd — {reason or markdown_line(status)}"))
        elif status == "unchanged":
            out.append(("info", f"**{label}**: ongewijzigd, staat al in de index."))
        elif status == "removed":
            out.append(("info", f"**{label}**: verwijderd uit de index{f' ({reason})' if reason else ''}."))
        else:
            added = _get(f, "added")
            verb = "bijgewerkt" if status == "updated" else "toegevoegd"
            detail = f" ({added} nieuwe passages)" if isinstance(added, int) and not isinstance(added, bool) else ""
            out.append(("success", f"**{label}**: {verb}{detail}."))
    index_error = _get(report, "index_error")
    if index_error:
        out.append(("error", f"De zoekindex kon niet worden bijgewerkt: {markdown_line(index_error)}"))
    if not out:
        out.append(("info", f"**{markdown_line(name)}**: niets te doen."))
    return out


# -- evaluation page --------------------------------------------------------------

RETRIEVAL_METRICS = ("hit@1", "hit@5", "mrr@10")
ANSWER_METRICS = (
    "citation_precision", "citation_recall", "faithfulness", "answer_fact_recall", "refusal_accuracy",
)


def metric_rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """Overall metrics as table rows with their group (retrieval / answer / other)."""
    rows = []
    for name, value in metrics.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        group = "retrieval" if name in RETRIEVAL_METRICS else "antwoord" if name in ANSWER_METRICS else "overig"
        rows.append({"metriek": name, "groep": group, "waarde": round(float(value), 4)})
    order = {"retrieval": 0, "antwoord": 1, "overig": 2}
    return sorted(rows, key=lambda r: (order[r["groep"]], r["metriek"]))


def metric_values(q: dict[str, Any]) -> dict[str, float]:
    """Numeric per-question metrics, whether flat or under a 'metrics' key."""
    src = q.get("metrics") if isinstance(q.get("metrics"), dict) else q
    out = {}
    for k, v in src.items():
        if isinstance(v, bool):
            v = float(v)
        if isinstance(v, (int, float)) and (k in RETRIEVAL_METRICS or k in ANSWER_METRICS):
            out[k] = float(v)
    return out


def per_type_rows(per_question: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean of each per-question metric per question type (None values skipped)."""
    groups: dict[str, dict[str, list[float]]] = {}
    counts: dict[str, int] = {}
    for q in per_question:
        t = str(q.get("type") or "onbekend")
        counts[t] = counts.get(t, 0) + 1
        for k, v in metric_values(q).items():
            groups.setdefault(t, {}).setdefault(k, []).append(v)
    rows = []
    for t in sorted(counts):
        row: dict[str, Any] = {"type": t, "vragen": counts[t]}
        for k, vals in sorted(groups.get(t, {}).items()):
            row[k] = round(sum(vals) / len(vals), 4)
        rows.append(row)
    return rows


def by_type_rows(by_type: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The harness's own per-type breakdown ({type: {"n", metric: value}}) as rows."""
    rows = []
    for t in sorted(by_type):
        vals = by_type[t]
        row: dict[str, Any] = {"type": t, "vragen": vals.get("n")}
        for k, v in vals.items():
            if k != "n" and isinstance(v, (int, float)) and not isinstance(v, bool):
                row[k] = round(float(v), 4)
        rows.append(row)
    return rows


def question_label(q: dict[str, Any]) -> str:
    """'id — question' for the evaluation page's question picker (plain text)."""
    qid = q.get("id", "?")
    text = _short(str(q.get("question", "")), 80)
    return plain_text(f"{qid} — {text}", single_line=True)
