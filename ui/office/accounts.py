"""User accounts: roles, collection grants, password check with throttling.

Roles rise reader < editor < admin: a reader asks, searches and drafts briefings;
an editor also uploads and removes documents (in the collections granted); an
admin also manages users and reads the audit log. A user reads only the
collections granted (`*` = all). Passwords are hashed with Argon2id
(argon2-cffi); the hash carries its own parameters and salt.

Failed logins are counted in the audit log (so every process and every restart
sees the same count): after `login_max_failures` failures for a user name within
`login_window_minutes`, or four times that many from one address, further
attempts are refused with `Throttled` until the window slides on.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

from corpus.collections import DEFAULT_COLLECTION, normalise_collection
from ui.office import audit
from ui.office.db import OfficeDB

log = logging.getLogger(__name__)

ROLES = ("reader", "editor", "admin")
ALL = "*"
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
SOURCE_FACTOR = 4  # failures from one address allowed, as a multiple of the per-user limit

_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.@-]{0,63}$")


class AccountError(ValueError):
    """A bad user name, role, password or collection list; the message names the fix."""


class AuthError(PermissionError):
    """Wrong user name or password, or an invalid token. Deliberately says no more."""


class Throttled(PermissionError):
    def __init__(self, retry_after: float):
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(f"too many failed logins; try again in {self.retry_after} s")


@dataclass(frozen=True)
class User:
    username: str
    role: str
    collections: tuple[str, ...] = field(default=(DEFAULT_COLLECTION,))
    created_at: float = 0.0

    @classmethod
    def local(cls) -> User:
        """Whoever runs Griffier on their own machine without accounts: no restriction."""
        return cls("local", "admin", (ALL,))

    @property
    def unrestricted(self) -> bool:
        return ALL in self.collections

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def can_read(self, collection: str) -> bool:
        return self.unrestricted or collection in self.collections

    def can_write(self, collection: str) -> bool:
        return self.at_least("editor") and self.can_read(collection)

    def to_dict(self) -> dict:
        return {"username": self.username, "role": self.role, "collections": list(self.collections)}


def normalise_username(name: str) -> str:
    s = str(name or "").strip().lower()
    if not _USERNAME_RE.match(s):
        raise AccountError(f"user name {name!r} is not valid: use 1-64 lower-case letters, digits, '.', '_', "
                           f"'@' or '-', starting with a letter or digit")
    return s


def normalise_role(role: str) -> str:
    r = str(role or "").strip().lower()
    if r not in ROLES:
        raise AccountError(f"role {role!r} is not valid: use one of {', '.join(ROLES)}")
    return r


def normalise_collections(collections, role: str) -> tuple[str, ...]:
    """A clean, sorted grant. None: every collection for an admin, the default one for others."""
    if collections is None or collections == "" or collections == []:
        return (ALL,) if role == "admin" else (DEFAULT_COLLECTION,)
    items = collections.split(",") if isinstance(collections, str) else list(collections)
    names = {c.strip() for c in items if str(c).strip()}
    if ALL in names:
        return (ALL,)
    try:
        return tuple(sorted(normalise_collection(c) for c in names))
    except ValueError as exc:
        raise AccountError(str(exc)) from exc


def check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"password too long: at most {MAX_PASSWORD} characters")


def _hasher():
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise RuntimeError("accounts need argon2-cffi: pip install argon2-cffi") from exc
    return PasswordHasher()


_DUMMY_HASH: list[str] = []


def _dummy_hash() -> str:
    """A real hash to verify against for unknown users, so a wrong name takes as long as a wrong password."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(_hasher().hash("griffier-no-such-user"))
    return _DUMMY_HASH[0]


def _row_to_user(row: tuple) -> User:
    username, role, collections, created_at = row
    return User(username, role, tuple(json.loads(collections)), float(created_at))


# -- queries -------------------------------------------------------------------------------
def has_accounts(db: OfficeDB) -> bool:
    """True once any account exists: from then on every shell asks who is there."""
    return bool(db.query("SELECT 1 FROM users LIMIT 1"))


def get_user(db: OfficeDB, username: str) -> User | None:
    try:
        name = normalise_username(username)
    except AccountError:
        return None
    rows = db.query("SELECT username, role, collections, created_at FROM users WHERE username=?", (name,))
    return _row_to_user(rows[0]) if rows else None


def list_users(db: OfficeDB) -> list[User]:
    return [_row_to_user(r) for r in db.query(
        "SELECT username, role, collections, created_at FROM users ORDER BY username")]


