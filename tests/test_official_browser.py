"""The Corpus tab's "Add by identifier or URL" field and "Follow dossier" action in headless Chromium,
with the official services' base URLs pointed at the local stand-in (the browser fixtures of
test_browser.py, on a server of this module)."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import needs_shared
from tests.test_browser import ask, chat, pytestmark as browser_marks  # noqa: F401 - fixtures (chrome: conftest)
from tests.test_official import KST, OFFICIAL
from tests.test_web_api import served

pytestmark = [*browser_marks, needs_shared]
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="module")
def base_url(tmp_path_factory, seed_index_dir, settings_factory, embedder):
    from assistant.core import Assistant
    from assistant.web import create_app
    from tests.standin import StandIn

    d = tmp_path_factory.mktemp("official-browser") / "index"
    shutil.copytree(seed_index_dir, d)
    with StandIn(OFFICIAL) as stand:
        settings = settings_factory(d, koop_url=stand.url, tk_url=stand.url, http_retries=0)
        with served(create_app(Assistant(settings, embedder=embedder))) as url:
            yield url


def test_fetch_by_identifier_and_follow_a_dossier(chat):
    page = chat
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#fetch-ids textarea").fill(f"https://zoek.officielebekendmakingen.nl/{KST}.html\nkst-36450")
    page.locator("#fetch").click()
    expect(page.locator("#fetch-results textarea")).to_have_value(re.compile(
        rf"^added: {KST} \(1 pages, 2 passages\)\nfailed: kst-36450: .*not a well-formed identifier"))
    expect(page.locator("#documents")).to_contain_text("Motie van de leden Inge van Dijk en Grinwis")
    page.locator("#follow-dossier textarea").fill("32545")
    page.locator("#follow").click()
    expect(page.locator("#follow-results textarea")).to_have_value(re.compile(
        rf"^following dossier 32545\nunchanged: {KST} .*\nfailed: kst-32545-144: "))
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, "Wie hebben de motie over het grensspaarsaldo ingediend?")
    expect(answer.locator(".pla-hit").first.locator(".pla-cite-text")).to_contain_text(
        "Kamerstuk 32 545, nr. 143, 6 juli 2021, p. 1")
