"""POST /api/login, POST /api/logout, GET /api/me."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials

from ui.api.deps import ApiContext, bearer, current_user, get_ctx, source_of
from ui.api.models import ErrorOut, LoginIn, TokenOut, UserOut
from ui.office import AuthError, Throttled, User

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/login", response_model=TokenOut, summary="Log in: a bearer token",
             responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}})
def login(body: LoginIn, request: Request, ctx: ApiContext = Depends(get_ctx)):
    try:
        issued = ctx.office.login(body.username, body.password, source=source_of(request))
    except Throttled as exc:
        raise HTTPException(429, f"too many failed logins; try again in {exc.retry_after} s",
                            headers={"Retry-After": str(exc.retry_after)}) from None
    except AuthError:
        raise HTTPException(401, "wrong user name or password") from None
    return TokenOut(token=issued.token, expires_at=datetime.fromtimestamp(issued.expires_at, UTC)
                    .isoformat(timespec="seconds"), user=UserOut(**issued.user.to_dict()))


@router.post("/logout", status_code=204, summary="End this token's session")
def logout(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer),
           user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)):
    ctx.office.logout(creds.credentials if creds else "", user, source=source_of(request))
    return Response(status_code=204)


@router.get("/me", response_model=UserOut, summary="Who the token belongs to")
def me(user: User = Depends(current_user)):
    return UserOut(**user.to_dict())
