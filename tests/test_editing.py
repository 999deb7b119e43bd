"""Editing through the JSON API: create a concept under a parent, change its labels, notes and relations, move it;
validated by the vocabulary's policy, versioned (If-Match / 412), live at once in lookup. In process, over a
real store in a temp dir."""

from __future__ import annotations

import pytest

BASE = "http://vocab.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
E = "http://example.org/v/"
VOCABULARY = f"""@prefix skos: <{SKOS}> . @prefix e: <{E}> .
e:s a skos:ConceptScheme ; skos:prefLabel "Objets"@fr ; skos:hasTopConcept e:statue, e:vase .
e:statue a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "statue"@fr ; skos:narrower e:statuette .
e:statuette a skos:Concept ; skos:inScheme e:s ; skos:broader e:statue ; skos:prefLabel "statuette"@fr .
e:vase a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "vase"@fr .
"""


def make_engine(folder, *others: str):
    """An engine over a real store in `folder`: the small vocabulary as "objets" (strict), and as each of
    `others` (lenient) too."""
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore

    source = folder / "objets.ttl"
    source.write_text(VOCABULARY, encoding="utf-8")
    store = VocabStore(folder / "store", BASE)
    load_file(store, source, "objets", strict=True)
    for other in others:
        load_file(store, source, other)
    core = Core(Settings(folder / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1), store)
    core.labels.current()
    return core


@pytest.fixture
def engine(tmp_path):
    return make_engine(tmp_path, "autre")


@pytest.fixture
def client(engine):
    from vocabserver.web import create_app

    return create_app(engine).test_client()


def _bearer(engine, role: str, *vocabularies: str) -> dict:
    return {"Authorization": "Bearer " + engine.tokens.create(f"{role}-{'-'.join(vocabularies)}", role, list(vocabularies))}


@pytest.fixture
def editor(engine) -> dict:
    return _bearer(engine, "editor", "objets")


def _create(client, headers, body):
    return client.post("/api/v1/vocabularies/objets/concepts", json=body, headers=headers)


def test_a_new_concept_under_a_parent_is_live_at_once(client, editor):
    made = _create(client, editor, {"prefLabel": {"fr": "statuette en bronze doré"}, "broader": [E + "statuette"],
                                    "altLabel": {"fr": ["statuette dorée"]},
                                    "notes": {"definition": {"fr": "Petite statue de bronze doré."}}})
    assert made.status_code == 201, made.get_json()
    concept = made.get_json()
    uri = concept["uri"]
    assert uri.startswith(BASE + "objets/") and made.headers["Location"] == f"/api/v1/concept?uri={uri}"
    assert made.headers["ETag"] == f'"{concept["version"]}"'
    assert concept["prefLabel"] == {"fr": "statuette en bronze doré"} and concept["altLabel"] == {"fr": ["statuette dorée"]}
    assert [b["uri"] for b in concept["broader"]] == [E + "statuette"]
    hits = client.get("/api/v1/autocomplete", query_string={"q": "statuette en bron"}).get_json()["results"]
    assert [h["uri"] for h in hits] == [uri]
    parent = client.get("/api/v1/concept", query_string={"uri": E + "statuette"}).get_json()
    assert [n["uri"] for n in parent["narrower"]] == [uri]
    assert concept["change"]["kind"] == "edit" and concept["change"]["actor"] == "editor-objets"


def test_a_concept_without_parent_is_a_top_concept(client, editor):
    made = _create(client, editor, {"prefLabel": {"fr": "coupe"}}).get_json()
    assert made["topConceptOf"] and made["broader"] == []
    tops = client.get("/api/v1/vocabularies/objets/top").get_json()["results"]
    assert made["uri"] in [t["uri"] for t in tops]


@pytest.mark.parametrize("body, status, words", [
    ({"prefLabel": {"fr": "vase"}}, 422, "refused by the strict policy"),
    ({}, 400, "needs a preferred label"),
    ({"prefLabel": {"fr": "  "}}, 400, "non-empty text"),
    ({"prefLabel": {"français": "coupe"}}, 400, "not a language tag"),
    ({"prefLabel": {"fr": "coupe"}, "broader": [E + "nowhere"]}, 400, "is not a concept of objets"),
    ({"prefLabel": {"fr": "coupe"}, "broader": ["pas une IRI"]}, 400, "not an absolute IRI"),
    ({"prefLabel": {"fr": "coupe"}, "colour": "red"}, 400, "unknown field"),
    ({"prefLabel": {"fr": "coupe"}, "notes": {"remark": {"fr": "x"}}}, 400, "unknown kind"),
])
def test_a_bad_concept_is_refused_with_the_reason_and_nothing_is_written(engine, client, editor, body, status, words):
    before = engine.writer.history.numbers()
    refused = _create(client, editor, body)
    assert refused.status_code == status and words in refused.get_json()["message"], refused.get_json()
    assert engine.writer.history.numbers() == before


def test_an_edit_needs_the_version_and_a_stale_one_loses_nothing(client, editor):
    read = client.get("/api/v1/concept", query_string={"uri": E + "vase"})
    version = read.get_json()["version"]
    url = "/api/v1/vocabularies/objets/concepts?uri=" + E + "vase"
    assert client.patch(url, json={"altLabel": {"fr": ["urne"]}}, headers=editor).status_code == 428
    first = client.patch(url, json={"altLabel": {"fr": ["urne"]}}, headers=editor | {"If-Match": f'"{version}"'})
    assert first.status_code == 200 and first.get_json()["altLabel"] == {"fr": ["urne"]}
    assert first.headers["ETag"] != f'"{version}"'
    # A second editor, from the same version: refused with the current version, the first edit kept.
    second = client.patch(url, json={"altLabel": {"fr": ["pot"]}}, headers=editor | {"If-Match": f'"{version}"'})
    assert second.status_code == 412
    assert second.get_json()["current"][E + "vase"] == first.headers["ETag"].strip('"')
    assert client.get("/api/v1/concept", query_string={"uri": E + "vase"}).get_json()["altLabel"] == {"fr": ["urne"]}


def test_moving_a_concept_moves_its_links(client, editor):
    url = "/api/v1/vocabularies/objets/concepts?uri=" + E + "vase"
    moved = client.patch(url, json={"broader": [E + "statue"]}, headers=editor | {"If-Match": "*"})
    assert moved.status_code == 200, moved.get_json()
    assert [b["uri"] for b in moved.get_json()["broader"]] == [E + "statue"] and moved.get_json()["topConceptOf"] == []
    statue = client.get("/api/v1/concept", query_string={"uri": E + "statue"}).get_json()
    assert sorted(n["uri"] for n in statue["narrower"]) == [E + "statuette", E + "vase"]
    cycle = client.patch("/api/v1/vocabularies/objets/concepts?uri=" + E + "statue",
                         json={"broader": [E + "statuette"]}, headers=editor | {"If-Match": "*"})
    assert cycle.status_code == 422 and "broader-cycle" in cycle.get_json()["message"]


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("reader", 403), ("contributor", 403),
                                         ("editor of another", 403), ("editor", 201), ("admin", 201)])
def test_who_may_create(engine, client, who, status):
    headers = {"anonymous": {}, "reader": _bearer(engine, "reader"), "contributor": _bearer(engine, "contributor"),
               "editor of another": _bearer(engine, "editor", "autre"), "editor": _bearer(engine, "editor", "objets"),
               "admin": _bearer(engine, "admin")}[who]
    assert _create(client, headers, {"prefLabel": {"fr": f"terme {who}"}}).status_code == status
