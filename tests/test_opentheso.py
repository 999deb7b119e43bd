"""The Opentheso-compatible read API (`/opentheso/api/…`) against a real server process, through emulations of
the two clients that call Opentheso for the Joconde thesauri today:
- POP's thesaurus cache: the list of thesauri, then each whole thesaurus as `all/theso?id=thNNN&format=json`
  (RDF/JSON), walked into {uri: prefLabel, altLabels, broader, narrower} and roots — the reduced form that
  ../shared keeps of Opentheso's own answers, which the test compares with where it is there;
- the CollectiveAccess "museesDeFrance" profile: `all/theso?...&format=json` read into a tree from the roots down.
And the smaller calls: a concept by ARK in the four formats, the preferred label of an ARK, autocompletion (and
its `full` form), search, the last update, top terms and narrower ones."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
import requests

from tests.conftest import SHARED

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CURRENT = SHARED / "opentheso-current"


def api(server, path: str, **query) -> requests.Response:
    answer = requests.get(f"{server.url}/opentheso/api/{path}", params=query, timeout=120)
    assert answer.headers.get("Access-Control-Allow-Origin") == "*"
    return answer


def pop_cache(rdf_json: dict) -> dict:
    """What POP's cache keeps of a thesaurus (the reduced form of ideesculture/museesDeFrance's script)."""
    concepts = {}
    for uri, properties in rdf_json.items():
        if {"type": "uri", "value": SKOS + "Concept"} not in properties.get(RDF_TYPE, []):
            continue
        french = [v["value"] for v in properties.get(SKOS + "prefLabel", []) if v.get("lang", "fr").startswith("fr")]
        concepts[uri] = {"prefLabel": french[0] if french else None,
                         "altLabels": sorted(v["value"] for v in properties.get(SKOS + "altLabel", [])),
                         "broader": sorted(v["value"] for v in properties.get(SKOS + "broader", [])),
                         "narrower": sorted(v["value"] for v in properties.get(SKOS + "narrower", []))}
    roots = sorted(uri for uri, c in concepts.items() if not c["broader"])
    return {"concepts": concepts, "roots": roots}


def test_pop_cache_reads_every_thesaurus(server):
    thesauri = api(server, "info/list", theso="all").json()
    ids = [t["idTheso"] for t in thesauri]
    assert len(ids) == 16 and "th294" in ids and all(t["labels"][0]["lang"] == "fr" for t in thesauri)
    for theso in ("th298", "th294", "th288"):
        answer = api(server, "all/theso", id=theso, format="json")
        assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/json")
        cache = pop_cache(answer.json())
        assert cache["roots"] and all(c["prefLabel"] for c in cache["concepts"].values())
        reference = CURRENT / f"{theso}.json"
        if reference.exists():  # Opentheso's own answer, as ../shared keeps it
            kept = json.loads(reference.read_text(encoding="utf-8"))
            assert set(cache["concepts"]) == set(kept["concepts"])
            differ = [u for u, c in kept["concepts"].items() if c["prefLabel"] != cache["concepts"][u]["prefLabel"]]
            assert not differ, differ[:5]
            for uri, concept in kept["concepts"].items():
                assert sorted(concept["broader"]) == cache["concepts"][uri]["broader"], uri


def test_the_collectiveaccess_profile_builds_its_tree(server):
    rdf_json = api(server, "all/theso", id="th294", format="json").json()
    cache = pop_cache(rdf_json)
    seen: set[str] = set()

    def walk(uri: str, depth: int) -> int:
        assert depth < 50 and uri not in seen
        seen.add(uri)
        return 1 + sum(walk(child, depth + 1) for child in cache["concepts"][uri]["narrower"]
                       if child in cache["concepts"])

    assert sum(walk(root, 0) for root in cache["roots"]) == len(cache["concepts"])
    stats = requests.get(f"{server.url}/api/v1/vocabularies/domn", timeout=30).json()
    assert len(cache["concepts"]) == stats["concepts"]


def test_a_concept_its_label_and_the_finding_calls(server):
    uri = "http://data.culture.fr/thesaurus/resource/ark:/67717/T51-128"
    for suffix, fmt in (("rdf", ox.RdfFormat.RDF_XML), ("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD)):
        answer = api(server, f"67717/T51-128.{suffix}")
        assert answer.status_code == 200
        triples = list(ox.parse(answer.content, format=fmt))
        assert any(q.predicate.value == SKOS + "prefLabel" and q.object.value == "archéologie" for q in triples)
    assert uri in api(server, "67717/T51-128.json").json()
    assert api(server, "67717/T51-128").status_code == 200  # RDF/XML by default, as Opentheso
    assert api(server, "preflabel.fr/67717/T51-128.json").json() == {"prefLabel": "archéologie"}
    assert api(server, "th294.T51-128.json").json()[uri]
    completed = api(server, "autocomplete/archeo", theso="th294", lang="fr").json()
    assert completed[0] == {"uri": uri, "label": "archéologie"}
    full = api(server, "autocomplete", value="archéo", theso="th294", lang="fr", format="full").json()
    assert full[0]["uri"] == uri and full[0]["isAltLabel"] is False and "definition" in full[0]
    found = api(server, "search", theso="th294", q="archéologie", lang="fr", format="jsonld")
    assert found.status_code == 200 and uri in found.text
    assert api(server, "search", theso="th294", q="ark:/67717/T51-128", format="json").json()[uri]
    assert len(api(server, "info/lastupdate", theso="th294").json()["lastUpdate"]) == 10
    tops = api(server, "topterm", theso="th294", lang="fr").json()
    assert tops and all({"id", "label", "haveChildren"} <= set(t) for t in tops)
    first = next(t for t in tops if t["haveChildren"])
    assert api(server, "narrower", theso="th294", id=first["id"], lang="fr").json()


@pytest.mark.parametrize("path, query, status", [
    ("all/theso", {"id": "th999"}, 404), ("all/theso", {"id": "th294", "format": "xls"}, 400),
    ("autocomplete/vase", {}, 400), ("67717/nowhere.json", {}, 404), ("preflabel.fr/67717/nowhere.json", {}, 404),
])
def test_bad_calls_say_why(server, path, query, status):
    answer = api(server, path, **query)
    assert answer.status_code == status and answer.json()["message"]
