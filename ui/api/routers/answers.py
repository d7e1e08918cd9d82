"""POST /api/ask (JSON, or server-sent events with ?stream=1) and POST /api/brief."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from ui.api.common import check_length, doc_collections, library_errors, user_filters
from ui.api.deps import ApiContext, current_user, get_ctx, request_id, source_of
from ui.api.models import AskIn, AskOut, BriefIn, BriefOut, ErrorOut
from ui.office import User, access

router = APIRouter(prefix="/api", tags=["answers"])
log = logging.getLogger("griffier.api")

STREAM_DOC = """With `?stream=1` the answer comes as server-sent events: `event: token` with
`{"text": ...}` for each piece as it is produced, then one `event: answer` with the full, checked
ask object (authoritative: the check may correct streamed text), or `event: error` with
`{"error", "request_id"}`."""


def _prepare(body: AskIn, user: User, ctx: ApiContext) -> tuple[str, list | None, dict | None]:
    """Question, history and filters, validated before any work (and before a stream starts)."""
    question = check_length(ctx, body.question)
    filters = user_filters(user, body.filters)
    history = [m.model_dump() for m in body.history] if body.history else None
    if body.conversation_id:
        try:
            conv = ctx.office.get_conversation(user, body.conversation_id)
        except KeyError:
            raise HTTPException(404, f"no conversation {body.conversation_id!r}") from None
        if history is None:
            history = conv.history()
    return question, history, filters


def _finish(answer, body: AskIn, user: User, ctx: ApiContext, request: Request, streamed: bool) -> dict:
    """Check the answer against the user's collections, store it in their history, audit, and return it."""
    data = answer.to_dict()
    colls = doc_collections(ctx)
    turn = ctx.office.save_turn(user, body.question.strip(), data, body.conversation_id, colls)
    ctx.office.audit(user, "ask", source=source_of(request), target=turn.id,
                     detail={"question": body.question.strip()[:500], "refused": answer.refused,
                             "citations": len(answer.citations), "stream": streamed})
    return {**data, "conversation_id": turn.conversation_id, "turn_id": turn.id}


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


@router.post("/ask", response_model=AskOut, summary="Ask a question (the `griffier ask --json` object)",
             description=STREAM_DOC, responses={401: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def ask(body: AskIn, request: Request, stream: bool = Query(False, description="Server-sent events."),
        user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)):
    from corpus.models import Answer
    from rag.answer import get_answerer

    question, history, filters = _prepare(body, user, ctx)
    answerer = get_answerer(ctx.settings)
    if not stream:
        with library_errors(), ctx.answer_guard():
            answer = answerer.answer(question, history=history, filters=filters, k=body.k)
        return _finish(answer, body, user, ctx, request, streamed=False)

    rid = request_id(request)

    def events() -> Iterator[str]:
        try:
            with ctx.answer_guard():
                for piece in answerer.stream(question, history=history, filters=filters, k=body.k):
                    if isinstance(piece, Answer):
                        yield _sse("answer", _finish(piece, body, user, ctx, request, streamed=True))
                    else:
                        yield _sse("token", {"text": piece})
        except Exception as exc:  # the stream has started: the error must travel as an event
            from rag.indexing import IndexError as GriffierIndexError

            if isinstance(exc, GriffierIndexError):
                message = "no documents are indexed yet"
            else:
                log.error("request %s: streamed ask failed", rid, exc_info=exc)
                message = "internal error; the administrator can look it up by the request id"
            yield _sse("error", {"error": message, "request_id": rid})

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/brief", response_model=BriefOut, summary="Draft a cited briefing note",
             responses={401: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def brief(body: BriefIn, request: Request, user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)):
    from rag.briefing import draft_briefing

    topic = check_length(ctx, body.topic, "topic")
    filters = user_filters(user, body.filters)
    with library_errors(), ctx.answer_guard():
        briefing = draft_briefing(topic, ctx.settings, filters=filters)
    access.check_passages(user, briefing.passages, doc_collections(ctx), "briefing")
    data = briefing.to_dict()  # the brief object of DESIGN.md: sections, sources with chunk_id/doc_id/page
    ctx.office.audit(user, "brief", source=source_of(request),
                     detail={"topic": topic[:300], "lines": sum(len(x["lines"]) for x in data["sections"])})
    return {**data, "citations": [c.to_dict() for c in briefing.citations], "markdown": briefing.to_markdown()}
