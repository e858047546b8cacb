"""The JSON API of `assistant serve`, against the real app served by uvicorn on 127.0.0.1.

One server (on a copy of the seed index) serves the read-only tests; tests
that change the index, use other settings or switch the login on get their
own app. Requests go through httpx over a real socket.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

from tests.pdfgen import make_pdf  # noqa: E402

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CSDDD = "what did the cabinet say about CSDDD?"
SEED_ID = "kabinetsreactie-aiv-krimpende-maatschappelijke-ruimte"


# -- serving helpers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(app):
    """Run `app` with uvicorn in a thread on a free port; yields its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def make_assistant(tmp: Path, seed_index_dir: Path, settings_factory, embedder, **kw):
    from assistant.core import Assistant

    d = tmp / "index"
    shutil.copytree(seed_index_dir, d)
    return Assistant(settings_factory(d, **kw), embedder=embedder)


@contextlib.contextmanager
def app_server(tmp: Path, seed_index_dir, settings_factory, embedder, auth=None, allowed_hosts=None, **kw):
    """A server of its own on a copy of the seed index; `kw` are settings. Yields (url, assistant)."""
    from assistant.web import create_app

    assistant = make_assistant(tmp, seed_index_dir, settings_factory, embedder, **kw)
    app = create_app(assistant, auth=auth, **({"allowed_hosts": allowed_hosts} if allowed_hosts else {}))
    with served(app) as url:
        yield url, assistant


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_index_dir, settings_factory, embedder):
    """A read-only server on a copy of the seed index."""
    with app_server(tmp_path_factory.mktemp("web"), seed_index_dir, settings_factory, embedder) as (url, a):
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


@pytest.fixture
def writable(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder):
    """A server of its own, on a private copy of the seed index (the hashing embedder):
    (client, assistant, index dir)."""
    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder) as (url, a):
        with httpx.Client(base_url=url, timeout=120) as client:
            yield client, a, Path(a.settings.index_dir)


def letter_pdf(title: str, body_pages: list[list[str]]) -> bytes:
    return make_pdf([[title, ""] + body_pages[0]] + body_pages[1:])


SOLAR_PAGES = [
    ["Geachte voorzitter,", "",
     "Hierbij informeer ik u over het beleid voor zonneparken op landbouwgrond. In de afgelopen jaren",
     "zijn veel zonneparken aangelegd op vruchtbare grond in het landelijk gebied. Gemeenten en",
     "provincies hebben de Kamer gevraagd om duidelijke regels, omdat boeren, omwonenden en",
     "ontwikkelaars verschillende belangen hebben. Het kabinet wil de bouw van zonneparken op",
     "vruchtbare landbouwgrond beperken en tegelijk de doelen voor hernieuwbare elektriciteit halen.",
     "In deze brief beschrijf ik hoe het kabinet die afweging maakt en welke rol de provincies krijgen."],
    ["Het kabinet stelt een zonneladder vast: eerst daken, dan restgronden en pas daarna",
     "landbouwgrond. Provincies moeten de zonneladder toepassen bij elke vergunning voor",
     "een zonnepark groter dan vijf hectare. Zo blijft vruchtbare grond beschikbaar voor",
     "de voedselproductie. Een gemeente die toch een zonnepark op landbouwgrond wil toestaan,",
     "moet aantonen dat er in de regio geen geschikte daken of restgronden meer beschikbaar zijn.",
     "Het kabinet evalueert de zonneladder over twee jaar en informeert de Kamer over de uitkomsten."],
]


# -- health, documents, questions ----------------------------------------------------------------


def test_healthz(server):
    r = server.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "documents": 1, "passages": r.json()["passages"]}
    assert r.json()["passages"] > 10


def test_documents_list(server):
    r = server.get("/api/documents")
    assert r.status_code == 200
    docs = r.json()
    assert [d["id"] for d in docs] == [SEED_ID]
    assert set(docs[0]) >= {"id", "title", "source", "date", "kamerstuk", "kenmerk", "pages", "passages"}
    assert docs[0]["title"].startswith("Kabinetsreactie op het AIV-advies")


