"""Production serving against real processes: `vocabserver serve --workers 2` (granian workers, writes passed to
the process holding the store), request ids and the access log, /metrics, and a backup taken during a stream of
edits, restored into an empty data directory and served again."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from tests.conftest import BASE, Server, cli

TECH = "tech"
PASSWORD = "correct horse battery staple 42"


def _sign_in(url: str) -> requests.Session:
    session = requests.Session()
    form = session.get(url + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(url + "/login", timeout=30, allow_redirects=False,
                          data={"name": "curator", "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.text[:300]
    return session


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workers") / "store"
    loaded = cli("load", "--bundled", "gene", "--bundled", TECH, data_dir=folder)
    assert loaded.returncode == 0, loaded.stderr
    tokens = {}
    for name, role in (("admin", "admin"), ("editor", "editor"), ("reader", "reader")):
        made = cli("token", "create", "--name", name, "--role", role, *(["--vocab", TECH] if role == "editor" else []),
                   data_dir=folder)
        assert made.returncode == 0, made.stderr
        tokens[name] = {"Authorization": f"Bearer {made.stdout.strip().splitlines()[-1]}"}
    made = cli("user", "create", "curator", "--role", "admin", data_dir=folder, env={"VOCABSERVER_PASSWORD": PASSWORD})
    assert made.returncode == 0, made.stderr
    server = Server(folder, BASE, serve_args=("--workers", "2"))
    server.wait_labels()
    yield server, tokens
    server.stop()


def _tech_concepts(server: Server, count: int) -> list[str]:
    hits = server.get("/api/v1/search", params={"q": "a", "vocab": TECH, "limit": 200}).json()["results"]
    uris = list(dict.fromkeys(h["uri"] for h in hits))
    assert len(uris) >= count
    return uris[:count]


def _edit(server: Server, auth: dict, uri: str, label: str) -> requests.Response:
    return requests.patch(f"{server.url}/api/v1/vocabularies/{TECH}/concepts", params={"uri": uri},
                          json={"altLabel": {"fr": [label]}}, headers=auth | {"If-Match": "*"}, timeout=60)


def test_every_edit_is_seen_by_the_next_read_whatever_worker_answers(workers):
    server, tokens = workers
    for number, uri in enumerate(_tech_concepts(server, 8)):
        label = f"zqxprod{number}w"
        answer = _edit(server, tokens["editor"], uri, label)
        assert answer.status_code == 200, answer.text
        # Each read may reach either worker: all must see the acknowledged edit at once.
        for _ in range(3):
            assert server.get("/api/v1/autocomplete", params={"q": label}).json()["results"][0]["uri"] == uri
            ask = server.get("/sparql", params={"query": f'ASK {{ <{uri}> ?p "{label}"@fr }}'},
                             headers={"Accept": "application/sparql-results+json"})
            assert ask.json()["boolean"] is True
            data = server.get("/resource", params={"uri": uri}, headers={"Accept": "text/turtle"})
            assert label in data.text
        assert server.get("/api/v1/concept", params={"uri": uri}).json()["version"] == answer.json()["version"]


def test_writes_are_refused_by_the_writer_with_its_rules(workers):
    server, tokens = workers
    uri = _tech_concepts(server, 1)[0]
    assert _edit(server, tokens["reader"], uri, "nope").status_code == 403
    assert _edit(server, {}, uri, "nope").status_code == 401
    stale = requests.patch(f"{server.url}/api/v1/vocabularies/{TECH}/concepts", params={"uri": uri},
                           json={"altLabel": {"fr": ["zzstale"]}}, headers=tokens["editor"] | {"If-Match": '"0"'})
    assert stale.status_code == 412, stale.text
    update = requests.post(f"{server.url}/sparql", data={"update": "INSERT DATA { <urn:x> <urn:y> <urn:z> }"})
    assert update.status_code == 401  # a SPARQL update goes to the writer, which asks for a token
    query = requests.post(f"{server.url}/sparql", data={"query": "ASK { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"})
    assert query.status_code == 200 and query.json()["boolean"] is True  # a POSTed query is a read


def test_signing_in_goes_to_the_writer_and_the_session_works_on_every_worker(workers):
    server, _tokens = workers
    session = _sign_in(server.url)
    for _ in range(4):
        assert session.get(server.url + "/admin", timeout=30, allow_redirects=False).status_code == 200
    # The pages' answers to a signed-in curator are never kept for others (a cookie bypasses the kept answers).
    assert requests.get(server.url + "/admin", timeout=30, allow_redirects=False).status_code == 303


def test_repeated_reads_are_answered_from_encoded_answers_with_304s(workers):
    server, _tokens = workers
    uri = _tech_concepts(server, 2)[1]
    path = "/resource?uri=" + urllib.parse.quote(uri)
    first = server.get(path, headers={"Accept": "text/turtle"})
    again = server.get(path, headers={"Accept": "text/turtle"})
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert first.headers["ETag"] == again.headers["ETag"]
    assert again.headers["Content-Type"].startswith("text/turtle")
    other = server.get(path, headers={"Accept": "application/n-triples"})
    assert other.headers["Content-Type"].startswith("application/n-triples") and other.content != first.content
    for _ in range(4):  # both workers, whether the answer is kept or not
        assert server.get(path, headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]}
                          ).status_code == 304


def test_request_ids_are_sent_back_and_logged(workers):
    server, _tokens = workers
    given = server.get("/api/v1/vocabularies", headers={"X-Request-ID": "trace-4f2a.77"})
    assert given.headers["X-Request-ID"] == "trace-4f2a.77"
    made = server.get("/api/v1/vocabularies")
    assert len(made.headers["X-Request-ID"]) >= 16 and made.headers["X-Request-ID"] != "trace-4f2a.77"
    hostile = server.get("/ping", headers={"X-Request-ID": "<script>" + "x" * 300})
    assert hostile.headers["X-Request-ID"] != "<script>" + "x" * 300
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [json.loads(line) for line in server.output().splitlines() if line.startswith('{"time"')]
        found = [line for line in lines if line["request_id"] == "trace-4f2a.77"]
        if found:
            break
        time.sleep(0.1)
    assert found, "no log line for the request"
    assert found[0]["path"] == "/api/v1/vocabularies" and found[0]["status"] == 200
    assert found[0]["route"] == "api.vocabularies" and found[0]["method"] == "GET" and found[0]["ms"] >= 0


def test_metrics_need_an_admin_token_and_count_every_process(workers):
    server, tokens = workers
    assert server.get("/metrics").status_code == 401
    assert server.get("/metrics", headers=tokens["reader"]).status_code == 403
    uri = _tech_concepts(server, 3)[2]
    assert _edit(server, tokens["editor"], uri, "zqxmetrics").status_code == 200
    server.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1"})
    server.get("/sparql", params={"query": "SELECT WHERE {"})
    answer = server.get("/metrics", headers=tokens["admin"])
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = answer.text
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    requests_total = {k: v for k, v in samples.items() if k.startswith("vocabserver_http_requests_total{")}
    assert any('route="api.autocomplete"' in k and 'status="200"' in k for k in requests_total)
    assert any('route="forwarded-to-writer"' in k for k in requests_total)
    # The write was counted by the writer process, the scrape answered by a worker: the counts are added up.
    writes = [v for k, v in samples.items() if k.startswith("vocabserver_writes_total{") and 'outcome="committed"' in k]
    assert writes and sum(writes) >= 1
    assert any(k.startswith("vocabserver_write_duration_seconds_bucket{") for k in samples)
    assert samples.get('vocabserver_sparql_queries_total{outcome="ok"}', 0) >= 1
    assert samples.get('vocabserver_sparql_queries_total{outcome="syntax"}', 0) >= 1
    assert any(k.startswith("vocabserver_http_request_duration_seconds_bucket{") for k in samples)
    assert samples["vocabserver_worker_starts_total"] >= 3  # the writer and two workers
    assert "vocabserver_label_index_age_seconds" in samples


def test_a_backup_during_edits_restores_every_acknowledged_edit(workers, tmp_path):
    server, tokens = workers
    uris = _tech_concepts(server, 40)
    acknowledged: list[tuple[float, int, str, str]] = []  # (time, change number, uri, label)
    stop = threading.Event()
    failures: list[str] = []

    def edit_stream():
        number = 0
        while not stop.is_set() and number < len(uris) * 5:
            uri, label = uris[number % len(uris)], f"zqxbackup{number}v"
            answer = _edit(server, tokens["editor"], uri, label)
            if answer.status_code != 200:
                failures.append(answer.text)
                return
            acknowledged.append((time.monotonic(), answer.json()["change"]["id"], uri, label))
            number += 1

    thread = threading.Thread(target=edit_stream)
    thread.start()
    while len(acknowledged) < 10:
        time.sleep(0.05)
        assert thread.is_alive() or acknowledged, failures
    curator = _sign_in(server.url)
    folder = tmp_path / "backup"
    started = time.monotonic()
    made = cli("backup", str(folder), "--json", data_dir=server.data_dir)
    finished = time.monotonic()
    time.sleep(0.5)
    stop.set()
    thread.join()
    assert made.returncode == 0, made.stderr
    assert not failures, failures
    manifest = json.loads(made.stdout)
    last = manifest["store"]["last_change"]
    before = [a for a in acknowledged if a[0] < started]
    after = [a for a in acknowledged if a[0] > finished]
    assert before and after, "the backup did not fall inside the stream of edits"
    assert all(a[1] <= last for a in before)
    assert all(a[1] > last for a in after)
    assert manifest["accounts"]["users"] == 1 and manifest["accounts"]["tokens"] == 3

    target = tmp_path / "restored"
    restored = cli("restore", str(folder), data_dir=target, base_uri="")
    assert restored.returncode == 0, restored.stderr
    assert f"change {last}" in restored.stdout
    again = Server(target, serve_args=("--workers", "2"))
    try:
        # Every edit acknowledged up to the backup's point is there, and none after it.
        latest = {}
        for _time, number, uri, label in acknowledged:
            if number <= last:
                latest[uri] = label
        for uri, label in latest.items():
            concept = again.get("/api/v1/concept", params={"uri": uri}).json()
            assert label in json.dumps(concept, ensure_ascii=False), (uri, label)
        log = again.get("/api/v1/changes", params={"limit": 1}).json()
        assert log["changes"][0]["id"] == last and log["total"] == last  # the newest first: none after the point
        # The tokens work against the restored server (accounts database restored).
        assert again.get("/metrics", headers=tokens["admin"]).status_code == 200
        # The curator signed in before the backup is still signed in (sessions and their key restored), and signs in.
        assert curator.get(again.url + "/admin", timeout=30, allow_redirects=False).status_code == 200
        assert _sign_in(again.url).get(again.url + "/admin", timeout=30, allow_redirects=False).status_code == 200
        revert = requests.post(f"{again.url}/api/v1/changes/{last}/revert", headers=tokens["admin"], timeout=60)
        assert revert.status_code == 201, revert.text  # the history restored is a working one
    finally:
        again.stop()


def test_backup_and_restore_refuse_what_would_lose_data(workers, tmp_path):
    server, _tokens = workers
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    refused = cli("backup", str(full), data_dir=server.data_dir)
    assert refused.returncode == 2 and "not an empty folder" in refused.stderr
    assert (full / "keep.txt").read_text() == "mine"
    folder = tmp_path / "backup"
    assert cli("backup", str(folder), data_dir=server.data_dir).returncode == 0
    occupied = cli("restore", str(folder), data_dir=server.data_dir, base_uri="")
    assert occupied.returncode == 2 and "not an empty folder" in occupied.stderr
    other_base = cli("restore", str(folder), data_dir=tmp_path / "elsewhere", base_uri="http://other.example/")
    assert other_base.returncode == 2 and "base URI" in other_base.stderr
    damaged = next(p for p in (folder / "store").iterdir() if p.suffix == ".sst")
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0123456789")
    broken = cli("restore", str(folder), data_dir=tmp_path / "target", base_uri="")
    assert broken.returncode == 2 and "changed since the backup" in broken.stderr
    assert not any((tmp_path / "target").iterdir()) if (tmp_path / "target").exists() else True


def test_every_process_runs_under_the_allocator_that_gives_memory_back(workers):
    """The writer runs itself again under glibc's malloc, and the workers start under it (vocabserver/memory.py,
    web/workers.py): Python's own allocator kept the arenas of every replaced label index (bench_soak.py)."""
    server, _tokens = workers
    writer = server.process.pid
    children = [int(c) for c in Path(f"/proc/{writer}/task/{writer}/children").read_text().split()]
    processes = [writer] + children + [int(g) for c in children
                                       for g in Path(f"/proc/{c}/task/{c}/children").read_text().split()]
    granian = [p for p in processes if b"granian" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert len(granian) >= 3  # granian's own process and its two workers
    for pid in [writer] + granian:
        environment = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert b"PYTHONMALLOC=malloc" in environment, pid
