"""`griffier ingest`, `chunks`, `documents`, `remove`: the corpus side of the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from corpus.display import terminal_safe
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
    no_wait: bool = typer.Option(
        False, "--no-wait", help="When another ingest is running on this home, fail (exit 1) instead of waiting for it."
    ),
    follow_symlinks: bool = typer.Option(
        False, "--follow-symlinks",
        help="Also follow symbolic links (files and folders) that point outside the given folders; "
             "by default they are skipped with the reason.",
    ),
    collection: str | None = typer.Option(
        None, "--collection", help="Put the documents in this collection (access is granted per collection). "
                                   "Default: the sidecar's `collection`, else algemeen."
    ),
) -> None:
    from corpus.collections import DEFAULT_COLLECTION, normalise_collection
    from corpus.homelock import HomeBusyError
    from corpus.store import StoreError
    from rag.ingest import RebuildRefused, ingest_paths
    from ui.cli.common import cli_audit, current_user

    settings = get_settings()
    if engine not in ("local", "ray"):
        fail(f"unknown --engine {engine!r}; use local or ray", 2)
    if collection is not None:
        try:
            collection = normalise_collection(collection)
        except ValueError as exc:
            fail(str(exc), 2)
    user = current_user("editor")
    if not user.can_write(collection or DEFAULT_COLLECTION) or ((rebuild or prune) and not user.unrestricted):
        fail(f"user {user.username} may not ingest into {collection or DEFAULT_COLLECTION!r}"
             + (" (--rebuild and --prune need access to every collection)" if rebuild or prune else ""), 2)
    try:
        if engine == "ray":
            from rag.distributed.ray_engine import RayEngineError, ingest_paths_ray

            try:
                report = ingest_paths_ray(paths, settings, address=address, shard_dir=shard_dir, prune=prune,
                                          rebuild=rebuild, progress=not no_progress, collection=collection)
            except RayEngineError as exc:
                fail(str(exc), 2)
        else:
            report = ingest_paths(paths, settings, prune=prune, rebuild=rebuild, progress=not no_progress,
                                  collection=collection, wait=not no_wait, follow_symlinks=follow_symlinks)
    except FileNotFoundError as exc:
        fail(str(exc), 2)
    except RebuildRefused as exc:
        fail(str(exc), 2)
    except (StoreError, HomeBusyError) as exc:
        fail(str(exc), 1)
    cli_audit("ingest", ok=report.ok, target=collection or "", detail={"paths": [str(p) for p in paths][:20],
                                                                      **report.counts()})
    if as_json:
        emit_json(report.to_dict())
    else:
        _print_table(report)
    raise typer.Exit(0 if report.ok else 1)


def _print_table(report) -> None:
    out = sys.stdout
    rows = [(r.status, f"+{r.added} ={r.unchanged} -{r.removed}", terminal_safe(r.doc_id or "-"),
             terminal_safe("; ".join(x for x in (r.reason, _replaces(r)) if x)))
            for r in report.results]
    w0 = max([6] + [len(r[0]) for r in rows])
    w1 = max([6] + [len(r[1]) for r in rows])
    w2 = min(40, max([6] + [len(r[2]) for r in rows]))
    out.write(f"{'status':<{w0}}  {'chunks':<{w1}}  {'doc_id':<{w2}}  reason\n")
    for r, res in zip(rows, report.results):
        reason = f"{terminal_safe(res.path)}: {r[3]}" if r[3] else ""
        out.write(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:<{w2}}  {reason}\n")
    c = report.counts()
    out.write(
        f"{len(report.results)} files in {report.seconds:.2f} s: {c['added']} added, {c['updated']} updated, "
        f"{c['unchanged']} unchanged, {c['removed']} removed, {c['skipped']} skipped, {c['failed']} failed; "
        f"chunks +{c['chunks_added']} ={c['chunks_unchanged']} -{c['chunks_removed']}\n"
    )
    if report.index_error:
        out.write(f"index update failed: {terminal_safe(report.index_error)}\n")


def _replaces(r) -> str:
    """What an updated or removed document was: nothing goes without a word."""
    if not getattr(r, "replaces", ""):
        return ""
    return f"removed: {r.replaces}" if r.status == "removed" else f"replaces {r.replaces}"


def chunks(
    doc: str | None = typer.Option(None, "--doc", help="Only the chunks of this doc_id."),
) -> None:
    """Print stored chunks as JSON Lines (chunk_id, doc_id, text, page_start, page_end, section, citation, metadata)."""
    import json

    from rag.ingest import open_store

    from ui.cli.common import current_user
    from ui.office import access

    store = open_store(get_settings())
    readable = {d.doc_id for d in access.readable_documents(current_user(), store)}
    if doc is not None and doc not in readable:
        fail(f"no stored document {doc!r}; `griffier documents` lists them", 2)
    write = sys.stdout.write
    for chunk in store.chunks(doc):
        if chunk.doc_id not in readable:
            continue
        write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    sys.stdout.flush()


def documents(
    as_json: bool = typer.Option(False, "--json", help='One JSON object: {"documents": [...]}.'),
) -> None:
    """List stored documents with their metadata and chunk counts."""
    from corpus.collections import collection_of
    from rag.ingest import open_store
    from ui.cli.common import cli_audit, current_user
    from ui.office import access

    from rag.indexing import indexed_chunk_ids, unindexed_documents, unindexed_warning

    settings = get_settings()
    store = open_store(settings)
    docs = access.readable_documents(current_user(), store)
    cli_audit("documents", detail={"n": len(docs)})
    # Documents stored but lacking vectors (an ingest killed after the store was written): marked.
    unindexed = unindexed_documents(store, indexed_chunk_ids(settings)) if docs else {}
    unindexed = {d.doc_id: unindexed[d.doc_id] for d in docs if d.doc_id in unindexed}
    if as_json:
        emit_json({"documents": [
            {"doc_id": d.doc_id, "path": d.path, "title": d.title, "n_chunks": d.n_chunks, "size": d.size,
             "ingested_at": d.ingested_at, "collection": collection_of(d.metadata), "metadata": d.metadata,
             "searchable": d.doc_id not in unindexed, "chunks_without_vectors": unindexed.get(d.doc_id, 0)}
            for d in docs
        ], "warnings": [unindexed_warning(unindexed, settings.home)] if unindexed else []})
        return
    if not docs:
        typer.echo("no documents stored; add some with `griffier ingest PATH...`")
        return
    w = max(len(d.doc_id) for d in docs)
    for d in docs:
        m = d.metadata
        kst = f"{m['dossier']}, nr. {m.get('ondernummer', '?')}  " if m.get("dossier") else ""
        title = (d.title or m.get("title") or "")[:60]
        mark = (f"  [NOT SEARCHABLE: {unindexed[d.doc_id]} chunks lack vectors]" if d.doc_id in unindexed else "")
        typer.echo(terminal_safe(f"{d.doc_id:<{w}}  {d.n_chunks:>5} chunks  {kst}{title}  ({d.path}){mark}"))
    if unindexed:
        typer.echo(terminal_safe(unindexed_warning(unindexed, settings.home)), err=True)


def remove(doc_id: str = typer.Argument(..., help="The doc_id to remove (see `griffier documents`).")) -> None:
    """Remove one document and its chunks from the store and indexes."""
    from corpus.collections import collection_of
    from rag.ingest import open_store, remove_document
    from ui.cli.common import cli_audit, current_user

    user = current_user("editor")
    settings = get_settings()
    stored = open_store(settings).get_document(doc_id)
    if stored is not None and not user.can_write(collection_of(stored.metadata)):
        # outside the user's collections: answered as if it did not exist
        fail(f"no stored document {doc_id!r}; `griffier documents` lists them", 2)
    from corpus.homelock import HomeBusyError
    from corpus.store import StoreError
    from rag.ingest import describe

    try:
        n = remove_document(doc_id, settings)
    except KeyError as exc:
        fail(exc.args[0], 2)
    except (StoreError, HomeBusyError) as exc:
        fail(str(exc), 1)
    cli_audit("delete", target=doc_id, detail={"chunks": n})
    typer.echo(terminal_safe(f"removed {describe(stored)}" if stored is not None else f"removed {doc_id} ({n} chunks)"))


def register(app: typer.Typer) -> None:
    done = {c.name for c in app.registered_commands}
    if "ingest" in done:  # main() and tests may both register
        return
    app.command("ingest", help=INGEST_HELP)(ingest)
    app.command("chunks")(chunks)
    app.command("documents")(documents)
    app.command("remove")(remove)
