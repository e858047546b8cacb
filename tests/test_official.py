"""Official publications (issue 15): identifiers, the recorded SRU/metadata/XML files as they are,
the polite HTTP client's faults, and add / dossier / follow / sync through a local stand-in
that serves ../shared/corpus-official by request path. No test reaches the internet.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SHARED, needs_shared

OFFICIAL = SHARED / "corpus-official"
FRBR = OFFICIAL / "koop" / "repository.overheid.nl" / "frbr" / "officielepublicaties"
KST = "kst-32545-143"
AH = "ah-tk-20202021-3235"
KST_PDF = "/frbr/officielepublicaties/kst/32545/kst-32545-143/1/pdf/kst-32545-143.pdf"
KST_XML = "/frbr/officielepublicaties/kst/32545/kst-32545-143/1/xml/kst-32545-143.xml"


# -- identifiers (no files needed) --------------------------------------------------------------


@pytest.mark.parametrize("given, kind, value", [
    ("kst-36450-3", "koop", "kst-36450-3"),
    ("KST-35300-x-63", "koop", "kst-35300-X-63"),
    ("Kamerstuk 36 450, nr. 3", "koop", "kst-36450-3"),
    ("Kamerstukken II 2019/20, 35 300 X, nr. 63", "koop", "kst-35300-X-63"),
    ("Aanhangsel Handelingen II 2020/21, nr. 3235", "koop", "ah-tk-20202021-3235"),
    ("ah-tk-20202021-3235", "koop", "ah-tk-20202021-3235"),
    ("blg-1007826", "koop", "blg-1007826"),
    ("https://zoek.officielebekendmakingen.nl/kst-32545-143.html", "koop", "kst-32545-143"),
    ("https://zoek.officielebekendmakingen.nl/ah-tk-20202021-3235.pdf", "koop", "ah-tk-20202021-3235"),
    ("https://repository.overheid.nl/frbr/officielepublicaties/kst/32545/kst-32545-143/1/pdf/kst-32545-143.pdf",
     "koop", "kst-32545-143"),
    ("https://www.tweedekamer.nl/kamerstukken/moties/detail?id=2025Z02986&did=2025D06779", "tk-number", "2025D06779"),
    ("https://www.tweedekamer.nl/downloads/document?id=3ccf529a-1e25-49d3-81a8-c60621884b39", "tk-id",
     "3ccf529a-1e25-49d3-81a8-c60621884b39"),
])
def test_references_are_parsed(given, kind, value):
    from assistant.official.identifiers import parse_reference

    ref = parse_reference(given)
    assert (ref.kind, ref.value) == (kind, value)


@pytest.mark.parametrize("given, says", [
    ("kst-36450", "not a well-formed identifier of the series 'kst'"),
    ("ah-tk-2021-3235", "not a well-formed identifier of the series 'ah-tk'"),
    ("brief over stikstof", "not an official identifier, citation or URL"),
    ("https://www.rijksoverheid.nl/documenten/kamerstukken/2024/01/01/brief", "is a URL of www.rijksoverheid.nl"),
    ("ftp://zoek.officielebekendmakingen.nl/kst-36450-3.pdf", "not an http(s) URL"),
    ("https://zoek.officielebekendmakingen.nl/resultaten?q=stikstof", "names no document"),
    ("https://www.tweedekamer.nl/kamerstukken/moties", "without a document number"),
])
def test_bad_references_are_named(given, says):
    from assistant.official.identifiers import ReferenceError, parse_reference

    with pytest.raises(ReferenceError) as e:
        parse_reference(given)
    assert given in str(e.value) and says in str(e.value)


def test_dossier_numbers():
    from assistant.official.identifiers import ReferenceError, parse_dossier

    assert parse_dossier("36 450") == "36450" and parse_dossier("35300-x") == "35300-X"
    with pytest.raises(ReferenceError, match="not a dossier number"):
        parse_dossier("kst-36450-3")


# -- the recorded files as they are ---------------------------------------------------------


@needs_shared
def test_sru_file_is_read_as_recorded():
    """The edited fixture: 5 records although numberOfRecords says 3, mock-host URLs, a broken
    URL (blg-1025203) and a record whose files belong to another document (kst-32545-144)."""
    from assistant.official.http import HttpClient
    from assistant.official.koop import Koop, parse_sru
    from assistant.types import AssistantError

    page = parse_sru((OFFICIAL / "koop/sru/sru-plooi-integration-testdata.xml").read_bytes())
    assert page.total == 3 and page.next_position is None
    assert [r.identifier for r in page.records] == [KST, AH, "blg-1007826", "blg-1025203", "kst-32545-144"]
    koop = Koop("http://mirror.example", HttpClient())
    kst = page.records[0]
    assert sorted(kst.items) == ["html", "metadata", "metadataowms", "odt", "pdf", "xml"]
    assert kst.items["pdf"].startswith("http://__MOCK_SERVICE__/")
    assert koop.item_url(kst, "pdf") == "http://mirror.example" + KST_PDF
    with pytest.raises(AssistantError, match="broken address for its pdf file .*httbroken://"):
        koop.item_url(page.records[3], "pdf")
    with pytest.raises(AssistantError, match=r"lists the xml file of another document \(kst-32545-143\)"):
        koop.item_url(page.records[4], "xml")
    real = parse_sru((OFFICIAL / "koop/sru/sru-query-dt.identifier==kst-35842-4.xml").read_bytes())
    assert [r.identifier for r in real.records] == ["kst-35842-4"]
    paged = parse_sru((OFFICIAL / "koop/sru/sru-page1-staten-generaal-modified-2021-10-13.xml").read_bytes())
    assert paged.total == 76 and paged.next_position == 11 and paged.records


@needs_shared
def test_metadata_xml_is_exact():
    from assistant.official.koop import parse_metadata
    from assistant.official.layout import document_meta
    from assistant.types import AssistantError

    raw = (FRBR / "kst/32545/kst-32545-143/1/metadata/metadata.xml").read_bytes()
    meta = parse_metadata(raw, KST)
    assert (meta.dossier, meta.number, meta.session, meta.date) == ("32545", "143", "2020-2021", "2021-07-06")
    assert meta.submitters == ["I. (Inge) van Dijk", "P.A. Grinwis"] and meta.doctype == "Motie"
    assert meta.dossier_title == "Wet- en regelgeving financiële markten"
    dm = document_meta(KST, meta, ["Inge van Dijk", "Grinwis"], None)
    assert dm.kamerstuk == "32 545, nr. 143" and dm.kind == "motie"
    assert dm.official["submitters"] == ["I. (Inge) van Dijk", "P.A. Grinwis"]
    ah = parse_metadata((FRBR / "ah-tk/20202021/ah-tk-20202021-3235/1/metadata/metadata.xml").read_bytes(), AH)
    assert document_meta(AH, ah, [], None).kamerstuk == "Aanhangsel Handelingen II 2020/21, nr. 3235"
    blg = parse_metadata((FRBR / "blg/onopgemaakt/blg-1007826/1/metadata/metadata.xml").read_bytes(), "blg-1007826")
    assert document_meta("blg-1007826", blg, [], None).kamerstuk == "Bijlage bij Kamerstuk 33 037, nr. 430"
    with pytest.raises(AssistantError, match="describes kst-32545-143"):
        parse_metadata(raw, "kst-32545-144")


@needs_shared
def test_kamervragen_xml_gives_question_and_answer_passages():
    """Each question and each answer is a passage of its own, with its section, on the PDF's page."""
    from assistant.chunk import chunk_pages
    from assistant.config import Settings
    from assistant.official.koop import parse_metadata
    from assistant.official.layout import build_document

    d = FRBR / "ah-tk/20202021/ah-tk-20202021-3235/1"
    meta = parse_metadata((d / "metadata/metadata.xml").read_bytes(), AH)
    doc = build_document(AH, meta, {"xml": d / f"xml/{AH}.xml", "pdf": d / f"pdf/{AH}.pdf"}, Settings())
    assert len(doc.pages) == 3 and doc.meta.signatories == ["Koolmees"]
    passages = chunk_pages(doc.pages)
    sections = [p.section for p in passages if p.section]
    assert sections == [f"{kind} {n}" for n in range(1, 10) for kind in ("Vraag", "Antwoord")]
    by = {p.section: p for p in passages}
    assert by["Vraag 2"].text == ("Vraag 2 Kunt u toelichten waarom het rentepercentage voor de TOZO-lening op 2% "
                                  "is gesteld?")
    assert by["Antwoord 8"].text.startswith("Antwoord 8 Ja. De hoogte van de rente")
    # pages as printed: the PDF's page 2 opens with Antwoord 3, page 3 with Vraag 8
    assert (by["Vraag 3"].page, by["Antwoord 3"].page, by["Antwoord 7"].page, by["Vraag 8"].page) == (1, 2, 2, 3)


