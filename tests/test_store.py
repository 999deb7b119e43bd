"""Loading into a real pyoxigraph store: checks, refusals that change nothing, replace, export round trip."""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from vocabserver.changes.checks import run_checks
from vocabserver.changes.loading import LoadRefused, bundled_files, load_bundled, load_file
from vocabserver.rdf.formats import RdfSyntaxError
from vocabserver.store.embedded import BaseMismatch, VocabStore

from .conftest import BASE, DATA, ROOT, cli, stats_json

PREFIXES = ("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n@prefix ex: <http://example.org/> .\n"
            "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n")


def ttl(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text(PREFIXES + body, encoding="utf-8")
    return path


def snapshot(data_dir) -> tuple[int, str]:
    store = VocabStore(data_dir, BASE, read_only=True)
    try:
        return len(store.store), store.modified()
    finally:
        store.close()


@pytest.fixture
def small_store(tmp_path):
    """A store with two small bundled vocabularies, for tests that write."""
    store = VocabStore(tmp_path / "store", BASE)
    load_bundled(store, ["gene", "insc"])
    yield store
    store.close()


def test_bundled_load_has_16_vocabularies_without_errors(loaded_dir):
    rows = {r["id"]: r for r in stats_json(loaded_dir)}
    assert len(rows) == 16 and set(rows) == set(bundled_files())
    report = json.loads((ROOT / "vocabularies" / "build-report.json").read_text(encoding="utf-8"))
    for entry in report:
        assert rows[entry["id"]]["concepts"] == entry["terms"]
    assert rows["autr"]["concepts"] > 30000 and rows["repr"]["concepts"] > 30000
    result = cli("check", data_dir=loaded_dir)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count(" 0 errors") == 16


def test_minted_uris_follow_the_configured_base(loaded_dir):
    store = VocabStore(loaded_dir, BASE, read_only=True)
    graph = ox.NamedNode(BASE + "graph/deno")
    subjects = {q.subject.value for q in store.store.quads_for_pattern(None, None, None, graph)}
    assert all(s.startswith(BASE + "deno/") or s.startswith("http://data.culture.fr/") for s in subjects)
    store.close()
    other = cli("stats", data_dir=loaded_dir, base_uri="http://elsewhere.example/")
    assert other.returncode == 3 and "base URI" in other.stderr


@pytest.mark.parametrize("name, body, check, severity", [
    ("cycle.ttl", 'ex:a a skos:Concept ; skos:prefLabel "a"@fr ; skos:broader ex:b .\n'
                  'ex:b a skos:Concept ; skos:prefLabel "b"@fr ; skos:broader ex:a .\n', "broader-cycle", "error"),
    ("dup.ttl", 'ex:a a skos:Concept ; skos:prefLabel "vase"@fr .\nex:b a skos:Concept ; skos:prefLabel "vase"@fr .\n',
     "duplicate-preflabel", "warning"),
    ("twopref.ttl", 'ex:a a skos:Concept ; skos:prefLabel "vase"@fr , "pot"@fr-FR .\n', "two-preflabels-one-language",
     "error"),
    ("clash.ttl", 'ex:a a skos:Concept ; skos:prefLabel "vase"@fr ; skos:altLabel "vase"@fr .\n', "label-clash",
     "error"),
    ("nolabel.ttl", 'ex:a a skos:Concept ; skos:altLabel "vase"@fr .\n', "no-preflabel", "warning"),
    ("deprecated.ttl", 'ex:a a skos:Concept ; owl:deprecated true ; dct:isReplacedBy ex:b .\n', "no-preflabel", "info"),
    ("related.ttl", 'ex:a a skos:Concept ; skos:prefLabel "a"@fr ; skos:broader ex:b ; skos:related ex:b .\n'
                    'ex:b a skos:Concept ; skos:prefLabel "b"@fr .\n', "related-broader-clash", "error"),
    ("dangling.ttl", 'ex:a a skos:Concept ; skos:prefLabel "a"@fr ; skos:broader ex:missing .\n', "dangling",
     "warning"),
    ("both.ttl", 'ex:a a skos:Concept, skos:Collection ; skos:prefLabel "a"@fr .\n', "concept-and-collection", "error"),
])
def test_each_check_finds_its_case_with_its_severity(tmp_path, name, body, check, severity):
    store = VocabStore(None, "http://example.org/")
    graph = store.stage("t", path=ttl(tmp_path, name, body), fmt=ox.RdfFormat.TURTLE)
    report = run_checks(store, graph, "t")
    assert check in {f.check for f in report.findings if f.severity == severity}, report.as_dict()


def test_orphans_are_warnings(tmp_path):
    store = VocabStore(None, "http://example.org/")
    graph = store.stage("t", data=(PREFIXES + 'ex:a a skos:Concept ; skos:prefLabel "a"@fr .').encode(),
                        fmt=ox.RdfFormat.TURTLE)
    report = run_checks(store, graph, "t")
    assert not report.errors and [f.check for f in report.warnings] == ["orphans"]


def test_integrity_errors_refuse_the_load_and_leave_the_store_as_it_was(tmp_path, small_store):
    path = ttl(tmp_path, "dup.ttl", 'ex:s a skos:ConceptScheme .\n'
               'ex:a a skos:Concept ; skos:prefLabel "vase"@fr .\nex:b a skos:Concept ; skos:prefLabel "vase"@fr .\n')
    before = len(small_store.store), small_store.modified()
    with pytest.raises(LoadRefused, match="duplicate-preflabel"):
        load_file(small_store, path, "gene")  # would replace a bundled (strict) vocabulary
    with pytest.raises(LoadRefused):
        load_file(small_store, path, "newone", strict=True)  # would add one, under the strict policy
    assert (len(small_store.store), small_store.modified()) == before
    assert set(small_store.vocabularies()) == {"gene", "insc"}
    result = load_file(small_store, path, "newone")  # lenient: loaded, its findings reported
    assert result.policy == "lenient" and "newone" in small_store.vocabularies()
    assert "duplicate-preflabel" in {f.check for f in result.report.warnings}
    forced = load_file(small_store, path, "other", strict=True, force=True)
    assert forced.policy == "strict" and small_store.vocabularies()["other"].policy == "strict"


def test_cli_syntax_error_names_line_and_column_and_changes_nothing(tmp_path, small_store):
    path = tmp_path / "broken.ttl"
    path.write_text(PREFIXES + 'ex:a a skos:Concept ;\n  skos:prefLabel "unterminated@fr .\n', encoding="utf-8")
    data_dir = small_store.path
    small_store.close()
    before = snapshot(data_dir)
    result = cli("load", "--as", "gene", str(path), data_dir=data_dir)
    assert result.returncode == 2
    assert f"{path}:{PREFIXES.count(chr(10)) + 2}:" in result.stderr and "syntax error" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(data_dir) == before


def test_rdfxml_and_jsonld_errors_have_positions(tmp_path):
    bad_xml = tmp_path / "bad.rdf"
    bad_xml.write_text('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                       '<rdf:Description rdf:about="x">\n</rdf:RDF>\n', encoding="utf-8")
    bad_json = tmp_path / "bad.jsonld"
    bad_json.write_text('{\n  "@id": "x",\n  "a": \n}', encoding="utf-8")
    store = VocabStore(None, BASE)
    for path, line in ((bad_xml, 3), (bad_json, 4)):
        with pytest.raises(RdfSyntaxError) as info:
            load_file(store, path, "bad")
        assert info.value.line == line and info.value.column


def test_cli_errors_are_clear(tmp_path, loaded_dir):
    missing = cli("load", "--as", "x", str(tmp_path / "nope.ttl"), data_dir=tmp_path / "s1")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    unknown = cli("export", "nosuch", "-o", str(tmp_path), data_dir=loaded_dir)
    assert unknown.returncode == 2 and "unknown vocabulary 'nosuch'" in unknown.stderr
    bad_id = cli("load", "--as", "Bad Id", str(DATA / "opentheso-sample.rdf"), data_dir=tmp_path / "s2")
    assert bad_id.returncode == 2 and "invalid vocabulary id" in bad_id.stderr
    no_store = cli("stats", data_dir=tmp_path / "nothing")
    assert no_store.returncode == 3 and "no store" in no_store.stderr
    for result in (missing, unknown, bad_id, no_store):
        assert "Traceback" not in result.stderr


def test_replace_swaps_content_atomically(tmp_path, small_store):
    result = load_file(small_store, DATA / "ginco-T69-collections.rdf", "gene")
    assert result.replaced
    info = small_store.vocabularies()["gene"]
    assert info.concepts == 27 and info.counts["collections"] > 0
    graph = ox.NamedNode(info.graph)
    labels = {q.object.value for q in small_store.store.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), None, graph)}
    assert "meuble domestique" in labels and "bon à tirer" not in labels
    assert not small_store.store.contains_named_graph(small_store.staging_iri("gene"))


