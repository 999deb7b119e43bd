"""Loading real thesauri: load what is loadable, repair what is safe (reported as changes), report every
finding with its severity, refuse only under the strict policy — through the real CLI."""

from __future__ import annotations

import json

from .conftest import cli, stats_json

HEAD = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix isothes: <http://purl.org/iso25964/skos-thes#> .
ex:s a skos:ConceptScheme ; skos:prefLabel "Essai"@fr .
"""


def _load(tmp_path, body: str, *options: str, name: str = "essai.ttl"):
    source = tmp_path / name
    source.write_text(HEAD + body, encoding="utf-8")
    result = cli("load", "--as", "essai", str(source), "--json", *options, data_dir=tmp_path / "store")
    report = json.loads(result.stdout) if result.stdout.strip() else None
    return result, report


def _checks(report: dict, severity: str | None = None) -> set[str]:
    return {f["check"] for f in report["findings"] if severity is None or f["severity"] == severity}


def test_a_collection_named_like_a_concept_is_no_ambiguity(tmp_path):
    result, report = _load(tmp_path, """
ex:a a skos:Concept ; skos:prefLabel "peinture"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s .
ex:g a skos:Collection, isothes:ConceptGroup ; skos:prefLabel "peinture"@fr ; skos:member ex:a .
""")
    assert result.returncode == 0 and "duplicate-preflabel" not in _checks(report)


def test_a_deprecated_concept_without_label_is_information(tmp_path):
    result, report = _load(tmp_path, """
ex:a a skos:Concept ; skos:prefLabel "a"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s .
ex:old a skos:Concept ; owl:deprecated true ; dct:isReplacedBy ex:a .
""")
    assert result.returncode == 0
    assert [f["severity"] for f in report["findings"] if f["check"] == "no-preflabel"] == ["info"]


def test_external_mappings_are_never_findings_nor_hierarchy(tmp_path):
    result, report = _load(tmp_path, """
ex:a a skos:Concept ; skos:prefLabel "a"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s ;
  skos:narrowMatch <http://id.loc.gov/authorities/subjects/sh85> ; skos:exactMatch <http://vocab.getty.edu/aat/300>.
""")
    assert result.returncode == 0 and not report["findings"], report["findings"]
    exported = cli("export", "essai", "--format", "ntriples", "-o", "-", data_dir=tmp_path / "store").stdout
    assert "skos/core#narrower> <http://id.loc.gov" not in exported  # no hierarchy inferred from a mapping
    assert "<http://id.loc.gov/authorities/subjects/sh85> <" not in exported  # no claim about LCSH's concept


def test_homographs_in_two_facets_load_and_the_strict_policy_refuses_them(tmp_path):
    body = """
ex:f1 a skos:Concept ; skos:prefLabel "temps"@ca ; skos:inScheme ex:s ; skos:topConceptOf ex:s .
ex:f2 a skos:Concept ; skos:prefLabel "llocs"@ca ; skos:inScheme ex:s ; skos:topConceptOf ex:s .
ex:a a skos:Concept ; skos:prefLabel "segle XIX"@ca ; skos:broader ex:f1 ; skos:inScheme ex:s .
ex:b a skos:Concept ; skos:prefLabel "segle XIX"@ca ; skos:broader ex:f2 ; skos:inScheme ex:s .
"""
    result, report = _load(tmp_path, body)
    assert result.returncode == 0 and report["policy"] == "lenient"
    assert "duplicate-preflabel" in _checks(report, "warning")
    strict, refused = _load(tmp_path, body, "--strict")
    assert strict.returncode == 1 and refused["status"] == "refused"
    assert {"http://example.org/a", "http://example.org/b"} <= set(refused["refusals"][0]["resources"])


def test_a_cycle_loads_as_an_error_finding_and_strict_refuses_it_leaving_the_store(tmp_path):
    body = """
ex:a a skos:Concept ; skos:prefLabel "a"@fr ; skos:inScheme ex:s ; skos:broader ex:b .
ex:b a skos:Concept ; skos:prefLabel "b"@fr ; skos:inScheme ex:s ; skos:broader ex:a .
ex:c a skos:Concept ; skos:prefLabel "c"@fr ; skos:inScheme ex:s ; skos:related ex:d ; skos:broader ex:d .
ex:d a skos:Concept ; skos:prefLabel "d"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s .
"""
    strict, refused = _load(tmp_path, body, "--strict")
    assert strict.returncode == 1 and "strict policy" in strict.stderr
    assert {f["check"] for f in refused["refusals"]} == {"broader-cycle", "related-broader-clash"}
    assert not (tmp_path / "store").exists() or not stats_json(tmp_path / "store")
    result, report = _load(tmp_path, body)
    assert result.returncode == 0
    assert {"broader-cycle", "related-broader-clash"} <= _checks(report, "error")
    assert [v["id"] for v in stats_json(tmp_path / "store")] == ["essai"]


def test_a_concept_that_is_also_a_collection_is_an_error_finding(tmp_path):
    result, report = _load(tmp_path, """
