"""Issue 12: `assistant serve` attacked as an attacker would, over HTTP on 127.0.0.1.

Every test starts the real app with uvicorn on a free port (tests.test_web_api.app_server)
and runs with and without a login (`target` is parametrised "open" and "auth"). Cross-site
attacks run in headless Chromium from a second local origin: a tiny HTTP server on another
port serves the attacker's page, and the attack is that page's script. Nothing is mocked and
nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import contextlib
import http.server
import io
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

httpx = pytest.importorskip("httpx")

from tests.conftest import ROOT, SEED  # noqa: E402
from tests.test_web_api import CSDDD, SEED_ID, SOLAR_PAGES, app_server, letter_pdf, served  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
AUTH = ("ann", "s3cret")
OTHER = "http://127.0.0.1:9"  # an origin that is not the server's (nothing listens there)
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Target:
    url: str
    assistant: Any
    auth: tuple[str, str] | None

    @contextlib.contextmanager
    def client(self, login: bool = True):
        """A client of the legitimate user: HTTP Basic for /api and the chat's login cookie."""
        with httpx.Client(base_url=self.url, timeout=120, auth=self.auth if login and self.auth else None) as c:
            if login and self.auth:
                r = c.post("/login", data={"username": self.auth[0], "password": self.auth[1]})
                assert r.status_code == 200, r.text
            yield c

    def document_ids(self) -> list[str]:
        return sorted(d.id for d in self.assistant.documents())


@pytest.fixture(params=["open", "auth"])
def target(request, tmp_path, hashing_seed_dir, settings_factory, hashing_embedder):
    """A server of its own on a copy of the seed index, without and with --auth (the hashing
    embedder: these tests are about what is refused, not about what is found)."""
    auth = AUTH if request.param == "auth" else None
    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder, auth=auth) as (url, a):
        yield Target(url, a, auth)


@pytest.fixture(params=["open", "auth"])
def real_target(request, tmp_path, seed_index_dir, settings_factory, embedder):
    """`target` with the real model, for a test that asks an English question of a Dutch letter."""
    auth = AUTH if request.param == "auth" else None
    with app_server(tmp_path, seed_index_dir, settings_factory, embedder, auth=auth) as (url, a):
        yield Target(url, a, auth)


# -- driving the chat's functions as a client of Gradio's queue ----------------------------------


def gradio_fn(client: httpx.Client, elem_id: str) -> tuple[dict, dict]:
    """The dependency a click or submit on component `elem_id` triggers, and the components."""
    cfg = client.get("/config").json()
    comps = {c["id"]: c for c in cfg["components"]}
    for dep in cfg["dependencies"]:
        for target_id, _event in dep["targets"]:
            if target_id is not None and comps.get(target_id, {}).get("props", {}).get("elem_id") == elem_id:
                return dep, comps
    raise AssertionError(f"no function is triggered by #{elem_id}")


def gradio_request(client: httpx.Client, elem_id: str, values: dict, session: str = "s") -> dict:
    """The body of /gradio_api/queue/join for the function behind #elem_id; `values` by the
    inputs' elem_id, the other inputs null (as the browser sends a gr.State)."""
    dep, comps = gradio_fn(client, elem_id)
    data = [values.get(comps[i].get("props", {}).get("elem_id")) for i in dep["inputs"]]
    return {"fn_index": dep["id"], "trigger_id": dep["targets"][0][0], "session_hash": session, "data": data}


