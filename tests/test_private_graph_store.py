"""A private vocabulary does not leak through the Graph Store Protocol (issue 21, case 1), through a real server
process: the change log and the catalogue read anonymously leave out what concerns it; an account holder reads
them whole."""

from __future__ import annotations

import shutil

import pytest
import requests

from .conftest import Server, cli

BASE = "http://vocab.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
EPEE = BASE + "deno/zaqmycctwh"


@pytest.fixture(scope="module")
def served(loaded_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("private-gsp") / "store"
    shutil.copytree(loaded_dir, folder)
    made = cli("token", "create", "--name", "admin", "--role", "admin", data_dir=folder)
    assert made.returncode == 0, made.stderr
    assert cli("private", "deno", data_dir=folder).returncode == 0
    server = Server(folder, base_uri=BASE)
    server.auth = {"Authorization": "Bearer " + made.stdout.strip().splitlines()[-1]}
    written = requests.post(server.url + "/api/v1/changes", headers=server.auth, timeout=30, json={
        "vocab": "deno", "comment": "motif confidentiel",
        "added": [f'<{EPEE}> <{SKOS}altLabel> "colichemarde secrète"@fr .']})
    assert written.status_code == 201, written.text
    yield server
    server.stop()


def _graph(server, name: str, headers: dict | None = None) -> str:
    answer = requests.get(server.url + "/store", params={"graph": BASE + "graph/" + name}, timeout=60,
                          headers={"Accept": "application/n-triples"} | (headers or {}))
    assert answer.status_code == 200, answer.text
    return answer.text


def test_the_change_log_and_catalogue_leave_out_a_private_vocabulary(served):
    log = _graph(served, "history")
    assert "colichemarde" not in log and "motif confidentiel" not in log and '"deno"' not in log
    assert "zaqmycctwh" not in log
    assert '"tech"' in log  # the public vocabularies' changes (their loads) are there
    catalogue = _graph(served, "catalogue")
    assert "dataset/deno" not in catalogue and "graph/deno" not in catalogue
    assert "dataset/tech" in catalogue


def test_an_account_holder_reads_them_whole(served):
    log = _graph(served, "history", served.auth)
    assert "colichemarde secrète" in log and "motif confidentiel" in log
    assert "dataset/deno" in _graph(served, "catalogue", served.auth)


def test_a_public_concept_linked_to_a_private_one_shows_its_uri_alone(served):
    """Case 2: a TECH concept mapped to DENO's "épée" (DENO private) showed "épée", its vocabulary and
    hasChildren in its page, Turtle, /api/v1/concept, Skosmos data and the history diff."""
    found = requests.post(served.url + "/sparql", timeout=30, headers={"Accept": "application/sparql-results+json"},
                          data={"query": f'SELECT ?c WHERE {{ GRAPH <{BASE}graph/tech> {{ ?c <{SKOS}prefLabel> "bronze"@fr }} }}'})
    bronze = found.json()["results"]["bindings"][0]["c"]["value"]
    linked = requests.post(served.url + "/api/v1/changes", headers=served.auth, timeout=30, json={
        "vocab": "tech", "added": [f"<{bronze}> <{SKOS}relatedMatch> <{EPEE}> ."]})
    assert linked.status_code == 201, linked.text
    concept = requests.get(served.url + "/api/v1/concept", params={"uri": bronze}, timeout=30).json()
    assert concept["mappings"]["relatedMatch"] == [{"uri": EPEE}]
    answers = {
        "page": requests.get(served.url + "/resource", params={"uri": bronze}, headers={"Accept": "text/html"},
                             timeout=30),
        "turtle": requests.get(served.url + "/resource", params={"uri": bronze}, headers={"Accept": "text/turtle"},
                               timeout=30),
        "skosmos": requests.get(served.url + "/rest/v1/data", params={"uri": bronze}, timeout=30,
                                headers={"Accept": "application/ld+json"}),
        "history": requests.get(served.url + "/history/tech", timeout=30),
    }
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.status_code)
        text = answer.text.replace("ex. épée, huile, portrait…", "")  # the search box's placeholder
        assert "épée" not in text and "\\u00e9p\\u00e9e" not in text, name
    assert EPEE in answers["turtle"].text  # the link stays, as a bare URI
    # An account holder sees the label.
    seen = requests.get(served.url + "/api/v1/concept", params={"uri": bronze}, headers=served.auth, timeout=30)
    assert seen.json()["mappings"]["relatedMatch"][0]["prefLabel"] == "épée"
