"""Skosmos REST v1: every one of the 28 paths of Skosmos' own swagger.json (a copy in tests/data, MIT like
Skosmos) answers, and each JSON answer validates against the schema the swagger gives for it. In process, over a
real store holding a small vocabulary with a collection, mappings (to a concept of another vocabulary here and to
an outside IRI), a deprecated concept and labels in two languages, beside the bundled GENE."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

BASE = "http://vocab.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
E = "http://example.org/v/"
SWAGGER = json.loads((Path(__file__).parent / "data" / "skosmos-swagger.json").read_text(encoding="utf-8"))
VOCABULARY = f"""@prefix skos: <{SKOS}> . @prefix e: <{E}> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
e:s a skos:ConceptScheme ; skos:prefLabel "Objets"@fr, "Objects"@en ; skos:hasTopConcept e:statue, e:vase .
e:statue a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "statue"@fr, "statue"@en ;
  skos:narrower e:statuette .
e:statuette a skos:Concept ; skos:inScheme e:s ; skos:broader e:statue ; skos:prefLabel "statuette"@fr ;
  skos:altLabel "figurine"@fr ; skos:hiddenLabel "statuete"@fr ; skos:related e:vase .
e:vase a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "vase"@fr ; skos:notation "V1" ;
  skos:related e:statuette ; skos:closeMatch <http://outside.example/vase> .
e:amphore a skos:Concept ; skos:inScheme e:s ; skos:prefLabel "amphore"@fr ; owl:deprecated true .
e:contenants a skos:Collection ; skos:prefLabel "Contenants"@fr ; skos:member e:vase, e:amphore, e:sous .
e:sous a skos:Collection ; skos:prefLabel "Sous-groupe"@fr ; skos:member e:statue .
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from vocabserver.changes.loading import load_bundled, load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore
    from vocabserver.web import create_app

    folder = tmp_path_factory.mktemp("skosmos")
    store = VocabStore(folder / "store", BASE)
    load_bundled(store, ["gene"], actor="test")
    gene = next(q.subject.value for q in store.quads(None, None, None, None)
                if q.predicate.value == SKOS + "prefLabel" and q.graph_name.value == BASE + "graph/gene")
    source = folder / "objets.ttl"
    source.write_text(VOCABULARY + f"e:vase skos:exactMatch <{gene}> .\n", encoding="utf-8")
    load_file(store, source, "objets")
    core = Core(Settings(folder / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1), store)
    core.labels.current()
    client = create_app(core).test_client()
    client.gene = gene
    return client


def _validate(answer: dict, schema: dict) -> None:
    jsonschema.validate(answer, {**schema, "definitions": SWAGGER["definitions"]},
                        cls=jsonschema.Draft4Validator)


CALLS = {  # path of the swagger -> (our path, query)
    "/vocabularies": ("/rest/v1/vocabularies", {"lang": "fr"}),
    "/search": ("/rest/v1/search", {"query": "stat*", "lang": "fr"}),
    "/label": ("/rest/v1/label", {"uri": E + "vase", "lang": "fr"}),
    "/data": ("/rest/v1/data", {"uri": E + "vase", "format": "application/ld+json"}),
    "/types": ("/rest/v1/types", {"lang": "fr"}),
    "/{vocid}/": ("/rest/v1/objets/", {"lang": "fr"}),
    "/{vocid}/types": ("/rest/v1/objets/types", {"lang": "fr"}),
    "/{vocid}/topConcepts": ("/rest/v1/objets/topConcepts", {"lang": "fr"}),
    "/{vocid}/data": ("/rest/v1/objets/data", {"uri": E + "vase", "format": "application/ld+json"}),
    "/{vocid}/search": ("/rest/v1/objets/search", {"query": "v*"}),
    "/{vocid}/lookup": ("/rest/v1/objets/lookup", {"label": "figurine", "lang": "fr"}),
    "/{vocid}/vocabularyStatistics": ("/rest/v1/objets/vocabularyStatistics", {"lang": "fr"}),
    "/{vocid}/labelStatistics": ("/rest/v1/objets/labelStatistics", {"lang": "fr"}),
    "/{vocid}/index/": ("/rest/v1/objets/index/", {"lang": "fr"}),
    "/{vocid}/index/{letter}": ("/rest/v1/objets/index/S", {"lang": "fr"}),
    "/{vocid}/label": ("/rest/v1/objets/label", {"uri": E + "vase", "lang": "fr"}),
    "/{vocid}/broader": ("/rest/v1/objets/broader", {"uri": E + "statuette"}),
    "/{vocid}/broaderTransitive": ("/rest/v1/objets/broaderTransitive", {"uri": E + "statuette"}),
    "/{vocid}/narrower": ("/rest/v1/objets/narrower", {"uri": E + "statue"}),
    "/{vocid}/narrowerTransitive": ("/rest/v1/objets/narrowerTransitive", {"uri": E + "statue"}),
    "/{vocid}/related": ("/rest/v1/objets/related", {"uri": E + "vase"}),
    "/{vocid}/children": ("/rest/v1/objets/children", {"uri": E + "statue"}),
    "/{vocid}/groups": ("/rest/v1/objets/groups", {"lang": "fr"}),
    "/{vocid}/new": ("/rest/v1/objets/new", {"lang": "fr"}),
    "/{vocid}/modified": ("/rest/v1/objets/modified", {"lang": "fr"}),
    "/{vocid}/groupMembers": ("/rest/v1/objets/groupMembers", {"uri": E + "contenants", "lang": "fr"}),
    "/{vocid}/hierarchy": ("/rest/v1/objets/hierarchy", {"uri": E + "statuette"}),
    "/{vocid}/mappings": ("/rest/v1/objets/mappings", {"uri": E + "vase", "lang": "fr"}),
}