def gradio_call(client: httpx.Client, elem_id: str, values: dict, session: str = "s") -> dict:
    """Run the chat's function behind #elem_id through Gradio's queue; returns its last message."""
    body = json.dumps(gradio_request(client, elem_id, values, session)).encode()
    r = client.post("/gradio_api/queue/join", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    event = r.json()["event_id"]
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("event_id") == event and msg.get("msg") == "process_completed":
                    return msg
    raise AssertionError("the queue closed without completing the event")


def gradio_upload(client: httpx.Client, name: str, data: bytes) -> str:
    r = client.post("/gradio_api/upload", files=[("files", (name, data, "application/octet-stream"))])
    assert r.status_code == 200, r.text
    return r.json()[0]


def file_data(path: str) -> dict:
    return {"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": Path(path).name}


def gradio_temp() -> Path:
    return Path(os.environ["GRADIO_TEMP_DIR"])


# -- 1. the chat's upload takes only files uploaded in the same session --------------------------


def test_chat_upload_refuses_paths_on_the_server(target, tmp_path):
    secret = tmp_path / "notes.md"
    token = "session-token-3f9a1c77e2"
    secret.write_text(f"# Aantekeningen\n\nHet toegangstoken is {token}. Het kabinet bespreekt de zorgplicht.\n" * 5)
    sqlite = Path(target.assistant.settings.index_dir) / "assistant.sqlite"
    with target.client() as c:
        for path in (secret, sqlite, ROOT / "README.md"):
            out = gradio_call(c, "add", {"upload": [file_data(str(path))], "replace": False})
            assert "added" not in json.dumps(out.get("output")), out
            # Gradio's file route serves none of them either
            assert c.get(f"/gradio_api/file={path}").status_code == 403
    assert target.document_ids() == [SEED_ID]
    # nothing was copied into Gradio's folder on the way
    for f in gradio_temp().rglob("*"):
        if f.is_file():
            assert f.name not in ("assistant.sqlite", "README.md"), f
            assert token.encode() not in f.read_bytes(), f


def test_chat_upload_takes_only_this_sessions_uploads(target):
    text = "Het kabinet investeert in de versterking van dijken langs de grote rivieren van het land.\n" * 4
    with target.client() as alice, target.client() as mallory:
        path = gradio_upload(alice, "dijken.txt", text.encode())
        # another session names the file alice uploaded: refused, and not served to it
        out = gradio_call(mallory, "add", {"upload": [file_data(path)], "replace": False}, session="m")
        assert "not uploaded in this browser session" in json.dumps(out["output"]), out
        assert mallory.get(f"/gradio_api/file={path}").status_code == 403
        assert target.document_ids() == [SEED_ID]
        # the session that uploaded it may read it back and add it
        assert alice.get(f"/gradio_api/file={path}").status_code == 200
        out = gradio_call(alice, "add", {"upload": [file_data(path)], "replace": False}, session="a")
        assert out["success"] and "added: dijken.txt" in json.dumps(out["output"]), out
    assert target.document_ids() == sorted([SEED_ID, "dijken"])


def test_chat_upload_of_many_files_at_once(target):
    # one upload request of several files (as the chat sends them): the session owns every one
    files = [("files", (f"brief-{i}.txt", (f"Het kabinet bespreekt onderwerp {i} met de provincies en de "
                                          f"gemeenten in de regio. " * 4).encode(), "text/plain")) for i in range(8)]
    with target.client() as c:
        r = c.post("/gradio_api/upload", files=files, headers={"accept-encoding": "br, gzip"})
        assert r.status_code == 200 and len(r.json()) == 8
        paths = r.json()
        assert all(c.get(f"/gradio_api/file={p}").status_code == 200 for p in paths)
        out = gradio_call(c, "add", {"upload": [file_data(p) for p in paths], "replace": False})
        assert json.dumps(out["output"]).count("added: brief-") == 8, out
    assert len(target.document_ids()) == 9


# -- 2. other sites cannot change the index; replacing is an explicit choice ---------------------


def collect_routes(app, prefix: str = ""):
    """(path, methods, route) of every route of the app: the mounted Gradio app's, and those of
    routers it includes (which FastAPI keeps apart since 0.16x), included."""
    try:
        from fastapi.routing import iter_route_contexts

        items = [(rc.path or "", rc.original_route) for rc in iter_route_contexts(list(app.routes))]
    except ImportError:  # an older FastAPI lists included routes directly
        items = [(getattr(r, "path", ""), r) for r in app.routes]
    for path, r in items:
        inner = getattr(r, "app", None)
        if getattr(r, "methods", None) is None and inner is not None and hasattr(inner, "routes"):
            yield from collect_routes(inner, prefix + path)
        else:
            yield prefix + path, set(getattr(r, "methods", None) or ()), r


def test_every_state_changing_route_checks_the_origin(request, tmp_path, hashing_seed_dir, settings_factory,
                                                      hashing_embedder):
    from starlette.routing import WebSocketRoute

    from assistant.core import Assistant
    from assistant.web import create_app

    d = tmp_path / "index"
    shutil.copytree(hashing_seed_dir, d)
    for auth in (None, AUTH):
        assistant = Assistant(settings_factory(d), embedder=hashing_embedder)
        app = create_app(assistant, auth=auth)
        routes = list(collect_routes(app))
        sockets = [p for p, _, r in routes if isinstance(r, WebSocketRoute)]
        assert not sockets, f"WebSocket routes appeared ({sockets}): check that they refuse other origins here"
        probes = sorted({(m, re.sub(r"\{[^}]+\}", "x", p)) for p, methods, _ in routes for m in methods & UNSAFE})
        paths = {p for _, p in probes}
        assert {"/api/ask", "/api/documents", "/api/documents/x", "/gradio_api/queue/join", "/gradio_api/upload",
                "/login"} <= paths, paths
        target = Target("", assistant, auth)
        with served(app) as url:
            target.url = url
            with target.client() as c:
                for method, path in probes:
                    for headers in ({"origin": OTHER, "sec-fetch-site": "same-site"},
                                    {"origin": "null"},
                                    {"sec-fetch-site": "cross-site"}):
                        r = c.request(method, path, headers=headers, content=b"{}")
                        assert r.status_code == 403, (method, path, headers, r.status_code, r.text[:200])
                        assert "from another site" in r.json()["error"], (method, path)
                # the server's own pages (and clients that are no browser) are served
                own = {"origin": url, "sec-fetch-site": "same-origin"}
                assert c.post("/api/ask", json={"question": CSDDD}, headers=own).status_code == 200
                assert c.post("/api/ask", json={"question": CSDDD}).status_code == 200
        assert target.document_ids() == [SEED_ID]
        assistant.index.close()


def test_replacing_a_document_needs_an_explicit_choice(target):
    original = SEED.read_bytes()
    forged = ("Het kabinet schaft de zorgplicht voor bedrijven af en steunt geen enkele richtlijn meer. " * 8).encode()
    stored = target.assistant.index.stored_file(SEED_ID)[0]
    with target.client() as c:
        r = c.post("/api/documents", files=[("files", (SEED.name, forged, "text/plain"))])
        assert r.status_code == 200, r.text
        [res] = r.json()
        assert res["status"] == "failed" and f"already indexed (id {SEED_ID})" in res["reason"]
        assert "replace=true" in res["reason"]
        assert stored.read_bytes() == original
        # the chat: without the box ticked, refused too
        path = gradio_upload(c, SEED.name, forged)
        out = gradio_call(c, "add", {"upload": [file_data(path)], "replace": False})
        assert "already indexed" in json.dumps(out["output"]) and "Replace documents of the same name" in \
            json.dumps(out["output"]), out
        assert stored.read_bytes() == original
        a = c.post("/api/ask", json={"question": CSDDD}).json()
        assert "Corporate Sustainability Due Diligence Directive" in a["hits"][0]["text"]
        # an explicit choice replaces it
        assert c.post("/api/documents", files=[("files", (SEED.name, forged, "text/plain"))],
                      data={"replace": "maybe"}).status_code == 422
        r = c.post("/api/documents", files=[("files", (SEED.name, forged, "text/plain"))], data={"replace": "true"})
        assert [(x["status"], x["id"]) for x in r.json()] == [("replaced", SEED_ID)]
        path = gradio_upload(c, SEED.name, original)
        out = gradio_call(c, "add", {"upload": [file_data(path)], "replace": True}, session="t")
        assert f"replaced: {SEED.name}" in json.dumps(out["output"]), out
    assert target.assistant.index.stored_file(SEED_ID)[0].read_bytes() == original


def test_served_on_loopback_it_answers_only_to_localhost_names(tmp_path, hashing_seed_dir, settings_factory,
                                                               hashing_embedder):
    # DNS rebinding: a site whose name is made to resolve to 127.0.0.1 is its own origin
    from assistant.web.security import LOOPBACK_HOSTS

    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder,
                    allowed_hosts=LOOPBACK_HOSTS) as (url, a):
        port = url.rsplit(":", 1)[1]
        with httpx.Client(base_url=url, timeout=60) as c:
            for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
                assert c.get("/api/documents", headers={"host": host}).status_code == 200
            evil = f"rebound.example:{port}"
            r = c.get("/api/documents", headers={"host": evil})
            assert r.status_code == 400 and "answers only to" in r.json()["error"]
            r = c.post("/api/documents", headers={"host": evil, "origin": f"http://{evil}"},
                       files=[("files", ("x.txt", b"Het kabinet zegt iets over dijken en water. " * 5, "text/plain"))])
            assert r.status_code == 400
        assert [d.id for d in a.documents()] == [SEED_ID]


