"""The FastAPI application: routers per resource, one error shape, no stack traces out.

Every response carries an `X-Request-ID`; every error body is
`{"error": "...", "request_id": "..."}`. An unexpected exception is logged with
its traceback and the request id, and answered with a generic 500: nothing about
the server's files, code or data leaves in an error.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from corpus.settings import Settings
from ui.api.deps import ApiContext
from ui.office import Office

log = logging.getLogger("griffier.api")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
]
DESCRIPTION = """Vragen beantwoorden over Kamerstukken, met gecontroleerde bronvermelding.

Log in with `POST /api/login`, then send `Authorization: Bearer TOKEN`. Roles: reader (search, ask,
brief), editor (also upload and remove documents), admin (also users and the audit log). Each user
reads only the collections granted. JSON bodies follow the command line's `--json` objects.
"""


class RequestIdMiddleware:
    """Pure ASGI (streams pass through untouched): a request id, security headers, an early 413.

    The upload size check runs on the declared Content-Length before the body is read; the
    route checks the bytes actually received as well.
    """

    def __init__(self, app, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rid = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        headers = dict(scope.get("headers") or [])
        try:
            length = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            length = 0
        if length > self.max_body_bytes:
            mb = self.max_body_bytes / 1e6
            resp = JSONResponse({"error": f"request too large ({length / 1e6:.1f} MB); the limit is {mb:.0f} MB",
                                 "request_id": rid}, status_code=413, headers={"X-Request-ID": rid})
            return await resp(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                hs = list(message.get("headers") or [])
                names = {k.lower() for k, _ in hs}
                if b"x-request-id" not in names:
                    hs.append((b"x-request-id", rid.encode()))
                hs += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                message = {**message, "headers": hs}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _rid(request: Request) -> str:
    return getattr(request.state, "request_id", "") or uuid.uuid4().hex[:16]


def _error(request: Request, status: int, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    rid = _rid(request)
    return JSONResponse({"error": message, "request_id": rid, **extra}, status_code=status,
                        headers={**(headers or {}), "X-Request-ID": rid})


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else "request refused"
    return _error(request, exc.status_code, detail, getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    # Field locations and messages only: never the submitted values back.
    errors = [{"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
    return _error(request, 422, "invalid request: " + "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors),
                  errors=errors)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    rid = _rid(request)
    log.error("request %s %s %s failed", rid, request.method, request.url.path, exc_info=exc)
    return _error(request, 500, "internal error; the administrator can look it up by the request id")


def create_app(settings: Settings, *, bind_host: str = "127.0.0.1", office: Office | None = None) -> FastAPI:
    """The API for the home in `settings`; `bind_host` decides whether the no-accounts mode is allowed."""
    from ui.api.routers import admin, answers, auth, documents, feedback, health, history, search
    from ui.office import is_loopback

    app = FastAPI(title="Griffier", version="0.1.0", description=DESCRIPTION, debug=False)
    app.state.ctx = ApiContext(settings=settings, office=office or Office(settings),
                               loopback_only=is_loopback(bind_host))
    max_body = int(settings.api_max_upload_mb * 1e6) + 64 * 1024  # multipart framing on top of the file
    app.add_middleware(RequestIdMiddleware, max_body_bytes=max_body)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
    for module in (health, auth, search, answers, documents, feedback, history, admin):
        app.include_router(module.router)
    return app