def test_uncommitted_graphs_are_cleared_at_open(tmp_path):
    path = tmp_path / "store"
    store = VocabStore(path, BASE)
    store.stage("half", path=bundled_files()["gene"])  # as if the process died before the commit
    assert store.store.contains_named_graph(store.graph_iri("half"))
    store.close()
    reopened = VocabStore(path, BASE)
    assert not reopened.store.contains_named_graph(reopened.graph_iri("half"))
    assert "half" not in reopened.vocabularies()
    reopened.close()


def test_third_party_multilingual_vocabulary_with_collections(tmp_path, small_store):
    data_dir = small_store.path
    small_store.close()
    result = cli("load", "--as", "frantiq", str(DATA / "opentheso-sample.rdf"), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    rows = {r["id"]: r for r in stats_json(data_dir)}
    assert rows["frantiq"]["concepts"] == 27 and rows["frantiq"]["collections"] >= 1
    store = VocabStore(data_dir, BASE, read_only=True)
    langs = store.query("SELECT DISTINCT (LANG(?l) AS ?lang) WHERE { GRAPH ?g { ?c "
                        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l } }",
                        default_graph=None, named_graphs=[ox.NamedNode(rows["frantiq"]["graph"])])
    assert {s["lang"].value for s in langs} >= {"fr", "en", "es"}
    store.close()


