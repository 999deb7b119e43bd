"""The same store-level suite over the three backends: the embedded pyoxigraph store, Oxigraph server and OpenLink
Virtuoso 7.2 (real engines, started by tests/engines.py). Loads with their checks, reads, the write path with
history and revert, versions, SPARQL, the HTTP interfaces in process; and, over the remote engines, two app nodes
over one store writing at the same time: no update lost, no change number twice, a stale version refused."""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox
import pytest

from tests.engines import started

BASE = "http://vocab.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
E = "http://example.org/v/"
VOCABULARY = f"""@prefix skos: <{SKOS}> . @prefix e: <{E}> .
e:s a skos:ConceptScheme ; skos:prefLabel "Objets"@fr ; skos:hasTopConcept e:statue, e:vase .
e:statue a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "statue"@fr ;
  skos:narrower e:statuette .
e:statuette a skos:Concept ; skos:inScheme e:s ; skos:broader e:statue ; skos:prefLabel "statuette"@fr ;
  skos:altLabel "figurine"@fr ; skos:prefLabel "statuette"@en .
e:vase a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "vase"@fr ;
  skos:definition "Récipient à col étroit, « décoré »\\nsur deux lignes."@fr .
"""


@pytest.fixture(params=["embedded", "oxigraph", "virtuoso"])
def backend(request, engines):
    return None if request.param == "embedded" else started(engines, request.param)


@pytest.fixture(params=["oxigraph", "virtuoso"])
def remote(request, engines):
    return started(engines, request.param)


def open_store(folder, engine):
    from vocabserver.store.embedded import VocabStore

    if engine is None:
        return VocabStore(folder / "store", BASE)
    return VocabStore(folder / "local", BASE, remote=engine.settings())


def make_core(folder, engine, load: bool = True, isolation: str = "thread"):
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core

    folder.mkdir(parents=True, exist_ok=True)
    store = open_store(folder, engine)
    if load:
        source = folder / "objets.ttl"
        source.write_text(VOCABULARY, encoding="utf-8")
        load_file(store, source, "objets", strict=True)
    settings = Settings(folder / ("store" if engine is None else "local"), BASE, BASE, sparql_isolation=isolation,
                        sparql_workers=1, remote=engine.settings() if engine is not None else None)
    core = Core(settings, store)
    core.labels.current()
    return core


def _alt(uri: str, label: str, version: str | None = None, actor: str = "test"):
    from vocabserver.changes.changeset import ChangeSet

    triple = ox.Triple(ox.NamedNode(uri), ox.NamedNode(SKOS + "altLabel"), ox.Literal(label, language="fr"))
    changeset = ChangeSet(ox.NamedNode(BASE + "graph/objets"), [], [triple], actor, "test")
    if version is not None:
        changeset.concept_versions[uri] = version
    return changeset


def _hits(core, text: str) -> list[str]:
    """What autocompletion answers on this node (its label index)."""
    from vocabserver.web import create_app

    if not hasattr(core, "test_client"):
        core.test_client = create_app(core).test_client()
    answer = core.test_client.get("/api/v1/autocomplete", query_string={"q": text}).get_json()
    return [hit["uri"] for hit in answer["results"]]


def _lines(store, graph: str) -> set[bytes]:
    return set(store.dump_graph(ox.NamedNode(graph)).splitlines())