ex:a a skos:Concept ; skos:prefLabel "a"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s .
ex:guide a skos:Concept, skos:Collection ; skos:prefLabel "<objets>"@fr ; skos:member ex:a .
""")
    assert result.returncode == 0 and "concept-and-collection" in _checks(report, "error")


def test_s13_and_s14_are_repaired_and_reported_as_changes(tmp_path):
    result, report = _load(tmp_path, """
ex:a a skos:Concept ; skos:prefLabel "vase"@fr, "vase à fleurs"@fr-FR ; skos:inScheme ex:s ; skos:topConceptOf ex:s .
ex:b a skos:Concept ; skos:prefLabel "pot"@fr ; skos:altLabel "pot"@fr, "potiche"@fr ; skos:hiddenLabel "pot"@fr ;
  skos:inScheme ex:s ; skos:topConceptOf ex:s .
""")
    assert result.returncode == 0
    changes = {c["kind"]: c["count"] for c in report["changes"]}
    assert changes["S14-extra-prefLabel-made-altLabel"] == 1 and changes["S13-label-equal-to-prefLabel-dropped"] == 2
    assert not _checks(report, "error")
    exported = cli("export", "essai", "--format", "ntriples", "-o", "-", data_dir=tmp_path / "store").stdout
    assert '<http://example.org/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "vase"@fr' in exported
    assert '<http://example.org/a> <http://www.w3.org/2004/02/skos/core#altlabel> "vase à fleurs"@fr-fr' in exported.lower()
    for change in report["changes"]:
        assert isinstance(change["kind"], str) and isinstance(change["count"], int)
    for finding in report["findings"]:
        assert finding["severity"] in ("error", "warning", "info") and finding["check"] and finding["resources"]


def test_no_detectable_namespace_loads_with_a_scheme_under_our_base(tmp_path):
    source = tmp_path / "loose.ttl"
    source.write_text('@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
                      '<http://a.example/x> a skos:Concept ; skos:prefLabel "x"@fr .\n'
                      '<urn:b:y> a skos:Concept ; skos:prefLabel "y"@fr .\n', encoding="utf-8")
    result = cli("load", "--as", "loose", str(source), data_dir=tmp_path / "store")
    assert result.returncode == 0, result.stderr
    stats = stats_json(tmp_path / "store")
    assert stats[0]["concepts"] == 2
    exported = cli("export", "loose", "--format", "ntriples", "-o", "-", data_dir=tmp_path / "store").stdout
    assert "<http://vocab.test/loose> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " in exported
    assert "<http://a.example/> " not in exported  # nothing minted in someone else's namespace


def test_dry_run_reports_without_touching_the_store(tmp_path):
    body = 'ex:a a skos:Concept ; skos:prefLabel "a"@fr, "b"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s .\n'
    result, report = _load(tmp_path, body, "--dry-run")
    assert result.returncode == 0 and report["status"] == "dry-run"
    assert report["read"] > 0 and report["changes"][0]["kind"] == "S14-extra-prefLabel-made-altLabel"
    assert not stats_json(tmp_path / "store")


def test_each_vocabulary_shows_its_own_licence_and_no_joconde_rows(tmp_path, loaded_dir):
    from vocabserver.config import Settings
    from vocabserver.web import create_app

    licensed = ('ex:s dct:license <https://creativecommons.org/licenses/by-sa/3.0/igo/> .\n'
                'ex:a a skos:Concept ; skos:prefLabel "paix"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s .\n')
    assert _load(tmp_path, licensed)[0].returncode == 0
    source = tmp_path / "free.ttl"
    source.write_text(HEAD.replace("ex:s a", "ex:t a").replace("ex:s ", "ex:t ")
                      + 'ex:b a skos:Concept ; skos:prefLabel "guerre"@fr ; skos:inScheme ex:t ; skos:topConceptOf ex:t .\n',
                      encoding="utf-8")
    assert cli("load", "--as", "free", str(source), data_dir=tmp_path / "store").returncode == 0
    assert cli("load", "--bundled", "gene", data_dir=tmp_path / "store").returncode == 0
    app = create_app(Settings(tmp_path / "store", "http://vocab.test/", "http://vocab.test/",
                              sparql_isolation="thread", sparql_workers=1))
    client = app.test_client()

    def facts(vocab: str) -> str:
        page = client.get(f"/{vocab}", headers={"Accept": "text/html"}).get_data(as_text=True)
        return page[page.index('<dl class="facts">'):page.index("</dl>", page.index('<dl class="facts">'))]

    essai, free, gene = facts("essai"), facts("free"), facts("gene")
    assert "CC BY-SA 3.0 IGO" in essai and "Licence Ouverte" not in essai
    assert "Licence" not in free  # no licence stated: none shown
    assert "Licence Ouverte / Etalab 2.0" in gene and "GENE" in gene  # the Joconde field row
    assert "GENE" not in essai and "DENO" not in essai
    page = client.get("/essai", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "épée, huile" not in page  # the Joconde search hint only on Joconde vocabularies
    assert "épée, huile" in client.get("/gene", headers={"Accept": "text/html"}).get_data(as_text=True)


def test_the_quality_report_lists_what_an_import_left_to_fix(tmp_path):
    from vocabserver.config import Settings
    from vocabserver.web import create_app

    body = """