@pytest.mark.parametrize("fmt, suffix", [("turtle", "ttl"), ("rdfxml", "rdf"), ("ntriples", "nt"),
                                         ("jsonld", "jsonld")])
def test_export_round_trip_is_isomorphic(tmp_path, loaded_dir, fmt, suffix):
    out = tmp_path / "out"
    result = cli("export", "deno", "--format", fmt, "--gzip", "-o", str(out), data_dir=loaded_dir)
    assert result.returncode == 0, result.stderr
    dump = out / f"deno.{suffix}.gz"
    plain = tmp_path / f"deno.{suffix}"
    plain.write_bytes(gzip.decompress(dump.read_bytes()))
    fresh = tmp_path / "fresh"
    loaded = cli("load", "--as", "deno", "--no-normalise", str(plain), data_dir=fresh)
    assert loaded.returncode == 0, loaded.stderr

    def graph_of(data_dir) -> Graph:
        store = VocabStore(data_dir, BASE, read_only=True)
        data = store.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=store.graph_iri("deno"))
        store.close()
        return Graph().parse(data=data, format="nt")

    original, copy = graph_of(loaded_dir), graph_of(fresh)
    assert len(original) == 26518
    assert isomorphic(original, copy)


def test_export_to_stdout_and_all_formats(tmp_path, loaded_dir):
    result = cli("export", "domn", "--format", "ntriples", "-o", "-", data_dir=loaded_dir)
    assert result.returncode == 0
    assert "<http://data.culture.fr/thesaurus/resource/ark:/67717/T51-1>" in result.stdout
    all_formats = cli("export", "gene", "insc", "--format", "all", "-o", str(tmp_path), data_dir=loaded_dir)
    assert all_formats.returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{v}.{s}" for v in ("gene", "insc") for s in ("ttl", "rdf", "nt", "jsonld"))


def test_remove(tmp_path, small_store):
    small_store.remove("insc")
    assert set(small_store.vocabularies()) == {"gene"}
    assert not small_store.store.contains_named_graph(small_store.graph_iri("insc"))


def test_base_mismatch_is_refused(tmp_path, small_store):
    path = small_store.path
    small_store.close()
    with pytest.raises(BaseMismatch):
        VocabStore(path, "http://other.example/")


def test_unchanged_bundled_files_are_not_reloaded(small_store):
    again = load_bundled(small_store, ["gene", "insc"])
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    modified = small_store.modified()
    reloaded = load_bundled(small_store, ["gene"], reload=True)
    assert [r.status for r in reloaded] == ["replaced"] and small_store.modified() != modified
    assert small_store.vocabularies()["gene"].version.startswith("sha256:")


def test_a_file_without_concepts_is_a_clear_error(tmp_path, small_store):
    path = ttl(tmp_path, "noconcept.ttl", 'ex:a ex:p "no SKOS here" .\n')
    before = len(small_store.store)
    with pytest.raises(ValueError, match="no skos:Concept"):
        load_file(small_store, path, "nothing")
    assert len(small_store.store) == before
    data_dir = small_store.path
    small_store.close()
    result = cli("load", "--as", "nothing", str(path), data_dir=data_dir)
    assert result.returncode == 2 and "no skos:Concept" in result.stderr and "Traceback" not in result.stderr
