"""Every page and API answer about one resource reads the store through a few named operations (one
`queries/reading/*.rq` or one pattern read each), so that a remote SPARQL store costs one request per
operation: a concept page, a concept's JSON and a Skosmos `data` answer take at most 3. Counted on the
bundled vocabularies, in process, with the answer caches off so that every request really reads."""

from __future__ import annotations

import pytest

from vocabserver.config import Settings

BASE = "http://vocab.test/"
BUDGET = 3


@pytest.fixture(scope="module")
def engine(loaded_dir):
    from vocabserver.core import Core

    settings = Settings(loaded_dir, BASE, BASE, read_only=True, sparql_isolation="thread", sparql_workers=1,
                        answer_cache=0)
    core = Core(settings)
    core.labels.current()
    return core


@pytest.fixture(scope="module")
def client(engine):
    from vocabserver.web import create_app

    return create_app(engine).test_client()


def _concepts(engine) -> dict[str, str]:
    """A plain DENO concept, a guide term (member of a collection), and the heading with 16,401 narrower."""
    index = engine.labels.current()
    plain = next(index.uris[c] for c in range(len(index.uris)) if index.vocab_of(c) == "deno"
                 and len(index.chain(c)) > 1 and not index.guide[c])
    guide = next(index.uris[c] for c in range(len(index.uris)) if index.vocab_of(c) == "deno" and index.guide[c])
    heading = max((c for c in range(len(index.uris)) if index.vocab_of(c) == "repr"),
                  key=lambda c: len(index.children(c)))
    return {"plain": plain, "guide term": guide, "heading": index.uris[heading]}


def _operations(engine, client, path: str, **kwargs) -> int:
    client.get(path, **kwargs)  # caches of the store state (catalogue, graphs) warm, as on a running server
    # What computing the answer costs: the encoded answer the first request left (web/front_cache.py) is dropped.
    client.application.extensions["vocabserver.front_cache"].clear()
    before = engine.store.operations
    response = client.get(path, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return engine.store.operations - before


@pytest.mark.parametrize("kind", ["plain", "guide term", "heading"])
def test_a_concept_page_its_json_and_skosmos_data_each_take_at_most_three_operations(engine, client, kind):
    uri = _concepts(engine)[kind]
    relative = uri[len(BASE):]
    vocab = relative.split("/")[0]
    answers = {
        "concept page": _operations(engine, client, "/" + relative, headers={"Accept": "text/html"}),
        "concept JSON": _operations(engine, client, "/api/v1/concept", query_string={"uri": uri}),
        "Skosmos data": _operations(engine, client, f"/rest/v1/{vocab}/data", query_string={"uri": uri}),
        "concept Turtle": _operations(engine, client, "/" + relative, headers={"Accept": "text/turtle"}),
    }
    assert all(0 < count <= BUDGET for count in answers.values()), answers


def test_operations_are_counted_where_the_store_is_read(engine):
    """The budget above cannot pass by not counting: each seam read counts one."""
    store = engine.store
    before = store.operations
    list(store.quads(None, None, None, store.catalogue.graph))
    store.statements(BASE + "deno")
    store.labels_of([])  # nothing asked: nothing read
    assert store.operations - before == 2


def test_the_embedded_seeks_and_the_remote_queries_give_the_same_rows(engine):
    """Each operation has two forms: the embedded store's index seeks, and the one SPARQL request a remote store
    gets (queries/reading/*.rq). Both must return the same rows, on real concepts of every shape: with a
    collection (guide terms), with 16,401 narrower, with other properties (a LOCA museum's coordinates)."""
    import pyoxigraph as ox

    from vocabserver.reading.concepts import NOT_OTHER, SHOWN, SKOS

    store = engine.store
    index = engine.labels.current()
    uris = list(_concepts(engine).values())
    uris.append(next(index.uris[c] for c in range(len(index.uris)) if index.vocab_of(c) == "loca"))
    predicates = [*SHOWN, SKOS + "narrower", *sorted(p for v in store.vocabularies().values() if v.id != "catalogue"
                                                      for p in v.properties if p not in NOT_OTHER)]
    predicates = list(dict.fromkeys(predicates))

    def rows(found) -> list[tuple]:
        return sorted((r.graph.value, r.predicate, str(r.object), str(r.label)) for r in found)

    compared = 0
    for uri in uris:
        by_seeks, by_query = store.concept_rows(uri, predicates), store.concept_rows_by_query(uri, predicates)
        assert rows(by_seeks) == rows(by_query), uri
        assert any(r.predicate == SKOS + "prefLabel" for r in by_seeks)
        graph = by_seeks[0].graph
        assert rows(store.concept_rows(uri, predicates, graph)) == rows(by_query)
        linked = sorted({r.object for r in by_seeks if isinstance(r.object, ox.NamedNode)}, key=str)[:300]
        seek_labels, query_labels = store.labels_of(linked), store.labels_of_by_query(linked)
        assert {k: sorted(map(str, v)) for k, v in seek_labels.items()} == \
               {k: sorted(map(str, v)) for k, v in query_labels.items()}, uri
        compared += len(by_seeks) + len(seek_labels)
    assert any(r.predicate == SKOS + "member" for r in store.concept_rows(_concepts(engine)["guide term"], predicates))
    assert compared > 1000  # the heading's narrower and their labels: the comparison covered real volume
