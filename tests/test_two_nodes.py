"""Two `vocabserver serve` processes over one remote store (Oxigraph server, Virtuoso 7.2), as an operator runs
them: the same store settings, the same data directory (users, tokens). An edit on one is in the other's
autocompletion within a second; the same If-Match sent to both gives one 200 and one 412; one node killed with
SIGKILL in the middle of a stream of edits leaves the other answering, and every edit it acknowledged is in the
store and in the change log."""

from __future__ import annotations

import signal
import threading
import time

import pytest
import requests

from tests.conftest import BASE, Server, cli
from tests.engines import started

TECH = "tech"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def cluster(request, tmp_path_factory, engines):
    name = request.param
    engine = started(engines, name)
    folder = tmp_path_factory.mktemp(f"nodes-{name}")
    env = engine.env()
    loaded = cli("load", "--bundled", "gene", "--bundled", TECH, data_dir=folder, env=env)
    assert loaded.returncode == 0, loaded.stderr
    made = cli("token", "create", "--name", "editor", "--role", "editor", "--vocab", TECH, data_dir=folder, env=env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    nodes = [Server(folder, BASE, env=env) for _ in range(2)]
    for node in nodes:
        node.wait_labels()
    yield nodes, {"Authorization": f"Bearer {token}"}, engine
    for node in nodes:
        node.stop()


def _concept(node: Server, text: str) -> str:
    hits = node.get("/api/v1/autocomplete", params={"q": text, "vocab": TECH}).json()["results"]
    return hits[0]["uri"]


def _version(node: Server, uri: str) -> str:
    return node.get("/api/v1/concept", params={"uri": uri}).json()["version"]


def _patch(node: Server, auth: dict, uri: str, body: dict, version: str) -> requests.Response:
    return requests.patch(f"{node.url}/api/v1/vocabularies/{TECH}/concepts", params={"uri": uri}, json=body,
                          headers=auth | {"If-Match": f'"{version}"'}, timeout=30)


def _found(node: Server, text: str) -> bool:
    return bool(node.get("/api/v1/autocomplete", params={"q": text}).json()["results"])


def test_an_edit_on_one_node_is_in_the_others_autocompletion_within_a_second(cluster):
    (first, second), auth, _engine = cluster
    uri = _concept(first, "peint")
    answer = _patch(first, auth, uri, {"altLabel": {"fr": ["zorglub peint"]}}, _version(first, uri))
    assert answer.status_code == 200, answer.text
    acknowledged = time.monotonic()
    while not _found(second, "zorglub"):
        assert time.monotonic() - acknowledged < 1.0, "the edit did not reach the other node within 1 s"
        time.sleep(0.02)
    assert _version(second, uri) == answer.json()["version"]


def test_the_same_if_match_on_both_nodes_gives_one_200_and_one_412(cluster):
    (first, second), auth, _engine = cluster
    uri = _concept(first, "gravé")
    version = _version(first, uri)
    answers: dict = {}
    barrier = threading.Barrier(2)

    def send(node, label):
        barrier.wait()
        answers[label] = _patch(node, auth, uri, {"altLabel": {"fr": [label]}}, version)

    threads = [threading.Thread(target=send, args=(node, label))
               for node, label in ((first, "premier graveur"), (second, "second graveur"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers.values()) == [200, 412], {k: a.text for k, a in answers.items()}
    winner = next(label for label, a in answers.items() if a.status_code == 200)
    for node in (first, second):
        deadline = time.monotonic() + 2
        while node.get("/api/v1/concept", params={"uri": uri}).json()["altLabel"] != {"fr": [winner]}:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_a_validation_job_started_on_one_node_is_followed_and_downloaded_on_the_other(cluster):
    (first, second), auth, _engine = cluster
    rows = "REF;TECH\n" + "".join(f"R{n};{'peint' if n % 2 else 'peintt'}\n" for n in range(2_000))
    started = requests.post(first.url + "/api/v1/validate/jobs?name=export.csv", data=rows.encode("utf-8"),
                            headers=auth | {"Content-Type": "text/csv"}, timeout=60)
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    deadline = time.monotonic() + 60
    while (job := second.get(location).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["status"] == "done" and job["records"] == 2_000, job
    problems = second.get(job["problems"])
    assert problems.status_code == 200 and "peintt" in problems.text


def test_a_node_killed_during_a_stream_of_edits_loses_no_acknowledged_edit(cluster):
    (first, second), auth, _engine = cluster
    uri = _concept(second, "peint")
    acknowledged: list[str] = []
    stop = threading.Event()

    def stream():
        number = 0
        while not stop.is_set():
            number += 1
            label = f"flux {number}"
            try:
                version = _version(first, uri)
                answer = _patch(first, auth, uri, {"altLabel": {"fr": [label]}}, version)
            except requests.RequestException:
                return  # the node is gone
            if answer.status_code == 200:
                acknowledged.append(label)

    thread = threading.Thread(target=stream)
    thread.start()
    while len(acknowledged) < 5:
        time.sleep(0.01)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=10)
    stop.set()
    thread.join(timeout=30)
    assert len(acknowledged) >= 5
    # The other node answers on, and writes on.
    assert second.get("/health").status_code == 200
    after = _patch(second, auth, uri, {"altLabel": {"fr": ["après la panne"]}}, _version(second, uri))
    assert after.status_code == 200, after.text
    changes = second.get("/api/v1/changes", params={"limit": 200}).json()["changes"]
    added = {line for change in changes for line in
             second.get(f"/api/v1/changes/{change['id']}").json().get("added", [])}
    for label in acknowledged:
        assert any(f'"{label}"@fr' in line for line in added), f"acknowledged edit {label!r} is not in the log"
    numbers = [change["id"] for change in changes]
    assert len(numbers) == len(set(numbers))
    assert second.get("/api/v1/concept", params={"uri": uri}).json()["altLabel"] == {"fr": ["après la panne"]}

