"""Proposals: a contributor proposes a term with the record that needs it; the vocabulary's editors accept it
(as proposed, edited, or as an altLabel of an existing concept) or reject it with a reason; the proposer sees
the status; pending proposals are in a feed; every step is kept. In process, over a real store."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from .test_editing import BASE, E, client, engine  # noqa: F401 - the same small strict vocabulary and app


def _as(engine, name: str, role: str, *vocabularies: str) -> dict:
    return {"Authorization": "Bearer " + engine.tokens.create(name, role, list(vocabularies))}


def _propose(client, headers, **fields):
    body = {"vocab": "objets", "prefLabel": "statuette en bronze doré", "broader": E + "statuette",
            "note": "Petite statue de bronze doré.", "record": "000PE012345", "museum": "Musée de Senlis"} | fields
    return client.post("/api/v1/proposals", json=body, headers=headers)


def test_a_proposal_accepted_as_proposed_becomes_a_concept_and_the_proposer_sees_it(engine, client):
    museum = _as(engine, "senlis", "contributor")
    made = _propose(client, museum)
    assert made.status_code == 201, made.get_json()
    proposal = made.get_json()
    assert proposal["status"] == "pending" and proposal["record"] == "000PE012345" and proposal["proposer"] == "senlis"
    feed = ET.fromstring(client.get("/api/v1/vocabularies/objets/proposals.atom").data)
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")]
    assert titles == ["statuette en bronze doré — Musée de Senlis"]
    # The proposer may not decide; an editor of another vocabulary neither.
    assert client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=museum).status_code == 403
    assert client.post(f"/api/v1/proposals/{proposal['id']}/accept",
                       headers=_as(engine, "other", "editor", "autre")).status_code == 403
    accepted = client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=_as(engine, "curator", "editor", "objets"))
    assert accepted.status_code == 200, accepted.get_json()
    seen = client.get(f"/api/v1/proposals/{proposal['id']}").get_json()
    assert seen["status"] == "accepted" and seen["concept"].startswith(BASE + "objets/")
    assert [e["action"] for e in seen["events"]] == ["proposed", "accepted"]
    assert seen["events"][1]["detail"] == "accepted as proposed" and seen["events"][1]["actor"] == "curator"
    concept = client.get("/api/v1/concept", query_string={"uri": seen["concept"]}).get_json()
    assert [b["uri"] for b in concept["broader"]] == [E + "statuette"]
    assert concept["notes"] == {"definition": {"fr": ["Petite statue de bronze doré."]}}
    change = client.get(f"/api/v1/changes/{seen['change']}").get_json()
    assert change["comment"] == f"proposal {proposal['id']} accepted (record 000PE012345), Musée de Senlis"
    assert [h["uri"] for h in client.get("/api/v1/autocomplete?q=statuette%20en%20bronze").get_json()["results"]] == \
        [seen["concept"]]
    assert client.get("/api/v1/vocabularies/objets/proposals.atom").data.count(b"<entry>") == 0
    again = client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=_as(engine, "c2", "editor", "objets"))
    assert again.status_code == 409 and "already accepted" in again.get_json()["message"]


def test_accepted_as_an_altlabel_of_an_existing_concept(engine, client):
    proposal = _propose(client, _as(engine, "senlis", "contributor"), prefLabel="figurine").get_json()
    accepted = client.post(f"/api/v1/proposals/{proposal['id']}/accept", json={"asAltLabelOf": E + "statuette"},
                           headers=_as(engine, "curator", "editor", "objets")).get_json()
    assert accepted["status"] == "accepted" and accepted["concept"] == E + "statuette"
    statuette = client.get("/api/v1/concept", query_string={"uri": E + "statuette"}).get_json()
    assert statuette["altLabel"] == {"fr": ["figurine"]}
    assert client.get(f"/api/v1/proposals/{proposal['id']}").get_json()["status"] == "accepted"


def test_edited_then_accepted_and_rejected_with_a_reason(engine, client):
    museum, curator = _as(engine, "senlis", "contributor"), _as(engine, "curator", "editor", "objets")
    first = _propose(client, museum, prefLabel="statuete").get_json()
    edited = client.post(f"/api/v1/proposals/{first['id']}/accept", json={"prefLabel": "statuette émaillée"},
                         headers=curator).get_json()
    assert edited["events"][-1]["detail"] == "accepted after editing"
    assert client.get("/api/v1/concept", query_string={"uri": edited["concept"]}).get_json()["prefLabel"] == \
        {"fr": "statuette émaillée"}
    second = _propose(client, museum, prefLabel="bibelot").get_json()
    assert client.post(f"/api/v1/proposals/{second['id']}/reject", json={}, headers=curator).status_code == 400
    rejected = client.post(f"/api/v1/proposals/{second['id']}/reject",
                           json={"reason": "trop vague : préférer « objet décoratif »"}, headers=curator).get_json()
    assert rejected["status"] == "rejected" and rejected["reason"] == "trop vague : préférer « objet décoratif »"
    mine = client.get("/api/v1/proposals", query_string={"proposer": "senlis"}).get_json()
    assert [(p["prefLabel"], p["status"]) for p in mine["proposals"]] == [("bibelot", "rejected"),
                                                                         ("statuete", "accepted")]


def test_a_proposal_that_the_policy_refuses_stays_pending(engine, client):
    """Accepting "vase" again would make an ambiguous prefLabel in a strict vocabulary: refused, nothing written."""
    proposal = _propose(client, _as(engine, "senlis", "contributor"), prefLabel="vase", broader=None).get_json()
    refused = client.post(f"/api/v1/proposals/{proposal['id']}/accept", headers=_as(engine, "curator", "editor", "objets"))
    assert refused.status_code == 422
    assert client.get(f"/api/v1/proposals/{proposal['id']}").get_json()["status"] == "pending"


@pytest.mark.parametrize("fields, status", [({"vocab": "nope"}, 404), ({"prefLabel": ""}, 400),
                                            ({"broader": E + "nowhere"}, 400), ({"prefLabel": 12}, 400)])
def test_bad_proposals_are_refused_with_the_reason(engine, client, fields, status):
    refused = _propose(client, _as(engine, "senlis", "contributor"), **fields)
    assert refused.status_code == status and refused.get_json()["message"]


def test_who_may_propose(engine, client):
    assert _propose(client, {}).status_code == 401
    assert _propose(client, _as(engine, "lecteur", "reader")).status_code == 403
    assert _propose(client, _as(engine, "curator", "editor", "autre")).status_code == 201


def test_a_proposal_of_a_change_accepted_as_an_altlabel_or_as_the_new_preflabel(engine, client):
    museum, curator = _as(engine, "musee", "contributor"), _as(engine, "marie", "editor", "objets")
    synonym = _propose(client, museum, prefLabel="urne", about=E + "vase", record="REF-1").get_json()
    assert synonym["about"] == E + "vase"
    done = client.post(f"/api/v1/proposals/{synonym['id']}/accept", headers=curator)  # as proposed: a synonym
    assert done.status_code == 200, done.get_json()
    concept = client.get("/api/v1/concept", query_string={"uri": E + "vase"}).get_json()
    assert concept["altLabel"] == {"fr": ["urne"]} and concept["prefLabel"] == {"fr": "vase"}
    rename = _propose(client, museum, prefLabel="vase (récipient)", about=E + "vase").get_json()
    done = client.post(f"/api/v1/proposals/{rename['id']}/accept", headers=curator, json={"asPrefLabelOf": E + "vase"})
    assert done.status_code == 200 and done.get_json()["events"][-1]["detail"].startswith("accepted as the prefLabel")
    concept = client.get("/api/v1/concept", query_string={"uri": E + "vase"}).get_json()
    assert concept["prefLabel"] == {"fr": "vase (récipient)"} and concept["altLabel"] == {"fr": ["urne", "vase"]}
    # The old form still finds the concept.
    found = client.get("/api/v1/vocabularies/objets/lookup", query_string={"label": "vase"}).get_json()
    assert found["preferred"] == "vase (récipient)"
    refused = _propose(client, museum, prefLabel="x", about="http://nowhere.test/x")
    assert refused.status_code == 400 and "about" in refused.get_json()["message"]