def test_ask_csddd_cites_page_7(server):
    r = server.post("/api/ask", json={"question": CSDDD})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["query"] == CSDDD and a["answer_found"] is True and a["language"] == "en"
    top = a["hits"][0]
    assert "Corporate Sustainability Due Diligence Directive" in top["text"]
    assert top["page"] == 7 and ", p. 7" in top["citation"]
    assert top["document"]["id"] == SEED_ID
    assert top["highlights"] and all(0 <= s < e <= len(top["text"]) for s, e in top["highlights"])
    assert len(a["hits"]) == 5


def test_ask_dutch_with_options(server):
    r = server.post("/api/ask", json={"question": "Hoeveel personen zijn in Wit-Rusland door de EU gesanctioneerd?",
                                      "k": 2, "documents": [SEED_ID], "history": []})
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["language"] == "nl" and len(a["hits"]) == 2
    assert any("310 personen" in h["text"] for h in a["hits"])


def test_ask_follow_up_uses_history(server):
    first = "Hoeveel personen zijn in Rusland door de EU gesanctioneerd?"
    r = server.post("/api/ask", json={"question": "en in Wit-Rusland?", "history": [first]})
    assert r.status_code == 200, r.text
    a = r.json()
    assert first.rstrip("?") in a.get("rewritten_query", "")


def test_ask_date_filter(server):
    # nothing is dated before 1900: no passage is searched, and the answer says so
    from assistant.present import NO_ANSWER

    r = server.post("/api/ask", json={"question": CSDDD, "date_to": "1900-01-01"})
    assert r.status_code == 200, r.text
    assert r.json()["hits"] == [] and r.json()["answer_found"] is False
    assert r.json()["message"] == NO_ANSWER["en"]


@pytest.mark.parametrize(
    "body, status, field, words",
    [
        ({}, 422, "question", "required"),
        ({"question": ""}, 422, "question", "empty"),
        ({"question": "   "}, 422, "question", "empty"),
        ({"question": 42}, 422, "question", "string"),
        ({"question": "x", "k": "5"}, 422, "k", "whole number"),
        ({"question": "x", "k": 2.5}, 422, "k", "whole number"),
        ({"question": "x", "k": True}, 422, "k", "whole number"),
        ({"question": "x", "k": 0}, 422, "k", "1 to 50"),
        ({"question": "x", "k": 51}, 422, "k", "1 to 50"),
        ({"question": "x", "history": "earlier"}, 422, "history", "list"),
        ({"question": "x", "history": [1]}, 422, "history", "int"),
        ({"question": "x", "documents": SEED_ID}, 422, "documents", "list"),
        ({"question": "x", "documents": ["no-such-letter"]}, 404, "documents", "no-such-letter"),
        ({"question": "x", "date_from": "12-05-2025"}, 422, "date_from", "YYYY-MM-DD"),
        ({"question": "x", "date_to": "2025-02-30"}, 422, "date_to", "not a real date"),
        ({"question": "x", "date_from": "2025-06-01", "date_to": "2025-01-01"}, 422, "date_from", "after"),
        ({"question": "x", "qestion": "typo"}, 422, "qestion", "unknown field"),
        (["question"], 400, None, "JSON object"),
    ],
)
def test_ask_bad_requests(server, body, status, field, words):
    r = server.post("/api/ask", json=body)
    assert r.status_code == status, r.text
    err = r.json()
    assert words in err["error"]
    assert err.get("field") == field
    if field:
        assert field in err["error"]


