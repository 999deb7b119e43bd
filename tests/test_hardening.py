"""Hostile requests and files against real server processes and the real CLI: nothing freezes, crashes or
exhausts the server, every bad input gets a clear 4xx or exit code, and the store stays as it was."""

from __future__ import annotations

import gzip
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import requests

from bench.common import tree_rss_mb

from .conftest import BASE, Server, cli

SKOS_HEAD = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"


def _string_doubling(times: int = 26) -> str:
    query = 'SELECT ?a WHERE { BIND("xxxxxxxxxxxxxxxx" AS ?a0)'
    for i in range(1, times + 1):
        query += f" BIND(CONCAT(?a{i - 1},?a{i - 1}) AS ?a{i})"
    return query + f" BIND(?a{times} AS ?a) }}"


HOSTILE = {
    # A run of `"\` without a closing quote: quadratic for a backtracking regex, linear for the guard.
    "quotes": 'SELECT * WHERE { ?s ?p "' + '"\\' * 20_000 + '" }',
    "nesting": "SELECT * WHERE " + "{" * 10_000 + "?s ?p ?o" + "}" * 10_000,
    "product": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a LIMIT 1",
    "doubling": _string_doubling(),
    # A chain of BINDs: 3,000 crash pyoxigraph on an 8 MB stack; evaluation threads have a larger one.
    "chain": "SELECT * WHERE { ?s ?p ?o " + "".join(f" BIND(1 AS ?v{i})" for i in range(3000)) + " } LIMIT 1",
}


