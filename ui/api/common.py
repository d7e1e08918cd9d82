"""Checks the routes share: text limits, filters with the user's collections, library errors as HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException

from ui.api.deps import ApiContext
from ui.office import User, access

log = logging.getLogger("griffier.api")

NO_INDEX = "no documents are indexed yet; an editor can upload some (POST /api/documents)"


def check_length(ctx: ApiContext, text: str, what: str = "question") -> str:
    text = (text or "").strip()
    limit = int(ctx.settings.max_question_chars)
    if not text:
        raise HTTPException(422, f"empty {what}")
    if len(text) > limit:
        raise HTTPException(422, f"{what} too long ({len(text)} characters); the limit is {limit}")
    return text


def user_filters(user: User, filters: dict[str, Any] | None) -> dict[str, Any] | None:
    """The client's filters, validated, with the user's readable collections added; 400 for a bad filter."""
    from rag.retriever import FilterError, normalise_filters

    merged = access.retrieval_filters(user, filters)
    try:
        normalise_filters(merged)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None
    return merged


@contextmanager
def library_errors() -> Iterator[None]:
    """The library's expected errors as clear HTTP answers (without server paths)."""
    from rag.indexing import IndexError as GriffierIndexError
    from rag.retriever import FilterError

    try:
        yield
    except GriffierIndexError as exc:
        log.warning("index unusable: %s", exc)
        raise HTTPException(503, NO_INDEX) from None
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None


def doc_collections(ctx: ApiContext) -> dict[str, str]:
    return ctx.office.doc_collections()
