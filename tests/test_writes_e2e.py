"""Writes end to end: a real `vocabserver serve` process on the bundled vocabularies, real HTTP clients
(requests, SPARQLWrapper, rdflib), the real CLI — and a process killed with SIGKILL in the middle of writes."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
import requests
from rdflib import Graph
from rdflib.compare import isomorphic

from .conftest import Server, cli

SKOS = "http://www.w3.org/2004/02/skos/core#"
EPEE = "deno/zaqmycctwh"  # "épée" in DENO (minted under the server's base)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("writes")
    srv = Server(folder / "store", env={"VOCABSERVER_SPARQL_WORKERS": "1"})
    created = cli("token", "create", "--name", "e2e", "--role", "admin", data_dir=folder / "store")
    assert created.returncode == 0, created.stderr
    srv.token = created.stdout.strip().splitlines()[-1]
    srv.base = srv.get("/health").json()["base_uri"]
    srv.wait_labels()
    yield srv
    srv.stop()


def _auth(srv) -> dict:
    return {"Authorization": f"Bearer {srv.token}"}


def test_a_sparql_update_is_live_recorded_revertible_and_in_the_feed(served):
    concept = served.base + EPEE
    update = (f'PREFIX skos: <{SKOS}> INSERT DATA {{ GRAPH <{served.base}graph/deno> {{ <{concept}> '
              f'skos:altLabel "colichemarde"@fr }} }}')
    started = time.perf_counter()
    response = requests.post(served.url + "/sparql", data={"update": update}, headers=_auth(served), timeout=30)
    assert response.status_code == 200, response.text
    # Autocompletion sees the new form at once (the index is patched before the write answers).
    hits = served.get("/api/v1/autocomplete", params={"q": "colichem"}).json()["results"]
    visible_after = time.perf_counter() - started
    assert [h["uri"] for h in hits] == [concept]
    assert visible_after < 1.0
    change = response.json()["changes"][0]
    history = served.get("/api/v1/changes", params={"vocab": "deno", "triples": "true"}).json()
    assert history["changes"][0]["id"] == change["id"]
    assert history["changes"][0]["added"] == [f'<{concept}> <{SKOS}altLabel> "colichemarde"@fr .']
    reverted = requests.post(f"{served.url}/api/v1/changes/{change['id']}/revert", headers=_auth(served), timeout=30)
    assert reverted.status_code == 201
    assert served.get("/api/v1/autocomplete", params={"q": "colichem"}).json()["results"] == []
    feed = served.get("/api/v1/vocabularies/deno/changes.atom")
    assert feed.headers["Content-Type"].startswith("application/atom+xml")
    assert f"<id>{served.base}changes/{change['id']}</id>" in feed.text
    assert f"<id>{served.base}changes/{reverted.json()['id']}</id>" in feed.text
    # The CLI reads the same log (while the server holds the store: it says so instead).
    listed = cli("history", "deno", data_dir=served.data_dir, base_uri="")
    assert listed.returncode == 3 and "in use" in listed.stderr


def test_strict_refusals_over_http_leave_the_store_unchanged(served):
    triples_before = served.get("/api/v1/vocabularies/deno").json()["triples"]
    epee = served.base + EPEE
    child = served.get("/api/v1/children", params={"uri": epee}).json()["results"][0]["uri"]
    for update, rule in (
            (f'INSERT DATA {{ GRAPH <{served.base}graph/deno> {{ <{epee}> <{SKOS}broader> <{child}> }} }}', "broader-cycle"),
            (f'INSERT DATA {{ GRAPH <{served.base}graph/deno> {{ <{child}> <{SKOS}prefLabel> "épée"@fr }} }}',
             "duplicate-preflabel")):
        refused = requests.post(served.url + "/sparql", data=update.encode(), timeout=30,
                                headers=_auth(served) | {"Content-Type": "application/sparql-update"})
        assert refused.status_code == 422 and rule in refused.json()["message"], refused.text
    assert served.get("/api/v1/vocabularies/deno").json()["triples"] == triples_before


def test_graph_store_round_trip_over_http(served):
    graph = "http://example.org/e2e-graph"
    data = Graph().parse(data='@prefix ex: <http://example.org/> . ex:a ex:p "un"@fr ; ex:q ex:b .', format="turtle")
    put = requests.put(served.url + "/store", params={"graph": graph}, data=data.serialize(format="turtle"),
                       headers=_auth(served) | {"Content-Type": "text/turtle"}, timeout=30)
    assert put.status_code == 201, put.text
    got = requests.get(served.url + "/store", params={"graph": graph}, headers={"Accept": "text/turtle"}, timeout=30)
    assert got.status_code == 200 and isomorphic(Graph().parse(data=got.text, format="turtle"), data)
    assert requests.delete(served.url + "/store", params={"graph": graph}, headers=_auth(served),
                           timeout=30).status_code == 200
    assert requests.get(served.url + "/store", params={"graph": graph}, timeout=30).status_code == 404


def test_sparql_protocol_shapes_for_updates(served):
    """SPARQL 1.1 Protocol: update by form or direct POST, dataset parameters, refusals."""
    graph = f"{served.base}graph/domn"
    direct = requests.post(served.url + "/sparql", timeout=30, headers=_auth(served) | {
        "Content-Type": "application/sparql-update; charset=utf-8"},
        data=f'INSERT DATA {{ GRAPH <{graph}> {{ <{served.base}x> <{SKOS}note> "n" }} }}'.encode())
    assert direct.status_code == 200, direct.text
    using = requests.post(served.url + "/sparql", timeout=30, headers=_auth(served), data={
        "update": f"DELETE {{ GRAPH <{graph}> {{ ?s <{SKOS}note> \"n\" }} }} WHERE {{ ?s <{SKOS}note> \"n\" }}",
        "using-graph-uri": graph})
    assert using.status_code == 200 and using.json()["changes"][0]["removed"] == 1, using.text
    both = requests.post(served.url + "/sparql", timeout=30, headers=_auth(served), data={
        "update": f"WITH <{graph}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", "using-graph-uri": graph})
    assert both.status_code == 400 and "USING or WITH" in both.text
    assert requests.get(served.url + "/sparql", params={"update": "CLEAR ALL"}, timeout=30).status_code == 405
    wrong_charset = requests.post(served.url + "/sparql", data=b"CLEAR ALL", timeout=30, headers=_auth(served) | {
        "Content-Type": "application/sparql-update; charset=latin-1"})
    assert wrong_charset.status_code == 415
    forbidden = cli("token", "create", "--name", "reader", "--role", "reader", data_dir=served.data_dir)
    reader = forbidden.stdout.strip().splitlines()[-1]
    assert requests.post(served.url + "/sparql", data={"update": "CLEAR ALL"}, timeout=30,
                         headers={"Authorization": f"Bearer {reader}"}).status_code == 403


def test_a_killed_server_leaves_every_recorded_change_and_no_other(tmp_path):
    """SIGKILL while writes stream in: after restart, the history and the data agree — each change recorded
    is in the store, and no form is in the store without its change."""
    srv = Server(tmp_path / "store", env={"VOCABSERVER_SPARQL_WORKERS": "1"})
    token = cli("token", "create", "--name", "crash", "--role", "admin", data_dir=tmp_path / "store").stdout.split()[-1]
    srv.wait_labels()  # the writes below measure the crash, not a server still building its index
    base = srv.get("/health").json()["base_uri"]
    sent: list[int] = []
    stop = threading.Event()

    def write() -> None:
        number = 0
        while not stop.is_set():
            number += 1
            update = (f'INSERT DATA {{ GRAPH <{base}graph/deno> {{ <{base}{EPEE}> <{SKOS}hiddenLabel> '
                      f'"forme {number}"@fr }} }}')
            try:
                requests.post(srv.url + "/sparql", data={"update": update}, timeout=5,
                              headers={"Authorization": f"Bearer {token}"})
                sent.append(number)
            except requests.RequestException:
                return
    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(3)
    os.kill(srv.process.pid, signal.SIGKILL)
    srv.process.wait(timeout=10)
    stop.set()
    writer.join(timeout=10)
    assert len(sent) > 5
    history = cli("history", "deno", "--json", "--limit", "10000", data_dir=tmp_path / "store", base_uri="")
    assert history.returncode == 0, history.stderr
    recorded = {line.split('"')[1] for change in json.loads(history.stdout)["changes"] for line in change["added"]}
    dumped = cli("export", "deno", "--format", "ntriples", "-o", "-", data_dir=tmp_path / "store", base_uri="")
    present = {line.split('"')[1] for line in dumped.stdout.splitlines() if "hiddenLabel" in line and "forme " in line}
    assert present == recorded
    assert len(recorded) >= len(sent) - 1  # at most the write in flight is lost, and then both are