def test_served_hosts():
    from assistant.web.security import LOOPBACK_HOSTS, served_hosts

    assert served_hosts("127.0.0.1", ()) == LOOPBACK_HOSTS
    # behind a proxy on the same machine: its public name is one of the allowed origins
    assert served_hosts("127.0.0.1", ("https://intranet.example", "http://localhost:8080")) == LOOPBACK_HOSTS + (
        "intranet.example",)
    assert served_hosts("0.0.0.0", ()) is None and served_hosts("192.168.1.20", ()) is None


# -- 3. CORS: an explicit allow-list ---------------------------------------------------------------


def test_cors_answers_no_other_origin(target):
    with target.client() as c:
        for path in ("/config", "/gradio_api/info", "/api/documents", "/", f"/files/{SEED_ID}"):
            r = c.get(path, headers={"origin": OTHER})
            assert r.status_code == 200, (path, r.status_code)
            assert "access-control-allow-origin" not in r.headers, path
        for path in ("/gradio_api/queue/join", "/api/ask", "/api/documents"):
            r = c.options(path, headers={"origin": OTHER, "access-control-request-method": "POST",
                                         "access-control-request-headers": "content-type"})
            assert "access-control-allow-origin" not in r.headers, path


def test_cors_origin_setting(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder):
    mine = "http://127.0.0.1:8123"
    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder, auth=AUTH,
                    cors_origins=f"{mine}, https://intranet.example") as (url, a):
        t = Target(url, a, AUTH)
        with t.client() as c:
            r = c.get("/config", headers={"origin": mine})
            assert r.headers["access-control-allow-origin"] == mine
            assert r.headers["access-control-allow-credentials"] == "true"
            r = c.options("/api/ask", headers={"origin": mine, "access-control-request-method": "POST",
                                               "access-control-request-headers": "content-type"})
            assert r.status_code == 200 and r.headers["access-control-allow-origin"] == mine
            r = c.post("/api/ask", json={"question": CSDDD}, headers={"origin": mine, "sec-fetch-site": "same-site"})
            assert r.status_code == 200 and r.headers["access-control-allow-origin"] == mine
            assert c.post("/api/ask", json={"question": CSDDD}, headers={"origin": OTHER}).status_code == 403


