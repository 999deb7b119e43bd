"""The W3C SPARQL 1.1 Protocol test suite (`../shared/specs/w3c-sparql11-tests/protocol/manifest.ttl`, 34 tests),
run as written against a real server process holding a bundled vocabulary (GENE: four of the tests begin with
`CLEAR ALL` or `DROP ALL`, which on the sixteen vocabularies is a 458,000-triple change of about a minute —
changes of that size are tested by dropping AUTR in test_sparql_under_writes.py).

Each test's setup data (`ut:graphData`) is loaded through the server's own Graph Store Protocol with an admin
token; each request of the test is sent in order (`/sparql/` of the manifest is our `/sparql`; updates carry the
token), and its answer is checked for the expected status class, result format and boolean. The manifest and
its data files are read from `../shared` (reference data, not shipped): without it the suite is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from .conftest import ROOT, Server, cli

SUITE = ROOT.parent / "shared" / "specs" / "w3c-sparql11-tests" / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

pytestmark = pytest.mark.skipif(not (SUITE / "manifest.ttl").exists(), reason="../shared has no W3C protocol suite")

RDF_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json",
             "application/n-quads", "application/trig", "text/n3")
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values")


def _manifest():
    graph = Graph()
    graph.parse(SUITE / "manifest.ttl", format="turtle", publicID=(SUITE / "manifest.ttl").as_uri())
    root = next(graph.subjects(RDF.type, MF.Manifest))
    entries = list(Collection(graph, graph.value(root, MF.entries)))
    return graph, entries


def _tests():
    if not (SUITE / "manifest.ttl").exists():
        return []
    graph, entries = _manifest()
    return [str(entry).rsplit("#", 1)[1] for entry in entries]


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """A server on a store holding GENE, and an admin token made by the CLI before it starts."""
    folder = tmp_path_factory.mktemp("w3c") / "store"
    loaded = cli("load", "--bundled", "gene", data_dir=folder)
    assert loaded.returncode == 0, loaded.stderr
    made = cli("token", "create", "--name", "w3c", "--role", "admin", data_dir=folder)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    server = Server(folder, base_uri="http://vocab.test/")
    yield server, token
    server.stop()


def _load(server, token: str, graph: Graph, test) -> None:
    for data in graph.objects(test, UT.graphData):
        name = str(graph.value(data, RDFS.label))
        path = Path(str(graph.value(data, UT.graph)).replace("file://", ""))
        answer = requests.put(f"{server.url}/store", params={"graph": name}, data=path.read_bytes(), timeout=60,
                              headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {token}"})
        assert answer.status_code in (200, 201, 204), (name, answer.status_code, answer.text)


def _boolean(response: requests.Response) -> bool:
    kind = response.headers.get("Content-Type", "")
    if "json" in kind:
        return response.json()["boolean"]
    found = re.search(r"<boolean>\s*(true|false)\s*</boolean>", response.text)
    assert found, response.text[:300]
    return found.group(1) == "true"


@pytest.mark.parametrize("name", _tests())
def test_w3c_protocol(endpoint, name):
    server, token = endpoint
    graph, _entries = _manifest()
    test = URIRef((SUITE / "manifest.ttl").as_uri() + "#" + name)
    test = next(t for t in graph.subjects(RDF.type, MF.ProtocolTest) if str(t).endswith("#" + name))
    _load(server, token, graph, test)
    action = graph.value(test, MF.action)
    for request in Collection(graph, graph.value(action, HT.requests)):
        method = str(graph.value(request, HT.methodName))
        path = str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
        headers = {}
        for header in Collection(graph, graph.value(request, HT.headers)) if graph.value(request, HT.headers) else []:
            headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
        body = graph.value(request, HT.body)
        data = None
        if body is not None:
            encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
            data = str(graph.value(body, CNT.chars)).encode(encoding.lower())
        kind = headers.get("content-type", "")
        if "sparql-update" in kind or (data is not None and b"update=" in data[:7]):
            headers["Authorization"] = f"Bearer {token}"
        response = requests.request(method, server.url + path, headers=headers, data=data, timeout=60,
                                    allow_redirects=False)
        answer = graph.value(request, HT.resp)
        statuses = {str(s).rsplit("#", 1)[1] for s in graph.objects(answer, MF.expectedStatus)}
        expected = {"StatusCode2xx": 2, "StatusCode3xx": 3, "StatusCode4xx": 4, "StatusCode5xx": 5}
        assert response.status_code // 100 in {expected[s] for s in statuses}, \
            (name, method, path, response.status_code, response.text[:500])
        form = graph.value(answer, MF.expectedFormat)
        content = response.headers.get("Content-Type", "").split(";")[0].strip()
        if form is not None and str(form) == "RDF":
            assert content in RDF_TYPES, (name, content)
        elif form is not None:
            assert content in RESULT_TYPES, (name, content)
        boolean = graph.value(answer, MF.expectedBoolean)
        if boolean is not None:
            assert _boolean(response) is boolean.toPython(), (name, response.text[:500])


def test_the_whole_suite_is_run():
    """34 tests: none dropped by the reader of the manifest."""
    assert len(_tests()) == 34
