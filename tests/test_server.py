"""`vocabserver serve` as a real process, over real HTTP."""

from __future__ import annotations

from .conftest import cli, stats_json


def test_serve_on_an_empty_store_loads_the_bundled_vocabularies(server):
    response = server.get("/health")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok" and body["store"]["reachable"] is True
    vocabularies = body["vocabularies"]
    assert len(vocabularies) == 16
    assert all(isinstance(v["concepts"], int) and v["concepts"] > 0 for v in vocabularies.values())
    assert vocabularies["deno"]["fields"] == ["DENO"]
    assert vocabularies["domn"]["uri"] == "http://data.culture.fr/thesaurus/resource/ark:/67717/T51"
    assert body["base_uri"] == f"http://localhost:{server.port}/"


def test_health_counts_equal_stats(server, loaded_dir):
    health = server.get("/health").json()["vocabularies"]
    rows = stats_json(loaded_dir)  # the same bundled data, loaded by `vocabserver load`
    assert {r["id"]: r["concepts"] for r in rows} == {k: v["concepts"] for k, v in health.items()}


def test_errors_are_json(server):
    response = server.get("/no/such/page")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_a_second_process_gets_a_clear_error(server):
    for command in (("load", "--bundled", "gene"), ("stats",)):
        result = cli(*command, data_dir=server.data_dir, base_uri="")
        assert result.returncode == 3
        assert "in use by another process" in result.stderr and "Traceback" not in result.stderr


def test_a_loaded_third_party_vocabulary_is_served(tmp_path):
    from .conftest import DATA, Server

    data_dir = tmp_path / "store"
    base = "http://vocab.test/"
    assert cli("load", "--bundled", "gene", data_dir=data_dir, base_uri=base).returncode == 0
    assert cli("load", "--as", "frantiq", str(DATA / "opentheso-sample.rdf"), data_dir=data_dir,
               base_uri=base).returncode == 0
    server = Server(data_dir)
    try:
        vocabularies = server.get("/health").json()["vocabularies"]
        assert set(vocabularies) == {"gene", "frantiq"} and vocabularies["frantiq"]["concepts"] == 27
    finally:
        server.stop()


def test_several_gunicorn_workers_share_a_read_only_store(tmp_path):
    """The multi-process deployment: `vocabserver load`, then gunicorn workers opening the store read-only."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import requests

    from .conftest import ROOT, free_port

    data_dir = tmp_path / "store"
    assert cli("load", "--bundled", "gene", "--bundled", "insc", data_dir=data_dir,
               base_uri="http://vocab.test/").returncode == 0
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")},
           "VOCABSERVER_READ_ONLY": "1", "VOCABSERVER_DATA_DIR": str(data_dir)}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket",
                                "vocabserver.wsgi:app"], cwd=ROOT,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if requests.get(url + "/health", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy starting
                pass
            assert time.time() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        for _ in range(10):  # both workers answer
            assert set(requests.get(url + "/health", timeout=10).json()["vocabularies"]) == {"gene", "insc"}
        answer = None
        while answer is None or answer.status_code == 503:  # SPARQL workers may still be starting
            answer = requests.get(url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
            assert time.time() < deadline + 60
        assert answer.json()["boolean"] is True
        assert requests.get(url + "/insc", headers={"Accept": "text/turtle"}, timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_sparql_checkpoints_are_removed_when_the_server_stops(tmp_path):
    """The workers read checkpoints beside the store (hard links); the folder goes when the server stops, and
    the folder of a server killed without clean-up goes when the next one starts."""
    from .conftest import Server

    assert cli("load", "--bundled", "gene", data_dir=tmp_path / "store", base_uri="").returncode == 0
    root = tmp_path / "store" / ".sparql-snapshots"
    orphan = root / "vocabserver-sparql-999999999-x"
    orphan.mkdir(parents=True)
    server = Server(tmp_path / "store")
    pattern = f"vocabserver-sparql-{server.process.pid}-*"
    folders = list(root.glob(pattern))
    assert len(folders) == 1 and list(folders[0].glob("checkpoint-*/CURRENT"))
    assert not orphan.exists()
    server.stop()  # SIGTERM
    assert not list(root.glob(pattern))
