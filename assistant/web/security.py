"""What protects `assistant serve` from other sites, from brute force and from oversized input.

    SecurityMiddleware(app, ...)    one ASGI middleware, outermost; for every request, in order:
        host     served on a loopback address, it answers only to localhost names (DNS rebinding)
        origin   POST, PUT, PATCH, DELETE (and WebSockets) only from the server's own origin or an
                 allowed one: a page of another site cannot add, replace or remove documents
        login    HTTP Basic (or the chat's login cookie) on /api/ and /files/ when a login is set;
                 failed logins (Basic and the chat's /login) are throttled per client address
        size     request bodies are capped (413): uploads by the file limit, everything else by
                 JSON_BODY_BYTES or GRADIO_BODY_BYTES, whether Content-Length is sent or not
        files    Gradio's /gradio_api/file= serves only what the same browser session uploaded
        headers  frame-ancestors 'self' (CSP) and X-Frame-Options on every response
    cors_origins(value)             the CORS allow-list setting (ASSISTANT_CORS_ORIGINS), checked
    served_hosts(bind, origins)     the Host names a server on a loopback address answers to
    UploadLedger                    which of Gradio's uploads belong to which session
    foreign_uploads(paths, ...)     the files a chat function must refuse
    LoginThrottle                   failed logins per client address, in a sliding window

Scripts in stored PDFs are removed at ingest (assistant/pdfscripts.py). Nothing here imports
gradio or starlette at module level.
"""
from __future__ import annotations

import base64
import binascii
import collections
import json
import os
import secrets
import threading
import time
from typing import Any, Callable
from urllib.parse import urlsplit

from ..types import AssistantError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
JSON_BODY_BYTES = 1024 * 1024  # /api/ask: a question, its history and filters are far smaller
GRADIO_BODY_BYTES = 4 * 1024 * 1024  # the chat sends the conversation shown with each question
LOGIN_FAILURES = 5  # failed logins from one address ...
LOGIN_WINDOW_S = 60.0  # ... within this many seconds, then refused until the oldest is this old
SESSION_COOKIE = "pla-session"
UPLOAD_PATHS = ("/api/documents", "/gradio_api/upload")
FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")


# ---------------------------------------------------------------------------------------------
# settings


def cors_origins(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """'https://a.example, http://127.0.0.1:8080' -> the origins, checked; '' or None -> ().

    An origin is scheme://host[:port], nothing more; '*' and 'null' are refused, since the
    origins listed are trusted with the user's credentials and with writes.
    """
    if value is None:
        return ()
    items = value.replace(",", " ").split() if isinstance(value, str) else [str(v).strip() for v in value]
    out: list[str] = []
    for item in items:
        if not item:
            continue
        if item in ("*", "null"):
            raise AssistantError(f"CORS origin {item!r} is not allowed: name each site, e.g. https://intranet.example "
                                 "(in ASSISTANT_CORS_ORIGINS or --cors-origin)")
        parts = urlsplit(item)
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/")
                or parts.query or parts.fragment or parts.username or parts.password):
            raise AssistantError(f"CORS origin {item!r} is not an origin: write scheme://host[:port], e.g. "
                                 "https://intranet.example or http://127.0.0.1:8080 (in ASSISTANT_CORS_ORIGINS "
                                 "or --cors-origin)")
        try:
            parts.port
        except ValueError:
            raise AssistantError(f"CORS origin {item!r} has no valid port") from None
        origin = f"{parts.scheme}://{parts.netloc.lower()}"
        if origin not in out:
            out.append(origin)
    return tuple(out)


def served_hosts(bind_host: str, origins: tuple[str, ...]) -> tuple[str, ...] | None:
    """The Host names a server bound to `bind_host` answers to: on a loopback address the
    loopback names and those of the allowed origins (a reverse proxy's public name), so that
    a site whose name is made to point at 127.0.0.1 (DNS rebinding) is refused; elsewhere any
    (None), since the server cannot know the names it is reached by."""
    if bind_host not in LOOPBACK_HOSTS:
        return None
    return LOOPBACK_HOSTS + tuple(h for h in (urlsplit(o).hostname for o in origins) if h and h not in LOOPBACK_HOSTS)


def _host_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    """'Example.org:8080' -> ('example.org', 8080); '[::1]' -> ('::1', 80 for http)."""
    try:
        parts = urlsplit(f"//{netloc}")
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return "", None
    if port is None:
        port = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
    return host, port


def same_origin(origin: str, host_header: str) -> bool:
    """Whether a browser's Origin names the host the request was sent to (Host header)."""
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc or not host_header:
        return False
    mine = _host_port(host_header, parts.scheme)
    return bool(mine[0]) and _host_port(parts.netloc, parts.scheme) == mine


