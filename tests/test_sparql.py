"""The SPARQL 1.1 Protocol endpoint against a running server, with real client libraries."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, XML, N3, JSONLD, RDFXML, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from .conftest import Server, cli

SKOS = "http://www.w3.org/2004/02/skos/core#"
DENO = "<http://data.culture.fr/thesaurus/resource/ark:/67717/T505>"
SELECT = f'SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l ; <{SKOS}inScheme> {DENO} . FILTER(STR(?l) = "épée") }}'
ASK = f'ASK {{ ?c <{SKOS}prefLabel> "épée"@fr }}'
CONSTRUCT = (f'CONSTRUCT {{ ?c <{SKOS}prefLabel> ?l }} WHERE {{ ?c <{SKOS}prefLabel> ?l ; <{SKOS}inScheme> {DENO} . '
             'FILTER(STR(?l) = "épée") }')
DESCRIBE = "DESCRIBE <http://data.culture.fr/thesaurus/resource/ark:/67717/T51-1>"


def wrapper(server, query: str, fmt, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_result_format(server, fmt, method):
    result = wrapper(server, SELECT, fmt, method).query()
    body = result.convert()
    if fmt == JSON:
        bindings = body["results"]["bindings"]
        assert [b["l"]["value"] for b in bindings] == ["épée"] and bindings[0]["l"]["xml:lang"] == "fr"
    elif fmt == XML:
        assert [n.firstChild.data for n in body.getElementsByTagName("literal")] == ["épée"]
    else:
        text = body.decode() if isinstance(body, bytes) else body
        assert "épée" in text


@pytest.mark.parametrize("fmt", [JSON, XML, TSV])
def test_ask(server, fmt):
    body = wrapper(server, ASK, fmt).query().convert()
    if fmt == JSON:
        assert body["boolean"] is True
    elif fmt == XML:
        assert body.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert b"true" in body if isinstance(body, bytes) else "true" in body


@pytest.mark.parametrize("fmt", [TURTLE, RDFXML, JSONLD, N3])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE])
def test_construct_and_describe_in_rdf_formats(server, fmt, query):
    graph = wrapper(server, query, fmt).query().convert()
    if not isinstance(graph, Graph):
        graph = Graph().parse(data=graph, format={TURTLE: "turtle", N3: "turtle"}.get(fmt, "xml"))
    assert len(graph) >= 1
    if query == CONSTRUCT:
        assert Literal("épée", lang="fr") in set(graph.objects())


def test_post_direct_and_form_and_dataset_parameters(server):
    direct = requests.post(server.url + "/sparql", data=SELECT.encode(), timeout=30, headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert direct.status_code == 200 and direct.json()["results"]["bindings"]
    graph = f"http://localhost:{server.port}/graph/gene"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    form = requests.post(server.url + "/sparql", data={"query": count, "default-graph-uri": graph}, timeout=30,
                         headers={"Accept": "application/sparql-results+json"})
    n = int(form.json()["results"]["bindings"][0]["n"]["value"])
    assert n == server.get("/health").json()["vocabularies"]["gene"]["triples"]
    named = server.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                                          "named-graph-uri": graph}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [graph]
    # A graph the store lacks is an empty graph (as SPARQL stores answer), not an error.
    unknown = server.get("/sparql", params={"query": count, "default-graph-uri": "http://nowhere.example/g"})
    assert unknown.status_code == 200 and unknown.json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_default_graph_is_the_union_and_graphs_are_named(server):
    def count(query: str) -> int:
        return int(server.get("/sparql", params={"query": query}).json()["results"]["bindings"][0]["n"]["value"])

    vocabularies = sum(v["triples"] for v in server.get("/health").json()["vocabularies"].values())
    total = count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert total == count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    catalogue = count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <http://localhost:{server.port}/graph/catalogue> "
                      "{ ?s ?p ?o } }")
    # The change log is a graph too: the 16 loads of the bundled vocabularies are recorded there.
    history = count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <http://localhost:{server.port}/graph/history> "
                    "{ ?s ?p ?o } }")
    loads = count("PREFIX cs: <http://purl.org/vocab/changeset/schema#> SELECT (COUNT(*) AS ?n) WHERE { GRAPH "
                  f"<http://localhost:{server.port}/graph/history> {{ ?c a cs:ChangeSet }} }}")
    assert total == vocabularies + catalogue + history and 0 < catalogue < 2000 and loads == 16
    graphs = server.get("/sparql", params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"}).json()
    names = {b["g"]["value"] for b in graphs["results"]["bindings"]}
    assert len(names) == 18 and f"http://localhost:{server.port}/graph/catalogue" in names


def test_rdflib_sparqlstore(server):
    graph = Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="json"))
    rows = list(graph.query(SELECT))
    assert [str(r.l) for r in rows] == ["épée"]
    assert (None, URIRef(SKOS + "prefLabel"), Literal("épée", lang="fr")) in graph


def test_bad_query_is_400_with_position(server):
    with pytest.raises(QueryBadFormed) as info:
        wrapper(server, "SELECT * WHERE { ?s ?p ", JSON).query()
    assert "1:" in str(info.value)
    response = server.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400 and "error at 1:" in response.text


def test_service_and_updates_are_refused(server):
    response = requests.post(server.url + "/sparql", timeout=30, data={
        "query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"})
    assert response.status_code == 400 and "SERVICE" in response.text
    literal = server.get("/sparql", params={"query": 'ASK { ?s ?p "SERVICE <x> {}" }'})
    assert literal.status_code == 200  # the word inside a literal is not the operator
    for data, ctype in (({"update": "LOAD <http://example.org/x>"}, None),
                        ("INSERT DATA { <a:b> <a:c> <a:d> }", "application/sparql-update")):
        headers = {"Content-Type": ctype} if ctype else {}
        refused = requests.post(server.url + "/sparql", data=data, headers=headers, timeout=30)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    # With a token (created by the CLI while the server runs: tokens live beside the store, not in it),
    # LOAD is still refused: the server never reaches the network.
    created = cli("token", "create", "--name", "sparql-test", "--role", "admin", data_dir=server.data_dir)
    token = created.stdout.strip().splitlines()[-1]
    refused = requests.post(server.url + "/sparql", data={"update": "LOAD <http://example.org/x>"},
                            headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert refused.status_code == 400 and "LOAD is not allowed" in refused.text
    assert server.get("/sparql", params={"update": "CLEAR ALL"}).status_code == 405


def test_protocol_errors(server):
    assert requests.post(server.url + "/sparql", data="x", headers={"Content-Type": "text/plain"},
                         timeout=30).status_code == 415
    assert server.get("/sparql", params={"query": SELECT}, headers={"Accept": "image/png"}).status_code == 406
    both = server.url + "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"
    assert requests.get(both, timeout=30).status_code == 400


def test_service_description_and_query_page(server):
    description = server.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=description.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (URIRef(f"http://localhost:{server.port}/sparql"), URIRef(sd + "endpoint"), None) in graph
    page = server.get("/sparql", headers={"Accept": "text/html"})
    assert "<textarea" in page.text and "Top concepts of DENO" in page.text
    table = server.get("/sparql", params={"query": SELECT, "format": "html"})
    assert table.status_code == 200 and "<td>épée" in table.text


def test_get_results_are_cacheable(server):
    first = server.get("/sparql", params={"query": ASK})
    again = server.get("/sparql", params={"query": ASK}, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


@pytest.fixture(scope="module", params=["process", "thread"])
def strict_server(request, tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("strict") / "store",
                 env={"VOCABSERVER_SPARQL_TIMEOUT": "2", "VOCABSERVER_SPARQL_MAX_ROWS": "1000",
                      "VOCABSERVER_SPARQL_ISOLATION": request.param})
    yield srv
    srv.stop()


def test_row_cap(strict_server):
    response = strict_server.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 400 and "row cap is 1000" in response.text
    assert strict_server.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1000"}).status_code == 200


def test_runaway_query_is_cut_and_health_keeps_answering(strict_server):
    outcome = {}

    def runaway():
        started = time.perf_counter()
        response = requests.get(strict_server.url + "/sparql", timeout=60, params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . FILTER(?c != ?f) }"})
        outcome.update(status=response.status_code, text=response.text, seconds=time.perf_counter() - started)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    latencies = []
    while thread.is_alive():
        started = time.perf_counter()
        assert strict_server.get("/health").status_code == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.1)
    assert outcome["status"] == 503 and "time limit of 2 s" in outcome["text"]
    assert outcome["seconds"] < 5
    assert latencies and max(latencies) < 1.0
    streaming = strict_server.get("/sparql", params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 999"})
    assert streaming.status_code == 200
