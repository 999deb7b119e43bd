"""The validation upload page in a real browser (Playwright driving Debian's Chromium) against the real server:
drop a file of records, read the report, download the CSV of problems. No console error, no CSP violation."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from playwright.sync_api import expect

from .test_browser import CHROMIUM, browser, page, shot  # noqa: F401 - the same browser and checks

pytestmark = pytest.mark.skipif(not shutil.os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
NOTICES = ("REF\nA0001\nDENO\nstatuete\nDOMN\npeinture ; dessin\nTECH\nclaire\n//\n"
           "REF\nA0002\nDENO\nstatuete\nLOCA\nAutun ; musée Rolin\n//\n")


def test_drop_a_file_read_the_report_download_the_csv(server, page, tmp_path):
    upload = tmp_path / "notices.txt"
    upload.write_text(NOTICES, encoding="utf-8")
    page.goto(server.url + "/")
    page.get_by_role("link", name="Valider des notices").click()
    page.get_by_label("Fichier").set_input_files(str(upload))
    page.get_by_role("button", name="Vérifier").click()
    report = page.locator("section.validation-report")
    expect(report).to_contain_text("2 notices, 6 valeurs vérifiées")
    first = report.locator("table.problems tbody tr").first
    expect(first).to_contain_text("statuete")  # the most frequent problem first: 2 records
    expect(first.locator("td").first).to_have_text("2")
    expect(first).to_contain_text("statuette")  # the suggestion, linked to its concept
    expect(report.locator("table.problems")).to_contain_text("clair")  # the preferred form of "claire"
    shot(page, "validation-report")
    with page.expect_download() as waiting:
        page.locator("#download-csv").click()
    rows = list(csv.reader(io.StringIO(open(waiting.value.path(), encoding="utf-8").read())))
    assert rows[0][:5] == ["REF", "field", "value", "part", "verdict"]
    assert {(r[0], r[2], r[4]) for r in rows[1:] if r[4] != "missing"} == {
        ("A0001", "statuete", "unknown"), ("A0002", "statuete", "unknown"), ("A0001", "claire", "non-preferred")}
    # The notices lack fields POP requires: a row each, and the report says so.
    assert ("A0002", "INV", "missing") in {(r[0], r[1], r[4]) for r in rows[1:]}
    expect(report).to_contain_text("Champs obligatoires vides")
    # The corrected copy: "claire" becomes the preferred "clair", everything else as sent.
    expect(page.locator("#download-corrected")).to_contain_text("1 valeur(s) remplacée(s)")
    with page.expect_download() as waiting:
        page.locator("#download-corrected").click()
    assert open(waiting.value.path(), encoding="utf-8").read() == NOTICES.replace("TECH\nclaire", "TECH\nclair")
