"""The formats curators actually have: Opentheso CSV, the reduced Opentheso JSON, Opentheso's SKOS export, Ginco."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from vocabserver.changes.import_formats import ImportFormatError, opentheso_csv, reduced_json, sniff
from vocabserver.changes.loading import load_file
from vocabserver.rdf.namespaces import PREFIXES
from vocabserver.store.embedded import VocabStore

from .conftest import BASE, SHARED, cli

SAMPLES = SHARED / "format-samples"
OPENTHESO = SAMPLES / "opentheso_samples"
needs_shared = pytest.mark.skipif(not SAMPLES.exists(), reason="../shared reference data not present")
SKOS, XSD = PREFIXES["skos"], PREFIXES["xsd"]


@pytest.fixture
def store(tmp_path):
    opened = VocabStore(tmp_path / "store", BASE)
    yield opened
    opened.close()


def objects(store: VocabStore, vocab_id: str, subject: str, prop: str) -> list:
    graph = ox.NamedNode(f"{BASE}graph/{vocab_id}")
    return [q.object for q in store.store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(prop), None, graph)]


@needs_shared
def test_opentheso_csv_comma_separated(store):
    result = load_file(store, OPENTHESO / "sampleCSV.csv", "sample")
    assert result.status == "loaded" and result.counts["concepts"] >= 5 and result.counts["collections"] == 2
    lyon = "http://mondomaine.fr/14320"
    labels = {(o.value, o.language) for o in objects(store, "sample", lyon, SKOS + "prefLabel")}
    assert labels == {("Lyon", "fr"), ("Lyon", "en")}
    assert ox.Literal("45.74846", datatype=ox.NamedNode(XSD + "decimal")) in objects(
        store, "sample", lyon, PREFIXES["geo"] + "lat")
    matches = {o.value for o in objects(store, "sample", lyon, SKOS + "exactMatch")}
    assert matches == {"https://www.idref.fr/032012004", "http://www.geonames.org/2996944",
                       "http://www.wikidata.org/entity/Q456"}  # "##" separates values
    # On a concept row, skos:member names the concept's collection: the collection gets the member.
    assert ox.NamedNode(lyon) in objects(store, "sample", "http://mondomaine.fr/G768", SKOS + "member")
    created = objects(store, "sample", lyon, PREFIXES["dct"] + "created")
    assert created == [ox.Literal("2019-06-14", datatype=ox.NamedNode(XSD + "date"))]


@needs_shared
def test_opentheso_csv_semicolon_with_ark_ids_deprecation_images_and_facets(store):
    result = load_file(store, OPENTHESO / "exemple_complet_facette_image.csv", "facets")
    assert result.status == "loaded"
    notes = " | ".join(result.notes)
    # Opentheso's bookkeeping columns are named, not silently ignored.
    assert "'narrowerId'" in notes and "the same fact as skos:narrower" in notes
    useless = "http://localhost:8080/opentheso2/?idg=g3312&idt=th539/666666/the-vw48j64f9b7m3bnfpbq0-b"
    assert objects(store, "facets", useless, PREFIXES["owl"] + "deprecated") == [
        ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))]
    assert [o.value for o in objects(store, "facets", useless, PREFIXES["dct"] + "isReplacedBy")] == [
        "http://localhost:8080/opentheso2/?idc=1027240&idt=th42"]
    milk = "http://localhost:8080/opentheso2/?idc=1027240&idt=th42"
    assert [o.value for o in objects(store, "facets", milk, PREFIXES["foaf"] + "depiction")] == [
        "https://commons.wikimedia.org/wiki/Special:FilePath/Glass%20of%20Milk%20(33657535532).jpg"]
    facet = "http://localhost:8080/opentheso2/?idf=F144&idt=th42"
    assert ox.NamedNode(PREFIXES["isothes"] + "ThesaurusArray") in objects(
        store, "facets", facet, PREFIXES["rdf"] + "type")
    assert ox.NamedNode(milk) in objects(store, "facets", facet, SKOS + "member")
    # Opentheso's date-times ("2023-10-25 00:00:00+02") become xsd:dateTime, not refused.
    assert objects(store, "facets", facet, PREFIXES["dct"] + "created") == [
        ox.Literal("2023-10-25T00:00:00+02:00", datatype=ox.NamedNode(XSD + "dateTime"))]
    # Muséofile-like extras of a concept (its coordinates, identifiers) are kept and shown.
    assert result.counts["concepts"] == 4


@needs_shared
def test_opentheso_csv_with_ark_identifiers(store):
    result = load_file(store, OPENTHESO / "test_complet_avecArk.csv", "arks")
    assert result.status == "loaded" and result.counts["concepts"] > 5
    lieux = "http://localhost:8080/opentheso2/api/ark:/666666/thesc094wrf6xqfwh8b9fgq-h"
    identifiers = {o.value for o in objects(store, "arks", lieux, PREFIXES["dct"] + "identifier")}
    assert identifiers == {"1027236", "666666/thesc094wrf6xqfwh8b9fgq-h"}


@needs_shared
def test_reduced_opentheso_json_loads_with_real_arks(store):
    result = load_file(store, SHARED / "opentheso-current" / "th298.json", "genesis")
    assert result.status == "loaded" and result.counts["concepts"] == 150
    assert any("altLabels carry no language" in n for n in result.notes)
    result = load_file(store, SHARED / "opentheso-current" / "th287.json", "periods")
    eleventh = [q.subject for q in store.store.quads_for_pattern(
        None, ox.NamedNode(SKOS + "altLabel"), ox.Literal("11", language="fr"), ox.NamedNode(f"{BASE}graph/periods"))]
    assert len(eleventh) == 1 and eleventh[0].value.startswith("http://data.culture.fr/thesaurus/resource/ark:/67717/")


@needs_shared
@pytest.mark.parametrize("name", ["sample_skos.rdf", "test_complet_avecArk.rdf", "test_complet_sansArk.rdf",
                                  "theo_test.rdf", "geo.skos.xml", "SkosPourMaquetteCSV.xml"])
def test_opentheso_skos_exports_load(store, name):
    result = load_file(store, OPENTHESO / name, "ot", fmt="rdfxml" if name.endswith(".xml") else None)
    assert result.status == "loaded" and result.counts["concepts"] > 0


@needs_shared
@pytest.mark.parametrize("name", ["alignments.rdf", "concept_collections.rdf", "concept_notes.rdf"])
def test_ginco_exports_load_with_their_arks(store, name):
    result = load_file(store, SAMPLES / "ginco_data_culture_fr" / name, "ginco")
    assert result.status == "loaded" and result.counts["concepts"] >= 20
    graph = ox.NamedNode(f"{BASE}graph/ginco")
    concepts = [q.subject.value for q in store.store.quads_for_pattern(
        None, ox.NamedNode(PREFIXES["rdf"] + "type"), ox.NamedNode(SKOS + "Concept"), graph)]
    assert all(c.startswith("http://data.culture.fr/thesaurus/resource/ark:/67717/T69") for c in concepts)


def test_format_is_sniffed_from_suffix_and_content(tmp_path):
    assert sniff(tmp_path / "a.csv", b"URI,rdf:type") == "opentheso-csv"
    assert sniff(tmp_path / "a.json", b'{"meta": {}, "concepts": {}}') == "opentheso-json"
    assert sniff(tmp_path / "a.json", b'{"@context": {}, "@graph": []}') is None  # JSON-LD
    assert sniff(tmp_path / "a.ttl", b"@prefix") is None


def test_bad_tabular_input_is_a_clear_error_with_file_and_line():
    with pytest.raises(ImportFormatError, match=r"x\.csv:1: no URI column"):
        opentheso_csv(b"label;broader\nvase;\n", "x.csv")
    with pytest.raises(ImportFormatError, match=r"x\.csv:2: not UTF-8"):
        opentheso_csv(b"URI;skos:prefLabel@fr\nhttp://a/1;\xe9p\xe9e\n", "x.csv")
    with pytest.raises(ImportFormatError, match=r"x\.json:2:2: Extra data"):
        reduced_json(b'{"concepts": {}\n}}', "x.json")
    with pytest.raises(ImportFormatError, match="not a reduced Opentheso export"):
        reduced_json(b'{"something": 1}', "x.json")


def test_csv_values_that_cannot_be_converted_are_reported_not_dropped_silently():
    data = ("URI;rdf:type;skos:prefLabel@fr;skos:broader;dcterms:created;geo:lat;foo:bar\n"
            "http://a/1;skos:Concept;vase;not an iri;hier;north;x\n"
            "not a uri;skos:Concept;épée;;;;\n").encode()
    converted = opentheso_csv(data, "t.csv")
    notes = "\n".join(converted.notes)
    assert "column 'foo:bar': unknown property prefix" in notes
    assert "t.csv:2: skos:broader: 'not an iri' is not an IRI" in notes
    assert "t.csv:2: dcterms:created: 'hier' is not a date" in notes
    assert "t.csv:2: geo:lat: 'north' is not a valid decimal" in notes
    assert "t.csv:3: URI 'not a uri' is not an IRI: row skipped" in notes
    assert converted.read == 2


@needs_shared
def test_cli_loads_a_csv_and_reports_what_it_did_in_json(tmp_path):
    result = cli("load", "--json", "--as", "sample", str(OPENTHESO / "sampleCSV_avecCollections.csv"),
                 data_dir=tmp_path / "store")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    assert report["status"] == "loaded" and report["counts"]["collections"] == 2
    broken = tmp_path / "broken.csv"
    broken.write_text("label,broader\nvase,\n", encoding="utf-8")
    result = cli("load", "--as", "broken", str(broken), data_dir=tmp_path / "store")
    assert result.returncode != 0 and "broken.csv:1: no URI column" in result.stderr
    assert "Traceback" not in result.stderr