def test_xml_footnotes_headings_and_signatories_on_pages():
    """A letter's XML (written here: the recorded set has none with notes) on a two-page PDF's text."""
    from assistant.chunk import chunk_pages
    from assistant.official.layout import layout_pages
    from assistant.official.opxml import read_structure

    xml = """<officiele-publicatie><kamerstuk><stuk><algemeen><brief>
      <divisie><kop><nr>1.</nr><titel>Inleiding</titel></kop>
        <al>Het kabinet stuurt u de voortgangsrapportage over de stikstofaanpak.<noot id="n1" type="voet">
          <noot.nr>1</noot.nr><noot.al>Kamerstuk 35 334, nr. 82</noot.al></noot> De rapportage beschrijft de
          maatregelen van het afgelopen jaar en de effecten daarvan op de natuur in de provincies.</al></divisie>
      <tussenkop>Vervolg</tussenkop>
      <al>In het voorjaar volgt een nieuwe brief over de vergunningverlening aan boeren en bouwers.</al>
      <ondertekening><al>De Minister van Landbouw, Natuur en Voedselkwaliteit,</al><al>P.H. Janssen</al>
      </ondertekening></brief></algemeen></stuk></kamerstuk></officiele-publicatie>""".encode()
    blocks, signatories = read_structure(xml, "kst-1-1")
    assert signatories == ["P.H. Janssen"]
    pdf = ["1. Inleiding\nHet kabinet stuurt u de voortgangsrapportage over de stikstofaanpak.1 De rapportage "
           "beschrijft de\nmaatregelen van het afgelopen jaar\n1 Kamerstuk 35 334, nr. 82\nkst-1-1 ISSN 0921 - 7371",
           "en de effecten daarvan op de natuur in de provincies.\nVervolg\nIn het voorjaar volgt een nieuwe brief "
           "over de vergunningverlening aan boeren en bouwers.\nDe Minister van Landbouw, Natuur en "
           "Voedselkwaliteit,\nP.H. Janssen"]
    pages = layout_pages(blocks, pdf)
    assert len(pages) == 2
    assert pages[0].footnotes == {"1": "Kamerstuk 35 334, nr. 82"}
    offset, mark = pages[0].refs[0]
    assert mark == "1" and pages[0].text[offset - 12:offset + 1] == "stikstofaanpak.1"[-13:]
    assert pages[1].text.startswith("en de effecten daarvan")  # the paragraph split where the PDF page breaks
    passages = chunk_pages(pages, 5, 200)
    assert passages[0].section == "1. Inleiding" and passages[0].footnotes == ["1 Kamerstuk 35 334, nr. 82"]
    assert any(p.section == "Vervolg" and p.page == 2 for p in passages)


