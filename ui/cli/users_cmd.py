"""`griffier users add|list|remove|update` and `griffier audit`: the office side of the command line.

Whoever can write the home folder can change its files anyway, so these commands
need no login; with the global `--user`, that account must be an admin.
"""

from __future__ import annotations

import sys
from datetime import datetime

import typer

from ui.cli.common import emit_json, fail, get_settings

users_app = typer.Typer(help="Accounts: who may read which collections, and who may change documents.",
                        no_args_is_help=True)


def _office():
    from ui.cli.common import current_user
    from ui.office import Office

    current_user("admin")
    return Office(get_settings())


def _actor():
    from ui.cli.common import current_user

    user = current_user()
    return None if user.username == "local" else user


def _new_password(name: str) -> str:
    """From stdin (first line), or asked twice on a terminal."""
    import getpass

    if sys.stdin.isatty():
        pw = getpass.getpass(f"nieuw wachtwoord voor {name}: ")
        if getpass.getpass("nogmaals: ") != pw:
            fail("the two passwords differ; nothing changed", 2)
        return pw
    pw = sys.stdin.readline().rstrip("\r\n")
    if not pw:
        fail("no password on stdin: pipe it in, e.g. `printf '%s\\n' \"$PW\" | griffier users add NAME`", 2)
    return pw


@users_app.command("add")
def add(
    name: str = typer.Argument(..., help="User name (lower-case letters, digits, . _ @ -)."),
    role: str = typer.Option("reader", "--role", help="reader (ask, search, brief), editor (also upload and "
                                                      "remove), or admin (also users and the audit log)."),
    collections: str | None = typer.Option(
        None, "--collections", help="Comma-separated collections the user reads, or * for all. "
                                    "Default: algemeen (admins: all)."),
) -> None:
    """Add an account; the password is read from stdin (asked twice on a terminal)."""
    from ui.office import AccountError

    office = _office()
    if office.get_user(name) is not None:
        fail(f"user {name!r} already exists; `griffier users remove {name}` first, or `users update`", 2)
    try:
        user = office.add_user(name, _new_password(name), role, collections, actor=_actor(), source="cli")
    except AccountError as exc:
        fail(str(exc), 2)
    typer.echo(f"user {user.username} added: {user.role}, collections {', '.join(user.collections)}")


@users_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help='One JSON object: {"users": [...]}.')) -> None:
    """List the accounts with their role and collections."""
    users = _office().list_users()
    if as_json:
        emit_json({"users": [u.to_dict() for u in users]})
        return
    if not users:
        typer.echo("no accounts: Griffier runs single-user on 127.0.0.1. Add one with `griffier users add NAME`.")
        return
    w = max(len(u.username) for u in users)
    for u in users:
        typer.echo(f"{u.username:<{w}}  {u.role:<6}  {', '.join(u.collections)}")


@users_app.command("remove")
def remove(name: str = typer.Argument(..., help="The user to remove.")) -> None:
    """Remove an account, its sessions and its conversations (its feedback stays)."""
    if not _office().remove_user(name, actor=_actor(), source="cli"):
        fail(f"no user {name!r}; `griffier users list` shows them", 2)
    typer.echo(f"user {name} removed")


@users_app.command("update")
def update(
    name: str = typer.Argument(..., help="The user to change."),
    role: str | None = typer.Option(None, "--role", help="New role."),
    collections: str | None = typer.Option(None, "--collections", help="New collections (replaces the grant)."),
    password: bool = typer.Option(False, "--password", help="Set a new password (from stdin); ends their sessions."),
) -> None:
    """Change a user's role, collections or password."""
    from ui.office import AccountError

    office = _office()
    try:
        user = office.update_user(name, actor=_actor(), source="cli", role=role, collections=collections,
                                  password=_new_password(name) if password else None)
    except KeyError as exc:
        fail(exc.args[0], 2)
    except AccountError as exc:
        fail(str(exc), 2)
    typer.echo(f"user {user.username}: {user.role}, collections {', '.join(user.collections)}")


def audit(
    user: str | None = typer.Option(None, "--user", help="Only this user's actions (and failed logins as them)."),
    since: str | None = typer.Option(None, "--since", help="2026-11-20, 2026-11-20T14:00, or an age: 90m, 12h, 7d."),
    action: str | None = typer.Option(None, "--action", help="Only this action (login, ask, search, upload, ...)."),
    limit: int | None = typer.Option(None, "--limit", help="Only the last N events."),
    as_json: bool = typer.Option(False, "--json", help='One JSON object: {"events": [...]}.'),
) -> None:
    """Show the audit log (append-only): who logged in, asked, searched, uploaded, deleted; when; from where."""
    from corpus.display import terminal_safe

    office = _office()
    try:
        events = office.audit_events(user=user, since=since, action=action, limit=limit)
    except ValueError as exc:
        fail(str(exc), 2)
    if as_json:
        emit_json({"events": [e.to_dict() for e in events]})
        return
    for e in events:
        when = datetime.fromtimestamp(e.ts).strftime("%Y-%m-%d %H:%M:%S")
        detail = " ".join(f"{k}={v}" for k, v in e.detail.items())
        typer.echo(terminal_safe(f"{when}  {'ok ' if e.ok else 'NO '} {e.username or '-':<12} {e.action:<16} "
                                 f"{e.source:<15} {e.target}  {detail}"[:400]))
    if not events:
        typer.echo("no audit events match", err=True)


def register(app: typer.Typer) -> None:
    if "audit" in {c.name for c in app.registered_commands}:
        return
    app.add_typer(users_app, name="users")
    app.command("audit")(audit)
