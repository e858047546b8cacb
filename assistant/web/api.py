"""The JSON API's routes and errors (see assistant/web/__init__.py for the list).

Every error is JSON: {"error": what is wrong and what to do, "field": the field at fault}.
POST /api/ask answers with the JSON of `assistant ask --json` (Answer.to_json).
"""
# No `from __future__ import annotations` here: FastAPI reads the route functions' annotations
# (`request: Request`, imported inside the functions below) at runtime, and strings would not resolve.
import json
import re
from typing import TYPE_CHECKING

from ..types import AssistantError
from .render import file_link
from .schema import ApiError, AskRequest, parse_json
from .uploads import ingest_uploads, read_upload_form

if TYPE_CHECKING:  # pragma: no cover
    from ..core import Assistant


def add_error_handlers(app) -> None:
    """JSON for every error: ours (ApiError), the assistant's (503), FastAPI's and Starlette's."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(AssistantError)
    async def _assistant_error(request: Request, exc: AssistantError):
        return JSONResponse({"error": str(exc)}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = [str(x) for x in first.get("loc", []) if x not in ("body", "path", "query")]
        field = ".".join(loc) or None
        return JSONResponse({"error": f"{field or 'request'}: {first.get('msg', 'invalid')}", "field": field},
                            status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # still JSON; the traceback goes to the log
        return JSONResponse({"error": f"internal error ({type(exc).__name__}); the server's log has the details"},
                            status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        msg = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        if exc.status_code == 404 and request.url.path.startswith(("/api/", "/files/")) and msg == "Not Found":
            msg = f"no such route: {request.method} {request.url.path}"
        if exc.status_code == 405:
            msg = f"{request.method} is not allowed on {request.url.path}"
        return JSONResponse({"error": msg}, status_code=exc.status_code, headers=getattr(exc, "headers", None))


def check_documents(assistant: "Assistant", ask: AskRequest) -> None:
    """404 naming the first document id of the question's filter that the index does not hold."""
    if ask.documents:
        known = {d.id for d in assistant.documents()}
        missing = [d for d in ask.documents if d not in known]
        if missing:
            raise ApiError(404, f"documents: no document with id {missing[0]!r} (see GET /api/documents)", "documents")


def add_api_routes(app, assistant: "Assistant") -> None:
    """/healthz, /api/ask, /api/documents, /api/passages/{id} and /files/{id}."""
    from fastapi import Request
    from fastapi.responses import FileResponse, JSONResponse
    from starlette.concurrency import run_in_threadpool

    @app.get("/healthz")
    def healthz():
        try:
            docs = assistant.documents() if assistant.index_exists else []
            return {"status": "ok", "documents": len(docs), "passages": sum(d.passages for d in docs)}
        except Exception as exc:  # still alive, but say what is wrong
            return JSONResponse({"status": "degraded", "error": str(exc)}, status_code=503)

    @app.post("/api/ask")
    async def api_ask(request: Request):
        ask = AskRequest.parse(parse_json(await request.body()))
        await run_in_threadpool(check_documents, assistant, ask)
        answer = await run_in_threadpool(lambda: assistant.ask(**ask.ask_kwargs()))
        return answer.to_json()

    @app.get("/api/documents")
    def api_documents():
        return [d.to_json() for d in assistant.documents()]

    @app.post("/api/documents")
    async def api_upload(request: Request):
        items, replace, form = await read_upload_form(request)
        try:
            results = await run_in_threadpool(ingest_uploads, assistant, items, None, replace)
        finally:
            await form.close()
        return [r.to_json() for r in results]

    @app.delete("/api/documents/{doc_id}")
    async def api_remove(doc_id: str):
        if not await run_in_threadpool(assistant.remove, doc_id):
            raise ApiError(404, f"no document with id {doc_id!r} (see GET /api/documents)", "id")
        return {"id": doc_id, "status": "removed"}

    @app.get("/api/passages/{passage_id}")
    def api_passage(passage_id: str):
        if not re.fullmatch(r"\d{1,18}", passage_id):
            raise ApiError(422, f"passage_id must be a whole number, got {passage_id[:40]!r}", "passage_id")
        return passage_json(assistant, int(passage_id))

    @app.get("/files/{doc_id}")
    def files(doc_id: str):
        index = assistant.index
        doc = index.document(doc_id)
        if doc is None:
            raise ApiError(404, f"no document with id {doc_id!r}", "doc_id")
        stored = index.stored_file(doc_id)
        if stored is None:
            raise ApiError(404, f"the stored file of {doc_id!r} is missing; ingest it again", "doc_id")
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
        if stored.media_type.endswith("pdf"):
            media_type = "application/pdf"
        else:  # text is shown as text, never as HTML
            media_type = "text/plain; charset=utf-8"
            headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return FileResponse(stored.path, media_type=media_type, headers=headers, filename=doc.source,
                            content_disposition_type="inline")


def add_fallback_routes(app) -> None:
    """404 for an unknown route under /api/ and /files/, 405 naming the methods a known one
    allows. Registered last: it answers what no route before it does."""
    from fastapi import Request

    api_routes = [r for r in app.routes if getattr(r, "path", "").startswith(("/api/", "/files/"))]

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    @app.api_route("/files/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def no_route(request: Request, rest: str = ""):
        path = request.url.path
        allowed = sorted({m for r in api_routes if r.path_regex.match(path) for m in r.methods} - {"HEAD"})
        if allowed:
            raise ApiError(405, f"{request.method} is not allowed on {path}; use {' or '.join(allowed)}")
        raise ApiError(404, f"no such route: {request.method} {path}")


def passage_json(assistant: "Assistant", passage_id: int) -> dict:
    """GET /api/passages/{id}: a passage, its document, its neighbours, its file and (for a text
    source) the text of its pages."""
    index = assistant.index
    row = index.passages([passage_id]).get(passage_id)
    if row is None:
        raise ApiError(404, f"no passage with id {passage_id}", "passage_id")
    doc = index.document(row.doc_id)
    stored = index.stored_file(row.doc_id)
    media = stored.media_type if stored else ""

    def brief(r) -> dict:
        return {"id": r.id, "ordinal": r.ordinal, "text": r.text, "page": r.page, "page_end": r.page_end,
                "section": r.section, "footnotes": list(r.footnotes)}

    out = brief(row)
    out["document"] = doc.to_json() if doc else {"id": row.doc_id}
    out["char_start"], out["char_end"] = row.char_start, row.char_end
    out["neighbours"] = [brief(r) for r in index.passages_between(row.doc_id, row.ordinal - 1, row.ordinal + 1)
                         if r.id != row.id]
    out["file_url"] = file_link(row.doc_id, row.page, media) if stored else None
    out["media_type"] = media or None
    if not media.endswith("pdf"):
        pages = []
        for n in range(row.page, row.page_end + 1):
            got = index.page_text(row.doc_id, n)
            if got:
                pages.append({"page": n, "text": got[0], "footnotes": got[1]})
        out["page_text"] = pages
    return out
