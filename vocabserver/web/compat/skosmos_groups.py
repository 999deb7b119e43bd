"""Skosmos REST v1, what links a concept to others beyond the hierarchy: /{vocid}/groupMembers (the members of a
collection, with their labels and whether they are collections with members themselves) and /{vocid}/mappings
(the concept's skos:*Match links as Skosmos' JSKOS-like objects, labelled when the target is known here)."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint
from werkzeug.exceptions import NotFound

from vocabserver.web import params
from vocabserver.web.compat.skosmos import BASE_CONTEXT, ONKI, SKOS, _answer, _concept, _lang, _vocab
from vocabserver.web.context import labels, store

blueprint = Blueprint("skosmos_groups", __name__, url_prefix="/rest/v1")

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
MEMBER = ox.NamedNode(SKOS + "member")
PREF = ox.NamedNode(SKOS + "prefLabel")
NOTATION = ox.NamedNode(SKOS + "notation")
COLLECTIONS = {SKOS + "Collection", SKOS + "OrderedCollection"}
MAPPINGS = {  # property: (French label, English label, Skosmos' description)
    "exactMatch": ("Correspondance exacte", "Exactly matching concepts", "Exactly matching concepts in another vocabulary."),
    "closeMatch": ("Correspondance proche", "Closely matching concepts", "Closely matching concepts in another vocabulary."),
    "broadMatch": ("Correspondance plus large", "Broader matching concepts", "Broader concepts in another vocabulary."),
    "narrowMatch": ("Correspondance plus précise", "Narrower matching concepts", "Narrower concepts in another vocabulary."),
    "relatedMatch": ("Correspondance associée", "Related matching concepts", "Related concepts in another vocabulary."),
}


def _label(subject: ox.NamedNode, graph: ox.NamedNode, lang: str) -> str:
    found = {q.object.language or "": q.object.value for q in store().quads(subject, PREF, None, graph)
             if isinstance(q.object, ox.Literal)}
    return found.get(lang[:2]) or found.get("fr") or next(iter(found.values()), subject.value)


@blueprint.get("/<vocab_id>/groupMembers")
def group_members(vocab_id: str):
    info = _vocab(vocab_id)
    lang = _lang()
    graph = ox.NamedNode(info.graph)
    group = ox.NamedNode(params.uri())
    types = {q.object.value for q in store().quads(group, RDF_TYPE, None, graph)}
    if not types & COLLECTIONS:
        raise NotFound(f"Could not find group <{group.value}> in {vocab_id}")
    members = []
    for quad in store().quads(group, MEMBER, None, graph):
        member = quad.object
        if not isinstance(member, ox.NamedNode):
            continue
        kinds = sorted({q.object.value for q in store().quads(member, RDF_TYPE, None, graph)})
        item = {"uri": member.value, "type": [k.replace(SKOS, "skos:") for k in kinds],
                "prefLabel": _label(member, graph, lang), "hasMembers": False}
        if set(kinds) & COLLECTIONS:
            item["hasMembers"] = any(True for _ in store().quads(member, MEMBER, None, graph))
            item["isSuper"] = item["hasMembers"]
        notations = [q.object.value for q in store().quads(member, NOTATION, None, graph)]
        if notations:
            item["notation"] = notations[0]
        members.append(item)
    members.sort(key=lambda m: (m["prefLabel"].casefold(), m["uri"]))
    return _answer({"@context": {**BASE_CONTEXT, "onki": ONKI, "prefLabel": "skos:prefLabel",
                                 "members": "onki:member", "hasMembers": "onki:hasMembers",
                                 "isSuper": "onki:isSuper", "notation": "skos:notation", "@language": lang},
                    "uri": group.value, "members": members})


@blueprint.get("/<vocab_id>/mappings")
def mappings(vocab_id: str):
    info = _vocab(vocab_id)
    lang = _lang()
    content = params.language("clang") or lang
    external = params.boolean("external", True)
    uri, _ = _concept(vocab_id)
    concept = ox.NamedNode(uri)
    index = labels()
    vocabularies = store().vocabularies()
    found = []
    for local, (french, english, description) in MAPPINGS.items():
        for quad in store().quads(concept, ox.NamedNode(SKOS + local), None, ox.NamedNode(info.graph)):
            target = quad.object
            if not isinstance(target, ox.NamedNode):
                continue
            known = index.concepts_of(target.value)
            if not known and not external:
                continue
            item = {"uri": target.value, "type": [f"skos:{local}"], "from": {"memberSet": [{"uri": uri}]},
                    "to": {"memberSet": [{"uri": target.value}]}, "description": description,
                    "hrefLink": target.value, "lang": content,
                    "typeLabel": english if content.startswith("en") else french,
                    "fromScheme": {"uri": info.schemes[0] if info.schemes else ""}}
            if known:
                target_vocab = index.vocab_of(known[0])
                item["prefLabel"], _language = index.label_of(known[0], content)
                item["vocabName"] = vocabularies[target_vocab].title(content) if target_vocab in vocabularies else ""
                item["hrefLink"] = f"/resource?uri={target.value}"
                if target_vocab in vocabularies and vocabularies[target_vocab].schemes:
                    item["toScheme"] = {"uri": vocabularies[target_vocab].schemes[0]}
                notation = index.notations[known[0]]
                if notation:
                    item["notation"] = notation
            else:
                item["prefLabel"] = target.value
                item["vocabName"] = target.value.split("/")[2] if "//" in target.value else ""
            found.append(item)
    return _answer({"@context": {**BASE_CONTEXT, "skosmos": "http://www.skosmos.skos/", "mappings": "skosmos:mappings",
                                 "prefLabel": "skos:prefLabel", "@language": lang},
                    "mappings": found, "graph": {}})
