"""GET /api/documents, POST /api/documents (upload), DELETE /api/documents/{doc_id}.

Thin over ui/office/documents.py, which the web app uses too: who may upload or
remove what, and a document outside the user's collections answered as absent.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse

from corpus.collections import DEFAULT_COLLECTION
from ui.api.deps import ApiContext, current_user, get_ctx, require_role, source_of
from ui.api.models import DeletedOut, DocumentsOut, ErrorOut, UploadOut
from ui.office import User
from ui.office import documents as docs

router = APIRouter(prefix="/api", tags=["documents"])

READ_CHUNK = 1 << 20


@router.get("/documents", response_model=DocumentsOut, summary="The documents you can read")
def list_documents(request: Request, user: User = Depends(current_user), ctx: ApiContext = Depends(get_ctx)):
    items = docs.list_documents(ctx.office, user)
    ctx.office.audit(user, "documents", source=source_of(request), detail={"n": len(items)})
    return {"documents": items}


@router.post("/documents", status_code=201, response_model=UploadOut, summary="Upload and ingest a document",
             responses={403: {"model": ErrorOut}, 409: {"model": ErrorOut}, 413: {"model": ErrorOut},
                        415: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def upload(request: Request, file: UploadFile = File(..., description=".txt .pdf .docx .xml .html"),
           collection: str = Form(DEFAULT_COLLECTION), user: User = Depends(require_role("editor")),
           ctx: ApiContext = Depends(get_ctx)):
    limit = int(ctx.settings.api_max_upload_mb * 1e6)
    data = bytearray()
    while chunk := file.file.read(READ_CHUNK):
        data += chunk
        if len(data) > limit:  # stop reading: the declared length may have lied
            break
    try:
        result = docs.upload_document(ctx.office, user, file.filename or "", bytes(data), collection,
                                      source=source_of(request))
    except docs.DocumentError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return JSONResponse(result.to_dict(), status_code=200 if result.status == "unchanged" else 201)


@router.delete("/documents/{doc_id}", response_model=DeletedOut, summary="Remove a document and its passages",
               responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}})
def delete(doc_id: str, request: Request, user: User = Depends(require_role("editor")),
           ctx: ApiContext = Depends(get_ctx)):
    try:
        n = docs.delete_document(ctx.office, user, doc_id, source=source_of(request))
    except docs.DocumentError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return {"doc_id": doc_id, "chunks_removed": n}
