"""One polite HTTP client for the official services (stdlib urllib, nothing else).

- a User-Agent naming the project; the environment's proxy settings (HTTP(S)_PROXY,
  NO_PROXY) are honoured, as urllib reads them (a service on 127.0.0.1 is asked directly);
- one request at a time per host (a lock per host, shared by every client in the process);
- a timeout on connecting and on every read, and a deadline for the whole body;
- retries with exponential backoff on timeouts, connection failures, HTTP 429 and 5xx
  (Retry-After is honoured up to the backoff cap); a 4xx other than 429 is final;
- a size limit, and a body shorter than its Content-Length is reported as truncated;
- redirects are followed only to http(s), and a redirect to the repository's "fout404"
  page (which then answers 200) is reported as not found.

Every failure raises FetchError with a message that names the URL, the problem and what to do.
"""
from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from .. import __version__
from ..types import AssistantError

__all__ = ["FetchError", "HttpClient", "Response", "USER_AGENT"]

USER_AGENT = (f"policy-letter-assistant/{__version__} (retrieval over Dutch policy letters; "
              "fetches only what its user asks for) Python-urllib")
_HOST_LOCKS: dict[str, threading.Lock] = {}
_HOST_LOCKS_GUARD = threading.Lock()
MAX_REDIRECTS = 5
BACKOFF_CAP_S = 30.0


class FetchError(AssistantError):
    """A request that failed. `kind`: unreachable, timeout, http, not-found-page, truncated, too-large, redirect."""

    def __init__(self, url: str, kind: str, message: str, status: int | None = None):
        self.url = url
        self.kind = kind
        self.status = status
        super().__init__(message)


