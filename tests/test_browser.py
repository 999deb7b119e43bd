"""The browsing interface in a real browser: Playwright driving Debian's Chromium (`make test` installs it).

Screenshots are written to tests/artifacts/ (the README shows copies of some).
"""

from __future__ import annotations

import re

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Debian's chromium is not installed (`make test` installs it)")
# As the machine's closed network needs: no background connections, no component updates.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    opened = context.new_page()
    problems: list[str] = []
    # Any script error or Content-Security-Policy violation shows up here.
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    assert problems == []


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def test_autocomplete_to_concept_hierarchy_and_english(server, page):
    page.goto(server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator(".cards > li").count() == 16
    shot(page, "home")
    box = page.get_by_role("combobox", name="Rechercher un terme")
    box.press_sequentially("epee", delay=40)
    listbox = page.get_by_role("listbox")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    choice = page.get_by_role("option").filter(has=page.locator(".badge", has_text="deno")).filter(
        has_text="épée").first
    choice.wait_for()
    assert "épée" in page.get_by_role("option").first.inner_text()
    shot(page, "autocomplete")
    choice.click()
    page.wait_for_url("**/deno/**")
    assert page.get_by_role("heading", level=1).inner_text() == "épée"
    assert page.get_by_text(f"{server.get('/health').json()['base_uri']}deno/", exact=False).count() >= 1
    # The hierarchy beside the page: expand the concept itself, its narrower concepts load.
    tree = page.get_by_role("tree")
    item = tree.get_by_role("treeitem", name="épée", exact=True)
    assert item.get_attribute("aria-expanded") == "false"
    tree.locator(".toggle").first.click()
    tree.get_by_role("treeitem", name="épée-baïonnette").wait_for()
    assert item.get_attribute("aria-expanded") == "true"
    shot(page, "concept")
    # Keyboard: one Tab stop in the tree (roving focus); ArrowLeft collapses, ArrowRight expands again.
    assert tree.locator('[role="treeitem"][tabindex="0"]').count() == 1
    item.focus()
    page.keyboard.press("ArrowLeft")
    assert item.get_attribute("aria-expanded") == "false"
    page.keyboard.press("ArrowRight")
    assert item.get_attribute("aria-expanded") == "true"
    # English.
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Hierarchy").is_visible()
    assert page.get_by_text("Narrower concepts").is_visible()
    shot(page, "concept-en")
    page.get_by_role("link", name="Vocabularies", exact=True).first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Scientific vocabularies")


def test_keyboard_autocomplete_shows_the_used_for_form(server, page):
    page.goto(server.url + "/tech")
    box = page.get_by_role("combobox")
    box.press_sequentially("toile d'ara", delay=30)
    # The answers of the shorter prefixes show first: wait for the last one (a loaded machine answers later).
    expect(page.get_by_role("option").first).to_contain_text("toile d'araignée")  # the "employé pour" form
    page.wait_for_load_state("networkidle")  # no answer still on its way to redraw the list under the keys
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile(r"."))
    active = box.get_attribute("aria-activedescendant")
    expect(page.locator(f"#{active}")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tech/**")
    assert page.get_by_role("heading", level=1).inner_text() == "fil d'araignée"


def test_vocabulary_tree_expands_lazily(server, page):
    page.goto(server.url + "/domn")
    tree = page.get_by_role("tree")
    first = tree.get_by_role("treeitem").first
    assert first.get_attribute("aria-expanded") == "false"
    before = tree.get_by_role("treeitem").count()
    first.focus()
    page.keyboard.press("ArrowRight")
    # Waited for by a locator: a polled `wait_for_function` is evaluated in the page, where the strict CSP (no
    # eval) refuses it once the answer is slow enough to need a second look.
    expect(tree.get_by_role("treeitem").nth(before)).to_be_attached()
    expect(first).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.getAttribute('aria-level')")
    assert focused == "2"
    shot(page, "vocabulary-tree")


def test_autr_alphabetical_index_pages(server, page):
    page.goto(server.url + "/autr")
    page.get_by_role("navigation", name="Lettres").get_by_role("link", name="B", exact=True).click()
    page.wait_for_url("**letter=B**")
    entries = page.locator("ul.terms li")
    first_page = entries.all_inner_texts()
    assert len(first_page) == 100
    pager = page.get_by_role("navigation", name="Index alphabétique — Page 1 sur")
    assert pager.count() == 1
    pager.get_by_role("link", name="Suivant").click()
    page.wait_for_url("**page=2**")
    second_page = page.locator("ul.terms li").all_inner_texts()
    assert len(second_page) == 100 and second_page[0] != first_page[0]
    shot(page, "autr-index")


def test_search_results_page(server, page):
    page.goto(server.url + "/search?q=epee")
    results = page.locator("ol.results > li")
    assert results.count() >= 5
    page.get_by_label("Vocabulaire", exact=True).select_option("deno")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**vocab=deno**")
    assert all("deno" in text for text in page.locator("ol.results > li .badge").all_inner_texts())
    shot(page, "search")


def test_english_interface_still_completes_french_labels(server, page):
    # The interface's language chooses how labels are shown, never which labels match.
    page.goto(server.url + "/?lang=en")
    box = page.get_by_role("combobox").first
    box.press_sequentially("epee", delay=30)
    expect(page.get_by_role("listbox")).to_contain_text("épée")  # once the answer to the whole word is in


def test_a_multilingual_thesaurus_in_its_own_languages(tmp_path, page):
    from .conftest import BASE, Server, cli
    from .test_multilingual import THESAURUS

    source = tmp_path / "unesco-like.ttl"
    source.write_text(THESAURUS, encoding="utf-8")
    assert cli("load", "--as", "multi", str(source), data_dir=tmp_path / "store").returncode == 0
    srv = Server(tmp_path / "store", BASE, env={"VOCABSERVER_SPARQL_WORKERS": "1"})
    try:
        page.goto(srv.url + "/multi")
        page.get_by_role("navigation", name="Langue des libellés").get_by_role("link", name="العربية").click()
        page.wait_for_url("**clang=ar**")
        tree = page.get_by_role("tree")
        top = tree.get_by_role("treeitem", name="التربية")
        assert top.get_attribute("dir") == "rtl"
        tree.locator(".toggle").first.click()  # children fetched by the script, in Arabic, marked rtl
        child = tree.get_by_role("treeitem", name="المدارس")
        child.wait_for()
        assert child.get_attribute("dir") == "rtl" and child.get_attribute("lang") == "ar"
        box = page.get_by_role("combobox")
        box.press_sequentially("المتا", delay=30)
        option = page.get_by_role("option").first
        option.wait_for()
        assert option.locator(".hit-label").get_attribute("dir") == "rtl"
        shot(page, "multilingual-ar")
        option.click()
        page.wait_for_url("**clang=ar**")
        assert page.get_by_role("heading", level=1).inner_text() == "المتاحف"
        # Spanish chosen: a French word is no longer completed.
        page.goto(srv.url + "/multi?clang=es")
        box = page.get_by_role("combobox")
        box.press_sequentially("muse", delay=30)
        page.get_by_role("option").first.wait_for()
        assert page.get_by_role("listbox").inner_text().startswith("Museos")
    finally:
        srv.stop()
