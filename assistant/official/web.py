"""The web side of official publications (registered by assistant/web/app.py).

JSON API:
    POST /api/documents/fetch       {"ids": ["kst-32545-143", "https://zoek.officielebekendmakingen.nl/..."]}
                                    -> a result per document, as the upload gives them
    POST /api/dossiers/{nr}/follow  follow the dossier and fetch what of it is missing
                                    -> {"dossier", "followed", "newly_followed", "results": [...]}
Corpus tab: an "Add by identifier or URL" field and a "Follow dossier" action.
"""
# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.
import json
import re
import threading

__all__ = ["add_routes", "corpus_controls", "split_references"]

MAX_IDS = 50


def split_references(text: str) -> list[str]:
    """Identifiers and URLs from a field: one per line, or several on a line separated by spaces,
    commas or semicolons ('Kamerstuk 36 450, nr. 3' on a line of its own stays whole)."""
    from .identifiers import parse_reference
    from ..types import AssistantError

    out: list[str] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            parse_reference(line)
            out.append(line)
            continue
        except AssistantError:
            pass
        out.extend(p for p in re.split(r"[\s,;]+", line) if p)
    return out


class _Lazy:
    """One OfficialService per app, made on first use (nothing is imported before)."""

    def __init__(self, assistant):
        self.assistant = assistant
        self._service = None
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            if self._service is None:
                from .service import OfficialService

                self._service = OfficialService(self.assistant)
            return self._service


def _ids(body) -> list[str]:
    from ..web.schema import ApiError

    if not isinstance(body, dict) or "ids" not in body:
        raise ApiError(422, 'ids: send {"ids": ["kst-36450-3", ...]} (identifiers or URLs)', "ids")
    ids = body["ids"]
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not ids or not all(isinstance(x, str) and x.strip() for x in ids):
        raise ApiError(422, "ids: must be a non-empty list of identifiers or URLs (strings)", "ids")
    if len(ids) > MAX_IDS:
        raise ApiError(422, f"ids: at most {MAX_IDS} per request, got {len(ids)}", "ids")
    return [x.strip() for x in ids]


def add_routes(app, assistant) -> None:
    """Register the two routes on the FastAPI app (before its catch-all)."""
    from fastapi import Request
    from starlette.concurrency import run_in_threadpool

    from ..web.schema import ApiError

    service = _Lazy(assistant)

    @app.post("/api/documents/fetch")
    async def api_fetch(request: Request):
        raw = await request.body()
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"the request body is not valid JSON ({exc})") from None
        ids = _ids(body)
        results = await run_in_threadpool(lambda: service().add(ids))
        return [r.to_json() for r in results]

    @app.post("/api/dossiers/{nr}/follow")
    async def api_follow(nr: str):
        from .identifiers import parse_dossier
        from ..types import AssistantError

        try:
            number = parse_dossier(nr)
        except AssistantError as exc:
            raise ApiError(422, str(exc), "nr") from None
        new, results = await run_in_threadpool(lambda: service().follow(number))
        return {"dossier": number, "followed": True, "newly_followed": new, "results": [r.to_json() for r in results]}


def corpus_controls(assistant) -> list:
    """The Corpus tab's fetch field and follow action; returns their events (to refresh the table after)."""
    import gradio as gr

    service = _Lazy(assistant)

    def fetch(text):
        refs = split_references(text)
        if not refs:
            return "Give an identifier (kst-36450-3), a citation (Kamerstuk 36 450, nr. 3) or a URL first."
        return "\n".join(r.line() for r in service().add(refs))

    def follow(text):
        text = (text or "").strip()
        if not text:
            return _followed_summary(service())
        from ..types import AssistantError

        try:
            new, results = service().follow(text)
        except AssistantError as exc:
            return f"failed: {exc}"
        head = f"{'following' if new else 'already following'} dossier {text}"
        return "\n".join([head] + [r.line() for r in results])

    with gr.Row():
        with gr.Column():
            ids = gr.Textbox(label="Add by identifier or URL", lines=2, elem_id="fetch-ids",
                             placeholder="kst-36450-3, ah-tk-20202021-3235, Kamerstuk 36 450, nr. 3, or a URL of "
                                         "zoek.officielebekendmakingen.nl / tweedekamer.nl (one per line)")
            fetch_btn = gr.Button("Fetch and add", variant="primary", elem_id="fetch")
            fetched = gr.Textbox(label="Result per document", lines=3, interactive=False, elem_id="fetch-results")
        with gr.Column():
            dossier = gr.Textbox(label="Dossier number", placeholder="36450", elem_id="follow-dossier")
            follow_btn = gr.Button("Follow dossier", elem_id="follow")
            followed = gr.Textbox(label="Followed dossiers", lines=3, interactive=False, elem_id="follow-results",
                                  value=lambda: _followed_summary(service()))
    return [fetch_btn.click(fetch, [ids], [fetched], api_name=False, concurrency_limit=1),
            follow_btn.click(follow, [dossier], [followed], api_name=False, concurrency_limit=1)]


def _followed_summary(service) -> str:
    try:
        items = service.followed()
    except Exception as exc:  # noqa: BLE001 - shown, never raised into the page
        return f"cannot read the followed dossiers: {exc}"
    if not items:
        return "No dossiers followed. Give a dossier number and press Follow dossier."
    return "\n".join(f"{f.dossier}: " + (f"last synced {f.last_sync}, {f.documents} papers" if f.last_sync
                                         else "not synced yet") for f in items)