# -- the HTTP client's faults -----------------------------------------------------------------


@pytest.fixture(scope="module")
def standin():
    if not OFFICIAL.is_dir():
        pytest.skip(f"{OFFICIAL} is absent (the recorded responses of the official services)")
    from tests.standin import StandIn

    with StandIn(OFFICIAL) as s:
        yield s


@pytest.fixture
def stand(standin):
    standin.faults.clear()
    standin.requests.clear()
    standin.agents.clear()
    return standin


def _client(**kw):
    from assistant.official.http import HttpClient

    return HttpClient(**{"timeout_s": 5, "retries": 0, "backoff_s": 0.01, **kw})


def test_http_500_is_retried_then_reported(stand):
    from assistant.official.http import FetchError

    stand.faults[KST_PDF] = "500"
    with pytest.raises(FetchError) as e:
        _client(retries=1).get(stand.url + KST_PDF, what="the pdf")
    assert e.value.status == 500 and "HTTP 500" in str(e.value) and "after 2 attempts" in str(e.value)
    assert stand.requests.count(KST_PDF) == 2


def test_http_404_is_final(stand):
    from assistant.official.http import FetchError

    with pytest.raises(FetchError, match=r"not found \(HTTP 404\)"):
        _client(retries=3).get(stand.url + "/frbr/officielepublicaties/kst/1/kst-1-1/1/pdf/kst-1-1.pdf")
    assert len(stand.requests) == 1


