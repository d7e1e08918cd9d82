"""GET /api/search: hybrid retrieval over the collections the user reads."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request

from ui.api.common import check_length, doc_collections, library_errors, user_filters
from ui.api.deps import ApiContext, current_user, get_ctx, source_of
from ui.api.models import ErrorOut, SearchOut
from ui.office import User, access

router = APIRouter(prefix="/api", tags=["search"])


@router.get("/search", response_model=SearchOut, summary="Search passages (the `griffier search --json` object)",
            responses={401: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def search(request: Request, q: str = Query(..., description="De zoekvraag."),
           k: int = Query(5, ge=1, le=50), mode: Literal["hybrid", "dense", "bm25"] = "hybrid",
           collection: str | None = Query(None, description="Only this collection (of those you read)."),
           user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)):
    from rag.retriever import get_retriever

    q = check_length(ctx, q, "query")
    filters = user_filters(user, {"collection": collection} if collection else None)
    with library_errors():
        passages = get_retriever(ctx.settings).search(q, k, filters, mode=mode)
    access.check_passages(user, passages, doc_collections(ctx), "search")
    ctx.office.audit(user, "search", source=source_of(request), detail={"q": q[:300], "k": k, "n": len(passages)})
    return {"query": q, "passages": [p.to_dict() for p in passages]}
