"""The web chat and JSON API, served by one uvicorn process.

    create_app(assistant, auth=None, allowed_hosts=None) -> FastAPI    web/app.py: the wiring
    serve(settings, host, port, auth) -> int                          web/serve.py: `assistant serve`

    web/api.py       the JSON API's routes (below), their errors, GET /files/
    web/schema.py    the request bodies (pydantic) and ApiError
    web/uploads.py   checking, saving and ingesting uploaded files
    web/render.py    answers as HTML (everything a document says is escaped), labels, CSS
    web/chat.py      the Gradio chat and corpus tabs: module-level handlers and the layout
    web/auth.py      the login setting and the chat's login cookie
    web/security.py  the middleware every request passes (host, origin, login, sizes, files)

JSON API (HTTP Basic when auth is on; /healthz is always open):
    POST   /api/ask                 {"question", "k", "history", "documents", "date_from", "date_to"}
    GET    /api/documents           the indexed documents
    POST   /api/documents           multipart, one or more parts named `files`; per-file results
    DELETE /api/documents/{id}      remove a document (404 for an unknown id)
    POST   /api/documents/fetch     {"ids": [identifiers or URLs]}: official publications (assistant.official)
    POST   /api/dossiers/{nr}/follow  follow a dossier and fetch what of it is missing
    GET    /api/passages/{id}       a passage in full: footnotes, neighbours, page text
    GET    /files/{doc_id}          the stored original (PDFs inline: /files/ID#page=7)
    GET    /healthz                 liveness and counts

Importing this package starts nothing and imports neither fastapi, gradio nor uvicorn.
"""
from .app import create_app
from .serve import serve

__all__ = ["create_app", "serve"]
