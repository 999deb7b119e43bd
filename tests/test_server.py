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
