"""GET /api/history (your conversations), one conversation, its export, and deleting it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse

from ui.api.deps import ApiContext, current_user, get_ctx, source_of
from ui.api.models import ConversationOut, ErrorOut, HistoryOut
from ui.office import User

router = APIRouter(prefix="/api", tags=["history"])


@router.get("/history", response_model=HistoryOut, summary="Your conversations, newest first")
def list_history(request: Request, user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)):
    convs = ctx.office.list_conversations(user)
    ctx.office.audit(user, "history", source=source_of(request), detail={"n": len(convs)})
    return {"conversations": [c.to_dict() for c in convs]}


def _get(ctx: ApiContext, user: User, conversation_id: str):
    try:
        return ctx.office.get_conversation(user, conversation_id)
    except KeyError:
        raise HTTPException(404, f"no conversation {conversation_id!r}") from None


@router.get("/history/{conversation_id}", response_model=ConversationOut, summary="One conversation with its turns",
            responses={404: {"model": ErrorOut}})
def get_history(conversation_id: str, request: Request, user: User = Depends(current_user),
                ctx: ApiContext = Depends(get_ctx)):
    conv = _get(ctx, user, conversation_id)
    ctx.office.audit(user, "history", source=source_of(request), target=conversation_id)
    return conv.to_dict(with_turns=True)


@router.get("/history/{conversation_id}/export", response_class=PlainTextResponse,
            summary="A conversation as Markdown or JSON", responses={404: {"model": ErrorOut}})
def export_history(conversation_id: str, request: Request, format: Literal["markdown", "json"] = "markdown",
                   user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)):
    from ui.office import history

    conv = _get(ctx, user, conversation_id)
    ctx.office.audit(user, "history.export", source=source_of(request), target=conversation_id)
    media = "application/json" if format == "json" else "text/markdown; charset=utf-8"
    return PlainTextResponse(history.export_conversation(conv, format), media_type=media)


@router.delete("/history/{conversation_id}", status_code=204, summary="Delete one of your conversations",
               responses={404: {"model": ErrorOut}})
def delete_history(conversation_id: str, request: Request, user: User = Depends(current_user),
                   ctx: ApiContext = Depends(get_ctx)):
    if not ctx.office.delete_conversation(user, conversation_id):
        raise HTTPException(404, f"no conversation {conversation_id!r}")
    ctx.office.audit(user, "history.delete", source=source_of(request), target=conversation_id)
    return PlainTextResponse("", status_code=204)