# -- loads, reads ------------------------------------------------------------------------------------------
def test_a_bundled_load_gives_the_same_catalogue_checks_and_reads(tmp_path, backend):
    from vocabserver.changes.checks import run_checks
    from vocabserver.changes.loading import load_bundled
    from vocabserver.index.label_index import LabelIndex

    reference = open_store(tmp_path / "reference", None)
    store = open_store(tmp_path, backend)
    for each in (reference, store):
        results = load_bundled(each, ["gene", "domn"], actor="test")
        assert sorted(r.vocabulary for r in results) == ["domn", "gene"]
    for vocab_id in ("domn", "gene"):
        want, got = reference.info(vocab_id), store.info(vocab_id)
        assert (got.counts, got.triples, got.policy) == (want.counts, want.triples, want.policy)
        graph = ox.NamedNode(got.graph)
        assert _lines(store, got.graph) == _lines(reference, want.graph)
        keys = {(f.check, f.severity, tuple(f.resources)) for f in run_checks(store, graph, vocab_id).findings}
        assert keys == {(f.check, f.severity, tuple(f.resources))
                        for f in run_checks(reference, graph, vocab_id).findings}
    concept = next(q.subject for q in reference.quads(None, ox.NamedNode(SKOS + "broader"), None,
                                                     ox.NamedNode(reference.info("gene").graph)))
    assert set(store.statements(concept.value)) == set(reference.statements(concept.value))
    predicates = [SKOS + "prefLabel", SKOS + "broader", SKOS + "narrower"]
    assert sorted(map(str, store.concept_rows_by_query(concept.value, predicates))) == \
        sorted(map(str, reference.concept_rows(concept.value, predicates)))
    assert store.labels_of([concept]) == reference.labels_of([concept])
    ours, theirs = LabelIndex.build(store), LabelIndex.build(reference)
    assert [ours.uris[h.concept] for h in ours.search("peinture")[0]] == \
        [theirs.uris[h.concept] for h in theirs.search("peinture")[0]]


def test_a_load_that_breaks_the_policy_writes_nothing(tmp_path, backend):
    from vocabserver.changes.loading import LoadRefused, load_file

    store = open_store(tmp_path, backend)
    source = tmp_path / "bad.ttl"
    source.write_text(VOCABULARY + f'<{E}statue> <{SKOS}broader> <{E}statuette> .\n', encoding="utf-8")  # a cycle
    with pytest.raises(LoadRefused):
        load_file(store, source, "objets", strict=True)
    assert store.vocabularies() == {}
    assert [g for g in store.store.named_graphs() if g.value.startswith(BASE)] == []


# -- the write path ----------------------------------------------------------------------------------------
def test_an_edit_is_recorded_reverted_and_a_stale_version_refused(tmp_path, backend):
    from vocabserver.changes.changeset import Stale

    core = make_core(tmp_path, backend)
    store, writer = core.store, core.writer
    before = _lines(store, BASE + "graph/objets")
    version = writer.concept_version(E + "vase", ox.NamedNode(BASE + "graph/objets"))
    change, _ = writer.apply(_alt(E + "vase", "amphore « ancienne »", version))
    assert change.number == 2 and store.info("objets").counts["altLabels"] == 2  # figurine and this one
    recorded = writer.history.get(change.number, with_triples=True)
    assert [str(t) for t in recorded.added] == [str(t) for t in change.added]
    with pytest.raises(Stale):
        writer.apply(_alt(E + "vase", "jarre", version))
    assert _hits(core, "amphore") == [E + "vase"]
    reverted, _ = writer.revert(change.number, "test")
    assert reverted.number == 3 and _lines(store, BASE + "graph/objets") == before
    assert writer.history.numbers() == [3, 2, 1]
    assert _hits(core, "amphore") == []


