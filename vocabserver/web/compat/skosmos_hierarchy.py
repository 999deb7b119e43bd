"""Skosmos REST v1, the hierarchy side: top concepts, broader / narrower / related (direct and transitive),
children, the hierarchy around a concept, the alphabetical index and the groups; from the label index."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response

from vocabserver.index.label_index import KIND_NAMES
from vocabserver.web import params
from vocabserver.web.compat.skosmos import BASE_CONTEXT, ONKI, SKOS, _answer, _concept, _lang, _limit, _localname, _vocab
from vocabserver.web.context import labels, store

blueprint = Blueprint("skosmos_hierarchy", __name__, url_prefix="/rest/v1")


@blueprint.get("/<vocab_id>/topConcepts")
def top_concepts(vocab_id: str):
    info = _vocab(vocab_id)
    lang = _lang()
    scheme = params.text("scheme") or (info.schemes[0] if info.schemes else "")
    index = labels()
    tops = []
    for concept_id in index.top_concepts(vocab_id):
        item = {"uri": index.uris[concept_id], "label": index.label_of(concept_id, lang)[0],
                "hasChildren": bool(index.narrower(concept_id)), "topConceptOf": scheme}
        if index.notations[concept_id]:
            item["notation"] = index.notations[concept_id]
        tops.append(item)
    return _answer({"@context": {**BASE_CONTEXT, "onki": ONKI, "topconcepts": "skos:hasTopConcept",
                                 "notation": "skos:notation", "label": "skos:prefLabel", "@language": lang},
                    "uri": scheme, "topconcepts": tops})


def _related_list(vocab_id: str, name: str, targets) -> Response:
    uri, _concept_id = _concept(vocab_id)
    lang = _lang()
    index = labels()
    items = [{"uri": index.uris[c], "prefLabel": index.label_of(c, lang)[0]} for c in targets(_concept_id)]
    return _answer({"@context": {**BASE_CONTEXT, "prefLabel": "skos:prefLabel", name: f"skos:{name}",
                                 "@language": lang}, "uri": uri, name: items})


@blueprint.get("/<vocab_id>/broader")
def broader(vocab_id: str):
    _vocab(vocab_id)
    return _related_list(vocab_id, "broader", lambda c: labels().broaders[c])


@blueprint.get("/<vocab_id>/narrower")
def narrower(vocab_id: str):
    _vocab(vocab_id)
    return _related_list(vocab_id, "narrower", lambda c: labels().children(c))


@blueprint.get("/<vocab_id>/related")
def related(vocab_id: str):
    _vocab(vocab_id)
    def targets(concept_id: int) -> list[int]:
        index = labels()
        graph = ox.NamedNode(store().vocabularies()[vocab_id].graph)
        found = []
        for quad in store().quads(ox.NamedNode(index.uris[concept_id]),
                                                    ox.NamedNode(SKOS + "related"), None, graph):
            found.extend(c for c in index.concepts_of(quad.object.value) if index.vocab_of(c) == vocab_id)
        return sorted(set(found), key=index.sort_key)

    return _related_list(vocab_id, "related", targets)


def _transitive(vocab_id: str, name: str, direct: str, step) -> Response:
    uri, concept_id = _concept(vocab_id)
    lang = _lang()
    limit = _limit()
    index = labels()
    results: dict[str, dict] = {}
    queue = [concept_id]
    while queue and len(results) < limit:
        current = queue.pop(0)
        current_uri = index.uris[current]
        if current_uri in results:
            continue
        nexts = list(step(current))
        item = {"uri": current_uri, "prefLabel": index.label_of(current, lang)[0]}
        if nexts:
            item[direct] = [index.uris[n] for n in nexts]
        results[current_uri] = item
        queue.extend(nexts)
    return _answer({"@context": {**BASE_CONTEXT, "prefLabel": "skos:prefLabel",
                                 direct: {"@id": f"skos:{direct}", "@type": "@id"},
                                 name: {"@id": f"skos:{name}", "@container": "@index"}, "@language": lang},
                    "uri": uri, name: results})


@blueprint.get("/<vocab_id>/broaderTransitive")
def broader_transitive(vocab_id: str):
    _vocab(vocab_id)
    return _transitive(vocab_id, "broaderTransitive", "broader", lambda c: labels().broaders[c])


@blueprint.get("/<vocab_id>/narrowerTransitive")
def narrower_transitive(vocab_id: str):
    _vocab(vocab_id)
    return _transitive(vocab_id, "narrowerTransitive", "narrower", lambda c: labels().children(c))


def _child(index, concept_id: int, lang: str, label_key: str = "prefLabel") -> dict:
    item = {"uri": index.uris[concept_id], label_key: index.label_of(concept_id, lang)[0],
            "hasChildren": bool(index.narrower(concept_id))}
    if index.notations[concept_id]:
        item["notation"] = index.notations[concept_id]
    return item


@blueprint.get("/<vocab_id>/children")
def children(vocab_id: str):
    _vocab(vocab_id)
    uri, concept_id = _concept(vocab_id)
    lang = _lang()
    index = labels()
    return _answer({"@context": {**BASE_CONTEXT, "prefLabel": "skos:prefLabel", "narrower": "skos:narrower",
                                 "notation": "skos:notation", "hasChildren": "onki:hasChildren", "@language": lang},
                    "uri": uri, "narrower": [_child(index, c, lang) for c in index.children(concept_id)]})


@blueprint.get("/<vocab_id>/hierarchy")
def hierarchy(vocab_id: str):
    info = _vocab(vocab_id)
    uri, concept_id = _concept(vocab_id)
    lang = _lang()
    index = labels()
    scheme = info.schemes[0] if info.schemes else ""
    results: dict[str, dict] = {}
    queue, seen = [concept_id], set()
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        item = _child(index, current, lang)
        item["prefLabel"] = item.pop("prefLabel")
        if index.broaders[current]:
            item["broader"] = [index.uris[b] for b in index.broaders[current]]
        if index.top[current]:
            item["top"], item["tops"] = scheme, [scheme]
        if current != concept_id or index.narrower(current):
            item["narrower"] = [_child(index, c, lang, "label") for c in index.children(current)]
        results[index.uris[current]] = item
        queue.extend(index.broaders[current])
    # Like Skosmos with showTopConcepts: the other top concepts too, so the tree can be drawn whole.
    for top in index.top_concepts(vocab_id):
        top_uri = index.uris[top]
        if top_uri not in results:
            results[top_uri] = {"uri": top_uri, "top": scheme, "tops": [scheme],
                                "prefLabel": index.label_of(top, lang)[0], "hasChildren": bool(index.narrower(top))}
    return _answer({"@context": {**BASE_CONTEXT, "onki": ONKI, "prefLabel": "skos:prefLabel",
                                 "notation": "skos:notation", "narrower": {"@id": "skos:narrower", "@type": "@id"},
                                 "broader": {"@id": "skos:broader", "@type": "@id"},
                                 "broaderTransitive": {"@id": "skos:broaderTransitive", "@container": "@index"},
                                 "top": {"@id": "skos:topConceptOf", "@type": "@id"},
                                 "tops": {"@id": "skos:topConceptOf", "@type": "@id"},
                                 "hasChildren": "onki:hasChildren", "@language": lang},
                    "uri": uri, "broaderTransitive": results})


@blueprint.get("/<vocab_id>/index/")
def index_letters(vocab_id: str):
    _vocab(vocab_id)
    lang = _lang()
    return _answer({"@context": {**BASE_CONTEXT, "indexLetters": {"@id": "skosmos:indexLetters",
                                                                  "@container": "@list", "@language": lang}},
                    "uri": "", "indexLetters": labels().letters(vocab_id)})


@blueprint.get("/<vocab_id>/index/<letter>")
def index_concepts(vocab_id: str, letter: str):
    _vocab(vocab_id)
    lang = _lang()
    limit = params.integer("limit", 0, 0, 100_000) or 100_000  # Skosmos: 0 or absent means all
    offset = params.integer("offset", 0, 0, 10_000_000)
    index = labels()
    found, _total = params.index_entries(vocab_id, letter, None, limit, offset)
    concepts = []
    for label in found:
        concept_id = int(index.label_concept[label])
        uri = index.uris[concept_id]
        pref, pref_lang = index.label_of(concept_id, lang)
        item = {"uri": uri, "localname": _localname(uri), "prefLabel": pref, "lang": pref_lang}
        if KIND_NAMES[int(index.label_kind[label])] == "altLabel":
            item["altLabel"] = index.label_text[label]
        concepts.append(item)
    return _answer({"@context": {**BASE_CONTEXT, "indexConcepts": {"@id": "skosmos:indexConcepts",
                                                                   "@container": "@list"}},
                    "uri": "", "indexConcepts": concepts})


@blueprint.get("/<vocab_id>/groups")
def groups(vocab_id: str):
    info = _vocab(vocab_id)
    lang = _lang()
    graph = ox.NamedNode(info.graph)
    found = []
    for quad in store().quads(None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                                ox.NamedNode(SKOS + "Collection"), graph):
        labels_by_lang = {q.object.language or "": q.object.value for q in store().quads(
            quad.subject, ox.NamedNode(SKOS + "prefLabel"), None, graph)}
        label = labels_by_lang.get(lang[:2]) or labels_by_lang.get("fr") or quad.subject.value
        has_members = any(True for _ in store().quads(quad.subject, ox.NamedNode(SKOS + "member"),
                                                                         None, graph))
        found.append({"uri": quad.subject.value, "prefLabel": label, "hasMembers": has_members})
    return _answer({"@context": {**BASE_CONTEXT, "onki": ONKI, "prefLabel": "skos:prefLabel",
                                 "groups": "onki:hasGroup", "childGroups": {"@id": "skos:member", "@type": "@id"},
                                 "hasMembers": "onki:hasMembers", "@language": lang},
                    "uri": "", "groups": sorted(found, key=lambda g: g["uri"])})