def cookies_of(header: str) -> dict[str, str]:
    """Cookies of a Cookie header, read as browsers write them (Starlette's parser: an unrelated
    cookie such as theme={"dark":true} does not hide the ones after it)."""
    from starlette.requests import cookie_parser

    try:
        return cookie_parser(header or "")
    except Exception:  # pragma: no cover - the parser does not raise on any input we know of
        return {}


# ---------------------------------------------------------------------------------------------
# failed logins


class LoginThrottle:
    """At most `failures` failed logins per client address in `window_s` seconds.

    After that every login from the address is refused (without being checked) until the oldest
    failure in the window is `window_s` old. Thread-safe; remembers at most `max_clients` addresses.
    """

    def __init__(self, failures: int = LOGIN_FAILURES, window_s: float = LOGIN_WINDOW_S,
                 clock: Callable[[], float] = time.monotonic, max_clients: int = 10_000):
        self.failures = failures
        self.window_s = window_s
        self.clock = clock
        self.max_clients = max_clients
        self._seen: collections.OrderedDict[str, collections.deque] = collections.OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> collections.deque:
        times = self._seen.get(client)
        if times is None:
            return collections.deque()
        while times and now - times[0] >= self.window_s:
            times.popleft()
        if not times:
            del self._seen[client]
        return times

    def wait(self, client: str) -> float:
        """Seconds until `client` may try again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            if len(times) < self.failures:
                return 0.0
            return max(0.0, times[-self.failures] + self.window_s - now)

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            times = self._recent(client, now)
            times.append(now)
            while len(times) > self.failures:
                times.popleft()
            self._seen[client] = times
            self._seen.move_to_end(client)
            while len(self._seen) > self.max_clients:
                self._seen.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._seen.pop(client, None)


# ---------------------------------------------------------------------------------------------
# Gradio's uploads, per session


class UploadLedger:
    """The files each browser session uploaded through Gradio (/gradio_api/upload).

    A session is the random `pla-session` cookie the server gives a browser. Gradio's own check
    lets a function take any file in its upload folder; the chat's upload function and the file
    route take only files in this ledger for the session asking. Bounded: at most
    `max_sessions` sessions and `max_files` files each, entries forgotten after `ttl_s`.
    """

    def __init__(self, max_sessions: int = 10_000, max_files: int = 1_000, ttl_s: float = 86_400.0):
        self.max_sessions = max_sessions
        self.max_files = max_files
        self.ttl_s = ttl_s
        self._files: collections.OrderedDict[str, collections.OrderedDict[str, float]] = collections.OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(path: str) -> str:
        return os.path.realpath(path)

    def record(self, session: str, paths: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            files = self._files.setdefault(session, collections.OrderedDict())
            self._files.move_to_end(session)
            for p in paths:
                files[self._key(p)] = now
                files.move_to_end(self._key(p))
            while len(files) > self.max_files:
                files.popitem(last=False)
            while len(self._files) > self.max_sessions:
                self._files.popitem(last=False)

    def owns(self, session: str | None, path: str) -> bool:
        if not session or not path:
            return False
        with self._lock:
            files = self._files.get(session)
            when = files.get(self._key(path)) if files else None
            return when is not None and time.monotonic() - when < self.ttl_s

    def forget(self, paths: list[str]) -> None:
        keys = {self._key(p) for p in paths}
        with self._lock:
            for files in self._files.values():
                for k in keys & files.keys():
                    del files[k]


def _session(cookies: dict[str, str]) -> str | None:
    value = cookies.get(SESSION_COOKIE)
    return value if value and len(value) <= 64 else None


def session_of(cookie_header: str) -> str | None:
    """The chat session (the `pla-session` cookie) of a Cookie header, or None."""
    return _session(cookies_of(cookie_header))


def foreign_uploads(paths: list[str], cookie_header: str, ledger: UploadLedger | None) -> list[str]:
    """The paths a chat function must not take: outside Gradio's upload folder, or (with a
    ledger) not uploaded by the session of `cookie_header`. Gradio checks the folder itself
    once the app is marked launched (see web.app.create_app); this is the second lock."""
    from gradio.utils import get_upload_folder

    folder = os.path.realpath(get_upload_folder())
    session = session_of(cookie_header)
    return [p for p in paths if os.path.commonpath([folder, os.path.realpath(p)]) != folder
            or (ledger is not None and not ledger.owns(session, p))]


# ---------------------------------------------------------------------------------------------
# the middleware


class BodyTooLarge(Exception):
    """Raised from `receive` when a request body passes its limit."""


def megabytes(n: float) -> str:
    """'1.0 MB', '0.01 MB': a size for a message."""
    x = n / 1024 / 1024
    return f"{x:.1f} MB" if x >= 1 else f"{x:.2g} MB"


def _header(headers: list, name: bytes) -> str | None:
    for k, v in headers:
        if k.lower() == name:
            return v.decode("latin-1")
    return None


class SecurityMiddleware:
    """See the module docstring. `session_ok(cookies)` says whether the chat's login cookie is valid."""

    def __init__(self, app, *, auth: tuple[str, str] | None = None, upload_bytes: int,
                 trusted_origins: tuple[str, ...] = (), allowed_hosts: tuple[str, ...] | None = None,
                 session_ok: Callable[[dict], bool] | None = None, ledger: UploadLedger | None = None,
                 throttle: LoginThrottle | None = None):
        self.app = app
        self.auth = auth
        self.upload_bytes = upload_bytes
        self.trusted_origins = tuple(trusted_origins)
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts) if allowed_hosts else None
        self.session_ok = session_ok
        self.ledger = ledger if ledger is not None else UploadLedger()
        self.throttle = throttle if throttle is not None else LoginThrottle()

    # -- responses ---------------------------------------------------------------------------
    async def _json(self, send, status: int, body: dict, extra: list | None = None) -> None:
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
        await send({"type": "http.response.body", "body": data})

    @staticmethod
    def _with_headers(send, cookie: str | None = None):
        """`send` that adds the framing policy (and a new session cookie) to the response."""

        async def wrapped(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                csp = [i for i, (k, _) in enumerate(headers) if k.lower() == b"content-security-policy"]
                if not csp:
                    headers.append((b"content-security-policy", b"frame-ancestors 'self'"))
                for i in csp:
                    if b"frame-ancestors" not in headers[i][1]:
                        headers[i] = (headers[i][0], headers[i][1].rstrip(b"; ") + b"; frame-ancestors 'self'")
                if b"x-frame-options" not in names:
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                if cookie:
                    headers.append((b"set-cookie", f"{SESSION_COOKIE}={cookie}; Path=/; HttpOnly; "
                                                   f"SameSite=Strict".encode()))
                message = {**message, "headers": headers}
            await send(message)

        return wrapped

    # -- checks ------------------------------------------------------------------------------
    def _host_refusal(self, host: str | None) -> str | None:
        if self.allowed_hosts is None:
            return None
        name = _host_port(host or "", "http")[0]
        if name in self.allowed_hosts:
            return None
        return (f"this server answers only to {', '.join(self.allowed_hosts)} (it listens on a loopback address), "
                f"not to {(host or 'a request without Host')[:100]!r}; open http://127.0.0.1:PORT/, or add the "
                "public address of a proxy in front of it to ASSISTANT_CORS_ORIGINS (--cors-origin)")

    def _origin_refusal(self, method: str, path: str, headers: list) -> str | None:
        origin = _header(headers, b"origin")
        site = _header(headers, b"sec-fetch-site")
        if origin is not None:
            host = _header(headers, b"host") or ""
            if origin in self.trusted_origins or (origin != "null" and same_origin(origin, host)):
                return None
            shown = origin[:100]
        elif site is not None and site not in ("same-origin", "none"):
            shown = f"a {site} page"
        else:
            return None  # no browser sent this (curl, scripts): there is no user's browser to abuse
        return (f"refused: {method} {path[:100]} from another site ({shown}). Only pages of this server may "
                "add, replace or remove documents or use the chat; open the server's own address, or add "
                "that origin to ASSISTANT_CORS_ORIGINS (--cors-origin) if it is yours")

    def _basic(self, headers: list, cookies: dict) -> str:
        """'ok', 'missing' (no credentials sent) or 'wrong'."""
        value = _header(headers, b"authorization") or ""
        if value[:6].lower() == "basic ":
            try:
                user, _, pw = base64.b64decode(value[6:].strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return "wrong"
            ok_user = secrets.compare_digest(user.encode(), self.auth[0].encode())
            ok_pw = secrets.compare_digest(pw.encode(), self.auth[1].encode())
            return "ok" if ok_user and ok_pw else "wrong"
        if cookies and self.session_ok is not None:  # the chat's own login cookie (links in answers)
            try:
                if self.session_ok(cookies):
                    return "ok"
            except Exception:
                pass
        return "missing"

    def _body_limit(self, method: str, path: str) -> tuple[int, bool] | None:
        """(limit, is an upload) for a request that carries a body; None for one that does not."""
        if method in SAFE_METHODS:
            return None
        if path.rstrip("/") in UPLOAD_PATHS:
            return self.upload_bytes, True
        return (JSON_BODY_BYTES if path.startswith("/api/") else GRADIO_BODY_BYTES), False

    async def _throttled(self, send, client: str) -> bool:
        wait = self.throttle.wait(client)
        if wait <= 0:
            return False
        secs = int(wait) + 1
        await self._json(send, 429, {"error": f"too many failed logins from this address; try again in {secs} s"},
                         [(b"retry-after", str(secs).encode())])
        return True

    # -- the request -------------------------------------------------------------------------
    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = list(scope.get("headers") or [])
        path = scope.get("path", "")
        method = scope.get("method", "GET") if kind == "http" else "WEBSOCKET"

        client = (scope.get("client") or ("?",))[0]
        cookies = cookies_of(_header(headers, b"cookie") or "")
        session = _session(cookies)
        new_session = None
        if kind == "http" and session is None and (
                (path == "/" and method == "GET") or path.rstrip("/") == "/gradio_api/upload"):
            session = new_session = secrets.token_urlsafe(24)
        if kind == "http":
            send = self._with_headers(send, new_session)

        refusal = self._host_refusal(_header(headers, b"host"))
        status = 400
        if refusal is None and method not in SAFE_METHODS:
            refusal, status = self._origin_refusal(method, path, headers), 403
        if refusal is not None:
            if kind == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await self._json(send, status, {"error": refusal})
        if kind == "websocket":
            return await self.app(scope, receive, send)

        guarded = path.startswith(("/api/", "/files/")) or path in ("/api", "/files")
        if self.auth is not None and guarded:
            if await self._throttled(send, client):
                return None
            state = self._basic(headers, cookies)
            if state != "ok":
                if state == "wrong":
                    self.throttle.failed(client)
                return await self._json(
                    send, 401, {"error": "authentication required: HTTP Basic with the server's user and password"},
                    [(b"www-authenticate", b'Basic realm="policy-letter assistant", charset="UTF-8"')])
        if method == "POST" and path.rstrip("/") == "/login":
            if await self._throttled(send, client):
                return None
            send = self._watch_login(send, client)

        if path.startswith(FILE_ROUTES) or path.startswith("/gradio_api/proxy="):
            target = path.split("=", 1)[1] if "=" in path else path[len("/gradio_api/file/"):]
            if path.startswith("/gradio_api/proxy=") or not self.ledger.owns(session, target):
                return await self._json(send, 403, {
                    "error": "this file was not uploaded in this browser session; the chat serves back only "
                             "the files a session uploaded itself"})
        if method == "POST" and path.rstrip("/") == "/gradio_api/upload":
            # the ledger reads the paths from Gradio's answer: ask for it uncompressed (Gradio's
            # Brotli middleware compresses answers above 400 bytes on paths it deems text)
            scope = {**scope, "headers": [(k, v) for k, v in headers if k.lower() != b"accept-encoding"]}
            send = self._record_upload(send, session)

        limit = self._body_limit(method, path)
        if limit is None:
            return await self.app(scope, receive, send)
        return await self._limited(scope, receive, send, *limit)

    def _watch_login(self, send, client: str):
        async def watched(message):
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    self.throttle.succeeded(client)
                elif 400 <= message["status"] < 500:
                    self.throttle.failed(client)
            await send(message)

        return watched

    def _record_upload(self, send, session: str):
        """`send` that reads the paths Gradio answers an upload with into the ledger."""
        state: dict[str, Any] = {"status": None, "body": b""}

        async def recording(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            elif message["type"] == "http.response.body" and state["status"] == 200:
                if len(state["body"]) < 4 * 1024 * 1024:  # 1,000 paths are far less
                    state["body"] += message.get("body", b"")
                if not message.get("more_body"):
                    try:
                        paths = json.loads(state["body"])
                    except ValueError:
                        paths = []
                    if isinstance(paths, list):
                        self.ledger.record(session, [p for p in paths if isinstance(p, str)])
            await send(message)

        return recording

    async def _limited(self, scope, receive, send, limit: int, upload: bool):
        headers = list(scope.get("headers") or [])
        what = "the upload" if upload else "the request body"
        hint = "send fewer files at once" if upload else "a question with its history is far smaller"
        extra = {"field": "files"} if upload else {}
        try:
            declared = int(_header(headers, b"content-length") or -1)
        except ValueError:
            declared = -1
        if declared > limit:
            return await self._json(send, 413, {
                "error": f"{what} is {megabytes(declared)}; one request may carry at most {megabytes(limit)} ({hint})",
                **extra})
        seen = 0
        over = False
        started = False

        async def limited_receive():
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if over:  # the app's answer to a body it could not finish reading; ours follows
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            pass
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._json(send, 413, {"error": f"{what} is larger than {megabytes(limit)} ({hint})", **extra})
        return None
