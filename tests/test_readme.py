"""The documentation's vocabulary table (docs/vocabularies.md) says what `vocabserver stats` and the build report
say."""

from __future__ import annotations

import json
import re

from .conftest import ROOT, stats_json


def readme_rows() -> dict[str, dict[str, str]]:
    text = (ROOT / "docs" / "vocabularies.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- vocabulary-table.*?-->\n(.*?)<!-- /vocabulary-table -->", text, re.S).group(1)
    lines = [line for line in table.strip().splitlines() if not line.startswith("|---")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = dict(zip(header, (c.strip() for c in line.strip("|").split("|"))))
        rows[cells["id"]] = cells
    return rows


def test_readme_table_is_what_the_generator_renders(loaded_dir):
    from vocabserver.lexicons.readme_table import current_block, render

    report = json.loads((ROOT / "vocabularies" / "build-report.json").read_text("utf-8"))
    readme = (ROOT / "docs" / "vocabularies.md").read_text(encoding="utf-8")
    assert current_block(readme) == render(stats_json(loaded_dir), report), (
        "README's vocabulary table is stale: run `python -m vocabserver.lexicons.readme_table`")


def test_readme_counts_equal_stats(loaded_dir):
    rows = readme_rows()
    stats = {r["id"]: r for r in stats_json(loaded_dir)}
    report = {r["id"]: r for r in json.loads((ROOT / "vocabularies" / "build-report.json").read_text("utf-8"))}
    assert set(rows) - {"**total**"} == set(stats)
    for vocab_id, s in stats.items():
        row, r = rows[vocab_id], report[vocab_id]
        assert int(row["concepts"]) == s["concepts"], vocab_id
        assert int(row["altLabels"]) == s["altLabels"], vocab_id
        assert int(row["top concepts"]) == s["topConcepts"], vocab_id
        assert int(row["depth"]) == s["depth"], vocab_id
        assert int(row["source lines"]) == r["lines"] and int(row["term lines"]) == r["entries"], vocab_id
        assert int(row["repeated lines"]) == r["repeated"] and int(row["extra broaders"]) == r["polyhierarchy"]
        assert int(row["homonyms split"]) == r["homonyms"] and int(row["alt forms dropped"]) == r["alts_dropped"]
        assert int(row["guide terms"]) == r["guide_terms"], vocab_id
        # The arithmetic the README explains: term lines - repeated - extra broaders = concepts.
        # LOCA adds its régions and départements (guide terms) to the museums.
        groups = r["guide_terms"] if vocab_id == "loca" else 0
        assert r["entries"] - r["repeated"] - r["polyhierarchy"] + groups == s["concepts"], vocab_id
    total = rows["**total**"]
    assert int(total["concepts"]) == sum(s["concepts"] for s in stats.values())
    assert int(total["source lines"]) == sum(r["lines"] for r in report.values())
    assert int(total["term lines"]) == sum(r["entries"] for r in report.values())