def test_ask_invalid_json(server):
    r = server.post("/api/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert "not valid JSON" in r.json()["error"]


def test_unknown_route_and_wrong_method(server):
    r = server.get("/api/nothing-here")
    assert r.status_code == 404 and "no such route" in r.json()["error"]
    r = server.get("/api/ask")
    assert r.status_code == 405 and "use POST" in r.json()["error"]


# -- passages and files --------------------------------------------------------------------------


def test_passage_with_context(server):
    hit = server.post("/api/ask", json={"question": CSDDD}).json()["hits"][0]
    r = server.get(f"/api/passages/{hit['passage_id']}")
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["id"] == hit["passage_id"] and hit["text"].startswith(p["text"])
    assert p["document"]["id"] == SEED_ID and p["page"] == 7
    assert p["file_url"] == f"/files/{SEED_ID}"  # a text source: no #page
    assert len(p["neighbours"]) == 2 and all(n["id"] != p["id"] for n in p["neighbours"])
    assert p["page_text"] and p["page_text"][0]["page"] == 7
    assert "Corporate Sustainability" in " ".join(pt["text"] for pt in p["page_text"])


def test_passage_bad_ids(server):
    r = server.get("/api/passages/abc")
    assert r.status_code == 422 and r.json()["field"] == "passage_id"
    r = server.get("/api/passages/987654")
    assert r.status_code == 404 and "987654" in r.json()["error"]


def test_files_serves_text_safely(server):
    r = server.get(f"/files/{SEED_ID}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"].startswith("inline")
    assert "sandbox" in r.headers["content-security-policy"]
    assert "Corporate Sustainability Due Diligence Directive" in r.text


def test_files_unknown_id(server):
    r = server.get("/files/no-such-letter")
    assert r.status_code == 404 and "no-such-letter" in r.json()["error"]


def test_delete_unknown_id(server):
    r = server.delete("/api/documents/no-such-letter")
    assert r.status_code == 404
    assert r.json()["error"] == "no document with id 'no-such-letter' (see GET /api/documents)"


# -- uploads -------------------------------------------------------------------------------------


def test_upload_pdf_ask_cite_remove(writable):
    client, assistant, index_dir = writable
    pdf = letter_pdf("Kamerbrief over zonneparken op landbouwgrond", SOLAR_PAGES)
    r = client.post("/api/documents", files=[("files", ("zonneparken.pdf", pdf, "application/pdf"))])
    assert r.status_code == 200, r.text
    [res] = r.json()
    assert res["status"] == "added" and res["file"] == "zonneparken.pdf" and res["pages"] == 2
    doc_id = res["id"]
    assert doc_id in [d["id"] for d in client.get("/api/documents").json()]

    a = client.post("/api/ask", json={"question": "Wat is de zonneladder voor zonneparken op landbouwgrond?"}).json()
    top = a["hits"][0]
    # the evidence is on page 2 (the search may merge it with the passage before it: pp. 1-2)
    assert top["document"]["id"] == doc_id and top["page"] <= 2 <= top["page_end"] and "zonneladder" in top["text"]

    f = client.get(f"/files/{doc_id}")
    assert f.status_code == 200 and f.headers["content-type"] == "application/pdf"
    assert f.headers["content-disposition"].startswith("inline") and f.content == pdf
    p = client.get(f"/api/passages/{top['passage_id']}").json()
    assert p["file_url"] == f"/files/{doc_id}#page={p['page']}" and "page_text" not in p

    again = client.post("/api/documents", files=[("files", ("zonneparken.pdf", pdf, "application/pdf"))]).json()
    assert [x["status"] for x in again] == ["unchanged"]
    # other content under the same name replaces the document only when asked to
    changed = letter_pdf("Kamerbrief over zonneparken op landbouwgrond", SOLAR_PAGES + [["Een extra pagina."]])
    again = client.post("/api/documents", files=[("files", ("zonneparken.pdf", changed, "application/pdf"))]).json()
    assert [x["status"] for x in again] == ["failed"]
    assert f"already indexed (id {doc_id})" in again[0]["reason"] and "replace=true" in again[0]["reason"]
    assert client.get(f"/files/{doc_id}").content == pdf
    again = client.post("/api/documents", files=[("files", ("zonneparken.pdf", changed, "application/pdf"))],
                        data={"replace": "true"}).json()
    assert [(x["status"], x["id"]) for x in again] == [("replaced", doc_id)]
    assert client.get(f"/files/{doc_id}").content == changed

    r = client.delete(f"/api/documents/{doc_id}")
    assert r.status_code == 200 and r.json() == {"id": doc_id, "status": "removed"}
    assert [d["id"] for d in client.get("/api/documents").json()] == [SEED_ID]
    a = client.post("/api/ask", json={"question": "Wat is de zonneladder voor zonneparken op landbouwgrond?"}).json()
    assert all(h["document"]["id"] != doc_id for h in a["hits"])
    assert client.delete(f"/api/documents/{doc_id}").status_code == 404
    assert client.get(f"/files/{doc_id}").status_code == 404


def test_upload_several_with_failures(writable):
    client, assistant, index_dir = writable
    files = [
        ("files", ("notitie.txt", "Het kabinet investeert in dijkversterking langs de grote rivieren.\n" * 3,
                   "text/plain")),
        ("files", ("scan.pdf", os.urandom(3000), "application/pdf")),  # binary, named .pdf
        ("files", ("brief.docx", b"PK\x03\x04" + b"\x00" * 100, "application/octet-stream")),  # a broken ZIP
        ("files", ("brief.rtf", b"{\\rtf1 tekst}", "application/rtf")),
        ("files", ("leeg.txt", b"", "text/plain")),
        ("files", ("latin1.txt", "Financiën en überhaupt".encode("latin-1") * 20, "text/plain")),
    ]
    r = client.post("/api/documents", files=files)
    assert r.status_code == 200, r.text
    out = {x["file"]: x for x in r.json()}
    assert [x["file"] for x in r.json()] == ["notitie.txt", "scan.pdf", "brief.docx", "brief.rtf", "leeg.txt",
                                             "latin1.txt"]
    assert out["notitie.txt"]["status"] == "added"
    assert out["scan.pdf"]["status"] == "failed"
    assert "not a PDF" in out["scan.pdf"]["reason"] and "%PDF" in out["scan.pdf"]["reason"]
    assert out["brief.docx"]["status"] == "failed" and "ZIP" in out["brief.docx"]["reason"], out["brief.docx"]
    assert out["brief.rtf"]["status"] == "failed" and "unsupported file type '.rtf'" in out["brief.rtf"]["reason"]
    assert out["leeg.txt"]["status"] == "failed" and "empty" in out["leeg.txt"]["reason"]
    assert out["latin1.txt"]["status"] == "failed" and "UTF-8" in out["latin1.txt"]["reason"]
    assert sorted(d["id"] for d in client.get("/api/documents").json()) == sorted([SEED_ID, out["notitie.txt"]["id"]])


@pytest.mark.parametrize(
    "name, stored",
    [
        ("../../escaped.txt", "escaped.txt"),
        ("/etc/cron.d/escaped.txt", "escaped.txt"),
        ("..\\..\\windows\\escaped.txt", "escaped.txt"),
        ("\u202eevil\u200bname.txt", "evilname.txt"),
        ("<b>escaped</b>.txt", "b_.txt"),
        ("....txt", "txt"),
    ],
)
def test_upload_path_traversal_names_are_stored_safely(writable, tmp_path, name, stored):
    client, assistant, index_dir = writable
    body = "De minister beantwoordt vragen over de bescherming van het grondwater bij drinkwaterwinning.\n"
    r = client.post("/api/documents", files=[("files", (name, body.encode(), "text/plain"))])
    assert r.status_code == 200, r.text
    [res] = r.json()
    if stored == "txt":  # nothing left of the name but its ending: refused, and nothing written
        assert res["status"] == "failed" and "file type" in res["reason"]
        return
    assert res["status"] == "added", res
    assert res["file"] == stored
    doc = next(d for d in client.get("/api/documents").json() if d["id"] == res["id"])
    assert doc["source"] == stored
    # the copy lies inside the index folder; nothing was written beside or above it
    files = [p for p in index_dir.rglob("*") if p.is_file() and p.name.startswith(("escaped", "evil", "b"))]
    assert files and all(index_dir.resolve() in p.resolve().parents for p in files)
    for folder in (index_dir.parent, index_dir.parent.parent, Path("/etc/cron.d")):
        assert not (folder / "escaped.txt").exists()
    assert not any((index_dir / "uploads").iterdir())  # upload folders are cleaned up


def test_upload_sidecar_sets_metadata(writable):
    client, assistant, index_dir = writable
    text = "Het kabinet reageert op het advies over de woningbouw in de Randstad en de bouw van huizen.\n"
    meta = b'{"title": "Kabinetsreactie woningbouw", "date": "2025-03-14", "kamerstuk": "32 847, nr. 1200"}'
    r = client.post("/api/documents", files=[("files", ("woningbouw.txt", text.encode(), "text/plain")),
                                             ("files", ("woningbouw.txt.meta.json", meta, "application/json"))])
    assert r.status_code == 200, r.text
    [res] = r.json()
    assert res["status"] == "added"
    doc = next(d for d in client.get("/api/documents").json() if d["id"] == res["id"])
    assert (doc["title"], doc["date"], doc["kamerstuk"]) == ("Kabinetsreactie woningbouw", "2025-03-14",
                                                            "32 847, nr. 1200")
    lone = client.post("/api/documents", files=[("files", ("other.meta.json", meta, "application/json"))]).json()
    assert lone[0]["status"] == "failed" and "sidecar" in lone[0]["reason"]


def test_upload_bad_requests(writable):
    client, assistant, index_dir = writable
    r = client.post("/api/documents", json={"files": ["x"]})
    assert r.status_code == 415 and r.json()["field"] == "files"
    r = client.post("/api/documents", files=[("file", ("a.txt", b"text", "text/plain"))])
    assert r.status_code == 422 and "named 'files'" in r.json()["error"]
    r = client.post("/api/documents", data={"files": "not a file"}, files=[("other", ("a.txt", b"x", "text/plain"))])
    assert r.status_code == 422 and "file upload" in r.json()["error"]


def test_upload_size_limits(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder):
    # max_file_mb=0.01: files over 10 KB fail; a request over 4 files' worth (+1 MB) is refused whole
    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder, max_file_mb=0.01) as (url, a):
        with httpx.Client(base_url=url, timeout=60) as client:
            big = ("Het kabinet investeert in de waterveiligheid van Nederland. " * 400).encode()
            r = client.post("/api/documents", files=[("files", ("groot.txt", big, "text/plain"))])
            assert r.status_code == 200, r.text
            assert r.json()[0]["status"] == "failed" and "limit of 0.01 MB" in r.json()[0]["reason"]
            huge = b"x" * (2 * 1024 * 1024)
            r = client.post("/api/documents", files=[("files", ("huge.txt", huge, "text/plain"))])
            assert r.status_code == 413 and r.json()["field"] == "files"
            # without a Content-Length (chunked), the body is counted as it arrives
            boundary = "----pla-test"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"huge.txt\"\r\n"
                    f"Content-Type: text/plain\r\n\r\n").encode() + huge + f"\r\n--{boundary}--\r\n".encode()
            chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
            r = client.post("/api/documents", content=chunks,
                            headers={"content-type": f"multipart/form-data; boundary={boundary}"})
            assert r.status_code == 413 and "larger than" in r.json()["error"]
            assert [d["id"] for d in client.get("/api/documents").json()] == [SEED_ID]
            assert not any((Path(a.settings.index_dir) / "uploads").glob("*/*"))


