"""GET /health: no login; says the server and its office database answer, and nothing about the documents."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from ui.api.deps import ApiContext, get_ctx

router = APIRouter(tags=["health"])
log = logging.getLogger("griffier.api")


@router.get("/health", summary="Liveness and readiness (no login)")
def health(ctx: ApiContext = Depends(get_ctx)):
    try:
        ctx.office.db.query("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        log.error("health check: office database unusable: %s", exc)
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return {"status": "ok"}