def test_timeout_is_reported(stand):
    from assistant.official.http import FetchError

    stand.faults[KST_PDF] = "timeout"
    stand.hang_s = 2.0
    with pytest.raises(FetchError) as e:
        _client(timeout_s=0.3).get(stand.url + KST_PDF)
    assert e.value.kind == "timeout" and "no answer within 0.3 s" in str(e.value)


def test_truncated_body_is_caught(stand):
    from assistant.official.http import FetchError

    stand.faults[KST_PDF] = "truncated"
    with pytest.raises(FetchError) as e:
        _client().get(stand.url + KST_PDF)
    assert e.value.kind == "truncated" and "cut off" in str(e.value)


def test_fout404_redirect_is_not_found(stand):
    from assistant.official.http import FetchError

    stand.faults[KST_PDF] = "fout404"
    with pytest.raises(FetchError) as e:
        _client().get(stand.url + KST_PDF)
    assert e.value.kind == "not-found-page" and "'not found' page" in str(e.value)


def test_no_network_says_the_service_could_not_be_reached():
    from assistant.official.http import FetchError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(FetchError) as e:
        _client().get(f"http://127.0.0.1:{port}/sru")
    assert e.value.kind == "unreachable" and f"could not reach the service at 127.0.0.1:{port}" in str(e.value)