@dataclass
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def _host_lock(url: str) -> threading.Lock:
    host = (urlsplit(url).netloc or "").lower()
    with _HOST_LOCKS_GUARD:
        return _HOST_LOCKS.setdefault(host, threading.Lock())


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows http(s) redirects only, and stops at the repository's fout404 page."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if "fout404" in newurl.lower():
            raise FetchError(req.full_url, "not-found-page",
                             f"{req.full_url}: the repository answered with its 'not found' page (a redirect to "
                             f"{newurl}); the document is not (or no longer) there")
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise FetchError(req.full_url, "redirect", f"{req.full_url}: redirected to {newurl}, which is not http(s)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class HttpClient:
    """GET with the rules in the module docstring. `timeout_s` applies to connecting and to each
    read; `deadline_s` to one whole attempt; `retries` = attempts after the first."""

    def __init__(self, timeout_s: float = 30.0, retries: int = 3, backoff_s: float = 1.0,
                 max_bytes: int = 100 * 1024 * 1024, deadline_s: float | None = None):
        self.timeout_s = timeout_s
        self.retries = max(0, retries)
        self.backoff_s = backoff_s
        self.max_bytes = max_bytes
        self.deadline_s = deadline_s if deadline_s is not None else max(60.0, 10 * timeout_s)
        redirects = _Redirects()
        redirects.max_redirections = MAX_REDIRECTS
        # ProxyHandler() with no argument reads the proxy settings of the environment; a service on
        # this machine (a mirror or stand-in on 127.0.0.1) is asked directly, never through a proxy
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler(), redirects)
        self._direct = urllib.request.build_opener(urllib.request.ProxyHandler({}), redirects)
        self.requests = 0  # how many requests were sent (the tests count them)

    def get(self, url: str, accept: str = "*/*", what: str = "") -> Response:
        """The response to GET `url` (status 200), after retries; FetchError otherwise."""
        attempt = 0
        while True:
            try:
                return self._once(url, accept, what)
            except FetchError as exc:
                retry_after = getattr(exc, "retry_after", None)
                if not self._retriable(exc) or attempt >= self.retries:
                    if attempt:
                        exc.args = (f"{exc.args[0]} (after {attempt + 1} attempts)",)
                    raise
                wait = retry_after if retry_after is not None else self.backoff_s * (2 ** attempt)
                time.sleep(min(max(wait, 0.0), BACKOFF_CAP_S))
                attempt += 1

    @staticmethod
    def _retriable(exc: FetchError) -> bool:
        return exc.kind in ("unreachable", "timeout", "truncated") or (
            exc.kind == "http" and exc.status is not None and (exc.status == 429 or exc.status >= 500))

    def _once(self, url: str, accept: str, what: str) -> Response:
        label = f"{what} ({url})" if what else url
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept,
                                                       "Accept-Encoding": "identity"})
        with _host_lock(url):
            self.requests += 1
            started = time.monotonic()
            try:
                opener = self._direct if _loopback(url) else self._opener
                with opener.open(request, timeout=self.timeout_s) as resp:
                    headers = {k.lower(): v for k, v in resp.headers.items()}
                    final = resp.geturl()
                    if "fout404" in final.lower():
                        raise FetchError(url, "not-found-page",
                                         f"{label}: the repository answered with its 'not found' page; the "
                                         "document is not (or no longer) there")
                    body = self._read(resp, headers, label, url, started)
                    return Response(final, resp.status, headers, body)
            except urllib.error.HTTPError as exc:
                raise self._http_error(exc, label, url) from None
            except FetchError:
                raise
            except (socket.timeout, TimeoutError) as exc:
                raise FetchError(url, "timeout", f"{label}: no answer within {self.timeout_s:g} s; the service "
                                                 "is slow or down, try again later (ASSISTANT_HTTP_TIMEOUT_S "
                                                 "sets the limit)") from exc
            except http.client.IncompleteRead as exc:
                raise FetchError(url, "truncated", f"{label}: the download was cut off after {len(exc.partial)} "
                                                   f"bytes; try again") from exc
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException, OSError) as exc:
                raise _unreachable(exc, label, url) from exc

    def _read(self, resp, headers: dict[str, str], label: str, url: str, started: float) -> bytes:
        declared = headers.get("content-length")
        expected = int(declared) if declared and declared.isdigit() else None
        if expected is not None and expected > self.max_bytes:
            raise FetchError(url, "too-large", f"{label}: is {expected / 1024**2:.1f} MB, more than the limit "
                                               f"of {self.max_bytes / 1024**2:g} MB (ASSISTANT_MAX_FILE_MB)")
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() - started > self.deadline_s:
                raise FetchError(url, "timeout", f"{label}: the download took longer than {self.deadline_s:g} s "
                                                 "and was stopped; try again later")
            chunk = resp.read(64 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(url, "too-large", f"{label}: is more than the limit of "
                                                   f"{self.max_bytes / 1024**2:g} MB (ASSISTANT_MAX_FILE_MB)")
        if expected is not None and size < expected:
            raise FetchError(url, "truncated", f"{label}: the download was cut off: {size} of {expected} bytes; "
                                               "try again")
        return b"".join(chunks)

    @staticmethod
    def _http_error(exc: urllib.error.HTTPError, label: str, url: str) -> FetchError:
        status = exc.code
        if status == 404:
            message = f"{label}: not found (HTTP 404)"
        elif status in (401, 403):
            message = f"{label}: access refused (HTTP {status})"
        elif status == 429:
            message = f"{label}: the service asks to slow down (HTTP 429); try again later"
        elif status >= 500:
            message = f"{label}: the service failed (HTTP {status} {exc.reason}); try again later"
        else:
            message = f"{label}: the service refused the request (HTTP {status} {exc.reason})"
        err = FetchError(url, "http", message, status=status)
        retry = (exc.headers or {}).get("Retry-After") if exc.headers else None
        if retry and str(retry).isdigit():
            err.retry_after = float(retry)  # type: ignore[attr-defined]
        return err


def _loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def _unreachable(exc: BaseException, label: str, url: str) -> FetchError:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return FetchError(url, "timeout", f"{label}: no answer in time; the service is slow or down, try again later")
    host = urlsplit(url).netloc
    return FetchError(url, "unreachable", f"could not reach the service at {host} ({reason}); check the network "
                                          "connection, or the proxy settings (HTTPS_PROXY) if you need one")
