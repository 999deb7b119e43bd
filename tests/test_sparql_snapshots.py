"""The SPARQL workers' views of the store (issue 20), in process over real stores: workers that cannot start back
off and say why; the change log of earlier versions is migrated to triple terms and stays revertible; a change
of any size is kept."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest

from vocabserver.changes.changeset import ChangeSet, ntriples
from vocabserver.changes.loading import load_file
from vocabserver.config import Settings
from vocabserver.core import Core
from vocabserver.store.embedded import VocabStore
from vocabserver.store.queries import render

from .test_changes import BASE, E, SKOS, VOCABULARY


@pytest.fixture()
def store(tmp_path):
    source = tmp_path / "objets.ttl"
    source.write_text(VOCABULARY, encoding="utf-8")
    opened = VocabStore(tmp_path / "store", BASE)
    load_file(opened, source, "objets")
    return opened


def test_workers_that_cannot_start_back_off_and_say_why(store, tmp_path):
    # An address space of 1 MB: the worker process cannot even start Python.
    core = Core(Settings(tmp_path / "store", BASE, BASE, sparql_workers=1, sparql_memory_mb=1), store)
    try:
        deadline = time.monotonic() + 30
        while core.sparql.pool.state()["last_error"] is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(2.5)
        state = core.sparql.pool.state()
        assert state["ready"] == 0
        error = state["last_error"]
        assert "worker" in error["message"] and error["next_try_in_s"] >= 1
        # 0.5 + 1 + 2 s of delays: at most 4 tries in those 2.5 s, not one every few milliseconds.
        assert 2 <= error["failures_in_a_row"] <= 4
        started = time.perf_counter()
        with pytest.raises(Exception) as refused:
            core.sparql.run(f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{SKOS}prefLabel> ?o }}")
        assert time.perf_counter() - started < 1.0  # at once, not after the time limit
        assert refused.value.status == 503 and "unavailable" in str(refused.value)
    finally:
        core.sparql.pool.close()


def _legacy_change(store, number: int, removed: list[ox.Triple], added: list[ox.Triple], as_literal: bool) -> None:
    """A change recorded as versions before triple terms did: reified statements, or N-Triples literals."""
    change = ox.NamedNode(f"{BASE}changes/{number}")
    ns, cs, rdf = BASE + "ns#", "http://purl.org/vocab/changeset/schema#", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    n = ox.NamedNode
    record = [ox.Triple(change, n(rdf + "type"), n(cs + "ChangeSet")),
              ox.Triple(change, n(ns + "number"), ox.Literal(str(number), datatype=n(xsd + "integer"))),
              ox.Triple(change, n(cs + "createdDate"), ox.Literal("2026-11-01T00:00:00Z", datatype=n(xsd + "dateTime"))),
              ox.Triple(change, n(cs + "creatorName"), ox.Literal("old")),
              ox.Triple(change, n(ns + "kind"), ox.Literal("edit")),
              ox.Triple(change, n(ns + "vocabulary"), ox.Literal("objets")),
              ox.Triple(change, n(ns + "graph"), store.graph_iri("objets")),
              ox.Triple(change, n(ns + "added"), ox.Literal(str(len(added)), datatype=n(xsd + "integer"))),
              ox.Triple(change, n(ns + "removed"), ox.Literal(str(len(removed)), datatype=n(xsd + "integer")))]
    record += [ox.Triple(change, n(cs + "subjectOfChange"), t.subject) for t in removed + added]
    if as_literal:
        record += [ox.Triple(change, n(ns + "removedData"), ox.Literal(ntriples(removed))),
                   ox.Triple(change, n(ns + "addedData"), ox.Literal(ntriples(added)))]
    else:
        for kind, mark, triples in (("removal", "r", removed), ("addition", "a", added)):
            for i, triple in enumerate(triples, start=1):
                statement = n(f"{change.value}#{mark}{i}")
                record += [ox.Triple(change, n(cs + kind), statement),
                           ox.Triple(statement, n(rdf + "type"), n(rdf + "Statement")),
                           ox.Triple(statement, n(rdf + "subject"), triple.subject),
                           ox.Triple(statement, n(rdf + "predicate"), triple.predicate),
                           ox.Triple(statement, n(rdf + "object"), triple.object)]
    graph = store.graph_iri("objets")
    store.apply_update(render("store/apply-change", graph=graph, removed=ntriples(removed), added=ntriples(added),
                              history=store.history_graph, record=ntriples(record)))


def test_a_change_log_of_earlier_versions_is_migrated_and_revertible(store, tmp_path):
    from vocabserver.changes.writer import Writer

    label = ox.Triple(ox.NamedNode(E + "vase"), ox.NamedNode(SKOS + "altLabel"), ox.Literal("urne", language="fr"))
    other = ox.Triple(ox.NamedNode(E + "sabre"), ox.NamedNode(SKOS + "altLabel"), ox.Literal("cimeterre", language="fr"))
    _legacy_change(store, 50, [], [label], as_literal=False)
    _legacy_change(store, 51, [], [other], as_literal=True)
    history = store.history_graph
    assert any(store.quads(None, ox.NamedNode(BASE + "ns#addedData"), None, history))
    store.close()

    reopened = VocabStore(tmp_path / "store", BASE)
    writer = Writer(reopened)  # opening for writing migrates
    legacy = [BASE + "ns#addedData", BASE + "ns#removedData", "http://purl.org/vocab/changeset/schema#addition",
              "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject"]
    assert not [q for p in legacy for q in reopened.quads(None, ox.NamedNode(p), None, history)]
    assert writer.history.triples(50) == ([], [label]) and writer.history.triples(51) == ([], [other])
    assert writer.history.migrate() == 0  # nothing left to migrate
    reverted, _ = writer.revert(51, "curator")
    assert reverted.removed_count == 1
    assert not reopened.contains(ox.Quad(other.subject, other.predicate, other.object, reopened.graph_iri("objets")))
    reverted, _ = writer.revert(50, "curator")
    assert not reopened.contains(ox.Quad(label.subject, label.predicate, label.object, reopened.graph_iri("objets")))


def test_a_large_change_is_kept_whole_and_reverted(store):
    """20,000 triples in one change (beyond the former literal threshold and the former load cap's order): one
    quad each in the log, read back exactly, reverted."""
    from vocabserver.changes.writer import Writer

    writer = Writer(store)
    graph = store.graph_iri("objets")
    added = [ox.Triple(ox.NamedNode(E + "vase"), ox.NamedNode(SKOS + "hiddenLabel"), ox.Literal(f"v{i}", language="fr"))
             for i in range(20_000)]
    change, _ = writer.apply(ChangeSet(graph, [], added, "curator", "many hidden labels"))
    quads = list(store.quads(ox.NamedNode(change.uri), ox.NamedNode(BASE + "ns#addedTriple"), None,
                             store.history_graph))
    assert len(quads) == 20_000 and all(isinstance(q.object, ox.Triple) for q in quads)
    removed, kept = writer.history.triples(change.number)
    assert removed == [] and set(kept) == set(added)
    reverted, _ = writer.revert(change.number, "curator")
    assert reverted.removed_count == 20_000
    assert not any(store.quads(ox.NamedNode(E + "vase"), ox.NamedNode(SKOS + "hiddenLabel"), None, graph))