# Where Skosmos' swagger and Skosmos' answers differ, the answers win (clients read those): the field answered as a
# map from URI to item.
MAPS = {"/{vocid}/broaderTransitive": "broaderTransitive", "/{vocid}/narrowerTransitive": "narrowerTransitive",
        "/{vocid}/hierarchy": "broaderTransitive"}


def test_every_path_of_the_swagger_is_called():
    assert set(CALLS) == set(SWAGGER["paths"]) and len(CALLS) == 28


@pytest.mark.parametrize("path", sorted(CALLS))
def test_each_answer_validates_against_the_swagger(app, path):
    ours, query = CALLS[path]
    answer = app.get(ours, query_string=query, follow_redirects=True)
    assert answer.status_code == 200, (path, answer.status_code, answer.get_data(as_text=True)[:300])
    schema = SWAGGER["paths"][path]["get"]["responses"]["200"].get("schema")
    if schema is None:
        return  # /data: RDF in the asked format, no JSON schema
    body = answer.get_json()
    definition = SWAGGER["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    for field in definition.get("properties", {}):
        if path in MAPS and field == MAPS[path]:
            # Skosmos answers these as an object keyed by URI where its swagger says a list: each value is checked
            # against the list's item schema (what skosmos-client reads).
            assert isinstance(body[field], dict) and body[field]
            body = {**body, field: list(body[field].values())}
    if path == "/{vocid}/index/{letter}":
        # The swagger requires `indexLetters` here (copied from /index/); Skosmos answers `indexConcepts`.
        schema = {**definition, "required": ["uri", "indexConcepts"]}
    if path == "/{vocid}/mappings":
        # The swagger's ConceptMappings lists the fields of one mapping as required at the top and types
        # `mappings` as one object, while Skosmos answers a list: each mapping is checked as the intent says.
        for mapping in body["mappings"]:
            _validate(mapping, {"$ref": "#/definitions/ConceptMapping",
                                "required": SWAGGER["definitions"]["ConceptMappings"]["required"]})
        return
    _validate(body, schema)


def test_statistics_count_what_the_vocabulary_holds(app):
    stats = app.get("/rest/v1/objets/vocabularyStatistics").get_json()
    assert stats["concepts"]["count"] == 4 and stats["concepts"]["deprecatedCount"] == 1
    assert stats["conceptGroups"]["count"] == 2 and stats["title"] == "Objets"
    labels = {entry["language"]: {p["property"]: p["labels"] for p in entry["properties"]}
              for entry in app.get("/rest/v1/objets/labelStatistics", query_string={"lang": "en"}).get_json()["languages"]}
    assert labels == {"fr": {"skos:prefLabel": 4, "skos:altLabel": 1, "skos:hiddenLabel": 1},
                      "en": {"skos:prefLabel": 1, "skos:altLabel": 0, "skos:hiddenLabel": 0}}
    assert app.get("/rest/v1/nowhere/vocabularyStatistics").status_code == 404


def test_group_members_and_mappings(app):
    members = app.get("/rest/v1/objets/groupMembers", query_string={"uri": E + "contenants"}).get_json()["members"]
    assert [(m["prefLabel"], m["hasMembers"]) for m in members] == [
        ("amphore", False), ("Sous-groupe", True), ("vase", False)]
    assert next(m for m in members if m["uri"] == E + "vase")["notation"] == "V1"
    assert app.get("/rest/v1/objets/groupMembers", query_string={"uri": E + "vase"}).status_code == 404
    found = app.get("/rest/v1/objets/mappings", query_string={"uri": E + "vase", "lang": "fr"}).get_json()["mappings"]
    by_type = {m["type"][0]: m for m in found}
    assert set(by_type) == {"skos:exactMatch", "skos:closeMatch"}
    inside = by_type["skos:exactMatch"]
    assert inside["uri"] == app.gene and inside["vocabName"] == "Genèse"
    assert inside["from"]["memberSet"] == [{"uri": E + "vase"}] and inside["typeLabel"] == "Correspondance exacte"
    outside = app.get("/rest/v1/objets/mappings", query_string={"uri": E + "vase", "external": "false"}).get_json()
    assert [m["type"] for m in outside["mappings"]] == [["skos:exactMatch"]]
    assert app.get("/rest/v1/objets/mappings", query_string={"uri": E + "nowhere"}).status_code == 404