# -- login ---------------------------------------------------------------------------------------


def test_auth(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder):
    with app_server(tmp_path, hashing_seed_dir, settings_factory, hashing_embedder, auth="ann:s3cret:x") as (url, a):
        with httpx.Client(base_url=url, timeout=60) as anon:
            assert anon.get("/healthz").status_code == 200
            for method, path in [("GET", "/api/documents"), ("POST", "/api/ask"), ("DELETE", f"/api/documents/{SEED_ID}"),
                                 ("GET", f"/files/{SEED_ID}"), ("GET", "/api/passages/1"), ("GET", "/api/nothing")]:
                r = anon.request(method, path, json={"question": "x"} if method == "POST" else None)
                assert r.status_code == 401, (method, path, r.status_code)
                assert r.headers["www-authenticate"].startswith("Basic ")
                assert "authentication required" in r.json()["error"]
            assert anon.get("/api/documents", auth=("ann", "wrong")).status_code == 401
            assert anon.get("/api/documents", auth=("bob", "s3cret:x")).status_code == 401
            assert anon.get("/api/documents", headers={"authorization": "Basic !!!"}).status_code == 401
            # the chat has Gradio's own login
            assert anon.get("/gradio_api/login_check").status_code == 401
        with httpx.Client(base_url=url, timeout=60, auth=("ann", "s3cret:x")) as user:
            assert user.get("/api/documents").status_code == 200
            r = user.post("/api/ask", json={"question": CSDDD})
            assert r.status_code == 200 and r.json()["hits"][0]["page"] == 7
            assert user.get(f"/files/{SEED_ID}").status_code == 200
        # after logging in to the chat, its links to /files/ work with the session cookie
        with httpx.Client(base_url=url, timeout=60) as browser:
            r = browser.post("/login", data={"username": "ann", "password": "s3cret:x"})
            assert r.status_code == 200, r.text
            assert browser.get("/gradio_api/login_check").status_code == 200
            assert browser.get(f"/files/{SEED_ID}").status_code == 200
            assert browser.get("/api/documents").status_code == 200


