"""The reconciliation preview card in a real browser (Playwright driving Debian's Chromium) against the real
server, as OpenRefine shows it in a frame: the label, its notation and broader path, no console error, no CSP
violation. The screenshot is the README's."""

from __future__ import annotations

import shutil

import pytest
import requests
from playwright.sync_api import expect

from .test_browser import CHROMIUM, browser, page, shot  # noqa: F401 - the same browser and checks

pytestmark = pytest.mark.skipif(not shutil.os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")


def test_the_preview_card(server, page):
    found = requests.post(server.url + "/reconcile/deno", timeout=30,
                          data={"queries": '{"q0": {"query": "statuette"}}'}).json()["q0"]["result"][0]
    page.set_viewport_size({"width": 400, "height": 120})
    page.goto(server.url + "/reconcile/deno/preview?id=" + requests.utils.quote(found["id"], safe=""))
    expect(page.locator("h1")).to_have_text("statuette")
    expect(page.locator("p.v").first).to_contain_text("Dénominations — statue")
    shot(page, "reconcile-preview")
