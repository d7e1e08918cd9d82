"""`griffier search`: hybrid retrieval from the command line (contract in DESIGN.md)."""

from __future__ import annotations

import re
import sys
from typing import List, Optional

import typer

from corpus.display import terminal_safe
from ui.cli.common import check_k, emit_json, fail, get_settings, text_arg


def _parse_filters(items: List[str]) -> dict:
    out: dict = {}
    for item in items or []:
        key, sep, value = text_arg(item, f"--filter {item!r}").partition("=")
        if not sep or not key.strip() or not value.strip():
            fail(f"filter {item!r} is not key=value, e.g. --filter fractie=GroenLinks", 2)
        out.setdefault(key.strip(), []).append(value.strip())
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def index_warnings(retriever) -> list[str]:
    """Warnings about the index to hand back with results: documents that are stored but not
    (fully) searchable (the retriever also logs it to stderr)."""
    from rag.indexing import unindexed_warning

    try:
        line = unindexed_warning(retriever.unindexed_documents(), retriever.settings.home)
    except Exception:  # noqa: BLE001 - a warning must never cost the results
        return []
    return [line] if line else []


def _snippet(text: str, query: str, width: int = 260) -> str:
    """A window of `text` around the densest query-word region, query words in bold."""
    from rag.text import STOPWORDS, fold

    words = {w for w in re.findall(r"\w+", fold(query)) if len(w) > 2 and w not in STOPWORDS}
    folded = fold(text)
    hits = [m.start() for w in words for m in re.finditer(rf"\b{re.escape(w[:max(4, len(w) - 2)])}", folded)]
    start = 0
    if hits and len(text) > width:
        best = max(hits, key=lambda h: sum(1 for x in hits if h <= x < h + width))
        start = max(0, min(best - 40, len(text) - width))
    piece = text[start : start + width]
    piece = ("…" if start > 0 else "") + piece + ("…" if start + width < len(text) else "")
    if not words or not sys.stdout.isatty():
        return piece
    stems = sorted({w[:max(4, len(w) - 2)] for w in words}, key=len, reverse=True)
    pat = re.compile(r"\b(" + "|".join(re.escape(s) for s in stems) + r")\w*", re.I)
    # fold() keeps positions for ASCII text; match on the original with a case-insensitive pattern
    return pat.sub(lambda m: f"\033[1m{m.group(0)}\033[0m", piece)


def search(
    query: str = typer.Argument(..., help="De zoekvraag."),
    k: Optional[int] = typer.Option(None, "-k", "--top-k", help="Number of passages (default: setting top_k)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object: {query, passages: [...]}."),
    filters: List[str] = typer.Option(
        [], "--filter", "-f",
        help="key=value, repeatable: doc_id, dossier, vergaderjaar, doc_type, fractie, role (question or answer), "
             "date_from, date_to, collection.",
    ),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid, dense or bm25."),
) -> None:
    """Search the ingested documents (dense + BM25 hybrid) and list the best passages."""
    from ui.cli.common import cli_audit, user_filters

    from rag.indexing import IndexError as GriffierIndexError
    from rag.retriever import FilterError, get_retriever

    settings = get_settings()
    text_arg(query, "the question")
    k = check_k(k)
    if mode not in ("hybrid", "dense", "bm25"):
        fail(f"--mode {mode!r}: use hybrid, dense or bm25", 2)
    try:
        retriever = get_retriever(settings)
        passages = retriever.search(query, k, user_filters(_parse_filters(filters)), mode=mode)
    except FilterError as exc:
        fail(str(exc), 2)
    except GriffierIndexError as exc:
        fail(str(exc), 1)
    except ValueError as exc:  # a query longer than the limit
        fail(str(exc), 2)
    cli_audit("search", detail={"q": query[:300], "n": len(passages)})
    if as_json:
        emit_json({"query": query, "passages": [p.to_dict() for p in passages],
                   "warnings": index_warnings(retriever)})
        return
    if not passages:
        typer.echo("Geen passages gevonden.")
        return
    for p in passages:
        c = p.chunk
        page = f"p. {c.page_start}" if c.page_start else ""
        if c.page_end and c.page_start and c.page_end != c.page_start:
            page = f"p. {c.page_start}-{c.page_end}"
        head = f"[{p.rank}] {terminal_safe(c.citation or c.doc_id)}"
        if page and "p." not in (c.citation or ""):
            head += f", {page}"
        if c.section:
            head += f" — {terminal_safe(c.section)}"
        typer.echo(f"{head}  (score {p.score:.4f})")
        typer.echo("    " + _snippet(terminal_safe(c.text), query))  # escaped before our own bold codes
        typer.echo("")


def register(app: typer.Typer) -> None:
    app.command("search")(search)