def test_auth_parsing():
    from assistant.types import AssistantError
    from assistant.web.auth import parse_auth

    assert parse_auth(None) is None and parse_auth("") is None
    assert parse_auth("ann:pa:ss") == ("ann", "pa:ss")
    for bad in ("annpass", ":pass", "ann:"):
        with pytest.raises(AssistantError):
            parse_auth(bad)


# -- `assistant serve` ---------------------------------------------------------------------------


def test_serve_refuses_a_busy_port_at_once(cli_env, tmp_path):
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        t = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port),
                            "--index", str(tmp_path / "index")], capture_output=True, text=True, env=cli_env,
                           timeout=120)
    assert r.returncode == 1
    assert f"error: cannot listen on 127.0.0.1:{port}" in r.stderr and "--port" in r.stderr
    assert time.monotonic() - t < 30  # refused before any model or index work
    assert not (tmp_path / "index").exists()


def test_serve_bad_login_setting(cli_env, tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--port", str(free_port()),
                        "--index", str(tmp_path / "index")], capture_output=True, text=True,
                       env={**cli_env, "ASSISTANT_AUTH": "no-colon"}, timeout=120)
    assert r.returncode == 1 and "USER:PASSWORD" in r.stderr


@pytest.mark.slow
def test_serve_subprocess_with_login(real_cli_env, tmp_path, seed_index_dir):
    import signal
    import subprocess
    import sys

    idx = tmp_path / "index"
    shutil.copytree(seed_index_dir, idx)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), "--index", str(idx)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**real_cli_env, "ASSISTANT_AUTH": "ann:pw"})
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not come up"
            time.sleep(0.2)
        assert httpx.post(url + "/api/ask", json={"question": CSDDD}).status_code == 401
        # on 127.0.0.1 it answers only to localhost names (DNS rebinding)
        assert httpx.get(url + "/healthz", headers={"host": f"rebound.example:{port}"}).status_code == 400
        r = httpx.post(url + "/api/ask", json={"question": CSDDD}, auth=("ann", "pw"), timeout=60)
        assert r.status_code == 200 and r.json()["hits"][0]["page"] == 7
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "Ready in" in out and f":{port}/" in out and "login required" in out
    # the default re-rank's graph is loaded before the server says it is ready
    assert "re-ranked by word alignment" in out and out.index("re-ranked by word alignment") < out.index("Ready in")


