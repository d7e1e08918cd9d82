"""Admin only: users (GET/POST /api/users, PATCH/DELETE /api/users/{name}) and GET /api/audit."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse

from ui.api.deps import ApiContext, get_ctx, require_role, source_of
from ui.api.models import AuditOut, ErrorOut, UserIn, UserOut, UserPatch, UsersOut
from ui.office import AccountError, User

router = APIRouter(prefix="/api", tags=["admin"])
admin = require_role("admin")


@router.get("/users", response_model=UsersOut, summary="All accounts")
def list_users(user: User = Depends(admin), ctx: ApiContext = Depends(get_ctx)):
    return {"users": [u.to_dict() for u in ctx.office.list_users()]}


@router.post("/users", status_code=201, response_model=UserOut, summary="Add an account",
             responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def add_user(body: UserIn, request: Request, user: User = Depends(admin), ctx: ApiContext = Depends(get_ctx)):
    if ctx.office.get_user(body.username) is not None:
        raise HTTPException(409, f"user {body.username!r} already exists")
    try:
        new = ctx.office.add_user(body.username, body.password, body.role, body.collections, actor=user,
                                  source=source_of(request))
    except AccountError as exc:
        raise HTTPException(422, str(exc)) from None
    return new.to_dict()


@router.patch("/users/{username}", response_model=UserOut, summary="Change role, collections or password",
              responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def update_user(username: str, body: UserPatch, request: Request, user: User = Depends(admin),
                ctx: ApiContext = Depends(get_ctx)):
    try:
        changed = ctx.office.update_user(username, actor=user, source=source_of(request),
                                         **body.model_dump(exclude_none=True))
    except KeyError:
        raise HTTPException(404, f"no user {username!r}") from None
    except AccountError as exc:
        raise HTTPException(422, str(exc)) from None
    return changed.to_dict()


@router.delete("/users/{username}", status_code=204, summary="Remove an account",
               responses={404: {"model": ErrorOut}})
def remove_user(username: str, request: Request, user: User = Depends(admin), ctx: ApiContext = Depends(get_ctx)):
    if not ctx.office.remove_user(username, actor=user, source=source_of(request)):
        raise HTTPException(404, f"no user {username!r}")
    return PlainTextResponse("", status_code=204)


@router.get("/audit", response_model=AuditOut, summary="The audit log, oldest first")
def audit_log(request: Request, user_name: str | None = Query(None, alias="user"),
              since: str | None = Query(None, description="2026-11-20, 2026-11-20T14:00, or 90m / 12h / 7d"),
              action: str | None = None, limit: int = Query(1000, ge=1, le=100_000),
              user: User = Depends(admin), ctx: ApiContext = Depends(get_ctx)):
    try:
        events = ctx.office.audit_events(user=user_name, since=since, action=action, limit=limit)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    ctx.office.audit(user, "audit", source=source_of(request), detail={"n": len(events)})
    return {"events": [e.to_dict() for e in events]}