def test_one_request_at_a_time_per_host(stand):
    """Four threads with their own clients ask one host at once; the stand-in never serves two at a time."""
    import threading

    stand.faults[KST_XML] = "slow"
    stand.max_active = 0
    threads = [threading.Thread(target=lambda: _client().get(stand.url + KST_XML)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert stand.requests.count(KST_XML) == 4 and stand.max_active == 1


@pytest.mark.parametrize("body, manifestation, kind, says", [
    (b"%PDF-1.7\n1 0 obj\n", "pdf", "truncated", "cut off"),
    (b"<!DOCTYPE html><html><body>Welkom</body></html>", "pdf", "wrong-type", "is a web page, not a PDF"),
    (b"%PDF-1.7 ... %%EOF", "xml", "wrong-type", "not well-formed XML"),
    (b"<officiele-publicatie><kamerstuk>", "xml", "truncated", "not well-formed XML"),
    (b"<?xml version='1.0'?><metadata_gegevens/>", "odt", "wrong-type", "not an ODT document"),
    (b"", "pdf", "truncated", "is empty"),
])
def test_a_body_that_is_not_what_its_name_says(body, manifestation, kind, says):
    from assistant.official.http import FetchError
    from assistant.official.koop import check_body

    with pytest.raises(FetchError) as e:
        check_body(body, manifestation, "kst-1-2", "http://mirror/x")
    assert e.value.kind == kind and says in str(e.value) and "kst-1-2" in str(e.value)


def test_requests_name_the_project_and_honour_proxy_settings(stand, monkeypatch):
    """The User-Agent names the project; HTTP_PROXY is used (here: the stand-in as the proxy)."""
    from assistant.official.http import USER_AGENT

    assert USER_AGENT.startswith("policy-letter-assistant/")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    for var in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # nothing listens there
    assert _client().get(stand.url + KST_XML).body.startswith(b"<?xml")  # a local service is asked directly
    stand.requests.clear()
    monkeypatch.setenv("HTTP_PROXY", stand.url)
    monkeypatch.setenv("http_proxy", stand.url)
    resp = _client().get("http://repository.overheid.nl" + KST_XML)  # sent to the proxy, which serves it
    assert resp.body.startswith(b"<?xml") and stand.requests == ["http://repository.overheid.nl" + KST_XML]
    assert stand.agents[-1] == USER_AGENT


# -- add, dossier, follow, sync through the stand-in ---------------------------------------------


@pytest.fixture
def official(stand, tmp_path, settings_factory, embedder):
    from assistant.core import Assistant
    from assistant.official.service import OfficialService

    settings = settings_factory(tmp_path / "index", koop_url=stand.url, tk_url=stand.url, http_retries=0,
                                http_timeout_s=5.0)
    return OfficialService(Assistant(settings, embedder=embedder))


def _downloads(stand) -> list[str]:
    return [r for r in stand.requests if r.startswith(("/frbr/", "/OData/v4/2.0/DocumentPublicatie"))]


@needs_shared
def test_add_by_identifier_and_by_url(official, stand):
    results = official.add([KST, f"https://zoek.officielebekendmakingen.nl/{AH}.html"])
    assert [(r.source, r.status) for r in results] == [(KST, "added"), (AH, "added")], results
    assert results[0].line() == f"added: {KST} (1 pages, 2 passages)"
    docs = {d.id: d for d in official.assistant.documents()}
    kst = docs[KST]
    assert kst.title == ("Motie van de leden Inge van Dijk en Grinwis over het definiëren van een grensspaarsaldo "
                         "voor negatieve spaarrente")
    assert (kst.date, kst.kamerstuk, kst.kind) == ("2021-07-06", "32 545, nr. 143", "motie")
    assert kst.official["dossier_title"] == "Wet- en regelgeving financiële markten"
    assert kst.official["session"] == "2020-2021" and kst.signatories == ["Inge van Dijk", "Grinwis"]
    stored = official.assistant.index.stored_file(KST)
    assert stored is not None and stored[0].suffix == ".pdf" and stored[1] == "application/pdf"
    stand.requests.clear()
    again = official.add([KST, "Kamerstuk 32 545, nr. 143"])
    assert [r.status for r in again] == ["unchanged", "unchanged"] and stand.requests == []  # nothing downloaded


@needs_shared
def test_chat_citation_of_official_documents(official):
    from assistant.citation import citation

    official.add([KST, AH])
    answer = official.assistant.ask("Wat is het rentepercentage voor BBZ-krediet?", k=3)
    hit = next(h for h in answer.hits if h.document.id == AH)
    assert citation(hit).startswith("Antwoord op vragen van de leden Van Weyenberg, Romke de Jong en Kat over de "
                                    "Tozo, Aanhangsel Handelingen II 2020/21, nr. 3235, 21 juni 2021, p. ")
    answer = official.assistant.ask("grensspaarsaldo negatieve spaarrente", k=1)
    assert answer.hits[0].citation == ("Motie van de leden Inge van Dijk en Grinwis over het definiëren van een "
                                       "grensspaarsaldo voor negatieve spaarrente, Kamerstuk 32 545, nr. 143, "
                                       "6 juli 2021, p. 1")


@needs_shared
def test_faults_are_named_and_nothing_is_half_indexed(official, stand):
    stand.faults[KST_PDF] = "fout404"
    stand.faults["/frbr/officielepublicaties/ah-tk/20202021/ah-tk-20202021-3235/1/pdf/ah-tk-20202021-3235.pdf"] = \
        "html200"
    results = official.add([KST, AH, "kst-35842-4", "kst-36450", "https://example.org/kst-1-2.html", "blg-1025203",
                            "blg-1007826"])
    got = {r.source: r for r in results}
    assert all(r.status == "failed" for r in results), results
    assert "'not found' page" in got[KST].reason
    assert "'not found' page instead of the file" in got[AH].reason
    assert "HTTP 404" in got["kst-35842-4"].reason  # the recorded record; its files are not in the stand-in
    assert "not a well-formed identifier" in got["kst-36450"].reason
    assert "is a URL of example.org" in got["https://example.org/kst-1-2.html"].reason
    assert "broken address for its pdf" in got["blg-1025203"].reason
    assert "has no text layer" in got["blg-1007826"].reason and "--ocr" in got["blg-1007826"].reason  # a scan
    assert not official.assistant.index_exists or official.assistant.documents() == []


@needs_shared
def test_truncated_download_and_timeout_fail_the_document(official, stand):
    official.client.timeout_s = 0.5
    stand.hang_s = 2.0
    stand.faults[KST_XML] = "truncated"
    stand.faults["/frbr/officielepublicaties/ah-tk/20202021/ah-tk-20202021-3235/1/xml/ah-tk-20202021-3235.xml"] = \
        "timeout"
    got = {r.source: r for r in official.add([KST, AH])}
    assert got[KST].status == "failed" and "cut off" in got[KST].reason
    assert got[AH].status == "failed" and "no answer within 0.5 s" in got[AH].reason
    assert not official.assistant.index_exists or official.assistant.documents() == []
    stand.faults.clear()
    assert [r.status for r in official.add([KST])] == ["added"]  # a rerun fetches it whole


@needs_shared
def test_dossier_follows_the_pages(official, stand):
    """Dossier 32545 in the recorded records: two papers, one a page (the stand-in's page size)."""
    results = official.add_dossier("32 545")
    assert [(r.source, r.status) for r in results] == [(KST, "added"), ("kst-32545-144", "failed")]
    assert "files of another document" in results[1].reason or "another document" in results[1].reason
    pages = [r for r in stand.requests if r.startswith("/sru?")]
    assert len(pages) == 2 and "startRecord=2" in pages[1]


@needs_shared
def test_follow_then_sync_twice(official, stand):
    new, first = official.follow("32545")
    assert new and [r.status for r in first] == ["added", "failed"]
    stand.requests.clear()
    second = official.sync()
    assert [r.status for r in second] == ["unchanged", "failed"] and _downloads(stand) == []
    third = official.sync()
    assert not any(r.status == "added" for r in third)
    (f,) = official.followed()
    assert (f.dossier, f.documents, f.added) == ("32545", 2, 0) and list(f.failed) == ["kst-32545-144"]
    assert official.unfollow("32545") and official.followed() == [] and not official.unfollow("32545")
    assert [d.id for d in official.assistant.documents()] == [KST]  # documents stay


@needs_shared
def test_tweede_kamer_route_for_a_paper_the_repository_lacks(official, stand):
    results = official.add(["kst-19637-3384", "https://www.tweedekamer.nl/kamerstukken/moties/detail?"
                                              "id=2025Z02986&did=2025D06779"])
    assert [r.status for r in results] == ["added", "unchanged"], results
    (doc,) = official.assistant.documents()
    assert doc.kamerstuk == "19 637, nr. 3384" and doc.date == "2025-02-18"
    assert doc.official["url"].endswith("Document(3ccf529a-1e25-49d3-81a8-c60621884b39)")
    assert any(r.startswith("/OData/v4/2.0/DocumentPublicatie(dfd9c46a") for r in stand.requests)
    # a Brief regering of the recorded Document page: no version, so no official identifier
    (letter,) = official.add(["https://www.tweedekamer.nl/kamerstukken/brieven_regering/detail?id=x&did=2025D20508"])
    assert letter.status == "failed" and "has no official identifier" in letter.reason
    # kst-34104-439: the recorded Zaak lists its publications, the stand-in serves the XML only
    assert [r.status for r in official.add(["kst-34104-439"])] == ["added"]
    assert official.assistant.index.document("kst-34104-439").title == ("Motie van het lid Rikkers-Oosterkamp over "
                                                                       "afspraken over een regionaal budget")


@needs_shared
def test_rebuild_keeps_official_structure_and_metadata(official):
    official.add([AH])
    official.follows.follow("32545")
    before = official.assistant.index.document(AH)
    results = official.assistant.rebuild(log=lambda s: None)
    assert [r.status for r in results] == ["added"]
    assert [f.dossier for f in official.followed()] == ["32545"]  # the followed dossiers survive a rebuild
    after = official.assistant.index.document(AH)
    assert after.official == before.official and after.kamerstuk == before.kamerstuk
    assert after.passages == before.passages
    assert official.assistant.index.stored_file(AH)[0].suffix == ".pdf"


def test_an_index_from_before_opens_and_answers(seed_index_dir, tmp_path, settings_factory, embedder):
    """An index without the new columns (as built before this change) still opens, lists and answers."""
    import sqlite3

    from assistant.core import Assistant

    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    db = sqlite3.connect(d / "assistant.sqlite")
    db.execute("ALTER TABLE documents DROP COLUMN official")
    db.execute("ALTER TABLE pages DROP COLUMN headings")
    db.commit()
    db.close()
    a = Assistant(settings_factory(d), embedder=embedder)
    assert a.documents()[0].official is None and "official" not in a.documents()[0].to_json()
    assert a.ask("what did the cabinet say about CSDDD?").hits
    cols = {r[1] for r in sqlite3.connect(d / "assistant.sqlite").execute("PRAGMA table_info(documents)")}
    assert "official" in cols  # added by the guarded ALTER TABLE


@needs_shared
def test_cli_add_follow_sync(stand, tmp_path, cli_env):
    env = dict(cli_env, ASSISTANT_KOOP_URL=stand.url, ASSISTANT_TK_URL=stand.url, ASSISTANT_HTTP_RETRIES="0",
               ASSISTANT_INDEX=str(tmp_path / "index"))

    def run(*args):
        return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True,
                              text=True, timeout=300, cwd=ROOT)

    r = run("add", KST, "kst-36450")
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [f"added: {KST} (1 pages, 2 passages)",
                                     "failed: kst-36450: 'kst-36450' is not a well-formed identifier of the series "
                                     "'kst': expected kst-DOSSIER-NUMBER (kst-36450-3)"]
    r = run("follow", "32545", "--json")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [(x["file"], x["status"]) for x in lines] == [(KST, "unchanged"), ("kst-32545-144", "failed")]
    assert "following dossier 32545" in r.stderr
    r = run("sync")
    assert r.stdout.splitlines()[0] == f"unchanged: {KST} (1 pages, 2 passages)"
    assert "sync: 0 added, 1 unchanged, 1 failed" in r.stderr
    r = run("follow", "--list")
    assert r.returncode == 0 and r.stdout.startswith("32545  followed since ")
    assert run("unfollow", "32545").returncode == 0 and run("unfollow", "32545").returncode == 1
    assert run("add").returncode == 2
    assert (tmp_path / "index" / "followed.json").exists()
    assert os.listdir(tmp_path / "index" / ".downloads") == []  # the temporary downloads are gone