# -- concurrency ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_questions_answered_while_ingesting(writable):
    # three letters in one upload: questions arrive before, between and after their commits
    client, assistant, index_dir = writable
    pdfs = []
    for n, topic in enumerate(["netcongestie", "grondwater", "laadpalen"], 1):
        pages = [[f"Pagina {i}: het kabinet bespreekt {topic} en de gevolgen daarvan in regio {i} van het land.",
                  f"De minister wil maatregelen rond {topic} versnellen en overlegt daarover met de provincies.",
                  "Daarnaast onderzoekt het kabinet welke wetgeving daarvoor moet worden aangepast."] * 4
                 for i in range(1, 16)]
        pdfs.append(("files", (f"{topic}.pdf", letter_pdf(f"Kamerbrief over {topic}", pages), "application/pdf")))
    upload: dict = {}

    def do_upload():
        with httpx.Client(base_url=str(client.base_url), timeout=300) as c:
            upload["response"] = c.post("/api/documents", files=pdfs)

    questions = [CSDDD, "Hoeveel personen zijn in Wit-Rusland door de EU gesanctioneerd?",
                 "Which organisation organises dialogues between diplomats and human rights defenders?",
                 "wat zegt het kabinet over netcongestie?"]
    statuses: list[int] = []
    during: list[bool] = []
    lock = threading.Lock()

    def ask(n: int):
        with httpx.Client(base_url=str(client.base_url), timeout=120) as c:
            for i in range(6):
                r = c.post("/api/ask", json={"question": questions[(n + i) % len(questions)]})
                with lock:
                    statuses.append(r.status_code)
                    during.append(t.is_alive())
                    if r.status_code == 200 and "netcongestie" not in r.json()["query"]:
                        assert r.json()["hits"], r.json()

    t = threading.Thread(target=do_upload)
    t.start()
    askers = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for a in askers:
        a.start()
    for a in askers:
        a.join(timeout=300)
    t.join(timeout=300)
    assert statuses == [200] * 24
    assert any(during), "no question was answered while the upload was being ingested"
    res = upload["response"]
    assert res.status_code == 200 and [x["status"] for x in res.json()] == ["added"] * 3
    docs = client.get("/api/documents").json()
    assert sorted(d["id"] for d in docs) == sorted([SEED_ID] + [x["id"] for x in res.json()])
    assert client.get("/healthz").json()["passages"] == sum(d["passages"] for d in docs)
    a = client.post("/api/ask", json={"question": "wat zegt het kabinet over netcongestie?"}).json()
    assert a["hits"][0]["document"]["id"] == res.json()[0]["id"]


