"""Private vocabularies: to a caller without an account they do not exist — on every GET route of the
application (walked from its URL map, each with the private vocabulary's id, a concept's URI and its words),
in searches across vocabularies, SPARQL (whatever the dataset asked), dumps, the Graph Store, the change log
and the proposals — while a reader's token or a signed-in user reads them. In process, over a real store."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from .test_editing import BASE, VOCABULARY

S = "http://example.org/secret/"
SECRET = f"""@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix s: <{S}> .
s:scheme a skos:ConceptScheme ; skos:prefLabel "Réserve"@fr ; skos:hasTopConcept s:zorglub .
s:zorglub a skos:Concept ; skos:inScheme s:scheme ; skos:topConceptOf s:scheme ; skos:prefLabel "zorglub"@fr ;
    skos:altLabel "zorglubien"@fr ; skos:narrower s:zorgluette .
s:zorgluette a skos:Concept ; skos:inScheme s:scheme ; skos:broader s:zorglub ; skos:prefLabel "zorgluette"@fr .
"""
WORDS = re.compile(r"zorglubien|zorgluet|example\.org/secret|R[ée]serve", re.I)  # not the words asked (echoed)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from vocabserver.changes import editing
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore
    from vocabserver.web import create_app

    folder = tmp_path_factory.mktemp("private")
    (folder / "objets.ttl").write_text(VOCABULARY, encoding="utf-8")
    (folder / "secret.ttl").write_text(SECRET, encoding="utf-8")
    store = VocabStore(folder / "store", BASE)
    load_file(store, folder / "objets.ttl", "objets")
    load_file(store, folder / "secret.ttl", "secret")
    core = Core(Settings(folder / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1), store)
    core.labels.current()
    core.writer.apply(editing.update(store, "secret", S + "zorgluette", {"altLabel": {"fr": ["zorgluettine"]}}, "marie"))
    core.proposals.propose({"vocab": "secret", "prefLabel": "zorglubette"}, "musee")
    assert core.privacy.set("secret", True, "test")
    reader = {"Authorization": "Bearer " + core.tokens.create("lecteur", "reader")}
    return core, create_app(core).test_client(), reader


def _values(rule: str, core) -> dict:
    numbers = core.writer.history.numbers("secret")
    return {"vocab_id": "secret", "local": "zorglub", "filename": "secret.ttl", "number": str(numbers[0]),
            "letter": "Z", "code": "DENO", "rest": "ark:/67717/T1-1", "name": "app.css"}


def _urls(core) -> list[str]:
    from vocabserver.web import create_app

    app = create_app(core)
    urls = []
    graph = core.store.graph_iri("secret").value
    query = (f"?uri={quote(S + 'zorglub')}&concept={quote(S + 'zorglub')}&vocab=secret&q=zorglub&label=zorglub"
             f"&query=zorglub&graph={quote(graph)}")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        path = rule.rule
        for name, value in _values(rule.rule, core).items():
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", value, path)
        urls += [path + query, path]
    # Across vocabularies: the words alone.
    urls += ["/api/v1/autocomplete?q=zorg", "/api/v1/search?q=zorglub", "/api/v1/lookup?label=zorglub",
             "/search?q=zorglub", "/rest/v1/search?query=zorg*", "/api/v1/changes?triples=true", "/api/v1/proposals",
             "/dumps/all.nq", "/dumps/all.trig", "/store", f"/store?graph={quote(graph)}", "/.well-known/void",
             "/.well-known/void?format=ttl", "/rest/v1/vocabularies", "/api/v1/vocabularies", "/health", "/",
             f"/resource?uri={quote(S + 'zorgluette')}", f"/rest/v1/data?uri={quote(S + 'zorglub')}",
             f"/api/v1/children?uri={quote(S + 'zorglub')}", f"/api/v1/hierarchy?uri={quote(S + 'zorgluette')}",
             "/history", "/api/v1/fields"]
    return urls


SPARQL = [
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"SELECT * FROM <{BASE}graph/secret> WHERE {{ ?s ?p ?o }}",
    f"SELECT * FROM NAMED <{BASE}graph/secret> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
]


def test_a_caller_without_account_finds_nothing_of_a_private_vocabulary(world):
    core, client, _reader = world
    leaks, errors = [], []
    for url in _urls(core):
        answer = client.get(url, headers={"Accept": "text/html" if not url.startswith(("/api", "/rest")) else "*/*"})
        body = answer.get_data(as_text=True)
        if answer.status_code >= 500:
            errors.append((url, answer.status_code))
        # A refusal may quote the request back (the URL it did not find): only answers are searched.
        if answer.status_code < 400 and WORDS.search(body):
            leaks.append((url, answer.status_code, WORDS.search(body).group(0)))
    for query in SPARQL:
        for extra in ({}, {"default-graph-uri": f"{BASE}graph/secret"}, {"named-graph-uri": f"{BASE}graph/secret"}):
            answer = client.get("/sparql", query_string={"query": query, **extra},
                                headers={"Accept": "application/sparql-results+json, application/n-triples"})
            if answer.status_code >= 500:
                errors.append((query, answer.status_code))
            if WORDS.search(answer.get_data(as_text=True)):
                leaks.append((query, extra, answer.status_code))
    assert errors == []
    assert leaks == []


def test_a_reader_reads_it_and_public_vocabularies_stay_open(world):
    core, client, reader = world
    assert "zorglub" in client.get("/api/v1/autocomplete?q=zorg", headers=reader).get_data(as_text=True)
    found = client.get("/sparql", query_string={"query": 'SELECT ?s WHERE { ?s ?p "zorglub"@fr }'},
                       headers=reader | {"Accept": "application/sparql-results+json"}).get_json()
    assert found["results"]["bindings"][0]["s"]["value"] == S + "zorglub"
    assert client.get(f"/resource?uri={quote(S + 'zorglub')}", headers=reader | {"Accept": "text/turtle"}).status_code == 200
    answer = client.get("/api/v1/vocabularies", headers=reader)
    assert {v["id"] for v in answer.get_json()["vocabularies"]} >= {"objets", "secret"}
    assert answer.headers["Cache-Control"].startswith("private")  # never in a shared cache
    # Anonymous: the public vocabulary as before, the private one a 404 with a hint.
    assert client.get("/api/v1/autocomplete?q=stat").get_json()["results"]
    refused = client.get("/api/v1/vocabularies/secret")
    assert refused.status_code == 404 and "sign in" in refused.get_json()["message"]
    anonymous = client.get("/api/v1/vocabularies")
    assert [v["id"] for v in anonymous.get_json()["vocabularies"]] == ["objets"]


def test_the_cache_never_serves_a_readers_answer_to_anyone_else(world):
    core, client, reader = world
    url = "/api/v1/search?q=zorglub&limit=7"
    assert client.get(url, headers=reader).get_json()["results"]
    assert client.get(url).get_json()["results"] == []


def test_private_from_the_command_line(tmp_path):
    from .conftest import cli

    assert cli("private", "deno", data_dir=tmp_path / "store").returncode == 0
    listed = cli("private", data_dir=tmp_path / "store")
    assert listed.stdout.split() == ["deno"]
    assert "public" in cli("private", "deno", "--off", data_dir=tmp_path / "store").stdout
    assert cli("private", data_dir=tmp_path / "store").stdout.strip() == ""
