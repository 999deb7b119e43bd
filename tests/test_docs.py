"""The documentation (docs/, mkdocs.yml) builds with MkDocs in strict mode: a broken link, a page missing from the
navigation, a missing anchor or a missing screenshot fails the build, and so the suite."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.conftest import ROOT


def test_the_documentation_builds_with_broken_links_refused(tmp_path):
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                           cwd=ROOT, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert built.returncode == 0, built.stdout + built.stderr
    site = tmp_path / "site"
    # The OpenAPI reference is made from the document the server serves.
    reference = (site / "api" / "reference" / "index.html").read_text(encoding="utf-8")
    assert "/api/v1/autocomplete" in reference and "/api/v1/lookup" in reference
    # The curators' guide shows the screenshots the browser tests take.
    editing = (site / "curators" / "editing" / "index.html").read_text(encoding="utf-8")
    images = re.findall(r'src="([^"]+\.png)"', editing)
    assert images
    for image in images:
        assert (site / "curators" / "editing" / image).resolve().is_file(), image


def test_the_readme_links_to_files_that_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    links = [target for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text) if "://" not in target]
    assert links
    missing = [target for target in links if not (ROOT / target).exists()]
    assert not missing, missing
