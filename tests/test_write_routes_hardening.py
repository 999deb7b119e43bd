"""Write routes held to their rules whatever the route (issue 21, cases 9 and 10), through a real server process:
the concept's ETag is the version If-Match expects; `javascript:` and `data:` IRIs are refused on every write
route and never published."""

from __future__ import annotations

import shutil

import pytest
import requests

from .conftest import Server, cli

SKOS = "http://www.w3.org/2004/02/skos/core#"
BASE = "http://vocab.test/"
EPEE = BASE + "deno/zaqmycctwh"  # "épée" in DENO


@pytest.fixture(scope="module")
def served(loaded_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("write-routes") / "store"
    shutil.copytree(loaded_dir, folder)
    made = cli("token", "create", "--name", "editor", "--role", "editor", "--vocab", "deno", data_dir=folder)
    assert made.returncode == 0, made.stderr
    server = Server(folder, base_uri=BASE)
    server.auth = {"Authorization": "Bearer " + made.stdout.strip().splitlines()[-1]}
    yield server
    server.stop()


def _write_everywhere(served, triple: str) -> dict:
    """The same triple added to DENO through the three write routes."""
    graph = BASE + "graph/deno"
    return {
        "changes API": requests.post(served.url + "/api/v1/changes", json={"vocab": "deno", "added": [triple]},
                                     headers=served.auth, timeout=30),
        "SPARQL Update": requests.post(served.url + "/sparql", timeout=30, headers=served.auth,
                                       data={"update": f"INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}"}),
        "Graph Store": requests.post(served.url + "/store", params={"graph": graph}, data=triple.encode(),
                                     headers=served.auth | {"Content-Type": "application/n-triples"}, timeout=30),
    }


def _bronze(served) -> str:
    """The TECH concept "bronze" (another vocabulary than DENO)."""
    found = requests.post(served.url + "/sparql", timeout=30, headers={"Accept": "application/sparql-results+json"},
                          data={"query": f'SELECT ?c WHERE {{ GRAPH <{BASE}graph/tech> {{ ?c <{SKOS}prefLabel> "bronze"@fr }} }}'})
    return found.json()["results"]["bindings"][0]["c"]["value"]


def test_the_concept_etag_is_what_if_match_expects(served):
    read = served.get("/api/v1/concept", params={"uri": EPEE})
    assert read.status_code == 200
    etag = read.headers["ETag"]
    assert etag.strip('"').startswith(read.json()["version"])
    again = served.get("/api/v1/concept", params={"uri": EPEE}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    url = f"{served.url}/api/v1/vocabularies/deno/concepts"
    body = {"altLabel": {"fr": ["épée d'essai etag"]}, "comment": "If-Match from the ETag"}
    saved = requests.patch(url, params={"uri": EPEE}, json=body, headers=served.auth | {"If-Match": etag}, timeout=30)
    assert saved.status_code == 200, saved.text
    # The same ETag again is now stale: 412, and the message says where to read the current one.
    stale = requests.patch(url, params={"uri": EPEE}, json=body, headers=served.auth | {"If-Match": etag}, timeout=30)
    assert stale.status_code == 412 and "GET /api/v1/concept" in stale.text
    missing = requests.patch(url, params={"uri": EPEE}, json=body, headers=served.auth, timeout=30)
    assert missing.status_code == 428 and "GET /api/v1/concept" in missing.text
    fresh = served.get("/api/v1/concept", params={"uri": EPEE})
    assert fresh.headers["ETag"] != etag


@pytest.mark.parametrize("iri", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                 "file:///etc/passwd"])
def test_links_other_than_http_are_refused_on_every_write_route(served, iri):
    triple = f"<{EPEE}> <{SKOS}exactMatch> <{iri.replace('<', '%3C').replace('>', '%3E')}> ."
    answers = _write_everywhere(served, triple)
    for route, answer in answers.items():
        assert answer.status_code == 400, (route, answer.status_code, answer.text)
        assert "link-scheme" in answer.text, (route, answer.text)
    concept = served.get("/api/v1/concept", params={"uri": EPEE}).json()
    assert iri.split(":")[0] + ":" not in str(concept.get("mappings", {}))


def test_the_default_graph_of_updates_is_the_union_and_read_only(served):
    """Case 8: `COPY DEFAULT TO <graph/tech>` emptied TECH (updates read the default graph as empty). The default
    graph is now the union, as for queries: updates read it, and may not copy, clear or write it."""
    graph = BASE + "graph/deno"
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"

    def triples() -> int:
        answer = requests.post(served.url + "/sparql", data={"query": count}, timeout=30,
                               headers={"Accept": "application/sparql-results+json"})
        return int(answer.json()["results"]["bindings"][0]["n"]["value"])

    before = triples()
    for update in (f"COPY DEFAULT TO <{graph}>", f"MOVE DEFAULT TO GRAPH <{graph}>", "CLEAR DEFAULT",
                   f"ADD <{graph}> TO DEFAULT"):
        answer = requests.post(served.url + "/sparql", data={"update": update}, headers=served.auth, timeout=60)
        assert answer.status_code == 400 and "union" in answer.text, (update, answer.status_code, answer.text)
    assert triples() == before
    # A WHERE without a dataset reads the union: here DENO's "épée" found without naming its graph.
    update = (f'INSERT {{ GRAPH <{graph}> {{ ?c <{SKOS}editorialNote> "vue dans l’union"@fr }} }} '
              f'WHERE {{ ?c <{SKOS}prefLabel> "épée"@fr FILTER(?c = <{EPEE}>) }}')
    answer = requests.post(served.url + "/sparql", data={"update": update}, headers=served.auth, timeout=60)
    assert answer.status_code == 200, answer.text
    assert triples() == before + 1


def test_a_write_into_one_vocabulary_cannot_state_things_about_another(served):
    """Case 7: DENO's editor wrote a second French prefLabel on a TECH concept through the changes API; also
    through SPARQL Update and the Graph Store Protocol. Refused with the rule and the concept, nothing written."""
    bronze = _bronze(served)
    triple = f'<{bronze}> <{SKOS}prefLabel> "alliage de cuivre"@fr .'
    answers = _write_everywhere(served, triple)
    for route, answer in answers.items():
        assert answer.status_code == 409, (route, answer.status_code, answer.text)
        assert answer.json()["rule"] == "other-vocabulary" and answer.json()["resources"] == [bronze], route
    labels = requests.post(served.url + "/sparql", timeout=30, headers={"Accept": "application/sparql-results+json"},
                           data={"query": f"SELECT ?l WHERE {{ <{bronze}> <{SKOS}prefLabel> ?l }}"}).json()
    assert [b["l"]["value"] for b in labels["results"]["bindings"]] == ["bronze"]
    # A link from DENO to that concept (the concept as object) is still fine.
    link = f"<{EPEE}> <{SKOS}related> <{bronze}> ."
    answer = requests.post(served.url + "/api/v1/changes", json={"vocab": "deno", "added": [link]},
                           headers=served.auth, timeout=30)
    assert answer.status_code in (201, 409) and answer.json().get("rule") != "other-vocabulary", answer.text


def test_only_an_administrator_may_write_across_vocabularies_and_says_so(served, loaded_dir):
    bronze = _bronze(served)
    body = {"vocab": "deno", "added": [f'<{bronze}> <{SKOS}editorialNote> "vu depuis DENO"@fr .'],
            "acrossVocabularies": True}
    editor = requests.post(served.url + "/api/v1/changes", json=body, headers=served.auth, timeout=30)
    assert editor.status_code == 403 and "administrator" in editor.text
    made = cli("token", "create", "--name", "root", "--role", "admin", data_dir=served.data_dir)
    admin = {"Authorization": "Bearer " + made.stdout.strip().splitlines()[-1]}
    refused = requests.post(served.url + "/api/v1/changes", json=body | {"acrossVocabularies": False}, headers=admin,
                            timeout=30)
    assert refused.status_code == 409 and refused.json()["rule"] == "other-vocabulary"
    accepted = requests.post(served.url + "/api/v1/changes", json=body, headers=admin, timeout=30)
    assert accepted.status_code == 201, accepted.text
    # The effect on the union is checked: a second French prefLabel of a TECH concept is a finding.
    second = requests.post(served.url + "/api/v1/changes", headers=admin, timeout=30, json={
        "vocab": "deno", "acrossVocabularies": True, "added": [f'<{bronze}> <{SKOS}prefLabel> "airain"@fr .']})
    assert second.status_code == 201, second.text
    assert [f["check"] for f in second.json()["findings"]] == ["union-two-preflabels"]
    requests.post(f"{served.url}/api/v1/changes/{second.json()['id']}/revert", headers=admin, timeout=30)
    # Its revert restores the state before, across vocabularies as the change was.
    reverted = requests.post(f"{served.url}/api/v1/changes/{accepted.json()['id']}/revert", headers=admin, timeout=30)
    assert reverted.status_code == 201, reverted.text