ex:a a skos:Concept ; skos:prefLabel "a <b>"@fr ; skos:inScheme ex:s ; skos:broader ex:b .
ex:b a skos:Concept ; skos:prefLabel "b"@fr ; skos:inScheme ex:s ; skos:broader ex:a .
ex:c a skos:Concept ; skos:prefLabel "c"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s ; skos:broader ex:gone .
"""
    assert _load(tmp_path, body)[0].returncode == 0
    app = create_app(Settings(tmp_path / "store", "http://vocab.test/", "http://vocab.test/",
                              sparql_isolation="thread", sparql_workers=1))
    client = app.test_client()
    report = client.get("/api/v1/vocabularies/essai/quality").get_json()
    assert report["policy"] == "lenient" and report["counts"]["error"] >= 1
    assert report["checks"][0]["severity"] == "error"  # errors first
    cycle = next(g for g in report["checks"] if g["check"] == "broader-cycle")
    assert set(cycle["findings"][0]["resources"]) >= {"http://example.org/a", "http://example.org/b"}
    assert any(g["check"] == "dangling" and g["severity"] == "warning" for g in report["checks"])
    page = client.get("/quality/essai", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "broader-cycle" in page and "dangling" in page
    assert "a &lt;b&gt;" in page and "a <b>" not in page  # labels escaped, linked to their pages
    assert 'href="/resource?uri=http%3A%2F%2Fexample.org%2Fa"' in page
    english = client.get("/quality/essai?lang=en", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Quality report" in english


def test_skos_xl_labels_become_skos_labels_and_stay(tmp_path):
    result, report = _load(tmp_path, """
@prefix skosxl: <http://www.w3.org/2008/05/skos-xl#> .
ex:a a skos:Concept ; skos:inScheme ex:s ; skos:topConceptOf ex:s ;
  skosxl:prefLabel ex:la ; skosxl:altLabel ex:lb .
ex:la a skosxl:Label ; skosxl:literalForm "tapisserie"@fr .
ex:lb a skosxl:Label ; skosxl:literalForm "tenture"@fr .
""")
    assert result.returncode == 0
    assert {c["kind"]: c["count"] for c in report["changes"]}["SKOS-XL-label-written-as-SKOS-label"] == 2
    assert "no-preflabel" not in _checks(report) and not report["dropped"]
    exported = cli("export", "essai", "--format", "ntriples", "-o", "-", data_dir=tmp_path / "store").stdout
    assert '<http://example.org/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "tapisserie"@fr' in exported
    assert '<http://example.org/a> <http://www.w3.org/2004/02/skos/core#altLabel> "tenture"@fr' in exported
    assert '<http://example.org/la> <http://www.w3.org/2008/05/skos-xl#literalForm> "tapisserie"@fr' in exported


def test_label_hygiene_and_documentation_are_in_the_report_not_the_load(tmp_path):
    import pyoxigraph as ox

    from vocabserver.changes.checks import run_checks
    from vocabserver.store.embedded import VocabStore

    store = VocabStore(None, "http://example.org/")
    graph = store.stage("essai", data=(HEAD + """
ex:a a skos:Concept ; skos:prefLabel "vase"@fr , "vase"@xx ; skos:altLabel "" , "pot" ; skos:inScheme ex:s ;
    skos:topConceptOf ex:s ; skos:definition "Récipient."@fr .
ex:b a skos:Concept ; skos:prefLabel "  épée  à  deux mains"@fr ; skos:altLabel "?"@fr , "bo\\u0007l"@fr ;
    skos:hiddenLabel "caf\\uFFFD"@fr ; skos:inScheme ex:s ; skos:topConceptOf ex:s .
""").encode(), fmt=ox.RdfFormat.TURTLE)
    load_time = run_checks(store, graph, "essai")
    assert not {"empty-label", "omitted-language-tag", "undocumented-concepts"} & {f.check for f in load_time.findings}
    report = run_checks(store, graph, "essai", full=True)
    found = {(f.check, f.severity, tuple(f.resources)) for f in report.findings}
    a, b = ("http://example.org/a",), ("http://example.org/b",)
    assert ("empty-label", "warning", a) in found
    assert ("omitted-language-tag", "warning", a) in found  # "pot" (the empty one is only "empty")
    assert ("invalid-language-tag", "warning", a) in found  # "xx" (Opentheso's sample): no such language
    assert ("label-whitespace", "info", b) in found
    messages = [f.message for f in report.findings if f.check == "unusual-characters"]
    assert len(messages) == 3 and any("U+FFFD" in m for m in messages) and any("U+0007" in m for m in messages)
    undocumented = [f for f in report.findings if f.check == "undocumented-concepts"]
    assert len(undocumented) == 1 and undocumented[0].resources == ["http://example.org/b"]
    assert "1 of 2 concepts" in undocumented[0].message
