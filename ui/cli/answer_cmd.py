"""`griffier ask`, `griffier chat` and `griffier brief`: thin shells over rag.answering / rag.briefing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from ui.cli.common import emit_json, fail, get_settings


def _filters(items: List[str]) -> dict:
    from ui.cli.search_cmd import _parse_filters

    return _parse_filters(items)


def _answerer(backend: Optional[str], k: Optional[int] = None):
    from rag.answering import get_answerer
    from rag.llm import parse_backend

    settings = get_settings(llm_backend=backend, top_k=k)
    try:
        parse_backend(settings.llm_backend)
    except ValueError as exc:
        fail(str(exc), 2)
    return get_answerer(settings)


def _print_sources(answer) -> None:
    if answer.refused:
        if answer.passages:
            typer.echo("\nDichtstbijzijnde passages:")
            for p in answer.passages:
                typer.echo(f"  [{p.rank}] {p.chunk.citation or p.chunk.doc_id}: {p.chunk.text[:200]}…")
        return
    typer.echo("\nBronnen:")
    for c in answer.citations:
        page = f", p. {c.page}" if c.page and "p." not in (c.citation or "") else ""
        typer.echo(f"  [{c.n}] {c.citation or c.doc_id}{page}")
        typer.echo(f"      „{c.quote}”")
    for note in answer.flags:
        typer.echo(f"  let op: {note}")


def _stream_plain(answerer, question: str, history=None, filters=None, k=None):
    from corpus.models import Answer

    shown: list[str] = []
    answer = None
    for piece in answerer.stream(question, history=history, filters=filters, k=k):
        if isinstance(piece, Answer):
            answer = piece
        else:
            shown.append(piece)
            sys.stdout.write(piece)
            sys.stdout.flush()
    typer.echo("")
    if answer is not None and not answer.refused and answer.text.strip() != "".join(shown).strip():
        # The check changed what was streamed: the checked answer is the one to rely on.
        typer.echo("\nGecontroleerd antwoord:")
        typer.echo(answer.text)
    return answer


def _errors():
    from rag.indexing import IndexError as GriffierIndexError

    try:
        from rag.retriever import FilterError
    except ImportError:  # pragma: no cover
        FilterError = ValueError  # noqa: N806
    return GriffierIndexError, FilterError


def ask(
    question: str = typer.Argument(..., help="De vraag."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object (contract in DESIGN.md)."),
    backend: Optional[str] = typer.Option(None, "--backend", "-b",
                                          help="bundled, gguf:<path>, ollama:<model>, openai:<model> or extractive."),
    k: Optional[int] = typer.Option(None, "-k", "--top-k", help="Number of passages to retrieve."),
    filters: List[str] = typer.Option([], "--filter", "-f", help="key=value, repeatable (as in search)."),
) -> None:
    """Answer a question with cited, checked sentences from the documents."""
    answerer = _answerer(backend, k)
    index_error, filter_error = _errors()
    try:
        if as_json:
            emit_json(answerer.answer(question, filters=_filters(filters) or None, k=k).to_dict())
            return
        answer = _stream_plain(answerer, question, filters=_filters(filters) or None, k=k)
    except (index_error, filter_error, ValueError) as exc:
        fail(str(exc), 1)
        return
    if answer is not None:
        _print_sources(answer)


def chat(
    backend: Optional[str] = typer.Option(None, "--backend", "-b", help="LLM backend (see ask)."),
    k: Optional[int] = typer.Option(None, "-k", "--top-k", help="Number of passages to retrieve."),
) -> None:
    """Interactive conversation with follow-up questions (empty line or Ctrl-D to stop)."""
    answerer = _answerer(backend, k)
    index_error, filter_error = _errors()
    history: list[dict] = []
    typer.echo("Stel een vraag over de documenten (lege regel of Ctrl-D om te stoppen).")
    while True:
        try:
            question = input("\nvraag> ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            answer = _stream_plain(answerer, question, history=history, k=k)
        except (index_error, filter_error, ValueError) as exc:
            typer.echo(f"fout: {exc}", err=True)
            continue
        if answer is None:
            continue
        if answer.standalone_question and answer.standalone_question != question:
            typer.echo(f"(gezocht als: {answer.standalone_question})", err=True)
        _print_sources(answer)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


def brief(
    topic: str = typer.Argument(..., help="Het onderwerp van de notitie."),
    output: Path = typer.Option(..., "--output", "-o", help="briefing.md or briefing.docx"),
    filters: List[str] = typer.Option([], "--filter", "-f", help="key=value, repeatable (as in search)."),
    backend: Optional[str] = typer.Option(None, "--backend", "-b", help="LLM backend (see ask)."),
) -> None:
    """Draft a cited briefing note (Samenvatting, Kernfeiten, Standpunten, Open punten, Bronnen)."""
    from rag.briefing import draft_briefing

    suffix = output.suffix.lower()
    if suffix not in (".md", ".docx"):
        fail(f"--output {output}: use a .md or .docx file name", 2)
    settings = get_settings(llm_backend=backend)
    index_error, filter_error = _errors()
    try:
        briefing = draft_briefing(topic, settings, filters=_filters(filters) or None)
    except (index_error, filter_error, ValueError) as exc:
        fail(str(exc), 1)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".md":
        output.write_text(briefing.to_markdown(), encoding="utf-8")
    else:
        briefing.write_docx(output)
    n = sum(len(s.lines) for s in briefing.sections)
    typer.echo(f"Notitie over «{topic}» geschreven naar {output} ({n} regels, {len(briefing.sources)} bronnen).",
               err=True)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("brief")(brief)