# -- pure helpers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, safe",
    [
        ("brief.pdf", "brief.pdf"),
        ("../../x.pdf", "x.pdf"),
        ("/abs/path/y.txt", "y.txt"),
        ("C:\\Users\\me\\z.md", "z.md"),
        ("Kamerbrief Financiën 2025.pdf", "Kamerbrief Financiën 2025.pdf"),
        ("a\u202egnp.pdf", "agnp.pdf"),
        ("tab\tand\nnewline.txt", "tab and newline.txt"),
        ("-rf .txt", "rf .txt"),
        ("\u00a0nbsp\u00a0name.md", "nbsp name.md"),
        ("..", "document"),
        ("", "document"),
        ("ｆｕｌｌｗｉｄｔｈ.pdf", "fullwidth.pdf"),
        ("x" * 300 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_safe_filename(raw, safe):
    from assistant.web.uploads import safe_filename

    assert safe_filename(raw) == safe


def test_render_answer_escapes_everything():
    from assistant.citation import citation
    from assistant.present import NO_ANSWER
    from assistant.types import Answer, DocumentInfo, Hit
    from assistant.web.render import render_answer

    nasty = '<script>alert(1)</script> <img src=x onerror="alert(2)"> **bold** # kop [l](http://x) $a$ `c`'
    doc = DocumentInfo(id='d"><b>', source="x.pdf", title="<b>Titel</b>", date=None, kamerstuk=None,
                       kenmerk=None, kind=None, pages=1, passages=1)
    hit = Hit(rank=1, score=0.5, passage_id=1, text=nasty, page=1, page_end=1, section="<i>s</i>",
              footnotes=["1 <u>noot</u>"], document=doc, highlights=[(0, 8), (9, 500)], weak=True)
    hit.citation = citation(hit)
    out = render_answer(Answer(query="q", answer_found=False, hits=[hit], language="nl"))
    for raw in ("<script", "<img", "<b>", "<i>", "<u>", "**", "[l]", "$a$", "`c`", "# kop", "\n"):
        assert raw not in out, raw
    assert "&#60;script&#62;" in out and "onerror&#61;" in out
    import html

    assert '<p class="pla-noanswer">' in out and NO_ANSWER["nl"] in html.unescape(out)
    assert out.count('<mark class="pla-ev">') == 2 and "zwakke overeenkomst" in out


def test_the_chat_handlers_without_a_server(hashing_assistant):
    """The chat's handlers are plain functions of the assistant and their inputs."""
    from assistant.web import chat

    question, messages, history = chat.respond(hashing_assistant, "  Wat zegt het kabinet over de CS3D?  ", [], [],
                                               [], "", "", 3)
    assert question == "" and history == ["Wat zegt het kabinet over de CS3D?"]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    assert messages[1]["content"].startswith('<div class="pla-answer ') and messages[1]["content"].count(
        '<li class="pla-hit') == 3
    # refusals read as the API words them, in the chat
    import html

    refused = chat.answer_html(hashing_assistant, "x", [], [], "12-05-2025", "", None)
    assert "date_from must be a date written YYYY-MM-DD" in html.unescape(refused) and "pla-error" in refused
    unknown = chat.answer_html(hashing_assistant, "x", [], ["no-such-letter"], "", "", None)
    assert "documents: no document with id 'no-such-letter'" in html.unescape(unknown)
    table, doc_filter, remove_choice, summary = chat.refresh(hashing_assistant, [SEED_ID, "gone"])
    assert table["value"][0][-1] == SEED_ID and doc_filter["value"] == [SEED_ID] and remove_choice["value"] == []
    assert summary == "1 document, 29 passages indexed."
    assert chat.remove(hashing_assistant, []) == "Choose a document to remove first."
    assert chat.remove(hashing_assistant, [SEED_ID, "gone"]) == f"removed: {SEED_ID}\nfailed: gone: no such document"
    assert chat.corpus_summary(chat.current_documents(hashing_assistant)) == "0 documents, 0 passages indexed."
