"""The FastAPI app: the JSON API, the stored files, the health check and the Gradio chat at /,
behind the security middleware. Only wiring: each part lives in its own module."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .auth import gradio_session_check, parse_auth
from .uploads import REQUEST_FILE_FACTOR

if TYPE_CHECKING:  # pragma: no cover
    import fastapi

    from ..core import Assistant


def create_app(assistant: "Assistant", auth: tuple[str, str] | str | None = None,
               allowed_hosts: tuple[str, ...] | None = None) -> "fastapi.FastAPI":
    """The app of `assistant serve`.

    Every request first passes web.security.SecurityMiddleware (host, origin, login, body size,
    Gradio's file route, framing headers); CORS answers only the origins of the `cors_origins`
    setting. `allowed_hosts`: the Host names served (None: any).
    """
    offline_environment(Path(assistant.settings.index_dir) / ".gradio-tmp")  # before gradio is imported
    from fastapi import FastAPI
    from starlette.middleware.cors import CORSMiddleware

    from ..official.web import add_routes as add_official_routes
    from .api import add_api_routes, add_error_handlers, add_fallback_routes
    from .chat import mount_chat
    from .security import LoginThrottle, SecurityMiddleware, UploadLedger, cors_origins

    auth = parse_auth(auth)
    max_file = int(assistant.settings.max_file_mb * 1024 * 1024)
    origins = cors_origins(assistant.settings.cors_origins)

    app = FastAPI(title="policy-letter assistant", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.assistant = assistant
    app.state.upload_ledger = UploadLedger()
    app.state.login_throttle = LoginThrottle()
    add_error_handlers(app)
    add_api_routes(app, assistant)
    add_official_routes(app, assistant)  # POST /api/documents/fetch, POST /api/dossiers/{nr}/follow
    add_fallback_routes(app)  # after every route under /api/ and /files/
    mount_chat(app, assistant, app.state.upload_ledger, auth, max_file)
    # starlette's own CORSMiddleware: Gradio then adds no CORS headers of its own (it would echo
    # any localhost origin, with credentials); the allow-list is ASSISTANT_CORS_ORIGINS
    app.add_middleware(CORSMiddleware, allow_origins=list(origins), allow_credentials=True,
                       allow_methods=["GET", "POST", "DELETE"], allow_headers=["*"])
    app.add_middleware(SecurityMiddleware, auth=auth, upload_bytes=max_file * REQUEST_FILE_FACTOR + 1024 * 1024,
                       trusted_origins=origins, allowed_hosts=allowed_hosts, session_ok=gradio_session_check(app),
                       ledger=app.state.upload_ledger, throttle=app.state.login_throttle)
    return app


def offline_environment(temp_dir: Path | None = None) -> None:
    """Settings that keep Gradio from reaching out (see shared/notes/gradio-offline.md).

    Must run before gradio is imported: some of it is read at import time.
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("GRADIO_SSR_MODE", "False")
    if temp_dir is not None and not os.environ.get("GRADIO_TEMP_DIR"):
        Path(temp_dir).mkdir(parents=True, exist_ok=True)
        os.environ["GRADIO_TEMP_DIR"] = str(temp_dir)
    if any(os.environ.get(v) for v in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")):
        for var in ("NO_PROXY", "no_proxy"):
            have = [x for x in os.environ.get(var, "").split(",") if x]
            os.environ[var] = ",".join(have + [h for h in ("127.0.0.1", "localhost") if h not in have])
