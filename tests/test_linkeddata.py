"""Dereferenceable URIs with content negotiation, dumps, catalogue and HTTP caching, over real HTTP."""

from __future__ import annotations

import gzip

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

DOMN_ARK = "/resource/ark:/67717/T51-1"
DENO_SCHEME = "/resource/ark:/67717/T505"
TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/rdf+xml": ("rdf", "xml"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
}


@pytest.fixture(scope="module")
def deno_concept(server) -> str:
    """The path of the DENO concept "épée", found through SPARQL."""
    query = ('SELECT ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> "épée"@fr ; '
             '<http://www.w3.org/2004/02/skos/core#inScheme> <http://data.culture.fr/thesaurus/resource/ark:/67717/T505> }')
    rows = server.get("/sparql", params={"query": query}).json()["results"]["bindings"]
    assert len(rows) == 1
    iri = rows[0]["c"]["value"]
    base = f"http://localhost:{server.port}/"
    assert iri.startswith(base + "deno/")
    return "/" + iri[len(base):]


def _parse(body: bytes, rdflib_format: str, base: str) -> Graph:
    return Graph().parse(data=body, format=rdflib_format, publicID=base)


@pytest.mark.parametrize("media_type", list(TYPES))
def test_each_rdf_type_by_accept_and_by_suffix(server, deno_concept, media_type):
    suffix, rdflib_format = TYPES[media_type]
    for path in (deno_concept, DENO_SCHEME, DOMN_ARK):
        by_accept = server.get(path, headers={"Accept": media_type})
        assert by_accept.status_code == 200, (path, by_accept.text)
        assert by_accept.headers["Content-Type"].split(";")[0] == media_type
        assert by_accept.headers["Vary"] == "Accept"
        assert by_accept.headers["Content-Location"] == f"{path}.{suffix}"
        by_suffix = server.get(f"{path}.{suffix}")
        assert by_suffix.status_code == 200 and by_suffix.content == by_accept.content
        graph = _parse(by_accept.content, rdflib_format, server.url)
        assert len(graph) > 3


def test_description_is_self_sufficient(server, deno_concept):
    graph = _parse(server.get(deno_concept + ".ttl").content, "turtle", server.url)
    concept = URIRef(f"http://localhost:{server.port}{deno_concept}")
    assert graph.value(concept, SKOS.prefLabel) == Literal("épée", lang="fr")
    for broader in graph.objects(concept, SKOS.broader):
        assert graph.value(broader, SKOS.prefLabel) is not None  # labels of linked resources included
    ark = _parse(server.get(DOMN_ARK, headers={"Accept": "text/turtle"}).content, "turtle", server.url)
    children = list(ark.objects(URIRef("http://data.culture.fr/thesaurus/resource/ark:/67717/T51-1"), SKOS.narrower))
    assert children and all(ark.value(c, SKOS.prefLabel) for c in children)


def test_jsonld_is_compact_with_the_published_context(server, deno_concept):
    doc = server.get(deno_concept, headers={"Accept": "application/ld+json"}).json()
    assert doc["@context"]["skos"] == "http://www.w3.org/2004/02/skos/core#"
    node = next(n for n in doc["@graph"] if n["@id"].endswith(deno_concept))
    assert node["@type"] == ["skos:Concept"] and node["skos:prefLabel"] == [{"@value": "épée", "@language": "fr"}]
    context = server.get("/context.jsonld")
    assert context.headers["Content-Type"] == "application/ld+json"
    assert context.json()["@context"] == doc["@context"]


