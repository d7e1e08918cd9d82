"""`griffier ingest`, `chunks`, `documents`, `remove`: the corpus side of the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ui.cli.common import emit_json, fail, get_settings

INGEST_HELP = """Ingest files and folders (walked recursively) into the chunk store and indexes.

Supported: .txt .pdf .docx .xml .html. Incremental: unchanged files are not re-read, changed files are replaced. A `<file>.meta.json` sidecar beside a file overrides the detected metadata.

Exit status: 0 when every file was ingested or unchanged; 1 when some files were skipped or failed (each gets a one-line reason; the other files are ingested and nothing stored is lost) or the index update failed; 2 on a usage error (e.g. a path that does not exist).
"""


def ingest(
    paths: list[Path] = typer.Argument(..., help="Files and/or folders to ingest.", show_default=False),
    prune: bool = typer.Option(False, "--prune", help="Remove stored documents whose file under the given folders is gone."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Clear the store first and re-process everything."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object with the per-file report."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bars."),
    engine: str = typer.Option(
        "local", "--engine", help="local, or ray: run load/chunk/embed on a Ray cluster (needs the ray extra; see docs/scale-out.md)."
    ),
    address: str | None = typer.Option(
        None, "--address", help="With --engine ray: the cluster, e.g. ray://head:10001. Default: $GRIFFIER_RAY_ADDRESS, else a local Ray."
    ),
    shard_dir: str | None = typer.Option(
        None, "--shard-dir", help="With --engine ray: a folder or s3:// URI every worker can write. Default: <home>/shards."
    ),
) -> None:
    from corpus.store import StoreError
    from rag.ingest import ingest_paths

    settings = get_settings()
    if engine not in ("local", "ray"):
        fail(f"unknown --engine {engine!r}; use local or ray", 2)
    try:
        if engine == "ray":
            from rag.distributed.ray_engine import RayEngineError, ingest_paths_ray

            try:
                report = ingest_paths_ray(paths, settings, address=address, shard_dir=shard_dir, prune=prune,
                                          rebuild=rebuild, progress=not no_progress)
            except RayEngineError as exc:
                fail(str(exc), 2)
        else:
            report = ingest_paths(paths, settings, prune=prune, rebuild=rebuild, progress=not no_progress)
    except FileNotFoundError as exc:
        fail(str(exc), 2)
    except StoreError as exc:
        fail(str(exc), 1)
    if as_json:
        emit_json(report.to_dict())
    else:
        _print_table(report)
    raise typer.Exit(0 if report.ok else 1)


def _print_table(report) -> None:
    out = sys.stdout
    rows = [(r.status, f"+{r.added} ={r.unchanged} -{r.removed}", r.doc_id or "-", r.reason or "") for r in report.results]
    w0 = max([6] + [len(r[0]) for r in rows])
    w1 = max([6] + [len(r[1]) for r in rows])
    w2 = min(40, max([6] + [len(r[2]) for r in rows]))
    out.write(f"{'status':<{w0}}  {'chunks':<{w1}}  {'doc_id':<{w2}}  reason\n")
    for r, res in zip(rows, report.results):
        reason = f"{res.path}: {r[3]}" if r[3] else ""
        out.write(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:<{w2}}  {reason}\n")
    c = report.counts()
    out.write(
        f"{len(report.results)} files in {report.seconds:.2f} s: {c['added']} added, {c['updated']} updated, "
        f"{c['unchanged']} unchanged, {c['removed']} removed, {c['skipped']} skipped, {c['failed']} failed; "
        f"chunks +{c['chunks_added']} ={c['chunks_unchanged']} -{c['chunks_removed']}\n"
    )
    if report.index_error:
        out.write(f"index update failed: {report.index_error}\n")


def chunks(
    doc: str | None = typer.Option(None, "--doc", help="Only the chunks of this doc_id."),
) -> None:
    """Print stored chunks as JSON Lines (chunk_id, doc_id, text, page_start, page_end, section, citation, metadata)."""
    import json

    from rag.ingest import open_store

    store = open_store(get_settings())
    if doc is not None and store.get_document(doc) is None:
        fail(f"no stored document {doc!r}; `griffier documents` lists them", 2)
    write = sys.stdout.write
    for chunk in store.chunks(doc):
        write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def documents(
    as_json: bool = typer.Option(False, "--json", help='One JSON object: {"documents": [...]}.'),
) -> None:
    """List stored documents with their metadata and chunk counts."""
    from rag.ingest import open_store

    docs = open_store(get_settings()).documents()
    if as_json:
        emit_json({"documents": [
            {"doc_id": d.doc_id, "path": d.path, "title": d.title, "n_chunks": d.n_chunks, "size": d.size,
             "ingested_at": d.ingested_at, "metadata": d.metadata}
            for d in docs
        ]})
        return
    if not docs:
        typer.echo("no documents stored; add some with `griffier ingest PATH...`")
        return
    w = max(len(d.doc_id) for d in docs)
    for d in docs:
        m = d.metadata
        kst = f"{m['dossier']}, nr. {m.get('ondernummer', '?')}  " if m.get("dossier") else ""
        title = (d.title or m.get("title") or "")[:60]
        typer.echo(f"{d.doc_id:<{w}}  {d.n_chunks:>5} chunks  {kst}{title}  ({d.path})")


def remove(doc_id: str = typer.Argument(..., help="The doc_id to remove (see `griffier documents`).")) -> None:
    """Remove one document and its chunks from the store and indexes."""
    from rag.ingest import remove_document

    try:
        n = remove_document(doc_id, get_settings())
    except KeyError as exc:
        fail(exc.args[0], 2)
    typer.echo(f"removed {doc_id} ({n} chunks)")


def register(app: typer.Typer) -> None:
    done = {c.name for c in app.registered_commands}
    if "ingest" in done:  # main() and tests may both register
        return
    app.command("ingest", help=INGEST_HELP)(ingest)
    app.command("chunks")(chunks)
    app.command("documents")(documents)
    app.command("remove")(remove)