@pytest.fixture(scope="module")
def hardened(loaded_dir, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("hardened") / "store"
    shutil.copytree(loaded_dir, data_dir)
    srv = Server(data_dir, BASE, env={"VOCABSERVER_SPARQL_MEMORY": "1024", "VOCABSERVER_SPARQL_TIMEOUT": "5"})
    deadline = time.time() + 60
    while requests.get(srv.url + "/health", timeout=10).json()["sparql"]["ready"] < 2:  # both workers loaded
        assert time.time() < deadline
        time.sleep(0.2)
    yield srv
    srv.stop()


def _ping_ms(url: str) -> float:
    started = time.perf_counter()
    assert requests.get(url + "/ping", timeout=10).status_code == 200
    return (time.perf_counter() - started) * 1000


def test_hostile_query_text_never_delays_other_requests(hardened):
    baseline = sorted(_ping_ms(hardened.url) for _ in range(20))[10]
    for size in (40_000, 200_000):
        query = 'SELECT * WHERE { ?s ?p "' + '"\\' * (size // 2) + '" }'
        pings: list[float] = []

        def ping_meanwhile():
            for _ in range(10):
                pings.append(_ping_ms(hardened.url))

        pinger = threading.Thread(target=ping_meanwhile)
        pinger.start()
        started = time.perf_counter()
        response = requests.post(hardened.url + "/sparql", data={"query": query}, timeout=30)
        seconds = time.perf_counter() - started
        pinger.join()
        assert response.status_code in (400, 413), response.text
        assert seconds < 2, f"a {size}-byte hostile query took {seconds:.2f} s"
        # /ping stays within milliseconds of its usual latency while the hostile query is handled (before the
        # guard, a 40 KB query froze it for 18 s). Generous bounds: the suite shares two cores.
        assert sorted(pings)[len(pings) // 2] < baseline + 20 and max(pings) < 250, (baseline, pings)
    big = requests.post(hardened.url + "/sparql", data={"query": "ASK {}" + " " * 70_000}, timeout=30)
    assert big.status_code == 413 and "VOCABSERVER_SPARQL_MAX_QUERY" in big.text


def test_nesting_is_refused_before_parsing(hardened):
    response = requests.post(hardened.url + "/sparql", data={"query": HOSTILE["nesting"]}, timeout=30)
    assert response.status_code == 400 and "nested too deeply" in response.text
    parens = "SELECT * WHERE { FILTER(" + "(" * 500 + "1" + ")" * 500 + ") }"
    assert "nested too deeply" in requests.get(hardened.url + "/sparql", params={"query": parens}, timeout=30).text


@pytest.mark.parametrize("kind", ["product", "doubling"])
def test_memory_is_bounded_and_said(hardened, kind):
    peak = [0.0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(hardened.process.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        response = requests.post(hardened.url + "/sparql", data={"query": HOSTILE[kind]}, timeout=60)
    finally:
        done.set()
        watcher.join()
    assert response.status_code == 400 and "memory limit" in response.text, response.text
    # Server, two workers holding the data, one of them capped at 1,024 MB of address space.
    assert peak[0] < 2_600, f"process tree reached {peak[0]:.0f} MB"
    # The same query again is answered at once (remembered), without killing another worker.
    started = time.perf_counter()
    again = requests.post(hardened.url + "/sparql", data={"query": HOSTILE[kind]}, timeout=60)
    assert again.status_code == 400 and "memory limit" in again.text
    assert time.perf_counter() - started < 0.5
    _sparql_recovers(hardened)


def _sparql_recovers(server) -> None:
    deadline = time.time() + 60
    while True:
        answer = requests.get(server.url + "/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE "
                                                               "{ ?s a <http://www.w3.org/2004/02/skos/core#Concept> }"},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30)
        if answer.status_code == 200:
            assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) > 1000
            return
        assert answer.status_code == 503 and time.time() < deadline, answer.text


def test_long_chains_do_not_crash_a_worker(hardened):
    response = requests.post(hardened.url + "/sparql", data={"query": HOSTILE["chain"]}, timeout=60,
                             headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text


def test_thread_isolation_survives_what_crashed_it(loaded_dir, tmp_path):
    data_dir = tmp_path / "store"
    shutil.copytree(loaded_dir, data_dir)
    srv = Server(data_dir, BASE, env={"VOCABSERVER_SPARQL_ISOLATION": "thread", "VOCABSERVER_SPARQL_TIMEOUT": "5"})
    try:
        for kind in ("chain", "nesting", "quotes"):
            response = requests.post(srv.url + "/sparql", data={"query": HOSTILE[kind]}, timeout=60)
            assert response.status_code in (200, 400), (kind, response.status_code)
            assert srv.process.poll() is None, f"the server died on {kind}"
        assert requests.get(srv.url + "/ping", timeout=5).status_code == 200
    finally:
        srv.stop()


@pytest.mark.parametrize("path", [
    "/resource?uri=http://x/%3C%3E", "/rest/v1/data?uri=http://x/%3C%3E", "/rest/v1/deno/data?uri=http://x/a%20b",
    "/rest/v1/search?query=a*&group=http://x/%7Bg%7D", "/api/v1/concept?uri=http://x/%3C%3E",
])
def test_invalid_iris_are_400(hardened, path):
    response = hardened.get(path)
    assert response.status_code == 400, (path, response.status_code, response.text[:200])
    assert "IRI" in response.text


@pytest.mark.parametrize("path", ["/deno/a%20b/c", "/deno/%3C/x", "/x/%22/y", "/deno/%7B%7D/z", "/a/b%5Cc/d",
                                  "/deno/%ff/x", "/resource/ark:/67717/a%20b"])
def test_paths_that_make_no_iri_are_404(hardened, path):
    assert hardened.get(path).status_code == 404


def test_small_protocol_fixes(hardened):
    head = requests.head(hardened.url + "/sparql", params={"query": "ASK {}"}, timeout=30)
    assert head.status_code == 200
    for path in ("/api/v1/autocomplete?q=epee", "/sparql?query=ASK%7B%7D", "/health", "/nowhere/at/all/x"):
        assert hardened.get(path).headers["X-Content-Type-Options"] == "nosniff", path
    refused = hardened.get("/deno/zaqmycctwh", headers={"Accept": "x/y;" + "a" * 200_000})
    assert refused.status_code in (406, 431) and len(refused.content) < 5_000
    # The Host header is never reflected into a cacheable body.
    answer = requests.get(hardened.url + "/rest/v1/vocabularies?lang=fr", headers={"Host": "evil.example"},
                          timeout=30)
    assert "evil.example" not in answer.text


def test_gzip_dumps_are_compressed_once_per_store_version(hardened):
    def fetch() -> tuple[float, bytes]:
        started = time.perf_counter()
        response = hardened.get("/dumps/all.nq.gz")
        assert response.status_code == 200
        return time.perf_counter() - started, response.content

    first, body = fetch()
    later = sorted(fetch()[0] for _ in range(3))
    assert gzip.decompress(body).count(b"\n") > 400_000
    assert later[0] < first / 3, (first, later)


def test_read_only_servers_see_only_committed_graphs_and_follow_commits(tmp_path):
    from vocabserver.changes.loading import bundled_files
    from vocabserver.store.embedded import VocabStore

    data_dir = tmp_path / "store"
    assert cli("load", "--bundled", "gene", data_dir=data_dir).returncode == 0
    # A load that died during its checks: a graph written, never committed.
    store = VocabStore(data_dir, BASE)
    store.stage("insc", path=bundled_files()["insc"])
    store.close()
    del store
    srv = Server(data_dir, BASE, env={"VOCABSERVER_READ_ONLY": "1"})
    try:
        def concepts() -> int:
            response = requests.get(srv.url + "/sparql", timeout=30, headers={"Accept": "text/csv"}, params={
                "query": "SELECT (COUNT(*) AS ?n) WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> }"})
            assert response.status_code == 200, response.text
            return int(response.text.split()[-1])

        gene = requests.get(srv.url + "/health", timeout=30).json()["vocabularies"]["gene"]["concepts"]
        assert concepts() == gene  # not the half-loaded INSC
        light = requests.get(srv.url + "/sparql", timeout=30, headers={"Accept": "text/csv"}, params={
            "query": "SELECT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> } LIMIT 5000"})
        assert light.text.count("\n") - 1 == gene
        # A writer warns that read-only servers hold the store; they follow the commit.
        loaded = cli("load", "--bundled", "domn", data_dir=data_dir)
        assert loaded.returncode == 0 and "read-only servers" in loaded.stderr, loaded.stderr
        deadline = time.time() + 30
        while "domn" not in requests.get(srv.url + "/health", timeout=30).json()["vocabularies"]:
            assert time.time() < deadline, "the read-only server did not notice the commit"
            time.sleep(0.3)
        deadline = time.time() + 60
        while True:
            try:
                if concepts() > gene:
                    break
            except AssertionError:
                pass  # 503 while the SPARQL workers reopen the store
            assert time.time() < deadline
            time.sleep(0.5)
    finally:
        srv.stop()


# -- files ------------------------------------------------------------------------------------------------

def _load(tmp_path: Path, name: str, content: bytes | str, *extra: str, env: dict | None = None):
    source = tmp_path / name
    source.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return cli("load", "--as", "essai", str(source), *extra, data_dir=tmp_path / "store", env=env)


def _one_line_error(result, code: int, *words: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_billion_laughs_is_refused(tmp_path):
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    document = (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{entities}]>'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                'xmlns:skos="http://www.w3.org/2004/02/skos/core#"><skos:Concept rdf:about="http://x/a">'
                '<skos:prefLabel>&i;</skos:prefLabel></skos:Concept></rdf:RDF>')
    started = time.perf_counter()
    _one_line_error(_load(tmp_path, "laughs.rdf", document), 2, "nested entity")
    assert time.perf_counter() - started < 10


def test_simple_entities_still_load(tmp_path):
    document = ('<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY skos "http://www.w3.org/2004/02/skos/core#">]>'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="&skos;">'
                '<skos:ConceptScheme rdf:about="http://x/s"/>'
                '<skos:Concept rdf:about="http://x/a"><skos:prefLabel xml:lang="fr">a</skos:prefLabel>'
                '<skos:inScheme rdf:resource="http://x/s"/></skos:Concept></rdf:RDF>')
    result = _load(tmp_path, "entities.rdf", document)
    assert result.returncode == 0, result.stderr


def test_decompression_and_triple_caps(tmp_path):
    bomb = gzip.compress(b" " * 50_000_000)
    _one_line_error(_load(tmp_path, "bomb.ttl.gz", bomb, env={"VOCABSERVER_MAX_LOAD_BYTES": "10000000"}), 2,
                    "VOCABSERVER_MAX_LOAD_BYTES")
    many = SKOS_HEAD + "".join(f'<http://x/c{i}> a skos:Concept .\n' for i in range(200))
    _one_line_error(_load(tmp_path, "many.ttl", many, env={"VOCABSERVER_MAX_LOAD_TRIPLES": "100"}), 2,
                    "VOCABSERVER_MAX_LOAD_TRIPLES")
    assert not (tmp_path / "store").exists() or "essai" not in cli("stats", data_dir=tmp_path / "store").stdout


def test_empty_zero_concept_and_bom_files(tmp_path):
    _one_line_error(_load(tmp_path, "empty.ttl", ""), 2, "empty")
    _one_line_error(_load(tmp_path, "none.ttl", '<http://x/a> <http://x/p> "v" .'), 2, "no skos:Concept")
    with_bom = b"\xef\xbb\xbf" + (SKOS_HEAD + '<http://x/s> a skos:ConceptScheme .\n<http://x/a> a skos:Concept ; '
                                  'skos:prefLabel "a"@fr ; skos:inScheme <http://x/s> .\n').encode()
    assert _load(tmp_path, "bom.ttl", with_bom).returncode == 0


def test_deep_hierarchy_loads(tmp_path):
    lines = [SKOS_HEAD, "<http://x/s> a skos:ConceptScheme .\n"]
    for i in range(3000):  # 1,000 was enough to break skosify's recursion before
        broader = f" ; skos:broader <http://x/c{i - 1}>" if i else " ; skos:topConceptOf <http://x/s>"
        lines.append(f'<http://x/c{i}> a skos:Concept ; skos:prefLabel "c{i}"@fr ; skos:inScheme <http://x/s>'
                     f"{broader} .\n")
    result = _load(tmp_path, "deep.ttl", "".join(lines))
    assert result.returncode == 0, result.stderr


def test_serve_on_a_port_in_use(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli("serve", "--port", str(port), data_dir=tmp_path / "store", timeout=60)
    _one_line_error(result, 3, "in use")


def test_only_http_iris_are_links(hardened, tmp_path):
    query = 'SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <http://example.org/ok> <data:text/html,x> } }'
    page = hardened.get("/sparql", params={"query": query, "format": "html"}).text
    assert 'href="javascript:' not in page and 'href="data:text' not in page
    assert 'href="http://example.org/ok"' in page and "javascript:alert(1)" in page  # shown as text

    from vocabserver.config import Settings
    from vocabserver.web import create_app

    source = tmp_path / "links.ttl"
    source.write_text(SKOS_HEAD + '<http://x/s> a skos:ConceptScheme ; skos:prefLabel "s"@fr .\n'
                      '<http://x/a> a skos:Concept ; skos:prefLabel "a"@fr ; skos:inScheme <http://x/s> ; '
                      'skos:topConceptOf <http://x/s> ; skos:exactMatch <javascript:alert(2)>, <https://example.org/m> .\n',
                      encoding="utf-8")
    assert cli("load", "--as", "links", str(source), data_dir=tmp_path / "store").returncode == 0
    app = create_app(Settings(tmp_path / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1))
    client = app.test_client()
    for path in ("/resource?uri=http://x/a", "/resource?uri=http://x/a&format=html"):
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert 'href="javascript:' not in html and "javascript:alert(2)" in html, html[:500]
        assert 'href="https://example.org/m"' in html


def test_a_very_deep_hierarchy_is_served(tmp_path):
    lines = [SKOS_HEAD, '<http://x/s> a skos:ConceptScheme ; skos:prefLabel "s"@fr .\n']
    for i in range(2500):
        broader = f" ; skos:broader <http://x/c{i - 1}>" if i else " ; skos:topConceptOf <http://x/s>"
        lines.append(f'<http://x/c{i}> a skos:Concept ; skos:prefLabel "c{i}"@fr ; skos:inScheme <http://x/s>'
                     f"{broader} .\n")
    assert _load(tmp_path, "deep.ttl", "".join(lines)).returncode == 0
    assert cli("stats", data_dir=tmp_path / "store").returncode == 0

    from vocabserver.config import Settings
    from vocabserver.web import create_app

    app = create_app(Settings(tmp_path / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1))
    app.testing = False
    client = app.test_client()
    for path in ("/resource?uri=http://x/c2499", "/api/v1/concept?uri=http://x/c2499",
                 "/api/v1/hierarchy?uri=http://x/c2499", "/rest/v1/essai/hierarchy?uri=http://x/c2499",
                 "/rest/v1/essai/broaderTransitive?uri=http://x/c2499", "/api/v1/autocomplete?q=c2499",
                 "/rest/v1/essai/data?uri=http://x/c2499"):
        response = client.get(path, headers={"Accept": "text/html"} if path.startswith("/resource") else {})
        assert response.status_code == 200, (path, response.status_code)
