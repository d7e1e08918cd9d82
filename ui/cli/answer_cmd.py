"""`griffier ask`, `griffier chat` and `griffier brief`: thin shells over rag.answer / rag.briefing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from corpus.display import terminal_safe as tsafe
from ui.cli.common import check_k, emit_json, fail, get_settings, os_failure, text_arg


def _filters(items: List[str]) -> dict:
    """--filter items, plus the --user account's readable collections (ui.cli.common.user_filters)."""
    from ui.cli.common import user_filters
    from ui.cli.search_cmd import _parse_filters

    return user_filters(_parse_filters(items)) or {}


def _audit(action: str, text: str, answer=None) -> None:
    from ui.cli.common import cli_audit

    detail = {"question" if action == "ask" else "topic": text[:500]}
    if answer is not None:
        detail.update(refused=answer.refused, citations=len(answer.citations))
    cli_audit(action, detail=detail)


def _answerer(backend: Optional[str], k: Optional[int] = None):
    from rag.answer import get_answerer
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
                typer.echo(f"  [{p.rank}] {tsafe(p.chunk.citation or p.chunk.doc_id)}: {tsafe(p.chunk.text[:200])}…")
        return
    typer.echo("\nBronnen:")
    for c in answer.citations:
        page = f", p. {c.page}" if c.page and "p." not in (c.citation or "") else ""
        typer.echo(f"  [{c.n}] {tsafe(c.citation or c.doc_id)}{page}")
        typer.echo(f"      „{tsafe(c.quote)}”")
    for note in answer.flags:
        typer.echo(f"  let op: {tsafe(note)}")


def _stream_plain(answerer, question: str, history=None, filters=None, k=None):
    from corpus.models import Answer

    shown: list[str] = []
    answer = None
    for piece in answerer.stream(question, history=history, filters=filters, k=k):
        if isinstance(piece, Answer):
            answer = piece
        else:
            shown.append(piece)
            sys.stdout.write(tsafe(piece, single_line=False))
            sys.stdout.flush()
    typer.echo("")  # every streamed piece was checked before it was yielded (rag/answer/pipeline.py)
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
    k: Optional[int] = typer.Option(None, "-k", "--top-k",
                                    help="Passages the answer is chosen from (default: setting answer_passages)."),
    filters: List[str] = typer.Option([], "--filter", "-f", help="key=value, repeatable (as in search)."),
) -> None:
    """Answer a question with cited, checked sentences from the documents."""
    text_arg(question, "the question")
    k = check_k(k)
    answerer = _answerer(backend, k)
    index_error, filter_error = _errors()
    try:
        if as_json:
            answer = answerer.answer(question, filters=_filters(filters) or None, k=k)
            _audit("ask", question, answer)
            emit_json({**answer.to_dict(), "warnings": _index_warnings(answerer)})
            return
        answer = _stream_plain(answerer, question, filters=_filters(filters) or None, k=k)
    except (index_error, filter_error, ValueError) as exc:
        fail(str(exc), 1)
        return
    if answer is not None:
        _audit("ask", question, answer)
        _print_sources(answer)


