"""Login tokens: random, stored only as a SHA-256 hash, expiring after `token_lifetime_hours`.

A token is 32 random bytes (URL-safe base64). The database keeps its hash, so
a copy of office.sqlite gives no one a session. Expired tokens are refused and
swept on the next issue.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from ui.office.accounts import AuthError, User, get_user
from ui.office.db import OfficeDB

MAX_TOKEN_CHARS = 200


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: float  # seconds since the epoch
    user: User

    def to_dict(self) -> dict:
        return {"token": self.token, "token_type": "bearer", "expires_at": self.expires_at,
                "user": self.user.to_dict()}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_token(db: OfficeDB, user: User, lifetime_s: float | None = None) -> IssuedToken:
    """A new token for `user` (after `accounts.authenticate`), valid `lifetime_s` (default from settings)."""
    now = db.now()
    life = float(db.settings.token_lifetime_hours) * 3600 if lifetime_s is None else float(lifetime_s)
    token = secrets.token_urlsafe(32)
    with db.transaction() as conn:
        conn.execute("DELETE FROM tokens WHERE expires_at < ?", (now,))
        conn.execute("INSERT INTO tokens VALUES (?,?,?,?)", (_digest(token), user.username, now, now + life))
    return IssuedToken(token, now + life, user)


def user_for_token(db: OfficeDB, token: str) -> User:
    """The user a valid, unexpired token belongs to; AuthError otherwise."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise AuthError("missing or invalid token")
    rows = db.query("SELECT username, expires_at FROM tokens WHERE token_hash=?", (_digest(token),))
    if not rows:
        raise AuthError("invalid token: log in again")
    username, expires_at = rows[0]
    if expires_at <= db.now():
        raise AuthError("token expired: log in again")
    user = get_user(db, username)
    if user is None:
        raise AuthError("invalid token: log in again")
    return user


def revoke_token(db: OfficeDB, token: str) -> bool:
    return db.execute("DELETE FROM tokens WHERE token_hash=?", (_digest(token or ""),)).rowcount > 0


def revoke_user_tokens(db: OfficeDB, username: str) -> int:
    return db.execute("DELETE FROM tokens WHERE username=?", (username,)).rowcount