def test_the_http_interfaces_over_the_backend(tmp_path, backend):
    from vocabserver.web import create_app

    core = make_core(tmp_path, backend)
    client = create_app(core).test_client()
    admin = {"Authorization": "Bearer " + core.tokens.create("admin", "admin", [])}
    assert client.get("/health").get_json()["vocabularies"]["objets"]["concepts"] == 3
    page = client.get("/resource", query_string={"uri": E + "vase"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Récipient à col étroit, « décoré »" in page.get_data(as_text=True)
    turtle = client.get("/resource", query_string={"uri": E + "vase"}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and "Récipient" in turtle.get_data(as_text=True)
    assert client.get("/objets", headers={"Accept": "text/html"}).status_code == 200
    read = client.get("/api/v1/concept", query_string={"uri": E + "vase"})
    assert read.status_code == 200 and read.get_json()["prefLabel"] == {"fr": "vase"}
    url = "/api/v1/vocabularies/objets/concepts?uri=" + E + "vase"
    version = read.get_json()["version"]
    first = client.patch(url, json={"altLabel": {"fr": ["urne"]}}, headers=admin | {"If-Match": f'"{version}"'})
    assert first.status_code == 200, first.get_json()
    second = client.patch(url, json={"altLabel": {"fr": ["pot"]}}, headers=admin | {"If-Match": f'"{version}"'})
    assert second.status_code == 412
    hits = client.get("/api/v1/autocomplete", query_string={"q": "URNE"}).get_json()["results"]
    assert [h["uri"] for h in hits] == [E + "vase"]
    sparql = client.get("/sparql", query_string={"query": f"SELECT ?l WHERE {{ <{E}vase> <{SKOS}altLabel> ?l }}"},
                        headers={"Accept": "application/sparql-results+json"})
    assert sparql.status_code == 200
    assert [b["l"]["value"] for b in sparql.get_json()["results"]["bindings"]] == ["urne"]
    ask = client.get("/sparql", query_string={"query": f"ASK {{ <{E}vase> <{SKOS}altLabel> \"pot\"@fr }}"},
                     headers={"Accept": "application/sparql-results+json"})
    assert ask.get_json()["boolean"] is False
    described = client.get("/sparql", query_string={"query": f"CONSTRUCT {{ <{E}vase> ?p ?o }} WHERE {{ <{E}vase> ?p ?o }}"},
                           headers={"Accept": "application/n-triples"})
    assert described.status_code == 200 and b"urne" in described.data
    refused = client.get("/sparql", query_string={"query": "SELECT * WHERE { SERVICE <http://x.test/> { ?s ?p ?o } }"})
    assert refused.status_code == 400 and "SERVICE is not allowed" in refused.get_data(as_text=True)
    update = client.post("/sparql", data={"update": f'INSERT DATA {{ GRAPH <{BASE}graph/objets> {{ <{E}vase> '
                                                    f'<{SKOS}hiddenLabel> "vaze"@fr }} }}'}, headers=admin)
    assert update.status_code in (200, 204), update.get_data(as_text=True)
    assert [h["uri"] for h in client.get("/api/v1/autocomplete", query_string={"q": "vaze"}).get_json()["results"]] \
        == [E + "vase"]
    several = client.post("/sparql", headers=admin, data={"update": (
        f'DELETE DATA {{ GRAPH <{BASE}graph/objets> {{ <{E}vase> <{SKOS}hiddenLabel> "vaze"@fr }} }} ; '
        f'INSERT DATA {{ GRAPH <{BASE}graph/objets> {{ <{E}vase> <{SKOS}hiddenLabel> "vaaze"@fr }} }} ; '
        f'INSERT DATA {{ GRAPH <http://example.org/notes> {{ <{E}vase> <http://example.org/p> "n" }} }}')})
    assert several.status_code in (200, 204), several.get_data(as_text=True)
    assert _hits(core, "vaaze") == [E + "vase"] and _hits(core, "vaze") == []
    put = client.put("/store", query_string={"graph": "http://example.org/other"}, headers=admin | {
        "Content-Type": "text/turtle"}, data=f'<{E}a> <http://example.org/p> "1" .'.encode())
    assert put.status_code in (200, 201, 204), put.get_data(as_text=True)
    got = client.get("/store", query_string={"graph": "http://example.org/other"}, headers={"Accept": "application/n-triples"})
    assert got.status_code == 200 and '"1"' in got.get_data(as_text=True)
    graphs = client.get("/sparql", query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                        headers={"Accept": "application/sparql-results+json"}).get_json()["results"]["bindings"]
    assert {"http://example.org/other", "http://example.org/notes", BASE + "graph/objets"} <= \
        {b["g"]["value"] for b in graphs}
    assert not any("openlinksw" in b["g"]["value"] for b in graphs)  # never an engine's own graphs
    skosmos = client.get("/rest/v1/objets/search", query_string={"query": "stat*", "lang": "fr"}).get_json()
    assert {r["uri"] for r in skosmos["results"]} == {E + "statue", E + "statuette"}
    dump = client.get("/dumps/objets.ttl")
    assert dump.status_code == 200 and "vaaze" in dump.get_data(as_text=True)
    assert client.get("/api/v1/changes").get_json()["total"] == 6


def test_a_query_over_the_row_cap_is_refused(tmp_path, backend):
    from vocabserver.web import create_app

    core = make_core(tmp_path, backend)
    core.sparql.limits = type(core.sparql.limits)(max_rows=5, workers=1)
    client = create_app(core).test_client()
    capped = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"},
                        headers={"Accept": "application/sparql-results+json"})
    assert capped.status_code == 400 and "more than 5 results" in capped.get_data(as_text=True)


# -- several nodes over one remote store ---------------------------------------------------------------------
def _node(folder, engine):
    core = make_core(folder, engine, load=False)
    core.follower.start()
    return core


def test_two_nodes_writing_at_once_lose_nothing(tmp_path, remote):
    """Two writers on each of two nodes, five edits each, all at once."""
    first = make_core(tmp_path / "a", remote)
    first.follower.start()
    second = _node(tmp_path / "b", remote)
    errors: list = []

    def edit(core, name):
        try:
            for number in range(5):
                core.writer.apply(_alt(E + "statue", f"{name} {number}", actor=name))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writers = [(first, "a"), (first, "c"), (second, "b"), (second, "d")]
    threads = [threading.Thread(target=edit, args=writer) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = first.writer.history.numbers()
    assert numbers == list(range(21, 0, -1))  # the load, then twenty edits: each number once
    labels = {q.object.value for q in first.store.quads(ox.NamedNode(E + "statue"), ox.NamedNode(SKOS + "altLabel"),
                                                        None, None)}
    assert labels == {f"{n} {i}" for n in "abcd" for i in range(5)}
    assert {first.writer.history.get(n).actor for n in numbers[:-1]} == set("abcd")
    for core in (first, second):
        core.writer.catch_up()
        assert core.store.info("objets").counts["altLabels"] == 21  # figurine and the twenty
        assert _hits(core, "b 4") == [E + "statue"] and _hits(core, "c 0") == [E + "statue"]


def test_the_same_version_on_two_nodes_gives_one_write(tmp_path, remote):
    from vocabserver.changes.changeset import Stale

    first = make_core(tmp_path / "a", remote)
    second = _node(tmp_path / "b", remote)
    graph = ox.NamedNode(BASE + "graph/objets")
    version = first.writer.concept_version(E + "vase", graph)
    assert second.writer.concept_version(E + "vase", graph) == version
    first.writer.apply(_alt(E + "vase", "urne", version))
    with pytest.raises(Stale):
        second.writer.apply(_alt(E + "vase", "pot", version))
    assert {q.object.value for q in second.store.quads(ox.NamedNode(E + "vase"), ox.NamedNode(SKOS + "altLabel"),
                                                       None, None)} == {"urne"}


def test_an_edit_on_one_node_reaches_the_other_within_a_second(tmp_path, remote):
    first = make_core(tmp_path / "a", remote)
    second = _node(tmp_path / "b", remote)
    first.writer.apply(_alt(E + "vase", "lécythe"))
    started = time.monotonic()  # from the acknowledgement, as a client of node A sees it
    while not _hits(second, "lecythe"):
        assert time.monotonic() - started < 1.0, "not followed within 1 s"
        time.sleep(0.02)
    assert second.store.modified() == first.store.modified()


def test_a_runaway_query_is_cut_at_the_time_limit(tmp_path, backend):
    """Over a remote engine too: the answer is a 503 at the limit, and the next query is answered."""
    from vocabserver.web import create_app

    core = make_core(tmp_path, backend, isolation="process")  # the embedded store's workers: killed at the limit
    core.sparql.limits = type(core.sparql.limits)(timeout=1.0, workers=1)
    client = create_app(core).test_client()
    many = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
    started = time.monotonic()
    cut = client.get("/sparql", query_string={"query": many}, headers={"Accept": "application/sparql-results+json"})
    assert cut.status_code == 503 and "time limit" in cut.get_data(as_text=True)
    assert time.monotonic() - started < 4
    after = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                       headers={"Accept": "application/sparql-results+json"})
    assert after.status_code == 200 and after.get_json()["boolean"] is True
