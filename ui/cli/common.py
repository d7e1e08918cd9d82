"""Shared pieces of the command line: the Typer app, global options, settings."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, Optional

import typer

from corpus.display import terminal_safe
from corpus.settings import Settings, load_settings

app = typer.Typer(
    name="griffier",
    help="Griffier: vragen beantwoorden over Kamerstukken, met gecontroleerde bronvermelding.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state: dict[str, Any] = {"overrides": {}}


@app.callback()
def _global_options(
    home: Optional[str] = typer.Option(
        None, "--home", help="Griffier home folder (index, models). Default: $GRIFFIER_HOME or ~/.local/share/griffier."
    ),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output (-vv for debug)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors on stderr."),
    user: Optional[str] = typer.Option(
        None, "--user", envvar="GRIFFIER_USER",
        help="Act as this account: search, ask, brief, documents and chunks see only its collections. "
             "Password from $GRIFFIER_PASSWORD, else the first line of stdin (or a prompt).",
    ),
) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s", force=True)
    for noisy in ("httpx", "urllib3", "sentence_transformers", "faiss", "bm25s", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    if home is not None and not home.strip():
        # Path("") is the current folder: an empty --home (an unset shell variable) would write there.
        fail("--home is empty; give a folder, e.g. --home ~/griffier-home (it is created if missing)", 2)
    _state["overrides"] = {"home": Path(text_arg(home, "--home", path=True)) if home is not None else None}
    _state["user_name"] = user
    _state["user"] = None


def get_settings(**overrides: Any) -> Settings:
    """Settings from file and environment, with the global and command flags on top."""
    merged = {**_state["overrides"], **{k: v for k, v in overrides.items() if v is not None}}
    try:
        settings = load_settings(merged)
    except ValueError as exc:
        fail(str(exc))
        raise  # unreachable, for type checkers
    if settings.home.exists() and not settings.home.is_dir():
        from corpus.store import home_is_file_message

        fail(home_is_file_message(settings.home), 2)
    return settings


def text_arg(value: str, what: str, *, path: bool = False) -> str:
    """`value` when it is valid UTF-8 text; else exit 2 naming the argument and the fix.

    Python keeps bytes that are not UTF-8 in command-line arguments as lone
    surrogates, which cannot be searched, stored or printed. A path may hold them
    (Linux file names are bytes): with `path` such a value is accepted.
    """
    if value is None or path:
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = value[exc.start : exc.end].encode("utf-8", "surrogateescape")
        fail(f"{what} is not valid UTF-8 text (byte {bad.hex(' ')} at position {exc.start}); set the terminal "
             f"or the calling program to UTF-8 (e.g. LANG=C.UTF-8) and type it again", 2)
    return value


def check_k(k: Optional[int]) -> Optional[int]:
    """-k / --top-k: None (the setting) or a whole number from 1 to rag.retriever.MAX_K; else exit 2."""
    if k is None:
        return None
    from rag.retriever import MAX_K

    if not 1 <= k <= MAX_K:
        fail(f"-k {k}: the number of passages must be from 1 to {MAX_K}", 2)
    return k


def os_failure(exc: OSError, path: Any, doing: str, code: int = 1) -> None:
    """Exit with the one-line reason and fix for an OSError (full disk, read-only, a file in the way)."""
    from corpus.store import os_error_message

    fail(os_error_message(exc, path, doing), code)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"fout: {terminal_safe(message, single_line=False)}", err=True)
    raise typer.Exit(code)


# -- acting as a user (ui/office) ----------------------------------------------------------------
def office_if_any(settings: Settings | None = None):
    """The home's office database when one exists (accounts were ever made), else None: plain
    single-user use creates no office.sqlite."""
    from ui.office import Office
    from ui.office.db import FILENAME

    settings = settings or get_settings()
    return Office(settings) if (settings.home / FILENAME).exists() else None


def _read_password(name: str) -> str:
    import getpass
    import os

    pw = os.environ.get("GRIFFIER_PASSWORD")
    if pw is not None:
        return pw
    if sys.stdin.isatty():
        return getpass.getpass(f"wachtwoord voor {name}: ")
    return sys.stdin.readline().rstrip("\r\n")


def current_user(role: str | None = None):
    """Who this command acts as: the --user account (logged in once, throttled and audited like the API),
    else the unrestricted local user (whoever can read the home's files can read everything anyway).
    Exits with status 2 when the login fails or the role is below `role`."""
    from ui.office import AuthError, Throttled, User

    user = _state.get("user")
    if user is None:
        name = _state.get("user_name")
        if not name:
            user = User.local()
        else:
            office = office_if_any()
            if office is None or not office.has_accounts():
                fail(f"--user {name}: this home has no accounts; add one with `griffier users add`", 2)
            try:
                user = office.authenticate(name, _read_password(name), source="cli")
            except Throttled as exc:
                fail(f"--user {name}: too many failed logins; try again in {exc.retry_after} s", 2)
            except AuthError:
                fail(f"--user {name}: wrong user name or password", 2)
        _state["user"] = user
    if role is not None and not user.at_least(role):
        cli_audit("denied", ok=False, detail={"needs": role})
        fail(f"user {user.username} ({user.role}) may not do this; it needs {role} or higher", 2)
    return user


def user_filters(filters: dict | None) -> dict | None:
    """The command's filters with the acting user's readable collections added (unchanged without --user)."""
    from ui.office import access

    return access.retrieval_filters(current_user(), filters)


def cli_audit(action: str, *, ok: bool = True, target: str = "", detail: dict | None = None) -> None:
    """Record a command in the audit log when the home has an office database."""
    office = office_if_any()
    if office is not None:
        office.audit(current_user(), action, ok=ok, source="cli", target=target, detail=detail)
