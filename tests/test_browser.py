"""End to end in headless Chromium: the chat, uploads, removal, no-answer, and escaping.

Uses Debian's /usr/bin/chromium through Playwright's own driver (never
`playwright install`); skipped when either is missing. One server on a copy of
the seed index serves the whole module; each test gets a fresh page and checks
that the page fetched nothing from outside 127.0.0.1.

    ASSISTANT_SCREENSHOT=docs/screenshot.png pytest tests/test_browser.py -k csddd
saves the chatbot with the CSDDD answer.
"""
from __future__ import annotations

import os
import re
import shutil
from urllib.parse import urlparse

import pytest

from tests.conftest import CHROMIUM, NO_CHROMIUM
from tests.pdfgen import make_pdf
from tests.test_web_api import SEED_ID, served

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM),
]
sync_api = pytest.importorskip("playwright.sync_api", reason=NO_CHROMIUM)
expect = sync_api.expect
expect.set_options(timeout=30_000)  # a busy CI machine answers slowly; every wait is on a visible result

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, seed_index_dir, settings_factory, embedder):
    from assistant.core import Assistant
    from assistant.web import create_app

    d = tmp_path_factory.mktemp("browser") / "index"
    shutil.copytree(seed_index_dir, d)
    app = create_app(Assistant(settings_factory(d), embedder=embedder))
    with served(app) as url:
        yield url


@pytest.fixture
def chat(chrome, base_url):
    ctx = chrome.new_context(viewport={"width": 1200, "height": 1000}, base_url=base_url)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    pg = ctx.new_page()
    pg.set_default_timeout(TIMEOUT)
    outside: list[str] = []
    pg.on("request", lambda r: outside.append(r.url)
          if urlparse(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith(("data:", "blob:")) else None)
    pg.goto("/")
    expect(pg.locator("#question textarea")).to_be_visible()
    yield pg
    assert outside == [], f"the page fetched from outside: {outside}"
    ctx.close()


def ask(page, question: str):
    """Ask in the chat; returns the locator of the new answer."""
    n = page.get_by_test_id("bot").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    answer = page.get_by_test_id("bot").nth(n)
    expect(answer.locator(".pla-answer")).to_be_visible()
    return answer


def test_csddd_answer_cited_with_page_7(chat):
    page = chat
    answer = ask(page, "what did the cabinet say about CSDDD?")
    first = answer.locator(".pla-hit").first
    expect(first).to_contain_text("Corporate Sustainability Due Diligence Directive")
    expect(first.locator(".pla-cite-text")).to_contain_text("p. 7")
    expect(first.locator("mark.pla-ev").first).to_be_visible()
    expect(first.locator("a.pla-src")).to_have_attribute("href", f"/files/{SEED_ID}")
    expect(answer.locator(".pla-hit")).to_have_count(5)
    first.locator(".pla-copy").click()
    cite = first.locator(".pla-cite-text").inner_text().lstrip("— ").strip()
    page.wait_for_function("t => navigator.clipboard.readText().then(c => c === t)", arg=cite)
    first.locator("details.pla-context summary").click()
    expect(first.locator(".pla-ctx-text").first).to_be_visible()
    shot = os.environ.get("ASSISTANT_SCREENSHOT")
    if shot:
        first.locator("details.pla-context summary").click()  # closed again: the quote is the point
        page.set_viewport_size({"width": 1280, "height": 1100})
        page.mouse.move(0, 0)
        page.wait_for_timeout(500)
        page.locator("#chatbot").evaluate(
            "el => el.querySelectorAll('*').forEach(e => { if (e.scrollHeight > e.clientHeight + 4) e.scrollTop = 0; })")
        page.wait_for_timeout(300)
        page.locator("#chatbot").screenshot(path=shot)


def test_follow_up_uses_the_conversation(chat):
    page = chat
    ask(page, "Hoeveel personen zijn in Rusland door de EU gesanctioneerd?")
    answer = ask(page, "en in Wit-Rusland?")
    expect(answer.locator(".pla-rewritten")).to_contain_text("Rusland door de EU gesanctioneerd")
    expect(answer.locator(".pla-hit").first).to_contain_text("310 personen")


def test_unanswerable_question_says_so(chat):
    page = chat
    from assistant.present import NO_ANSWER

    # off-topic for the seed letter (civic space, human rights); its best passage shares none of its words
    answer = ask(page, "Does the cabinet want to abolish daylight saving time?")
    expect(answer.locator(".pla-noanswer")).to_have_text(NO_ANSWER["en"])
    expect(answer.locator(".pla-answer.pla-notfound")).to_be_visible()
    expect(answer.locator(".pla-weak-tag").first).to_have_text("weak match")


SOLAR = [
    ["Kamerbrief over zonneparken op landbouwgrond", "", "Geachte voorzitter,", "",
     "Hierbij informeer ik u over het beleid voor zonneparken op landbouwgrond. In de afgelopen jaren",
     "zijn veel zonneparken aangelegd op vruchtbare grond in het landelijk gebied. Gemeenten en",
     "provincies hebben de Kamer gevraagd om duidelijke regels, omdat boeren, omwonenden en",
     "ontwikkelaars verschillende belangen hebben. Het kabinet wil de bouw van zonneparken op",
     "vruchtbare landbouwgrond beperken en tegelijk de doelen voor hernieuwbare elektriciteit halen."],
    ["Het kabinet stelt een zonneladder vast: eerst daken, dan restgronden en pas daarna",
     "landbouwgrond. Provincies moeten de zonneladder toepassen bij elke vergunning voor",
     "een zonnepark groter dan vijf hectare. Zo blijft vruchtbare grond beschikbaar voor",
     "de voedselproductie. Een gemeente die toch een zonnepark op landbouwgrond wil toestaan,",
     "moet aantonen dat er in de regio geen geschikte daken of restgronden meer beschikbaar zijn."],
]


def test_upload_ask_and_remove(chat, tmp_path):
    page = chat
    pdf = tmp_path / "zonneparken.pdf"
    pdf.write_bytes(make_pdf(SOLAR))
    bad = tmp_path / "kapot.pdf"
    bad.write_bytes(b"this is not a PDF at all\n" * 10)
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type=file]").set_input_files([str(pdf), str(bad)])
    expect(page.locator("#upload")).to_contain_text("kapot")
    page.locator("#add").click()
    results = page.locator("#upload-results textarea")
    expect(results).to_have_value(re.compile(r"^added: zonneparken\.pdf \(2 pages, \d+ passages\)\n"
                                             r"failed: kapot\.pdf: is not a PDF", re.M))
    expect(page.locator("#documents")).to_contain_text("Kamerbrief over zonneparken op landbouwgrond")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "What is the solar ladder for solar parks on farmland?")
    first = answer.locator(".pla-hit").first
    expect(first).to_contain_text("zonneladder")
    expect(first.locator(".pla-cite-text")).to_contain_text("Kamerbrief over zonneparken op landbouwgrond")
    expect(first.locator("a.pla-src")).to_have_attribute("href", "/files/zonneparken#page=2")
    # the link opens the stored PDF inline
    resp = page.request.get("/files/zonneparken")
    assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"

    page.get_by_role("tab", name="Corpus").click()
    page.locator("#remove-choice input").click()
    page.get_by_role("option", name=re.compile("zonneparken")).click()
    page.locator("#remove").click()
    expect(page.locator("#remove-results textarea")).to_have_value("removed: zonneparken")
    expect(page.locator("#documents")).not_to_contain_text("zonneparken")

    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "What is the solar ladder for solar parks on farmland?")
    expect(answer).not_to_contain_text("zonneladder")
    expect(answer.locator(".pla-hit").first.locator(".pla-cite-text")).not_to_contain_text("zonneparken")