@pytest.mark.parametrize("value, words", [("*", "name each site"), ("null", "name each site"),
                                          ("http://x.example/path", "not an origin"),
                                          ("ftp://x.example", "not an origin"), ("intranet", "not an origin")])
def test_cors_setting_is_checked(value, words):
    from assistant.web.security import cors_origins
    from assistant.types import AssistantError

    with pytest.raises(AssistantError, match=words):
        cors_origins(value)
    assert cors_origins(" https://A.example:8443,http://127.0.0.1:8080 ") == ("https://a.example:8443",
                                                                            "http://127.0.0.1:8080")
    assert cors_origins("") == () and cors_origins(None) == ()


def test_serve_stops_on_a_bad_cors_setting(cli_env, tmp_path):
    import subprocess
    import sys

    from tests.test_web_api import free_port

    r = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--port", str(free_port()),
                        "--index", str(tmp_path / "index"), "--cors-origin", "*"],
                       capture_output=True, text=True, env=cli_env, timeout=120)
    assert r.returncode == 1 and "name each site" in r.stderr
    assert not (tmp_path / "index").exists()


# -- 4. follow-ups look back a few turns; 5. bodies and histories are bounded ---------------------


def test_followup_takes_the_topic_from_a_few_turns_back(target):
    first = "Hoeveel personen zijn in Rusland door de EU gesanctioneerd?"
    countries = ["Iran", "China", "Syrië", "Noord-Korea", "Venezuela", "Myanmar", "Libië", "Soedan", "Mali",
                 "Eritrea", "Cuba", "Nicaragua", "Jemen", "Somalië", "Irak", "Haïti", "Burundi"]
    history = [first] + [f"en in {c}?" for c in countries[:4]]
    with target.client() as c:
        r = c.post("/api/ask", json={"question": "en in Wit-Rusland?", "history": history})
        assert r.status_code == 200, r.text
        assert r.json()["rewritten_query"] == f"{first} in Wit-Rusland?"
        # a long chat of follow-ups reads only the last few turns
        r = c.post("/api/ask", json={"question": "en in Wit-Rusland?", "history": [first] + [
            f"en in {c}?" for c in countries]})
        assert r.status_code == 200, r.text
        assert len(r.json()["rewritten_query"]) < 100 and "Iran" not in r.json()["rewritten_query"]
        r = c.post("/api/ask", json={"question": "en?", "history": ["en?"] * 50})
        assert r.status_code == 200 and len(r.json()["rewritten_query"]) < 20, r.text
        # 10,000 turns: a clear refusal, not a RecursionError
        r = c.post("/api/ask", json={"question": "en?", "history": [{"role": "user", "content": "en?"}] * 10_000})
        assert r.status_code == 422 and r.json()["field"] == "history" and "limit is 50" in r.json()["error"]