def chat(
    backend: Optional[str] = typer.Option(None, "--backend", "-b", help="LLM backend (see ask)."),
    k: Optional[int] = typer.Option(None, "-k", "--top-k",
                                    help="Passages the answer is chosen from (default: setting answer_passages)."),
    as_json: bool = typer.Option(False, "--json", help="Read one question a line on stdin, write one ask object "
                                                       "a line (plus standalone_question) on stdout."),
) -> None:
    """Conversation with follow-up questions (empty line or Ctrl-D to stop)."""
    k = check_k(k)
    answerer = _answerer(backend, k)
    index_error, filter_error = _errors()
    history: list[dict] = []
    readable = _filters([]) or None  # with --user, reads the password (first stdin line) before any question
    if as_json:
        _chat_json(answerer, readable, k, (index_error, filter_error, ValueError))
        return
    typer.echo("Stel een vraag over de documenten (lege regel of Ctrl-D om te stoppen).")
    while True:
        try:
            question = input("\nvraag> ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            answer = _stream_plain(answerer, question, history=history, filters=readable, k=k)
        except (index_error, filter_error, ValueError) as exc:
            typer.echo(f"fout: {tsafe(exc, single_line=False)}", err=True)
            continue
        if answer is None:
            continue
        _audit("ask", question, answer)
        if answer.standalone_question and answer.standalone_question != question:
            typer.echo(f"(gezocht als: {tsafe(answer.standalone_question)})", err=True)
        _print_sources(answer)
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


def _chat_json(answerer, filters, k, errors) -> None:
    """One JSON object a line: the ask contract plus `standalone_question`; a bad line gets {"error": …}."""
    history: list[dict] = []
    for line in sys.stdin:
        question = line.strip()
        if not question:
            continue
        try:
            answer = answerer.answer(question, history=history, filters=filters, k=k)
        except errors as exc:
            emit_json({"question": question, "error": str(exc)})
            continue
        _audit("ask", question, answer)
        emit_json(answer.to_dict())
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


def brief(
    topic: str = typer.Argument(..., help="Het onderwerp van de notitie."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="briefing.md or briefing.docx (optional with --json)"),
    as_json: bool = typer.Option(False, "--json", help="Print the note as one JSON object (contract in DESIGN.md)."),
    filters: List[str] = typer.Option([], "--filter", "-f", help="key=value, repeatable (as in search)."),
    backend: Optional[str] = typer.Option(None, "--backend", "-b", help="LLM backend (see ask)."),
) -> None:
    """Draft a cited briefing note (Samenvatting, Kernfeiten, Standpunten, Open punten, Bronnen)."""
    from rag.briefing import draft_briefing
    from rag.llm import parse_backend

    text_arg(topic, "the topic")
    if output is None and not as_json:
        fail("give --output briefing.md (or .docx) to write the note, or --json to print it", 2)
    suffix = output.suffix.lower() if output is not None else ""
    if output is not None:
        if suffix not in (".md", ".docx"):
            fail(f"--output {output}: use a .md or .docx file name", 2)
        _check_output(output)  # before the drafting, which can take a while
    settings = get_settings(llm_backend=backend)
    try:
        parse_backend(settings.llm_backend)
    except ValueError as exc:
        fail(str(exc), 2)
    index_error, filter_error = _errors()
    try:
        briefing = draft_briefing(topic, settings, filters=_filters(filters) or None)
    except (index_error, filter_error, ValueError) as exc:
        fail(str(exc), 1)
        return
    _audit("brief", topic)
    if output is not None:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            if suffix == ".md":
                output.write_text(briefing.to_markdown(), encoding="utf-8")
            else:
                briefing.write_docx(output)
        except OSError as exc:
            os_failure(exc, output, "write the briefing")
        n = sum(len(s.lines) for s in briefing.sections)
        typer.echo(f"Notitie over «{tsafe(topic)}» geschreven naar {tsafe(output)} ({n} regels, "
                   f"{len(briefing.sources)} bronnen).", err=True)
    if as_json:
        emit_json(briefing.to_dict())


def _check_output(output: Path) -> None:
    """Exit with the reason and fix when `output` cannot be written (its folder is a file, read-only, full)."""
    import tempfile

    if output.is_dir():
        fail(f"--output {output} is a folder; give a file name such as {output / 'briefing.md'}", 2)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output.parent, prefix=".griffier-", suffix=".tmp"):
            pass
    except OSError as exc:
        os_failure(exc, output.parent, f"write {output}", 2)


def _index_warnings(answerer) -> list[str]:
    from ui.cli.search_cmd import index_warnings

    try:
        return index_warnings(answerer.retriever)
    except Exception:  # noqa: BLE001 - a warning must never cost the answer
        return []


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("brief")(brief)
