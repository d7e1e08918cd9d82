"""Pydantic models of the HTTP API, mirroring the command line's JSON contract (DESIGN.md).

Responses are built from the core's `to_dict()`s (corpus/models.py, rag/briefing.py),
so the API and `griffier ... --json` print the same objects; these models document
and validate them (OpenAPI at /docs).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_HISTORY_MESSAGES = 20
MAX_FIELD_CHARS = 20_000


class ErrorOut(BaseModel):
    error: str
    request_id: str


# -- auth ------------------------------------------------------------------------------------
class LoginIn(BaseModel):
    username: str = Field(..., max_length=100)
    password: str = Field(..., max_length=1024)


class UserOut(BaseModel):
    username: str
    role: Literal["reader", "editor", "admin"]
    collections: list[str]


class TokenOut(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: str  # ISO 8601, UTC
    user: UserOut


# -- search and answers ------------------------------------------------------------------------
class PassageOut(BaseModel):
    rank: int
    chunk_id: str
    doc_id: str
    text: str
    score: float
    page_start: int | None = None
    page_end: int | None = None
    section: str | None = None
    citation: str = ""
    metadata: dict[str, Any] = {}


class SearchOut(BaseModel):
    query: str
    passages: list[PassageOut]


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(..., max_length=MAX_FIELD_CHARS)


class AskIn(BaseModel):
    question: str = Field(..., min_length=1, max_length=MAX_FIELD_CHARS,
                          description="The question (Dutch); the server's max_question_chars applies.")
    history: list[Message] | None = Field(None, max_length=MAX_HISTORY_MESSAGES,
                                          description="Earlier turns, for a follow-up question.")
    filters: dict[str, Any] | None = Field(
        None, description="As `griffier search --filter`: doc_id, dossier, vergaderjaar, doc_type, fractie, role, "
                          "date_from, date_to, collection (narrows your collections, never widens them).")
    k: int | None = Field(None, ge=1, le=50)
    conversation_id: str | None = Field(None, max_length=64,
                                        description="Continue this conversation (its turns are the history).")


class CitationOut(BaseModel):
    n: int
    chunk_id: str
    doc_id: str
    quote: str
    page_start: int | None = None
    citation: str = ""


class AskOut(BaseModel):
    question: str
    answer: str
    refused: bool
    citations: list[CitationOut]
    passages: list[PassageOut]
    model: str
    flags: list[str] = []
    timings: dict[str, float] = {}
    standalone_question: str | None = None
    conversation_id: str | None = None
    turn_id: str | None = Field(None, description="Give it to POST /api/feedback to vote on this answer.")


class BriefIn(BaseModel):
    topic: str = Field(..., min_length=1, max_length=MAX_FIELD_CHARS)
    filters: dict[str, Any] | None = None


class BriefLineOut(BaseModel):
    text: str
    citations: list[int]
    label: str = ""


class BriefSectionOut(BaseModel):
    title: str
    lines: list[BriefLineOut]


class BriefSourceOut(BaseModel):
    n: int
    citation: str
    chunk_id: str
    doc_id: str
    page_start: int | None = None


class BriefOut(BaseModel):
    topic: str
    sections: list[BriefSectionOut]
    sources: list[BriefSourceOut]
    citations: list[CitationOut] = []
    flags: list[str] = []
    model: str = "extractive"
    created: str = ""
    markdown: str = ""


# -- documents -----------------------------------------------------------------------------------
class DocumentOut(BaseModel):
    doc_id: str
    title: str | None = None
    collection: str
    file_name: str
    n_chunks: int
    size: int
    ingested_at: str
    metadata: dict[str, Any] = {}


class DocumentsOut(BaseModel):
    documents: list[DocumentOut]


class UploadOut(BaseModel):
    doc_id: str
    collection: str
    status: Literal["added", "updated", "unchanged"]
    chunks: int
    title: str | None = None


class DeletedOut(BaseModel):
    doc_id: str
    chunks_removed: int


# -- feedback and history -----------------------------------------------------------------------
class FeedbackIn(BaseModel):
    rating: Literal["up", "down", 1, -1]
    comment: str = Field("", max_length=2000)
    turn_id: str | None = Field(None, max_length=64, description="The turn_id of an answer from POST /api/ask.")
    question: str | None = Field(None, max_length=MAX_FIELD_CHARS)
    answer: AskOut | None = Field(None, description="Without turn_id: the ask object voted on.")


class FeedbackOut(BaseModel):
    id: str
    user: str
    turn_id: str | None
    rating: Literal["up", "down"]
    comment: str
    question: str
    answer: dict[str, Any]
    created_at: str


class FeedbackListOut(BaseModel):
    feedback: list[FeedbackOut]


class TurnOut(BaseModel):
    id: str
    conversation_id: str
    seq: int
    question: str
    answer: dict[str, Any]
    created_at: str


class ConversationOut(BaseModel):
    id: str
    title: str
    created_at: str
    updated_at: str
    n_turns: int
    turns: list[TurnOut] | None = None


class HistoryOut(BaseModel):
    conversations: list[ConversationOut]


# -- users and audit -----------------------------------------------------------------------------
class UserIn(BaseModel):
    username: str = Field(..., max_length=64)
    password: str = Field(..., max_length=1024)
    role: Literal["reader", "editor", "admin"] = "reader"
    collections: list[str] | None = None


class UserPatch(BaseModel):
    role: Literal["reader", "editor", "admin"] | None = None
    collections: list[str] | None = None
    password: str | None = Field(None, max_length=1024)


class UsersOut(BaseModel):
    users: list[UserOut]


class AuditEventOut(BaseModel):
    id: int
    time: str
    user: str | None
    action: str
    ok: bool
    source: str
    target: str
    detail: dict[str, Any]


class AuditOut(BaseModel):
    events: list[AuditEventOut]