# -- changes -------------------------------------------------------------------------------
def add_user(db: OfficeDB, username: str, password: str, role: str = "reader", collections=None,
             *, actor: str | None = None, source: str = "") -> User:
    """Create an account; AccountError when the name is taken or a value is invalid."""
    name = normalise_username(username)
    role = normalise_role(role)
    grant = normalise_collections(collections, role)
    check_password(password)
    pw_hash = _hasher().hash(password)
    now = db.now()
    with db.transaction() as conn:
        if conn.execute("SELECT 1 FROM users WHERE username=?", (name,)).fetchone():
            raise AccountError(f"user {name!r} already exists; remove it first or choose another name")
        conn.execute("INSERT INTO users VALUES (?,?,?,?,?)", (name, role, json.dumps(list(grant)), pw_hash, now))
    audit.record(db, "users.add", user=actor, source=source, target=name,
                 detail={"role": role, "collections": list(grant)})
    return User(name, role, grant, now)


def update_user(db: OfficeDB, username: str, *, role: str | None = None, collections=None,
                password: str | None = None, actor: str | None = None, source: str = "") -> User:
    """Change a user's role, grant or password; a password change ends the user's sessions."""
    user = get_user(db, username)
    if user is None:
        raise KeyError(f"no user {username!r}; `griffier users list` shows them")
    new_role = normalise_role(role) if role is not None else user.role
    grant = normalise_collections(collections, new_role) if collections is not None else user.collections
    with db.transaction() as conn:
        conn.execute("UPDATE users SET role=?, collections=? WHERE username=?",
                     (new_role, json.dumps(list(grant)), user.username))
        if password is not None:
            check_password(password)
            conn.execute("UPDATE users SET password_hash=? WHERE username=?",
                         (_hasher().hash(password), user.username))
            conn.execute("DELETE FROM tokens WHERE username=?", (user.username,))
    audit.record(db, "users.update", user=actor, source=source, target=user.username,
                 detail={"role": new_role, "collections": list(grant), "password_changed": password is not None})
    return User(user.username, new_role, grant, user.created_at)


def remove_user(db: OfficeDB, username: str, *, actor: str | None = None, source: str = "") -> bool:
    """Delete an account, its tokens and its conversations (feedback stays, as evaluation data)."""
    user = get_user(db, username)
    if user is None:
        return False
    with db.transaction() as conn:
        conn.execute("DELETE FROM users WHERE username=?", (user.username,))
        conn.execute("DELETE FROM conversations WHERE username=?", (user.username,))
    audit.record(db, "users.remove", user=actor, source=source, target=user.username)
    return True


# -- login ---------------------------------------------------------------------------------
def _throttle_wait(db: OfficeDB, name: str, source: str) -> float:
    """Seconds until another attempt is allowed (0: now)."""
    s = db.settings
    window = float(s.login_window_minutes) * 60
    limit = int(s.login_max_failures)
    if limit <= 0:
        return 0.0
    now = db.now()
    since = now - window
    # Per user: failures since the last success, within the window.
    last_ok = db.query("SELECT MAX(ts) FROM audit WHERE action='login' AND ok=1 AND username=? AND ts>=?",
                       (name, since))[0][0]
    rows = db.query("SELECT ts FROM audit WHERE action='login' AND ok=0 AND target=? AND ts>=? ORDER BY ts",
                    (name, max(since, last_ok or since)))
    wait = 0.0
    if len(rows) >= limit:
        wait = rows[-limit][0] + window - now
    if source:
        rows = db.query("SELECT ts FROM audit WHERE action='login' AND ok=0 AND source=? AND ts>=? ORDER BY ts",
                        (source, since))
        if len(rows) >= limit * SOURCE_FACTOR:
            wait = max(wait, rows[-limit * SOURCE_FACTOR][0] + window - now)
    return max(0.0, wait)


def authenticate(db: OfficeDB, username: str, password: str, *, source: str = "") -> User:
    """The user with this name and password; AuthError when wrong, Throttled after too many failures.

    Every attempt lands in the audit log (action "login", ok 0/1; "login.throttled" when refused
    unchecked). The name in a failed attempt is kept as the target, never the password.
    """
    raw_name = str(username or "")[:100]
    try:
        name = normalise_username(raw_name)
    except AccountError:
        name = raw_name.strip().lower()
    wait = _throttle_wait(db, name, source)
    if wait > 0:
        audit.record(db, "login.throttled", user=None, ok=False, source=source, target=name)
        raise Throttled(wait)
    rows = db.query("SELECT password_hash FROM users WHERE username=?", (name,))
    stored = rows[0][0] if rows else _dummy_hash()
    ok = False
    try:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            ok = _hasher().verify(stored, str(password or "")[:MAX_PASSWORD]) and bool(rows)
        except (VerificationError, InvalidHashError):
            ok = False
    finally:
        audit.record(db, "login", user=name if ok else None, ok=ok, source=source, target=name)
    if not ok:
        raise AuthError("wrong user name or password")
    if _hasher().check_needs_rehash(stored):  # parameters were raised since: re-hash while we have it
        db.execute("UPDATE users SET password_hash=? WHERE username=?", (_hasher().hash(password), name))
    user = get_user(db, name)
    if user is None:  # removed in the meantime
        raise AuthError("wrong user name or password")
    return user
