"""The one write path, in process: `create_app(core)` over a real store in a temp dir. A changeset is
validated on the would-be state with the vocabulary's policy, written in one transaction with its history
record, visible at once to lookup (the label index is patched, not rebuilt), and revertible; a stale or
refused write changes nothing. Tokens guard every write route."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

BASE = "http://vocab.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
E = "http://example.org/v/"
VOCABULARY = f"""@prefix skos: <{SKOS}> .
@prefix e: <{E}> .
e:s a skos:ConceptScheme ; skos:prefLabel "Objets"@fr ; skos:hasTopConcept e:arme .
e:arme a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "arme"@fr ;
  skos:narrower e:epee, e:sabre .
e:epee a skos:Concept ; skos:inScheme e:s ; skos:broader e:arme ; skos:prefLabel "épée"@fr ;
  skos:altLabel "glaive"@fr .
e:sabre a skos:Concept ; skos:inScheme e:s ; skos:broader e:arme ; skos:prefLabel "sabre"@fr ;
  skos:related e:epee .
e:vase a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "vase"@fr .
"""


def nt(s: str, p: str, o: str) -> str:
    return f"<{E}{s}> <{SKOS}{p}> {o} ."


@pytest.fixture
def engine(tmp_path):
    """A strict vocabulary (as the Joconde ones) and a lenient one, loaded through the real load path."""
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore

    source = tmp_path / "objets.ttl"
    source.write_text(VOCABULARY, encoding="utf-8")
    lenient = tmp_path / "libre.ttl"
    lenient.write_text(VOCABULARY.replace(E, "http://example.org/l/"), encoding="utf-8")
    store = VocabStore(tmp_path / "store", BASE)
    load_file(store, source, "objets", strict=True)
    load_file(store, lenient, "libre")
    settings = Settings(tmp_path / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1)
    core = Core(settings, store)
    core.labels.current()  # the index of the loaded state, as a running server has it
    return core


@pytest.fixture
def client(engine):
    from vocabserver.web import create_app

    return create_app(engine).test_client()


@pytest.fixture
def admin(engine) -> dict:
    return {"Authorization": "Bearer " + engine.tokens.create("admin-tool", "admin")}


def _post(client, headers, added=(), removed=(), vocab="objets", **extra):
    body = {"vocab": vocab, "added": list(added), "removed": list(removed), "comment": "test"} | extra
    return client.post("/api/v1/changes", json=body, headers=headers)


def test_an_edit_is_recorded_visible_at_once_and_revertible(engine, client, admin):
    before = engine.store.info("objets")
    response = _post(client, admin, added=[nt("epee", "altLabel", '"braquemart"@fr')])
    assert response.status_code == 201, response.get_json()
    change = response.get_json()
    assert change["added"] == [nt("epee", "altLabel", '"braquemart"@fr')] and change["removed"] == []
    assert change["actor"] == "admin-tool" and change["comment"] == "test" and change["vocabulary"] == "objets"
    # Lookup sees it without a rebuild: the index was patched in the same write.
    assert engine.labels.current().loaded_from == "patch"
    hits = client.get("/api/v1/autocomplete?q=braquem").get_json()["results"]
    assert [(h["uri"], h["matchedLabel"]) for h in hits] == [(E + "epee", "braquemart")]
    # The catalogue follows: counts, version, stamp.
    after = engine.store.info("objets")
    assert after.counts["altLabels"] == before.counts["altLabels"] + 1 and after.triples == before.triples + 1
    assert after.version == f"change:{change['id']}" and after.modified > before.modified
    # History: listed with its triples, per vocabulary and per concept.
    listed = client.get(f"/api/v1/changes?vocab=objets&concept={E}epee&triples=true").get_json()
    assert listed["total"] == 1 and listed["changes"][0]["added"] == change["added"]
    assert [c["kind"] for c in client.get("/api/v1/changes?vocab=libre").get_json()["changes"]] == ["load"]
    # Revert: the inverse as a new change; the form is gone from lookup at once.
    reverted = client.post(f"/api/v1/changes/{change['id']}/revert", headers=admin)
    assert reverted.status_code == 201 and reverted.get_json()["reverts"] == change["id"]
    assert reverted.get_json()["removed"] == change["added"]
    assert client.get("/api/v1/autocomplete?q=braquem").get_json()["results"] == []
    assert engine.store.info("objets").counts["altLabels"] == before.counts["altLabels"]
    # Reverting again would undo the revert silently: refused, naming the later change.
    again = client.post(f"/api/v1/changes/{change['id']}/revert", headers=admin)
    assert again.status_code == 409 and again.get_json()["later"] == [reverted.get_json()["id"]]
    feed = ET.fromstring(client.get("/api/v1/vocabularies/objets/changes.atom").get_data())
    ids = [e.findtext("{http://www.w3.org/2005/Atom}id") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")]
    # Newest first; the vocabulary's load (change 1) is the oldest entry.
    assert ids == [f"{BASE}changes/{reverted.get_json()['id']}", f"{BASE}changes/{change['id']}", f"{BASE}changes/1"]


def _unchanged(engine, action):
    """Run `action` and check that neither the data nor the history moved."""
    triples = sorted(str(q) for q in engine.store.quads(None, None, None, engine.store.graph_iri("objets")))
    changes = engine.writer.history.numbers()
    result = action()
    assert sorted(str(q) for q in engine.store.quads(None, None, None, engine.store.graph_iri("objets"))) == triples
    assert engine.writer.history.numbers() == changes
    return result


@pytest.mark.parametrize("added, rule, resources", [
    ([nt("vase", "prefLabel", '"épée"@fr')], "two-preflabels-one-language", [E + "vase"]),
    ([nt("vase", "altLabel", '"vase"@fr')], "label-clash", [E + "vase"]),
    ([nt("arme", "broader", f"<{E}epee>")], "broader-cycle", [E + "arme", E + "epee"]),
    ([nt("sabre", "related", f"<{E}arme>")], "related-broader-clash", [E + "arme", E + "sabre"]),
    ([f"<{E}vase> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}Collection> ."],
     "concept-and-collection", [E + "vase"]),
])
def test_the_strict_policy_refuses_naming_the_rule_and_the_resources(engine, client, admin, added, rule, resources):
    response = _unchanged(engine, lambda: _post(client, admin, added=added))
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    refused = [f for f in body["findings"] if f["check"] == rule]
    assert refused and set(resources) <= set(refused[0]["resources"]), body
    assert rule in body["message"]


def test_an_ambiguous_preflabel_is_refused_in_a_strict_vocabulary_and_reported_in_a_lenient_one(engine, client, admin):
    rename = dict(removed=[nt("vase", "prefLabel", '"vase"@fr')], added=[nt("vase", "prefLabel", '"sabre"@fr')])
    refused = _unchanged(engine, lambda: _post(client, admin, **rename))
    assert refused.status_code == 422
    finding = next(f for f in refused.get_json()["findings"] if f["check"] == "duplicate-preflabel")
    assert finding["resources"] == [E + "sabre", E + "vase"]
    lenient = {k: [line.replace(E, "http://example.org/l/") for line in v] for k, v in rename.items()}
    accepted = _post(client, admin, vocab="libre", **lenient)
    assert accepted.status_code == 201
    assert [f["check"] for f in accepted.get_json()["findings"]] == ["duplicate-preflabel"]


def test_a_finding_already_there_does_not_block_an_unrelated_edit(engine, client, admin, tmp_path):
    """A strict vocabulary loaded with --force keeps its ambiguous prefLabel: an edit of that concept that
    does not add to the problem passes; one that adds another ambiguity is refused."""
    from vocabserver.changes.loading import load_file

    ambiguous = tmp_path / "ambigu.ttl"
    ambiguous.write_text(VOCABULARY.replace(E, "http://example.org/a/").replace('"sabre"@fr', '"épée"@fr'),
                         encoding="utf-8")
    assert load_file(engine.store, ambiguous, "ambigu", strict=True, force=True).policy == "strict"
    vase, sabre = "http://example.org/a/vase", "http://example.org/a/sabre"
    unrelated = _post(client, admin, vocab="ambigu", added=[f'<{sabre}> <{SKOS}definition> "Arme blanche"@fr .'])
    assert unrelated.status_code == 201 and unrelated.get_json()["findings"] == []
    worse = _post(client, admin, vocab="ambigu", removed=[f'<{vase}> <{SKOS}prefLabel> "vase"@fr .'],
                  added=[f'<{vase}> <{SKOS}prefLabel> "épée"@fr .'])
    assert worse.status_code == 422 and "duplicate-preflabel" in worse.get_json()["message"]


def _changeset(engine, vocab, added=(), removed=()):
    from vocabserver.changes.changeset import ChangeSet

    def triple(s, p, o):
        return ox.Triple(ox.NamedNode(s), ox.NamedNode(SKOS + p), o)
    return ChangeSet(engine.store.graph_iri(vocab), [triple(*t) for t in removed], [triple(*t) for t in added], "test")


def test_a_stale_write_is_refused_with_the_current_version_and_writes_nothing(engine, client, admin):
    version = engine.writer.concept_version(E + "epee", engine.store.graph_iri("objets"))
    vocabulary_version = engine.store.info("objets").modified
    first = _post(client, admin, added=[nt("epee", "altLabel", '"flamberge"@fr')], versions={E + "epee": version},
                  )
    assert first.status_code == 201
    second = _unchanged(engine, lambda: _post(client, admin, added=[nt("epee", "altLabel", '"rapière"@fr')],
                                               versions={E + "epee": version}))
    assert second.status_code == 412
    assert second.get_json()["current"] == {E + "epee": engine.writer.concept_version(E + "epee", engine.store.graph_iri("objets"))}
    stale_vocabulary = _unchanged(engine, lambda: client.post(
        "/api/v1/changes", json={"vocab": "objets", "added": [nt("vase", "altLabel", '"pot"@fr')]},
        headers=admin | {"If-Match": f'"{vocabulary_version}"'}))
    assert stale_vocabulary.status_code == 412 and "objets" in stale_vocabulary.get_json()["current"]
    current = engine.store.info("objets").modified
    fresh = client.post("/api/v1/changes", json={"vocab": "objets", "added": [nt("vase", "altLabel", '"pot"@fr')]},
                        headers=admin | {"If-Match": f'"{current}"'})
    assert fresh.status_code == 201


def test_bad_changesets_get_a_clear_400(engine, client, admin):
    cases = [
        ({"vocab": "objets", "added": ["not a triple"]}, "not N-Triples"),
        ({"vocab": "nope", "added": []}, "'vocab' must name a vocabulary"),
        ({"vocab": "objets", "added": [f"_:b <{SKOS}prefLabel> \"x\"@fr ."]}, "blank nodes"),
        ({"vocab": "objets", "added": [], "versions": []}, "'versions'"),
    ]
    for body, message in cases:
        response = _unchanged(engine, lambda: client.post("/api/v1/changes", json=body, headers=admin))
        assert response.status_code == 400 and message in response.get_json()["message"], (body, response.get_json())
    assert client.post("/api/v1/changes", data="x", headers=admin).status_code == 400
    same = _post(client, admin, added=[nt("epee", "prefLabel", '"épée"@fr')])
    assert same.status_code == 200 and same.get_json()["status"] == "unchanged"


@pytest.mark.parametrize("role, vocabularies, expected", [
    (None, None, 401), ("invalid", None, 401), ("reader", None, 403), ("contributor", None, 403),
    ("editor", ["libre"], 403), ("editor", ["objets"], 201), ("admin", None, 201),
])
def test_who_may_write(engine, client, role, vocabularies, expected):
    earlier, _ = engine.writer.apply(_changeset(engine, "objets", added=[(E + "vase", "altLabel",
                                                                          ox.Literal("amphore", language="fr"))]))
    headers = {}
    if role == "invalid":
        headers = {"Authorization": "Bearer vst_not-a-token"}
    elif role:
        headers = {"Authorization": "Bearer " + engine.tokens.create(f"t-{role}", role, vocabularies)}
    response = _post(client, headers, added=[nt("vase", "altLabel", '"urne"@fr')])
    assert response.status_code == expected, response.get_json()
    if expected == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    revert = client.post(f"/api/v1/changes/{earlier.number}/revert", headers=headers)
    assert revert.status_code == expected, revert.get_json()


def test_the_index_follows_new_moved_and_removed_concepts(engine, client, admin):
    new = E + "rapiere"
    created = _post(client, admin, added=[
        f"<{new}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}Concept> .",
        f'<{new}> <{SKOS}prefLabel> "rapière"@fr .', f"<{new}> <{SKOS}inScheme> <{E}s> .",
        f"<{new}> <{SKOS}broader> <{E}epee> ."])
    assert created.status_code == 201, created.get_json()
    hit = client.get("/api/v1/autocomplete?q=rapiere").get_json()["results"][0]
    assert hit["uri"] == new and [p["prefLabel"] for p in hit["path"]] == ["arme", "épée"]
    children = client.get(f"/api/v1/children?uri={E}epee").get_json()["results"]
    assert [c["uri"] for c in children] == [new]
    moved = _post(client, admin, removed=[f"<{new}> <{SKOS}broader> <{E}epee> ."],
                  added=[f"<{new}> <{SKOS}broader> <{E}sabre> ."])
    assert moved.status_code == 201
    hit = client.get("/api/v1/autocomplete?q=rapiere").get_json()["results"][0]
    assert [p["prefLabel"] for p in hit["path"]] == ["arme", "sabre"]
    assert client.get(f"/api/v1/children?uri={E}epee").get_json()["results"] == []
    assert engine.store.info("objets").counts["concepts"] == 5
    gone = _post(client, admin, removed=[
        f"<{new}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}Concept> .",
        f'<{new}> <{SKOS}prefLabel> "rapière"@fr .', f"<{new}> <{SKOS}inScheme> <{E}s> .",
        f"<{new}> <{SKOS}broader> <{E}sabre> ."])
    assert gone.status_code == 201
    assert client.get("/api/v1/autocomplete?q=rapiere").get_json()["results"] == []
    assert client.get(f"/api/v1/children?uri={E}sabre").get_json()["results"] == []
    assert engine.store.info("objets").counts["concepts"] == 4
    # A rebuild from the store gives the same answers as the patched index.
    from vocabserver.index.label_index import LabelIndex

    rebuilt, patched = LabelIndex.build(engine.store), engine.labels.current()
    for query in ("a", "ep", "sab", "glaive", "vase"):
        assert [rebuilt.uris[h.concept] for h in rebuilt.search(query)[0]] == \
            [patched.uris[h.concept] for h in patched.search(query)[0]], query


def test_history_is_rdf_in_the_store_and_queryable(engine, client, admin):
    _post(client, admin, added=[nt("vase", "altLabel", '"urne"@fr')])
    query = ("PREFIX cs: <http://purl.org/vocab/changeset/schema#> SELECT ?o WHERE { GRAPH ?g { "
             f"?c a cs:ChangeSet ; <{engine.store.base_uri}ns#addedTriple> ?t . BIND(OBJECT(?t) AS ?o) }} }}")
    rows = client.get("/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert rows.status_code == 200
    assert [b["o"]["value"] for b in rows.get_json()["results"]["bindings"]] == ["urne"]


def test_system_graphs_cannot_be_written(engine):
    from vocabserver.changes.changeset import ChangeSet, WriteError

    for graph in (engine.store.catalogue.graph, engine.store.history_graph):
        with pytest.raises(WriteError, match="kept by the server"):
            engine.writer.apply(ChangeSet(graph, [], [ox.Triple(ox.NamedNode(E + "x"), ox.NamedNode(E + "p"),
                                                                ox.Literal("y"))]))


def _update(client, headers, text, **form):
    return client.post("/sparql", data={"update": text, **form}, headers=headers)


PREFIXES = f"PREFIX skos: <{SKOS}>\nPREFIX e: <{E}>\nPREFIX g: <{BASE}graph/>\n"


def test_sparql_update_goes_through_the_write_path(engine, client, admin):
    added = _update(client, admin, PREFIXES + 'INSERT DATA { GRAPH g:objets { e:vase skos:altLabel "urne"@fr } }')
    assert added.status_code == 200, added.get_data(as_text=True)
    change = added.get_json()["changes"][0]
    assert change["kind"] == "sparql-update" and change["vocabulary"] == "objets" and change["added"] == 1
    assert client.get("/api/v1/autocomplete?q=urne").get_json()["results"][0]["uri"] == E + "vase"
    # DELETE/INSERT … WHERE, the graph given by the protocol's using-graph-uri and WITH-less templates in GRAPH.
    renamed = _update(client, admin, PREFIXES + 'DELETE { GRAPH g:objets { ?c skos:altLabel "urne"@fr } } '
                      'INSERT { GRAPH g:objets { ?c skos:altLabel "amphore"@fr } } WHERE { ?c skos:altLabel "urne"@fr }',
                      **{"using-graph-uri": f"{BASE}graph/objets"})
    assert renamed.status_code == 200, renamed.get_data(as_text=True)
    assert renamed.get_json()["changes"][0]["removed"] == 1 and renamed.get_json()["changes"][0]["added"] == 1
    assert client.get("/api/v1/autocomplete?q=urne").get_json()["results"] == []
    # Refusals change nothing and name the rule: a cycle, an ambiguous label (strict vocabulary).
    cycle = _unchanged(engine, lambda: _update(client, admin, PREFIXES + "INSERT DATA { GRAPH g:objets { "
                                               "e:arme skos:broader e:epee } }"))
    assert cycle.status_code == 422 and "broader-cycle" in cycle.get_json()["message"]
    ambiguous = _unchanged(engine, lambda: _update(client, admin, PREFIXES + "WITH g:objets DELETE { e:vase "
                                                   'skos:prefLabel "vase"@fr } INSERT { e:vase skos:prefLabel "arme"@fr } '
                                                   "WHERE { }"))
    assert ambiguous.status_code == 422 and "duplicate-preflabel" in ambiguous.get_json()["message"]
    # A graph that is no vocabulary: stored as an ordinary graph, readable by SPARQL, recorded, revertible.
    notes = _update(client, admin, 'INSERT DATA { GRAPH <http://example.org/notes> { <http://example.org/n1> '
                    '<http://purl.org/dc/terms/title> "note" } }')
    assert notes.status_code == 200 and notes.get_json()["changes"][0]["vocabulary"] == ""
    rows = client.get("/sparql", query_string={"query": "SELECT ?t WHERE { GRAPH ?g { <http://example.org/n1> "
                                                    "<http://purl.org/dc/terms/title> ?t } }"},
                      headers={"Accept": "application/sparql-results+json"}).get_json()["results"]["bindings"]
    assert [r["t"]["value"] for r in rows] == ["note"]
    assert client.post(f"/api/v1/changes/{notes.get_json()['changes'][0]['id']}/revert", headers=admin).status_code == 201


@pytest.mark.parametrize("text, status, message", [
    ("LOAD <http://example.org/data.ttl>", 400, "LOAD is not allowed"),
    ("INSERT { GRAPH <http://example.org/x> { ?s ?p ?o } } WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
     400, "SERVICE is not allowed"),
    ("INSERT DATA { <http://a> <http://b> <http://c> }", 400, "default graph"),
    ("INSERT DATA { GRAPH <http://vocab.test/graph/nouveau> { <http://a> <http://b> <http://c> } }", 400,
     "are the vocabularies'"),
    ("INSERT DATA { GRAPH <http://vocab.test/graph/catalogue> { <http://a> <http://b> <http://c> } }", 400,
     "kept by the server"),
    ("INSERT DATA { GRAPH <http://example.org/x> { _:b <http://b> <http://c> } }", 400, "blank nodes"),
    ("INSERT DATA { GRAPH <http://example.org/x> { <http://a> <http://b> ", 400, "does not parse"),
])
def test_updates_that_cannot_run_are_refused_with_a_reason(engine, client, admin, text, status, message):
    response = _unchanged(engine, lambda: _update(client, admin, text))
    assert response.status_code == status and message in response.get_data(as_text=True), response.get_data(as_text=True)


def test_drop_all_is_a_recorded_revertible_change(engine, client, admin):
    before = {v: engine.store.info(v).triples for v in ("objets", "libre")}
    dropped = _update(client, admin, "DROP ALL")
    assert dropped.status_code == 200, dropped.get_data(as_text=True)
    changes = dropped.get_json()["changes"]
    assert sorted(c["vocabulary"] for c in changes) == ["libre", "objets"]
    assert all(engine.store.info(v).triples == 0 for v in before)
    assert client.get("/api/v1/autocomplete?q=epee").get_json()["results"] == []
    for change in changes:
        assert client.post(f"/api/v1/changes/{change['id']}/revert", headers=admin).status_code == 201
    assert {v: engine.store.info(v).triples for v in before} == before
    assert len(client.get("/api/v1/autocomplete?q=epee").get_json()["results"]) == 2


def test_graph_store_protocol_round_trip(engine, client, admin):
    graph = "http://example.org/graphe"
    turtle = b'@prefix ex: <http://example.org/> . ex:a ex:p "un" ; ex:q ex:b .'
    assert client.put(f"/store?graph={graph}", data=turtle, headers={"Content-Type": "text/turtle"}).status_code == 401
    created = client.put(f"/store?graph={graph}", data=turtle, headers=admin | {"Content-Type": "text/turtle"})
    assert created.status_code == 201 and created.get_json()["change"]["added"] == 2
    read = client.get(f"/store?graph={graph}", headers={"Accept": "application/n-triples"})
    assert sorted(read.get_data(as_text=True).splitlines()) == [
        '<http://example.org/a> <http://example.org/p> "un" .',
        "<http://example.org/a> <http://example.org/q> <http://example.org/b> ."]
    merged = client.post(f"/store?graph={graph}", data=b'<http://example.org/c> <http://example.org/p> "deux" .',
                         headers=admin | {"Content-Type": "application/n-triples"})
    assert merged.status_code == 200 and merged.get_json()["change"]["added"] == 1
    replaced = client.put(f"/store?graph={graph}", data=turtle, headers=admin | {"Content-Type": "text/turtle"})
    assert replaced.status_code == 200 and replaced.get_json()["change"]["removed"] == 1
    assert client.delete(f"/store?graph={graph}", headers=admin).status_code == 200
    assert client.get(f"/store?graph={graph}").status_code == 404
    assert client.delete(f"/store?graph={graph}", headers=admin).status_code == 404
    assert client.get("/store?default", headers={"Accept": "text/turtle"}).status_code == 200
    assert client.put("/store?default", data=turtle, headers=admin | {"Content-Type": "text/turtle"}).status_code == 400
    assert client.get("/store").status_code == 400
    assert client.put(f"/store?graph={graph}", data=b"x", headers=admin | {"Content-Type": "image/png"}).status_code == 415
    bad = client.put(f"/store?graph={graph}", data=b"<a> <b>", headers=admin | {"Content-Type": "text/turtle"})
    assert bad.status_code == 400 and "does not parse" in bad.get_json()["message"]
    # A vocabulary's graph: the writes are validated with its policy.
    vocabulary = f"{BASE}graph/objets"
    refused = _unchanged(engine, lambda: client.post(
        f"/store?graph={vocabulary}", data=f"<{E}arme> <{SKOS}broader> <{E}sabre> .".encode(),
        headers=admin | {"Content-Type": "application/n-triples"}))
    assert refused.status_code == 422 and "broader-cycle" in refused.get_json()["message"]


def test_skosmos_new_and_modified_come_from_the_change_log(engine, client, admin):
    new = E + "dague"
    _post(client, admin, added=[f"<{new}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}Concept> .",
                                f'<{new}> <{SKOS}prefLabel> "dague"@fr .', f"<{new}> <{SKOS}broader> <{E}arme> ."])
    _post(client, admin, added=[nt("vase", "altLabel", '"pot"@fr')])
    created = client.get("/rest/v1/objets/new").get_json()["changeList"]
    assert [c["uri"] for c in created] == [new] and created[0]["prefLabel"] == "dague"
    assert created[0]["date"].endswith("+0000") and created[0]["deprecated"] is False
    modified = [c["uri"] for c in client.get("/rest/v1/objets/modified").get_json()["changeList"]]
    assert modified == [E + "vase", new]  # "arme" only gained a narrower link from the new concept
    assert [c["uri"] for c in client.get("/rest/v1/objets/modified?limit=1&offset=1").get_json()["changeList"]] == [new]
    assert client.get("/rest/v1/nope/new").status_code == 404


def test_loads_go_through_the_write_path_and_are_recorded(engine, client, admin, tmp_path):
    """A first load is recorded (counts, source) and cannot be reverted by triples; a reload keeps the triples it
    moved, is revertible like an edit, and an earlier edit it overwrote can no longer be reverted silently."""
    from vocabserver.changes.loading import load_file

    listed = client.get("/api/v1/changes", query_string={"vocab": "objets"}).get_json()["changes"]
    assert [(c["kind"], c["added"], c["removed"]) for c in listed] == [("load", 25, 0)]
    first = listed[0]
    assert first["comment"] == "load of file:objets.ttl" and first["revertible"] is False
    refused = client.post(f"/api/v1/changes/{first['id']}/revert", headers=admin)
    assert refused.status_code == 409 and "first load" in refused.get_json()["message"]

    edit = _post(client, admin, added=[nt("vase", "altLabel", '"urne"@fr')]).get_json()
    source = tmp_path / "objets.ttl"
    source.write_text(VOCABULARY.replace('"vase"@fr .', '"vase"@fr ; skos:definition "Récipient."@fr .'),
                      encoding="utf-8")
    result = load_file(engine.store, source, "objets", writer=engine.writer, actor="marie")
    assert result.status == "replaced" and result.change == edit["id"] + 1
    reload = client.get(f"/api/v1/changes/{result.change}", query_string={"triples": "true"}).get_json()
    assert (reload["kind"], reload["actor"]) == ("load", "marie")
    # The reload removed the edit's altLabel (not in the file) and added the definition: exactly those.
    assert reload["removed"] == [nt("vase", "altLabel", '"urne"@fr')]
    assert reload["added"] == [nt("vase", "definition", '"Récipient."@fr')]
    conflict = client.post(f"/api/v1/changes/{edit['id']}/revert", headers=admin)
    assert conflict.status_code == 409 and conflict.get_json()["later"] == [result.change]

    undone = client.post(f"/api/v1/changes/{result.change}/revert", headers=admin)
    assert undone.status_code == 201, undone.get_json()
    vase = ox.NamedNode(E + "vase")
    graph = engine.store.graph_iri("objets")
    assert engine.store.contains(ox.Quad(vase, ox.NamedNode(SKOS + "altLabel"), ox.Literal("urne", language="fr"),
                                         graph))
    assert not list(engine.store.quads(vase, ox.NamedNode(SKOS + "definition"), None, graph))


def test_a_vocabulary_dump_keeps_its_etag_when_another_vocabulary_changes(engine, client, admin):
    before = {name: client.get(f"/dumps/{name}.ttl") for name in ("objets", "libre")}
    _post(client, admin, added=[nt("vase", "altLabel", '"urne"@fr')])
    after = {name: client.get(f"/dumps/{name}.ttl") for name in ("objets", "libre")}
    assert after["libre"].headers["ETag"] == before["libre"].headers["ETag"]
    assert after["objets"].headers["ETag"] != before["objets"].headers["ETag"]
    assert "urne" in after["objets"].get_data(as_text=True)
    revalidated = client.get("/dumps/libre.ttl", headers={"If-None-Match": before["libre"].headers["ETag"]})
    assert revalidated.status_code == 304
    assert client.get("/dumps/objets.ttl", headers={"If-None-Match": before["objets"].headers["ETag"]}).status_code == 200


def test_a_query_after_a_commit_reads_it_and_old_checkpoints_are_deleted(tmp_path):
    """The workers read checkpoints; the first query after a commit makes a new one and sees the commit (heavy
    queries go to the workers: no light path here), the worker switches to it, and the old one is deleted
    once no worker holds it."""
    import time

    from vocabserver.changes.changeset import ChangeSet
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore

    source = tmp_path / "objets.ttl"
    source.write_text(VOCABULARY, encoding="utf-8")
    store = VocabStore(tmp_path / "store", BASE)
    load_file(store, source, "objets")
    core = Core(Settings(tmp_path / "store", BASE, BASE, sparql_workers=1), store)
    heard = []
    core.events.subscribe(heard.append)
    # Not a light query (an aggregate): evaluated by the worker process.
    count = f'SELECT (COUNT(*) AS ?n) WHERE {{ ?c <{SKOS}altLabel> "urne"@fr }}'
    try:
        deadline = time.monotonic() + 60
        while not core.sparql.pool.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        assert core.sparql.run(count).solutions()[0][0].value == "0"
        folder = next((tmp_path / "store" / ".sparql-snapshots").iterdir())
        first = sorted(p.name for p in folder.iterdir())
        assert len(first) == 1
        change, _ = core.writer.apply(ChangeSet(store.graph_iri("objets"), [], [ox.Triple(
            ox.NamedNode(E + "vase"), ox.NamedNode(SKOS + "altLabel"), ox.Literal("urne", language="fr"))], "t"))
        assert [c.number for c in heard] == [change.number]
        assert core.sparql.run(count).solutions()[0][0].value == "1"
        assert core.sparql.pool.generation == store.modified()
        now = sorted(p.name for p in folder.iterdir())
        assert len(now) == 1 and now != first
    finally:
        core.sparql.pool.close()


SHADOWED = [
    # (update, covered by the shadow form)
    (f'PREFIX skos: <{SKOS}> INSERT {{ GRAPH <{BASE}graph/objets> {{ ?c skos:altLabel "lame"@fr }} }} '
     f'WHERE {{ GRAPH <{BASE}graph/objets> {{ ?c skos:broader <{E}arme> }} }}', True),
    (f'PREFIX skos: <{SKOS}> WITH <{BASE}graph/objets> DELETE {{ ?c skos:altLabel ?l }} '
     f'INSERT {{ ?c skos:hiddenLabel ?l }} WHERE {{ ?c skos:altLabel ?l }}', True),
    (f'PREFIX skos: <{SKOS}> DELETE WHERE {{ GRAPH <{BASE}graph/objets> {{ <{E}sabre> skos:related ?x }} }}', True),
    # deleted and inserted at once: still there; an unbound variable and a literal subject are skipped
    (f'PREFIX skos: <{SKOS}> DELETE {{ GRAPH <{BASE}graph/objets> {{ ?c skos:prefLabel ?l }} }} '
     f'INSERT {{ GRAPH <{BASE}graph/objets> {{ ?c skos:prefLabel ?l . ?c skos:note ?n . ?l skos:note "x" }} }} '
     f'WHERE {{ GRAPH <{BASE}graph/objets> {{ ?c skos:prefLabel ?l OPTIONAL {{ ?c skos:altLabel ?n }} }} }}', True),
    (f'PREFIX skos: <{SKOS}> INSERT {{ GRAPH ?g {{ ?c skos:editorialNote "vu"@fr }} }} '
     f'WHERE {{ GRAPH ?g {{ ?c skos:prefLabel "vase"@fr }} }}', True),
    (f'PREFIX skos: <{SKOS}> INSERT {{ GRAPH <{BASE}graph/objets> {{ ?c skos:altLabel "pot"@fr }} }} '
     f'USING <{BASE}graph/libre> WHERE {{ ?c skos:prefLabel "vase"@fr }}', True),
    # no dataset named: the WHERE reads the union, as queries do (it found nothing before: an empty default graph)
    (f'PREFIX skos: <{SKOS}> INSERT {{ GRAPH <{BASE}graph/objets> {{ ?c skos:note "dans l’union"@fr }} }} '
     f'WHERE {{ ?c skos:prefLabel "vase"@fr }}', True),
    # not covered: two operations, a typed literal, a blank node, DROP — the scratch copy runs them
    (f'PREFIX skos: <{SKOS}> INSERT {{ GRAPH <{BASE}graph/objets> {{ ?c skos:notation "1"^^<http://www.w3.org/2001/'
     f'XMLSchema#integer> }} }} WHERE {{ GRAPH <{BASE}graph/objets> {{ ?c skos:prefLabel "vase"@fr }} }}', False),
    (f'PREFIX skos: <{SKOS}> INSERT {{ GRAPH <{BASE}graph/objets> {{ ?c skos:altLabel "a"@fr }} }} '
     f'WHERE {{ GRAPH <{BASE}graph/objets> {{ ?c skos:prefLabel "vase"@fr }} }} ; '
     f'DELETE WHERE {{ GRAPH <{BASE}graph/objets> {{ ?c skos:altLabel "glaive"@fr }} }}', False),
    (f'PREFIX skos: <{SKOS}> INSERT {{ GRAPH <{BASE}graph/objets> {{ ?c skos:note [ skos:note "b" ] }} }} '
     f'WHERE {{ GRAPH <{BASE}graph/objets> {{ ?c skos:prefLabel "vase"@fr }} }}', False),
    ("DROP SILENT GRAPH <http://example.org/nothing>", False),
    # several operations and graph management: one after the other on a writable checkpoint (sparql/operations.py)
    (f"CLEAR GRAPH <{BASE}graph/objets>", False),
    (f"DROP GRAPH <{BASE}graph/libre>", False),
    (f"COPY <{BASE}graph/objets> TO <http://example.org/copie>", False),
    (f"COPY GRAPH <{BASE}graph/objets> TO GRAPH <{BASE}graph/libre>", False),
    (f"MOVE <{BASE}graph/libre> TO <http://example.org/deplace>", False),
    (f"ADD <{BASE}graph/libre> TO <{BASE}graph/objets>", False),
    (f'PREFIX skos: <{SKOS}> INSERT DATA {{ GRAPH <http://example.org/n> {{ <{E}vase> skos:note "n"@fr }} }} ; '
     f'INSERT {{ GRAPH <{BASE}graph/objets> {{ ?s skos:editorialNote ?o }} }} '
     f'WHERE {{ GRAPH <http://example.org/n> {{ ?s skos:note ?o }} }}', False),
    (f'PREFIX skos: <{SKOS}> DELETE WHERE {{ GRAPH <{BASE}graph/objets> {{ <{E}sabre> skos:related ?x }} }} ; '
     f'INSERT DATA {{ GRAPH <{BASE}graph/objets> {{ <{E}sabre> skos:related <{E}epee> }} }}', False),
    (f'PREFIX skos: <{SKOS}> CLEAR ALL ; INSERT DATA {{ GRAPH <http://example.org/d1> {{ <{E}x> a skos:Concept }} }} ; '
     f'INSERT {{ GRAPH <http://example.org/d2> {{ ?s skos:note "vu" }} }} USING <http://example.org/d1> '
     f'WHERE {{ ?s a skos:Concept }}', False),
    (f"DROP ALL ; CREATE GRAPH <http://example.org/vide>", False),
]


@pytest.mark.parametrize("update, covered", SHADOWED)
def test_the_shadow_form_of_an_update_finds_what_the_scratch_copy_finds(engine, update, covered):
    """The fast path (templates rewritten to write records, evaluated on the live store) must say exactly what
    running the update on a copy says, for every shape it covers; the others fall back to the copy."""
    from vocabserver.sparql.guard import GuardLimits
    from vocabserver.sparql.shadow import rewrite
    from vocabserver.sparql.update import changesets, plan

    store = engine.store
    graphs = [g for g in store.live_graphs() if g != store.catalogue.graph]
    planned = plan(update, graphs, GuardLimits())
    shape = rewrite(planned.text, planned.skeleton, BASE + "ns#", store.readable_graphs(), BASE + "graph/none")
    assert bool(shape) == covered
    before = sorted(str(q) for q in store.quads(None, None, None, None))

    def found(shadow: bool) -> dict:
        def text(triples) -> list[str]:  # blank nodes are named anew by each run
            return sorted(re.sub(r"_:\w+", "_:b", str(t)) for t in triples)

        return {c.graph.value: (text(c.removed), text(c.added))
                for c in changesets(store, planned, "t", "", shadow=shadow)}

    fast, copied = found(True), found(False)
    assert fast == copied
    assert sorted(str(q) for q in store.quads(None, None, None, None)) == before  # nothing written, no shadow left
    if covered:
        assert any(removed or added for removed, added in fast.values())


@pytest.mark.parametrize("update, covered", SHADOWED)
def test_updates_of_several_operations_run_on_a_checkpoint_not_a_copy(engine, update, covered):
    """Which shapes the operation-by-operation evaluation covers (the comparison with the copy is above): all
    but templates with a typed literal or a blank node, which go to the scratch copy."""
    from vocabserver.sparql import operations
    from vocabserver.sparql.guard import GuardLimits
    from vocabserver.sparql.update import _data_quads, plan

    store = engine.store
    graphs = [g for g in store.live_graphs() if g != store.catalogue.graph]
    planned = plan(update, graphs, GuardLimits())
    found = operations.evaluate(store, planned.text, planned.skeleton, None, planned.writable,
                                lambda text, skeleton: _data_quads(text, skeleton, None))
    uncovered = "XMLSchema#integer" in update or "[ skos:note" in update
    assert (found is None) == uncovered
    assert not list((store.path / ".scratch").iterdir())  # the workspace is removed


def test_the_catalogue_entry_a_change_rewrites_is_the_one_in_the_store(engine, client, admin):
    """The writer diffs the entry it wrote last instead of reading it back: after edits of one vocabulary, of
    another in between, and a revert, the store holds exactly the entry a fresh read gives."""
    first = _post(client, admin, added=[nt("vase", "altLabel", '"urne"@fr')]).get_json()
    _post(client, admin, added=[nt("vase", "altLabel", '"pot"@fr')])
    _post(client, admin, vocab="libre", added=[f'<http://example.org/l/vase> <{SKOS}altLabel> "jarre"@fr .'])
    _post(client, admin, added=[nt("sabre", "altLabel", '"cimeterre"@fr')])
    client.post(f"/api/v1/changes/{first['id']}/revert", headers=admin)
    info = engine.store.info("objets")
    entry = {q.triple for q in engine.store.entry_quads("objets")}
    stored = engine.store.catalogue.read(engine.store.entry_quads("objets", with_root=True))["objets"]
    assert (stored.counts, stored.triples, stored.version) == (info.counts, info.triples, info.version)
    # One value for each single-valued statement of the entry: no stale count or date left beside the new one.
    for single in ("http://rdfs.org/ns/void#triples", "http://purl.org/dc/terms/modified"):
        subjects = [t.subject for t in entry if t.predicate.value == single]
        assert len(subjects) == len(set(subjects)), single
    assert info.counts["altLabels"] == 3 and info.triples == 25 + 2  # glaive, pot, cimeterre (urne reverted)
