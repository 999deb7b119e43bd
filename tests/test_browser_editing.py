"""The curator's and the museum's scenario in a real browser (Playwright driving Debian's Chromium) against a
real server process on a copy of the bundled vocabularies: sign in, create "statuette en bronze doré" under
"statuette" in DENO, add an altLabel, find it at once in the home page's autocompletion, move it, merge it,
revert the merge from the history page; a contributor proposes a term with a record REF, the editor accepts
it as an altLabel, the proposer sees it accepted. No console error, no CSP violation (the page fixture's)."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from .conftest import Server, cli
from .test_browser import ARTIFACTS, CHROMIUM, browser, page, shot  # noqa: F401 - the same browser and checks

pytestmark = pytest.mark.skipif(not shutil.os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
PASSWORD = "correct-horse-battery-staple"
SCREENSHOTS = ARTIFACTS.parent / "screenshots"


@pytest.fixture(scope="module")
def editing_server(loaded_dir, tmp_path_factory):
    """Its own copy of the bundled store (the scenario writes), with an editor of DENO and a museum."""
    data_dir = tmp_path_factory.mktemp("editing") / "store"
    shutil.copytree(loaded_dir, data_dir)
    for name, role, extra in (("marie", "editor", ["--vocab", "deno"]), ("musee", "contributor", [])):
        made = cli("user", "create", name, "--role", role, *extra, data_dir=data_dir,
                   env={"VOCABSERVER_PASSWORD": PASSWORD})
        assert made.returncode == 0, made.stderr
    server = Server(data_dir)
    server.wait_labels()
    yield server
    server.stop()


def _sign_in(page, server, name: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Nom d'utilisateur").fill(name)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text(f"Connecté : {name}")).to_be_visible()


def _uri(server, label: str) -> str:
    found = server.get("/api/v1/vocabularies/deno/lookup", params={"label": label}).json()
    return next(m["uri"] for m in found["matches"] if m["prefLabel"] == label)


def _keep(page, name: str) -> None:
    """A screenshot for the README's editing guide (tests/screenshots) and the artifacts."""
    shot(page, name)
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(ARTIFACTS / f"{name}.png", SCREENSHOTS / f"{name}.png")


def test_curator_edits_and_a_museum_proposes(editing_server, page, browser):
    server = editing_server
    statuette, figurine = _uri(server, "statuette"), _uri(server, "figurine")
    _sign_in(page, server, "marie")
    # Create under "statuette" from its page.
    page.goto(server.url + "/resource?uri=" + statuette)
    page.get_by_role("link", name="Nouveau concept sous celui-ci").click()
    expect(page.locator("#f-broader")).to_have_value(f"statuette <{statuette}>")
    page.locator("#f-prefLabel-fr").fill("statuette en bronze doré")
    page.locator("#f-notes-definition-fr").fill("Petite statue de bronze recouverte d'or.")
    _keep(page, "edit-new-concept")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("statuette en bronze doré")
    expect(page.get_by_role("status").filter(has_text="Enregistré")).to_be_visible()
    created = page.locator("#concept-uri").inner_text()
    # An altLabel.
    page.get_by_role("link", name="Modifier", exact=True).click()
    page.locator("#f-altLabel-fr").fill("statuette dorée")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("dl.facts")).to_contain_text("statuette dorée")
    # At once in the home page's autocompletion, by the new altLabel too.
    page.goto(server.url + "/")
    box = page.get_by_role("combobox", name="Rechercher un terme")
    box.press_sequentially("statuette dor", delay=30)
    expect(page.get_by_role("option").first).to_contain_text("statuette en bronze doré")
    page.get_by_role("option").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("statuette en bronze doré")
    # Move it under "figurine".
    page.get_by_role("link", name="Modifier", exact=True).click()
    page.locator("#f-broader").fill("")  # the parent chosen with the form's concept picker (autocompletion)
    page.locator("#pick-broader").press_sequentially("figurine", delay=30)
    page.locator(f'[role="option"][data-uri="{figurine}"]').click()
    expect(page.locator("#f-broader")).to_have_value(f"figurine <{figurine}>")
    page.locator("#f-comment").fill("déplacé sous figurine")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("nav.breadcrumb").first).to_contain_text("figurine")
    # Merge it into "statuette".
    page.get_by_role("link", name="Fusionner").click()
    page.locator("#f-into").fill(f"statuette <{statuette}>")
    page.get_by_role("button", name="Fusionner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("statuette")
    expect(page.locator("dl.facts")).to_contain_text("statuette en bronze doré")
    page.goto(server.url + "/resource?uri=" + created)
    expect(page.locator(".banner").first).to_contain_text("Concept obsolète")
    # Revert the merge from the history page.
    page.get_by_role("link", name="Historique").click()
    first = page.locator("li.change").first
    expect(first).to_contain_text("Remplacé par")
    _keep(page, "edit-history")
    first.get_by_role("button", name="Annuler cette modification").click()
    expect(page.get_by_role("status").filter(has_text="annulée")).to_be_visible()
    page.goto(server.url + "/resource?uri=" + created)
    expect(page.get_by_role("heading", level=1)).to_have_text("statuette en bronze doré")
    assert page.locator(".banner", has_text="Concept obsolète").count() == 0
    expect(page.locator("nav.breadcrumb").first).to_contain_text("figurine")

    # A museum proposes a term for a record.
    museum = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    other = museum.new_page()
    problems: list[str] = []
    other.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    other.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    _sign_in(other, server, "musee")
    other.get_by_role("link", name="Propositions").click()
    other.get_by_role("link", name="Proposer un terme").click()
    other.locator("#f-vocab").select_option("deno")
    other.locator("#f-prefLabel").fill("statuette chryséléphantine")
    other.locator("#f-broader").fill(f"statuette <{statuette}>")
    other.locator("#f-note").fill("Statuette d'or et d'ivoire.")
    other.locator("#f-record").fill("07450001234")
    other.locator("#f-museum").fill("Musée du Louvre")
    other.get_by_role("button", name="Proposer un terme").click()
    expect(other.get_by_role("status").filter(has_text="envoyée")).to_be_visible()
    expect(other.locator("td.status").first).to_have_text("en attente")
    # The editor accepts it as an altLabel of "statuette".
    page.goto(server.url + "/proposals")
    proposal = page.locator("li.proposal", has_text="statuette chryséléphantine")
    expect(proposal).to_contain_text("07450001234")
    proposal.locator("summary", has_text="Accepter comme synonyme de").click()
    proposal.get_by_label("Accepter comme synonyme de").fill(f"statuette <{statuette}>")
    _keep(page, "edit-proposals")
    proposal.get_by_role("button", name="Accepter comme synonyme de").click()
    expect(page.get_by_role("status").filter(has_text="acceptée")).to_be_visible()
    # The proposer sees it accepted.
    other.reload()
    expect(other.locator("td.status").first).to_contain_text("acceptée")
    museum.close()
    assert problems == []
    assert "statuette chryséléphantine" in server.get("/api/v1/concept", params={"uri": statuette}).json()["altLabel"]["fr"]
