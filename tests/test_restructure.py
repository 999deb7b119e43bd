"""Merge, deprecate with a replacement, mappings, scheme metadata and a batch of terms from a CSV, through the
JSON API, on a real store in a temp dir: each one change of the log (so reverted like one), refused with the
rule and the concepts named, nothing written when refused."""

from __future__ import annotations

import pytest

from .test_editing import BASE, E, client, editor, engine  # noqa: F401 - the same small strict vocabulary and app

URL = "/api/v1/vocabularies/objets/concepts"


def _concept(client, uri):
    return client.get("/api/v1/concept", query_string={"uri": uri}).get_json()


def _lookup(client, label):
    return client.get("/api/v1/vocabularies/objets/lookup", query_string={"label": label}).get_json()


def _triples(engine):
    return sorted(str(q) for q in engine.store.quads(None, None, None, engine.store.graph_iri("objets")))


def test_merge_retires_the_loser_and_moves_its_labels_and_narrower_then_reverts(engine, client, editor):
    client.patch(URL, query_string={"uri": E + "statue"}, json={"altLabel": {"fr": ["sculpture en pied"]}},
                 headers=editor | {"If-Match": "*"})
    before = _triples(engine)
    version = _concept(client, E + "statue")["version"]
    merged = client.post(URL + "/merge", query_string={"uri": E + "statue"}, json={"into": E + "vase"},
                         headers=editor | {"If-Match": f'"{version}"'})
    assert merged.status_code == 200, merged.get_json()
    winner = merged.get_json()
    assert winner["uri"] == E + "vase" and winner["altLabel"] == {"fr": ["sculpture en pied", "statue"]}
    assert [n["uri"] for n in winner["narrower"]] == [E + "statuette"]
    loser = _concept(client, E + "statue")
    assert loser["deprecated"] and [r["uri"] for r in loser["replacedBy"]] == [E + "vase"]
    assert loser["broader"] == [] and loser["narrower"] == [] and loser["altLabel"] == {}
    # The old label answers the winner; the old URI still resolves, with the banner.
    found = _lookup(client, "statue")
    assert found["preferred"] == "vase" and found["usable"]
    page = client.get("/resource", query_string={"uri": E + "statue"}, headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Concept obsolète" in page.get_data(as_text=True)
    # The merge is one change: reverting it gives back the very triples of before.
    undone = client.post(f"/api/v1/changes/{winner['change']['id']}/revert", headers=editor)
    assert undone.status_code == 201, undone.get_json()
    assert _triples(engine) == before
    assert _lookup(client, "statue")["preferred"] == "statue"


def test_merge_under_its_own_child_makes_no_cycle(engine, client, editor):
    merged = client.post(URL + "/merge", query_string={"uri": E + "statue"}, json={"into": E + "statuette"},
                         headers=editor | {"If-Match": "*"})
    assert merged.status_code == 200, merged.get_json()
    kept = merged.get_json()
    assert kept["broader"] == [] and kept["altLabel"] == {"fr": ["statue"]}


def test_deprecate_with_replacement_and_lookup_answers_it(engine, client, editor):
    refused = client.post(URL + "/deprecate", query_string={"uri": E + "statue"}, json={"replacement": E + "vase"},
                          headers=editor | {"If-Match": "*"})
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["rule"] == "deprecate-with-narrower" and E + "statuette" in body["resources"]
    before = _triples(engine)
    done = client.post(URL + "/deprecate", query_string={"uri": E + "statuette"}, json={"replacement": E + "vase"},
                       headers=editor | {"If-Match": "*"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["deprecated"] and _triples(engine) != before
    found = _lookup(client, "Statuette")
    assert found["usable"] and found["preferred"] == "vase"
    assert found["matches"][0]["deprecated"] and found["matches"][0]["replacedBy"][0]["uri"] == E + "vase"
    assert E + "statuette" not in [n["uri"] for n in _concept(client, E + "statue")["narrower"]]
    again = client.post(URL + "/deprecate", query_string={"uri": E + "statuette"}, json={},
                        headers=editor | {"If-Match": "*"})
    assert again.status_code == 409 and again.get_json()["rule"] == "already-deprecated"


@pytest.mark.parametrize("target, status, words", [
    ("http://www.wikidata.org/entity/Q179700", 200, None),
    (E + "vase", 400, "concept of objets itself"),
    (BASE + "nowhere/x", 400, "no vocabulary describes it"),
    ("urn:isbn:123", 400, "http(s)"),
])
def test_mappings_are_checked(client, editor, target, status, words):
    answer = client.patch(URL, query_string={"uri": E + "statue"}, json={"mappings": {"exactMatch": [target]}},
                          headers=editor | {"If-Match": "*"})
    assert answer.status_code == status, answer.get_json()
    if words:
        assert words in answer.get_json()["message"]
    else:
        assert [m["uri"] for m in answer.get_json()["mappings"]["exactMatch"]] == [target]


def test_scheme_metadata(client, editor):
    answer = client.patch("/api/v1/vocabularies/objets", json={"title": {"fr": "Objets d'art", "en": "Art objects"},
                                                                "description": {"fr": "Une liste <b>d'essai</b>."}},
                          headers=editor)
    assert answer.status_code == 200, answer.get_json()
    entry = client.get("/api/v1/vocabularies/objets").get_json()
    assert entry["title"] == "Objets d'art" and entry["titles"]["en"] == "Art objects"
    refused = client.patch("/api/v1/vocabularies/objets", json={"title": {}}, headers=editor)
    assert refused.status_code == 400 and "keeps a title" in refused.get_json()["message"]


def test_a_batch_of_terms_from_csv_is_all_or_nothing(engine, client, editor):
    good = ("prefLabel;altLabel;definition;broader\n"
            "aiguière;aiguiere ancienne|broc;Vase à anse et bec.;\n"
            "aiguière en argent;;;aiguière\n"
            "pichet;;;\n")
    made = client.post(URL + "/batch", query_string={"parent": E + "vase"}, data=good.encode("utf-8"),
                       headers=editor | {"Content-Type": "text/csv"})
    assert made.status_code == 201, made.get_json()
    created = made.get_json()["created"]
    assert len(created) == 3 and made.get_json()["change"]["added"] > 0
    aiguiere = _concept(client, created[0])
    assert [b["uri"] for b in aiguiere["broader"]] == [E + "vase"] and aiguiere["altLabel"]["fr"] == ["aiguiere ancienne", "broc"]
    assert [b["uri"] for b in _concept(client, created[1])["broader"]] == [created[0]]
    before = _triples(engine)
    bad = "prefLabel,broader\ncoupe,\n,\ncoupelle,http://nowhere.test/x\n"
    refused = client.post(URL + "/batch", data=bad, headers=editor | {"Content-Type": "text/csv"})
    assert refused.status_code == 400 and "line 4" in refused.get_json()["message"]
    refused = client.post(URL + "/batch", data="label\nx\n", headers=editor | {"Content-Type": "text/csv"})
    assert refused.status_code == 400 and "line 1" in refused.get_json()["message"]
    assert _triples(engine) == before
