"""Skosmos REST v1 compatibility: the PyPI client `skosmos-client`, and raw calls, against a real server."""

from __future__ import annotations

import pytest
import rdflib
import requests
from rdflib.namespace import SKOS
from skosmos_client import SkosmosClient


@pytest.fixture(scope="module")
def client(server) -> SkosmosClient:
    return SkosmosClient(api_base=server.url + "/rest/v1/")


@pytest.fixture(scope="module")
def sword(client) -> str:
    return client.lookup("deno", "épée", lang="fr")[0]["uri"]


def rest(server, path: str, status: int = 200, **query) -> dict:
    response = requests.get(server.url + "/rest/v1/" + path, params=query, timeout=30)
    assert response.status_code == status, response.text
    return response.json()


def test_client_lists_vocabularies(client):
    vocabularies = client.vocabularies("fr")
    assert len(vocabularies) == 16
    deno = next(v for v in vocabularies if v["id"] == "deno")
    assert deno["title"] == "Dénominations" and deno["uri"] == "deno"
    assert next(v for v in client.vocabularies("en") if v["id"] == "deno")["title"] == "Object names"


def test_client_searches(client):
    results = client.search("epee*", lang="fr", vocabs="deno")
    labels = [r["prefLabel"] for r in results]
    assert labels[0] == "épée" and "épée-baïonnette" in labels
    assert all(r["vocab"] == "deno" and r["type"] == ["skos:Concept"] and r["localname"] for r in results)
    everywhere = client.search("epee", lang="fr")  # no wildcard: the whole label
    assert {r["vocab"] for r in everywhere} == {"deno", "repr"}
    assert [r for r in client.search("*baionnette", vocabs=["deno", "repr"]) if r["prefLabel"] == "épée-baïonnette"]
    alt = client.search("toile d'araignée", vocabs="tech")
    assert alt[0]["prefLabel"] == "fil d'araignée" and alt[0]["altLabel"] == "toile d'araignée"


def client_data(client, uri: str, vocid: str | None = None) -> rdflib.Graph:
    """`SkosmosClient.data` as the client does it, with the format its request names (RDF/XML).

    skosmos-client 0.3 parses the answer with rdflib's default format, which was RDF/XML until rdflib 6
    made it Turtle: against any Skosmos server, `data()` fails with rdflib >= 6. Same request, same
    answer, parsed as what it is."""
    url = client.api_base + (f"{vocid}/data" if vocid else "data")
    response = requests.get(url, params={"uri": uri, "format": "application/rdf+xml"}, timeout=30)
    response.raise_for_status()
    assert response.headers["Content-Type"].startswith("application/rdf+xml")
    return rdflib.Graph().parse(data=response.content, format="xml")


def test_client_fetches_a_concept(client, sword):
    graph = client_data(client, sword, vocid="deno")
    assert (rdflib.URIRef(sword), SKOS.prefLabel, rdflib.Literal("épée", lang="fr")) in graph
    assert client_data(client, sword).isomorphic(graph)
    concept = client.get_concept("deno", sword)
    assert concept.label("fr") == "épée"
    narrower = [n["prefLabel"] for n in concept.narrower("fr")]
    assert "épée-baïonnette" in narrower
    child = next(n["uri"] for n in concept.narrower("fr") if n["prefLabel"] == "épée-baïonnette")
    assert [b["uri"] for b in client.get_concept("deno", child).broader("fr")] == [sword]
    transitive = client.get_concept("deno", child).broaderTransitive("fr")
    assert set(transitive) == {child, sword} and transitive[child]["broader"] == [sword]
    assert sword in concept.narrowerTransitive("fr")
    assert concept.related("fr") == []


def test_client_vocabulary_top_concepts_types_groups(client):
    deno = client.get_vocabulary("deno", lang="fr")
    assert deno["id"] == "deno" and deno["defaultLanguage"] == "fr" and "fr" in deno["languages"]
    assert deno["conceptschemes"][0]["uri"] == "http://data.culture.fr/thesaurus/resource/ark:/67717/T505"
    tops = client.top_concepts("domn", lang="fr")
    assert len(tops) == 4 and all(t["hasChildren"] and t["topConceptOf"] for t in tops)
    assert {t["uri"] for t in client.types("fr")} >= {str(SKOS.Concept)}
    groups = client.groups("deno", lang="fr")
    assert groups and groups[0]["uri"].endswith("/deno/guide-terms") and groups[0]["hasMembers"]
    with pytest.raises(ValueError):
        client.get_vocabulary("nope")
    with pytest.raises(ValueError):
        client.lookup("deno", "zzzz introuvable")


def test_children_hierarchy_index_label(server, sword):
    children = rest(server, "deno/children", uri=sword, lang="fr")
    assert children["uri"] == sword and all("hasChildren" in c for c in children["narrower"])
    child = next(c["uri"] for c in children["narrower"] if c["prefLabel"] == "épée-baïonnette")
    hierarchy = rest(server, "deno/hierarchy", uri=child, lang="fr")["broaderTransitive"]
    assert hierarchy[sword]["top"] == "http://data.culture.fr/thesaurus/resource/ark:/67717/T505"
    assert any(n["uri"] == child for n in hierarchy[sword]["narrower"])
    assert len(hierarchy) > 1000  # with every other top concept, as Skosmos draws the tree
    letters = rest(server, "autr/index/")["indexLetters"]
    assert "B" in letters
    entries = rest(server, "autr/index/B", limit=10, offset=10)["indexConcepts"]
    assert len(entries) == 10 and all(e["prefLabel"] and e["localname"] for e in entries)
    label = rest(server, "label", uri=sword, lang="fr")
    assert label["prefLabel"] == "épée" and label["@context"]["prefLabel"] == "skos:prefLabel"
    rest(server, "deno/label", status=404, uri="http://nowhere.test/x")
    assert rest(server, "search", status=400, query="")["status"] == 400


def test_vocabulary_data_redirects_to_the_dump(server):
    response = requests.get(server.url + "/rest/v1/gene/data", headers={"Accept": "text/turtle"}, timeout=30,
                            allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dumps/gene.ttl")
    graph = rdflib.Graph().parse(data=requests.get(server.url + "/rest/v1/gene/data",
                                                   headers={"Accept": "text/turtle"}, timeout=30).text,
                                 format="turtle")
    assert len(graph) > 500
