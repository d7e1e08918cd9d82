"""POST /api/feedback (thumbs up/down on an answer), GET /api/feedback, GET /api/feedback/gold."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse

from ui.api.deps import ApiContext, current_user, get_ctx, require_role, source_of
from ui.api.models import ErrorOut, FeedbackIn, FeedbackListOut, FeedbackOut
from ui.office import User, access

router = APIRouter(prefix="/api", tags=["feedback"])


@router.post("/feedback", status_code=201, response_model=FeedbackOut, summary="Vote on an answer",
             responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def post_feedback(body: FeedbackIn, request: Request, user: User = Depends(current_user),
                  ctx: ApiContext = Depends(get_ctx)):
    answer = body.answer.model_dump() if body.answer is not None else None
    question = body.question or (answer or {}).get("question")
    try:
        fb = ctx.office.record_feedback(user, body.rating, turn_id=body.turn_id, comment=body.comment,
                                        question=question, answer=answer, source=source_of(request))
    except KeyError:
        raise HTTPException(404, f"no answer {body.turn_id!r} of yours") from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    except access.AccessLeak:  # a client-made answer naming documents it cannot read (or that are gone)
        raise HTTPException(422, "the answer cites documents you cannot read or that no longer exist") from None
    return fb.to_dict()


@router.get("/feedback", response_model=FeedbackListOut, summary="Feedback you may see",
            description="Editors and admins: everyone's, on the collections they read. Readers: their own.")
def list_feedback(request: Request, user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)):
    items = ctx.office.list_feedback(user)
    ctx.office.audit(user, "feedback.list", source=source_of(request), detail={"n": len(items)})
    return {"feedback": [f.to_dict() for f in items]}


@router.get("/feedback/gold", response_class=PlainTextResponse, summary="Feedback as gold-question candidates",
            description="JSON Lines in the eval/gold format, each marked needs_review.")
def gold(request: Request, user: User = Depends(require_role("editor")), ctx: ApiContext = Depends(get_ctx)):
    rows = ctx.office.gold_candidates(user)
    ctx.office.audit(user, "feedback.export", source=source_of(request), detail={"n": len(rows)})
    return PlainTextResponse("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                             media_type="application/x-ndjson")
