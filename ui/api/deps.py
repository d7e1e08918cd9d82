"""FastAPI dependencies: the server context, the current user and the role a route needs."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from corpus.settings import Settings
from ui.office import AuthError, Office, User, is_loopback

bearer = HTTPBearer(auto_error=False, description="The token from POST /api/login.")


@dataclass
class ApiContext:
    """What every request of one server shares (on `app.state.ctx`)."""

    settings: Settings
    office: Office
    loopback_only: bool  # bound to a loopback address: the no-accounts mode is allowed
    llm_lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_guard(self):
        """The in-process LLM (llama.cpp) is not thread-safe: one answer at a time there; else none."""
        from rag.llm import parse_backend

        return self.llm_lock if parse_backend(self.settings.llm_backend).in_process else contextlib.nullcontext()


def get_ctx(request: Request) -> ApiContext:
    return request.app.state.ctx


def source_of(request: Request) -> str:
    return request.client.host if request.client else ""


def request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "")


def _local_request(request: Request) -> bool:
    """A request from this machine, to a loopback name, not sent by a page of another site.

    Guards the no-accounts mode against other machines, DNS rebinding (a foreign name
    resolving to 127.0.0.1) and cross-site form posts from a browser on this machine.
    """
    if not is_loopback(source_of(request)):
        return False
    host = urlsplit(f"//{request.headers.get('host', '')}").hostname or ""
    if not is_loopback(host):
        return False
    origin = request.headers.get("origin")
    if origin and not is_loopback(urlsplit(origin).hostname or ""):
        return False
    return True


def current_user(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer),
                 ctx: ApiContext = Depends(get_ctx)) -> User:
    """The user of the bearer token; 401 without a valid one.

    With no accounts at all, a server bound to loopback serves local requests as the
    unrestricted local user (as the web app runs without login on 127.0.0.1).
    """
    if creds is None or creds.scheme.lower() != "bearer":
        if ctx.loopback_only and _local_request(request) and not ctx.office.has_accounts():
            return ctx.office.local_user()
        raise HTTPException(401, "log in first: POST /api/login, then send Authorization: Bearer TOKEN",
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        user = ctx.office.user_for_token(creds.credentials)
    except AuthError as exc:
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    request.state.user = user.username
    return user


def require_role(role: str):
    """A dependency: the current user, 403 (and an audit entry) when their role is below `role`."""

    def dep(request: Request, user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)) -> User:
        if not user.at_least(role):
            ctx.office.audit(user, "denied", ok=False, source=source_of(request),
                             target=f"{request.method} {request.url.path}", detail={"needs": role})
            raise HTTPException(403, f"your role ({user.role}) may not do this; it needs {role} or higher")
        return user

    return dep