def test_html_is_valid_and_escaped(server, deno_concept):
    page = server.get(deno_concept, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert page.text.startswith("<!DOCTYPE html>") and "<title>épée" in page.text
    import html5lib

    html5lib.HTMLParser(strict=True).parse(page.text)  # raises on any parse error
    assert page.text.count("<script") == 1  # the interface's own file, nothing inline


def test_unknown_type_is_406_with_the_list(server, deno_concept):
    response = server.get(deno_concept, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.json()["message"]
    assert server.get(deno_concept + "?format=yaml").status_code == 406


def test_unknown_resource_is_404(server):
    assert server.get("/deno/doesnotexist", headers={"Accept": "application/json"}).status_code == 404
    assert server.get("/deno/doesnotexist").status_code == 404
    assert server.get("/resource/ark:/67717/T51-99999").status_code == 404
    assert server.get("/resource").status_code == 400


def test_uri_parameter_resolves_held_iris(server):
    response = server.get("/resource", params={"uri": "http://data.culture.fr/thesaurus/resource/ark:/67717/T51-1"},
                          headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and "domaine par support de conservation" in response.text


def test_conditional_requests_get_304(server, deno_concept):
    first = server.get(deno_concept + ".ttl")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"].startswith("public")
    assert server.get(deno_concept + ".ttl", headers={"If-None-Match": etag}).status_code == 304
    assert server.get(deno_concept + ".ttl", headers={"If-Modified-Since": modified}).status_code == 304
    assert server.get(deno_concept + ".nt", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize("name, rdflib_format", [("gene.ttl", "turtle"), ("gene.rdf", "xml"), ("gene.nt", "nt"),
                                                 ("gene.jsonld", "json-ld")])
def test_dumps_in_every_format_and_gzip(server, name, rdflib_format):
    plain = server.get(f"/dumps/{name}")
    zipped = server.get(f"/dumps/{name}.gz")
    assert plain.status_code == zipped.status_code == 200
    assert gzip.decompress(zipped.content) == plain.content
    assert len(_parse(plain.content, rdflib_format, server.url)) == server.get("/health").json()["vocabularies"][
        "gene"]["triples"]


def test_whole_set_dump_keeps_graphs(server):
    response = server.get("/dumps/all.nq.gz")
    assert response.status_code == 200
    lines = gzip.decompress(response.content).decode().splitlines()
    assert len(lines) == sum(v["triples"] for v in server.get("/health").json()["vocabularies"].values())
    assert server.get("/dumps/nosuch.ttl").status_code == 404


def test_void_catalogue(server):
    response = server.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = _parse(response.content, "turtle", server.url)
    void = "http://rdfs.org/ns/void#"
    dumps = {str(o) for o in graph.objects(None, URIRef(void + "dataDump"))}
    assert f"http://localhost:{server.port}/dumps/deno.ttl" in dumps
    assert (None, URIRef(void + "sparqlEndpoint"), URIRef(f"http://localhost:{server.port}/sparql")) in graph
    assert '/.well-known/void' in server.get("/").text


def test_cors_on_read_endpoints(server, deno_concept):
    assert server.get(deno_concept + ".ttl").headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(server.url + "/sparql", headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST"}, timeout=10)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*" and "POST" in preflight.headers[
        "Access-Control-Allow-Methods"]


def test_labels_are_escaped_in_html(tmp_path):
    from .conftest import Server, cli

    data_dir = tmp_path / "store"
    source = tmp_path / "xss.ttl"
    source.write_text('@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n'
                      '<s> a skos:ConceptScheme ; skos:prefLabel "Sch&eacute;ma"@fr .\n'
                      '<c> a skos:Concept ; skos:inScheme <s> ; skos:topConceptOf <s> ;\n'
                      '  skos:prefLabel "<script>alert(1)</script>"@fr ; skos:definition "a \\"quoted\\" <b>note</b>"@fr .\n',
                      encoding="utf-8")
    assert cli("load", "--as", "xss", str(source), data_dir=data_dir, base_uri="").returncode == 0
    server = Server(data_dir)
    try:
        page = server.get("/xss/c", headers={"Accept": "text/html"})
        assert page.status_code == 200
        # The only script is the interface's own file; the label is text.
        assert page.text.count("<script") == 1 and '<script src="/static/app.js' in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "&lt;b&gt;note&lt;/b&gt;" in page.text
        sparql = server.get("/sparql", params={"query": "SELECT ?l WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }",
                                               "format": "html"})
        assert "<script" not in sparql.text.split("<h2>Résultat")[1]
        for path in ("/xss", "/search?q=alert", "/xss?letter=%23"):
            listed = server.get(path, headers={"Accept": "text/html"})
            assert listed.status_code == 200 and listed.text.count("<script") == 1, path
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listed.text, path
    finally:
        server.stop()
