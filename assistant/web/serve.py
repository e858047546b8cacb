"""`assistant serve`: build the index when it is missing, warm the model, then serve the chat
and the API in one uvicorn process.

    check_port(host, port)  refuse a port that cannot be listened on, before any slow work
    serve(settings, ...)    the command
"""
from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

from ..types import AssistantError

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Settings


def check_port(host: str, port: int) -> None:
    """Raise AssistantError when host:port cannot be listened on."""
    import socket

    if not 0 < int(port) < 65536:
        raise AssistantError(f"port {port} is not a TCP port (1-65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AssistantError(f"cannot listen on {host!r}: {exc.strerror}; use an address of this machine") from exc
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise AssistantError(f"cannot listen on {host}:{port} ({exc.strerror}); is another server running "
                                 f"there? Choose another port with --port") from exc


def serve(settings: "Settings", host: str = "127.0.0.1", port: int = 7860, auth: str | None = None) -> int:
    """Build the index when it is missing, warm the model, then serve chat and API in one process."""
    from ..core import Assistant
    from .app import create_app
    from .auth import parse_auth
    from .chat import corpus_summary
    from .security import LOOPBACK_HOSTS, cors_origins, served_hosts

    t0 = time.perf_counter()
    creds = parse_auth(auth if auth else os.environ.get("ASSISTANT_AUTH"))
    origins = cors_origins(settings.cors_origins)  # a malformed setting stops here, not on the first request
    check_port(host, port)  # before minutes of index building, not after
    assistant = Assistant(settings)
    assistant.ensure_index(log=lambda s: print(s, flush=True))
    docs = assistant.documents()
    print(f"Index {settings.index_name}: {corpus_summary(docs)}", flush=True)
    engine = assistant.embedder.prepare_question_engine(log=lambda s: print(s, flush=True))
    print(f"Questions are embedded with {engine}.", flush=True)
    aligner = assistant.searcher().aligner
    if aligner is not None:  # its graph is built once (about 30 s) here, not at the first question
        aligner.prepare(lambda s: print(s, flush=True))
        print("The best passages are re-ranked by word alignment (ASSISTANT_RERANK=none turns it off).", flush=True)
    try:
        assistant.ask("warm-up")  # load the model and the vectors before the first user waits for them
    except AssistantError:
        pass
    # on a loopback address only localhost names (and the allowed origins') are answered: a site
    # whose name is made to point at 127.0.0.1 (DNS rebinding) would count as the server's own origin
    loopback = host in LOOPBACK_HOSTS
    app = create_app(assistant, creds, allowed_hosts=served_hosts(host, origins))
    import uvicorn

    shown = "localhost" if host in ("127.0.0.1", "::1", "localhost") else host
    print(f"Ready in {time.perf_counter() - t0:.1f} s: http://{shown}:{port}/  (JSON API under /api/, "
          f"health at /healthz{', login required' if creds else ''})", flush=True)
    if origins:
        print(f"Other sites allowed (CORS and writes): {', '.join(origins)}", flush=True)
    if creds is None and not loopback:
        print(f"warning: listening on {host} without a login; anyone who can reach it can add and remove "
              "documents (use --auth USER:PASSWORD)", file=sys.stderr, flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit as exc:
        print(f"error: could not serve on {host}:{port} (is the port in use? try --port)", file=sys.stderr)
        return int(exc.code or 1)
    except KeyboardInterrupt:
        pass
    finally:
        assistant.close()
    if not server.started:
        print(f"error: could not serve on {host}:{port} (is the port in use? try --port)", file=sys.stderr)
        return 1
    return 0