def test_rewrite_followup_reads_a_bounded_number_of_turns(monkeypatch):
    # counted, not timed: the old rewrite analysed the history 2^n times
    from assistant import lexical, query

    calls = []
    analyze = lexical.analyze
    monkeypatch.setattr(lexical, "analyze", lambda text, *a, **k: calls.append(text) or analyze(text, *a, **k))
    assert query.rewrite_followup("en?", ["Wat zegt het kabinet over de zorgplicht?"] + ["en?"] * 18).startswith(
        "en?")
    assert len(calls) <= query.FOLLOWUP_LOOKBACK + 1
    calls.clear()
    q = query.rewrite_followup("en in Mali?", ["Wat zegt het kabinet over sancties?"] + ["en in Iran?"] * 3)
    assert q == "Wat zegt het kabinet over sancties? in Mali?" and len(calls) <= query.FOLLOWUP_LOOKBACK + 1


def test_request_bodies_are_capped(target):
    huge = b'{"question": "en?", "history": ["' + b"a" * (20 * 1024 * 1024) + b'"]}'
    with target.client() as c:
        r = c.post("/api/ask", content=huge, headers={"content-type": "application/json"})
        assert r.status_code == 413 and "at most 1.0 MB" in r.json()["error"]
        # without a Content-Length, counted as it arrives
        chunks = (huge[i:i + 65536] for i in range(0, len(huge), 65536))
        r = c.post("/api/ask", content=chunks, headers={"content-type": "application/json"})
        assert r.status_code == 413 and "larger than 1.0 MB" in r.json()["error"]
        r = c.post("/gradio_api/queue/join", content=huge, headers={"content-type": "application/json"})
        assert r.status_code == 413
        # turns are bounded in number and length
        r = c.post("/api/ask", json={"question": "en?", "history": ["x" * 2001]})
        assert r.status_code == 422 and "history turn 0 is 2001 characters" in r.json()["error"]
        r = c.post("/api/ask", json={"question": "en?", "history": [["vraag", "a" * 20_001]]})
        assert r.status_code == 422 and r.json()["field"] == "history"
        r = c.post("/api/ask", json={"question": "en?", "history": ["vraag?"] * 51})
        assert r.status_code == 422 and "51 turns" in r.json()["error"]
        assert c.get("/healthz").json()["status"] == "ok"


# -- 6. malformed input: 4xx with the JSON error ----------------------------------------------------


