"""The official-publication routes of the JSON API and the Corpus tab's controls, against the real
app served by uvicorn on 127.0.0.1, with the services' base URLs pointed at the local stand-in."""
from __future__ import annotations

import pytest

from tests.conftest import SHARED, needs_shared
from tests.test_official import AH, KST, OFFICIAL
from tests.test_web_api import make_assistant, served

httpx = pytest.importorskip("httpx")

pytestmark = needs_shared


@pytest.fixture(scope="module")
def api(tmp_path_factory, seed_index_dir, settings_factory, embedder):
    from assistant.web import create_app
    from tests.standin import StandIn

    if not OFFICIAL.is_dir():
        pytest.skip(f"{SHARED} is absent")
    with StandIn(OFFICIAL) as stand:
        assistant = make_assistant(tmp_path_factory.mktemp("official-web"), seed_index_dir, settings_factory,
                                   embedder, koop_url=stand.url, tk_url=stand.url, http_retries=0)
        with served(create_app(assistant)) as url:
            with httpx.Client(base_url=url, timeout=120) as client:
                yield client, stand


def test_fetch_by_ids_gives_a_result_per_document(api):
    client, stand = api
    r = client.post("/api/documents/fetch", json={"ids": [KST, f"https://zoek.officielebekendmakingen.nl/{AH}.html",
                                                          "kst-36450", "https://example.com/brief.pdf"]})
    assert r.status_code == 200, r.text
    got = [(x["file"], x["status"]) for x in r.json()]
    assert got == [(KST, "added"), (AH, "added"), ("kst-36450", "failed"), ("https://example.com/brief.pdf", "failed")]
    assert "not a well-formed identifier" in r.json()[2]["reason"]
    docs = {d["id"]: d for d in client.get("/api/documents").json()}
    assert docs[KST]["kamerstuk"] == "32 545, nr. 143" and docs[KST]["official"]["dossier"] == "32545"
    assert docs[AH]["kamerstuk"] == "Aanhangsel Handelingen II 2020/21, nr. 3235"
    answer = client.post("/api/ask", json={"question": "Wat is het rentepercentage voor BBZ-krediet?",
                                           "documents": [AH]}).json()
    assert answer["hits"][0]["citation"].startswith("Antwoord op vragen van de leden Van Weyenberg, Romke de Jong en "
                                                    "Kat over de Tozo, Aanhangsel Handelingen II 2020/21, nr. 3235, "
                                                    "21 juni 2021, p. ")
    stored = client.get(f"/files/{KST}")
    assert stored.status_code == 200 and stored.content.startswith(b"%PDF")
    again = client.post("/api/documents/fetch", json={"ids": [KST]}).json()
    assert again[0]["status"] == "unchanged"


@pytest.mark.parametrize("body, status, words", [
    ({}, 422, "ids"),
    ({"ids": []}, 422, "non-empty list"),
    ({"ids": [3]}, 422, "non-empty list"),
    ({"ids": ["kst-1-1"] * 51}, 422, "at most 50"),
])
def test_fetch_bad_requests(api, body, status, words):
    client, _ = api
    r = client.post("/api/documents/fetch", json=body)
    assert r.status_code == status and words in r.json()["error"] and r.json()["field"] == "ids"


def test_fetch_invalid_json(api):
    client, _ = api
    r = client.post("/api/documents/fetch", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]


def test_follow_dossier(api):
    client, stand = api
    r = client.post("/api/dossiers/32545/follow")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dossier"] == "32545" and body["followed"] is True
    assert {(x["file"], x["status"]) for x in body["results"]} >= {("kst-32545-144", "failed")}
    again = client.post("/api/dossiers/32%20545/follow").json()
    assert again["newly_followed"] is False and "added" not in {x["status"] for x in again["results"]}
    bad = client.post("/api/dossiers/kst-32545-143/follow")
    assert bad.status_code == 422 and bad.json()["field"] == "nr" and "not a dossier number" in bad.json()["error"]
    assert client.get("/api/dossiers/32545/follow").status_code == 405


def test_corpus_tab_has_fetch_and_follow_controls(api):
    client, _ = api
    config = client.get("/config").text
    for label in ("Add by identifier or URL", "Fetch and add", "Follow dossier"):
        assert label in config