def test_document_markup_is_shown_as_text(chat, base_url, tmp_path):
    page = chat
    import httpx

    script = "<script>window.__pwned=1</script>"
    img = '<img src=x onerror="window.__pwned=2">'
    md = "**vet** # kop [link](http://example.org/) $x^2$ `code`"
    pdf = make_pdf([[f"Brief over invoer {img}", "",
                     "Het kabinet stelt dat kwaadaardige invoer in webformulieren altijd als gegevens wordt",
                     f"behandeld. Een voorbeeld is {script} en een ander voorbeeld is",
                     f"{img} en ook opmaak zoals {md} moet letterlijk worden getoond.",
                     "De weerbaarheid van webformulieren tegen kwaadaardige invoer is van groot belang voor",
                     "de digitale overheid, aldus het kabinet in deze brief over invoer van burgers."]])
    r = httpx.post(f"{base_url}/api/documents", files=[("files", ("invoer<img src=x>.pdf", pdf, "application/pdf"))],
                   timeout=120)
    assert r.status_code == 200 and r.json()[0]["status"] == "added", r.text
    doc_id = r.json()[0]["id"]
    try:
        page.reload()
        answer = ask(page, "kwaadaardige invoer in webformulieren")
        first = answer.locator(".pla-hit").first
        expect(first.locator(".pla-quote")).to_contain_text(script)
        expect(first.locator(".pla-quote")).to_contain_text(img)
        expect(first.locator(".pla-quote")).to_contain_text(md)
        expect(first.locator(".pla-cite-text")).to_contain_text(img)
        assert answer.locator("script, img, strong, h1, code, .katex").count() == 0
        assert page.evaluate("typeof window.__pwned") == "undefined"
        page.get_by_role("tab", name="Corpus").click()
        expect(page.locator("#documents")).to_contain_text(img)
        page.locator("#remove-choice input").click()
        expect(page.get_by_role("option", name=re.compile("Brief over invoer"))).to_contain_text(img)
        assert page.evaluate("typeof window.__pwned") == "undefined"
    finally:
        httpx.delete(f"{base_url}/api/documents/{doc_id}")


def test_login_then_ask(chrome, tmp_path, seed_index_dir, settings_factory, embedder):
    from assistant.core import Assistant
    from assistant.web import create_app

    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    app = create_app(Assistant(settings_factory(d), embedder=embedder), auth=("ann", "s3cret"))
    with served(app) as url:
        ctx = chrome.new_context(viewport={"width": 1200, "height": 900}, base_url=url)
        try:
            page = ctx.new_page()
            assert page.request.get(f"/files/{SEED_ID}").status == 401
            page.goto("/")
            page.get_by_label("username").fill("ann")
            page.get_by_label("password").fill("wrong")
            page.get_by_role("button", name="Login").click()
            expect(page.get_by_text("Incorrect Credentials")).to_be_visible()
            page.get_by_label("username").fill("ann")
            page.get_by_label("password").fill("s3cret")
            page.get_by_role("button", name="Login").click()
            answer = ask(page, "what did the cabinet say about CSDDD?")
            expect(answer.locator(".pla-hit").first.locator(".pla-cite-text")).to_contain_text("p. 7")
            # the answer's links to the stored files work with the chat's login
            assert page.request.get(f"/files/{SEED_ID}").status == 200
        finally:
            ctx.close()