MALFORMED = [
    (b'{"question": "\\ud800"}', 400, "question", "surrogate"),
    (b'{"question": "wat zegt het kabinet \\udfff?"}', 400, "question", "surrogate"),
    (b'{"question": "en?", "history": ["\\ud800"]}', 400, "history", "surrogate"),
    (b'{"question": "en?", "history": [{"role": "user", "content": "x\\ud83d"}]}', 400, "history", "surrogate"),
    (b'{"question": "x", "documents": ["\\ud800"]}', 400, "documents", "surrogate"),
    (b'{"question": "x", "\\ud800": 1}', 422, "\\ud800", "unknown field"),
    (b"[" * 100_000 + b"]" * 100_000, 400, None, "too deeply"),
    (b'{"question": "x", "history": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400, None, "too deeply"),
    (b'{"question": "x", "history": [' + b"[" * 500 + b'"x"' + b"]" * 500 + b"]}", 422, "history", "pair"),
    (b'{"question": "x", "history": [{"role": "user", "content": {"a": {"b": 1}}}]}', 422, "history", "role"),
    (b'{"question": "x", "k": [[[1]]]}', 422, "k", "whole number"),
    (b'{"question": "\xff\xfe"}', 400, None, "not valid JSON"),
]


@pytest.mark.parametrize("body, status, field, words", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_questions_get_4xx_json(target, body, status, field, words):
    with target.client() as c:
        r = c.post("/api/ask", content=body, headers={"content-type": "application/json"})
        assert r.status_code == status, r.text[:300]
        assert words in r.json()["error"] and r.json().get("field") == field


def test_malformed_chat_questions_are_answered_with_the_error(target):
    with target.client() as c:
        out = gradio_call(c, "question", {"question": "wat zegt het kabinet \ud800?", "chatbot": [],
                                          "doc-filter": [], "date-from": "", "date-to": "", "k": 5})
        assert out["success"], out
        chat = out["output"]["data"][1]
        assert "surrogate" in json.dumps(chat) and "ud800" in json.dumps(chat)
        deep = b"[" * 100_000 + b"]" * 100_000
        r = c.post("/gradio_api/queue/join", content=deep, headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500


# -- 7. the smaller ones --------------------------------------------------------------------------


def test_page_before_login_holds_no_document_ids(target):
    with target.client(login=False) as anon:
        page = anon.get("/")
        assert page.status_code == 200
        assert SEED_ID not in page.text and "Kabinetsreactie" not in page.text
        if target.auth:
            assert anon.get("/config").status_code == 401
    with target.client() as c:  # the lists are filled when the page has loaded, by a call of its own
        assert SEED_ID not in c.get("/config").text


def script_pdf() -> bytes:
    """The solar letter with JavaScript in every place a viewer runs it from."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.actions import JavaScript
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(letter_pdf("Kamerbrief over zonneparken op landbouwgrond",
                                                                  SOLAR_PAGES))))
    js = "app.launchURL('http://127.0.0.1:9/ran', true);"
    writer.add_open_action(JavaScript(js))  # the document-level /Names /JavaScript tree
    writer.root_object[NameObject("/OpenAction")] = writer._add_object(JavaScript(js))
    writer.root_object[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): JavaScript(js)})
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): JavaScript(js)})
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(50), FloatObject(50), FloatObject(200), FloatObject(80)]),
        NameObject("/A"): JavaScript(js),
    })
    uri = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(50), FloatObject(90), FloatObject(200), FloatObject(120)]),
        NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                            NameObject("/URI"): TextStringObject("https://www.rijksoverheid.nl/")}),
    })
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(link), writer._add_object(uri)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_names(data: bytes) -> set[str]:
    """Every dictionary key and name value reachable in a PDF, read independently of the app."""
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    reader = PdfReader(io.BytesIO(data))
    names: set[str] = set()
    todo, seen = [reader.trailer], set()
    while todo:
        obj = todo.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, dict):
            names.update(str(k) for k in obj)
            todo.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, list):
            todo.extend(obj)
        elif type(obj).__name__ == "NameObject":
            names.add(str(obj))
    return names


def test_stored_pdfs_lose_their_scripts(real_target):
    pdf = script_pdf()
    assert {"/OpenAction", "/AA", "/JS", "/JavaScript"} <= pdf_names(pdf)  # the attack is in the upload
    with real_target.client() as c:
        r = c.post("/api/documents", files=[("files", ("zonneparken.pdf", pdf, "application/pdf"))])
        assert r.status_code == 200 and r.json()[0]["status"] == "added", r.text
        doc_id = r.json()[0]["id"]
        f = c.get(f"/files/{doc_id}")
        assert f.status_code == 200 and f.headers["content-type"] == "application/pdf"
        names = pdf_names(f.content)
        assert not {"/OpenAction", "/AA", "/JS", "/JavaScript", "/Launch"} & names, names
        assert "/URI" in names  # an ordinary link stays
        a = c.post("/api/ask", json={"question": "What is the solar ladder for solar parks on farmland?"}).json()
        assert a["hits"][0]["document"]["id"] == doc_id and "zonneladder" in a["hits"][0]["text"]
        # uploading the same file again is recognised as the same (the hash is of the upload)
        again = c.post("/api/documents", files=[("files", ("zonneparken.pdf", pdf, "application/pdf"))]).json()
        assert again[0]["status"] == "unchanged"


def test_an_unrelated_cookie_does_not_lock_out_source_links(tmp_path, hashing_seed_dir, settings_factory,
                                                            hashing_embedder):
    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder, auth=AUTH) as (url, a):
        with Target(url, a, AUTH).client(login=False) as c:
            assert c.post("/login", data={"username": AUTH[0], "password": AUTH[1]}).status_code == 200
            tokens = "; ".join(f"{k}={v}" for k, v in c.cookies.items() if k.startswith("access-token"))
        with httpx.Client(base_url=url, timeout=60) as browser:
            for cookie in (f'theme={{"dark":true}}; {tokens}', f'{tokens}; theme={{"dark":true}}',
                           f'a="b; {tokens}'):
                r = browser.get(f"/files/{SEED_ID}", headers={"cookie": cookie})
                assert r.status_code == 200, (cookie, r.status_code)
            assert browser.get(f"/files/{SEED_ID}", headers={"cookie": 'theme={"dark":true}'}).status_code == 401


LOGIN_FAILURES = 5  # the default of assistant.web.security.LOGIN_FAILURES (checked in test_login_throttle_window)


def test_failed_logins_are_throttled(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder):
    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder, auth=AUTH) as (url, a):
        with httpx.Client(base_url=url, timeout=60) as c:
            for _ in range(LOGIN_FAILURES):
                assert c.post("/login", data={"username": "ann", "password": "guess"}).status_code == 400
            # now even the right password is not checked, on the chat's login and on the API
            r = c.post("/login", data={"username": "ann", "password": AUTH[1]})
            assert r.status_code == 429 and "too many failed logins" in r.json()["error"]
            assert 0 < int(r.headers["retry-after"]) <= 61
            assert c.get("/api/documents", auth=AUTH).status_code == 429
            assert c.get("/healthz").status_code == 200


def test_failed_basic_logins_are_throttled(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder):
    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder, auth=AUTH) as (url, a):
        with httpx.Client(base_url=url, timeout=60) as c:
            assert c.get("/api/documents").status_code == 401  # no credentials sent: no failed login
            for _ in range(LOGIN_FAILURES):
                assert c.get("/api/documents", auth=("ann", "guess")).status_code == 401
            r = c.get("/api/documents", auth=AUTH)
            assert r.status_code == 429 and "retry-after" in r.headers
            assert c.post("/login", data={"username": "ann", "password": AUTH[1]}).status_code == 429


def test_login_throttle_window():
    from assistant.web import security
    from assistant.web.security import LoginThrottle

    assert security.LOGIN_FAILURES == LOGIN_FAILURES

    now = [1000.0]
    t = LoginThrottle(failures=3, window_s=60, clock=lambda: now[0])
    for i in range(3):
        assert t.wait("10.0.0.1") == 0
        t.failed("10.0.0.1")
        now[0] += 10
    assert t.wait("10.0.0.1") == pytest.approx(30)  # the first failure leaves the window at 1060
    assert t.wait("10.0.0.2") == 0  # per address
    now[0] = 1060
    assert t.wait("10.0.0.1") == 0
    t.failed("10.0.0.1")
    assert t.wait("10.0.0.1") > 0
    t.succeeded("10.0.0.1")
    assert t.wait("10.0.0.1") == 0


def test_no_other_site_may_frame_the_pages(target):
    with target.client() as c:
        for path in ("/", "/config", "/api/documents", f"/files/{SEED_ID}", "/healthz", "/api/nothing"):
            r = c.get(path)
            assert "frame-ancestors 'self'" in r.headers.get("content-security-policy", ""), path
            assert r.headers.get("x-frame-options") == "SAMEORIGIN", path
        # the sandbox of a text file stays
        assert "sandbox" in c.get(f"/files/{SEED_ID}").headers["content-security-policy"]


# -- the same attacks from another site's page, in Chromium -------------------------------------


@pytest.fixture(scope="module")
def attacker():
    """A second local origin: another port serving the attacker's (empty) page."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = b"<!doctype html><html><head><title>another site</title></head><body></body></html>"
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@contextlib.contextmanager
def victim(chrome, target: Target):
    """A browser context of a user who uses the chat (logged in, Basic credentials cached)."""
    ctx = chrome.new_context(http_credentials={"username": AUTH[0], "password": AUTH[1]} if target.auth else None)
    try:
        if target.auth:
            r = ctx.request.post(f"{target.url}/login", form={"username": AUTH[0], "password": AUTH[1]})
            assert r.status == 200
            assert ctx.request.get(f"{target.url}/api/documents").status == 200
        yield ctx
    finally:
        ctx.close()


WRITE_ATTACK = """async ({target, seedName}) => {
  const send = async (name, text) => {
    const form = new FormData();
    form.append('files', new Blob([text], {type: 'text/plain'}), name);
    try {
      await fetch(target + '/api/documents', {method: 'POST', body: form, mode: 'no-cors', credentials: 'include'});
      return 'sent';
    } catch (e) { return String(e); }
  };
  const text = 'Het kabinet schaft de zorgplicht voor bedrijven af en steunt geen richtlijn meer. '.repeat(8);
  return [await send('aanval.txt', text), await send(seedName, text)];
}"""


@pytest.mark.browser
def test_another_site_cannot_add_or_replace_documents(chrome, target, attacker):
    original = SEED.read_bytes()
    with victim(chrome, target) as ctx:
        page = ctx.new_page()
        page.goto(attacker)
        sent = page.evaluate(WRITE_ATTACK, {"target": target.url, "seedName": SEED.name})
        assert sent == ["sent", "sent"]  # the requests left the browser; the server refused them
    assert target.document_ids() == [SEED_ID]
    assert target.assistant.index.stored_file(SEED_ID)[0].read_bytes() == original


READ_ATTACK = """async ({target, remove, ask}) => {
  const out = {};
  const grab = async (name, request) => {
    try {
      const r = await request;
      out[name] = {status: r.status, body: (await r.text()).slice(0, 300)};
    } catch (e) { out[name] = {error: String(e)}; }
  };
  const json = body => ({method: 'POST', credentials: 'include', headers: {'Content-Type': 'application/json'},
                         body: JSON.stringify(body)});
  await grab('config', fetch(target + '/config', {credentials: 'include'}));
  await grab('remove', fetch(target + '/gradio_api/queue/join', json(remove)));
  await grab('ask', fetch(target + '/gradio_api/queue/join', json(ask)));
  await grab('api', fetch(target + '/api/documents', {credentials: 'include'}));
  try {  // the answers of the chat's queue, read for a few seconds
    const r = await fetch(target + '/gradio_api/queue/data?session_hash=evil', {credentials: 'include'});
    const reader = r.body.getReader();
    let text = '';
    const end = Date.now() + 8000;
    while (Date.now() < end && !text.includes('process_completed')) {
      const part = await Promise.race([reader.read(), new Promise(ok => setTimeout(() => ok({}), 1000))]);
      if (part.done) break;
      if (part.value) text += new TextDecoder().decode(part.value);
    }
    out.data = {body: text.slice(0, 3000)};
  } catch (e) { out.data = {error: String(e)}; }
  return out;
}"""


@pytest.mark.browser
def test_another_site_cannot_read_or_use_the_chat(chrome, target, attacker):
    with target.client() as c:
        remove = gradio_request(c, "remove", {"remove-choice": [SEED_ID]}, session="evil")
        ask = gradio_request(c, "question", {"question": CSDDD, "chatbot": [], "doc-filter": [], "date-from": "",
                                             "date-to": "", "k": 5}, session="evil")
    with victim(chrome, target) as ctx:
        page = ctx.new_page()
        page.goto(attacker)
        out = page.evaluate(READ_ATTACK, {"target": target.url, "remove": remove, "ask": ask})
    for name in ("config", "remove", "ask", "api", "data"):
        assert "error" in out[name] and "Failed to fetch" in out[name]["error"], (name, out[name])
    assert target.document_ids() == [SEED_ID]


@pytest.mark.browser
def test_another_site_cannot_frame_the_chat(chrome, target, attacker):
    with victim(chrome, target) as ctx:
        page = ctx.new_page()
        page.goto(attacker)
        page.evaluate("""target => new Promise(done => {
          const f = document.createElement('iframe');
          f.src = target + '/';
          f.onload = done;
          document.body.appendChild(f);
          setTimeout(done, 15000);
        })""", target.url)
        frames = [f.url for f in page.frames[1:]]
        assert frames and not any(u.startswith(target.url) for u in frames), frames


@pytest.mark.browser
def test_chat_replaces_only_when_the_box_is_ticked(chrome, target, tmp_path):
    from playwright.sync_api import expect

    forged = tmp_path / SEED.name
    forged.write_text("Het kabinet schaft de zorgplicht voor bedrijven af en steunt geen richtlijn meer. " * 8)
    with victim(chrome, target) as ctx:
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        page.goto(target.url + "/")
        page.get_by_role("tab", name="Corpus").click()
        expect(page.locator("#documents")).to_contain_text("Kabinetsreactie", timeout=30_000)
        page.locator("#upload input[type=file]").set_input_files([str(forged)])
        expect(page.locator("#upload")).to_contain_text("kabinetsreactie")
        page.locator("#add").click()
        results = page.locator("#upload-results textarea")
        expect(results).to_have_value(re.compile(r"^failed: kabinetsreactie.*already indexed.*Replace documents of "
                                                 r"the same name"), timeout=60_000)
        assert target.assistant.index.stored_file(SEED_ID)[0].read_bytes() == SEED.read_bytes()
        expect(page.locator("#upload")).not_to_contain_text("kabinetsreactie")  # the chat clears the choice
        page.locator("#upload input[type=file]").set_input_files([str(forged)])
        expect(page.locator("#upload")).to_contain_text("kabinetsreactie")
        page.locator("#replace input").check()
        page.locator("#add").click()
        expect(results).to_have_value(re.compile(r"^replaced: kabinetsreactie"), timeout=60_000)
    assert target.assistant.index.stored_file(SEED_ID)[0].read_bytes() == forged.read_bytes()
