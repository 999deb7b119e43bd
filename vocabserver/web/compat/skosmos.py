"""Skosmos REST v1 compatibility (/rest/v1/…): the calls existing Skosmos clients make, with the same
parameter names, JSON fields and JSON-LD @context as Skosmos, answered from the label index and the store.

Differences, all in the client's favour: matching ignores accents as well as case; a label missing in the
requested language falls back to French (Skosmos leaves it out); `unique` results are always unique.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request
from werkzeug.exceptions import BadRequest, NotFound

from vocabserver.reading.describe import describe
from vocabserver.index.label_index import KIND_NAMES, QueryError
from vocabserver.web import params
from vocabserver.web.api import json_response
from vocabserver.web.caching import cacheable, not_modified
from vocabserver.web.context import labels, store
from vocabserver.web.negotiation import Offer, negotiate
from vocabserver.web.privacy import hidden_graphs, marker, visible
from vocabserver.web.representations import rdf_response

blueprint = Blueprint("skosmos", __name__, url_prefix="/rest/v1")

SKOS = "http://www.w3.org/2004/02/skos/core#"
BASE_CONTEXT = {"skos": SKOS, "uri": "@id", "type": "@type"}
ONKI = "http://schema.onki.fi/onki#"
DATA_OFFERS = [
    Offer("rdfxml", "application/rdf+xml", ("rdf", "xml")),
    Offer("turtle", "text/turtle", ("ttl",)),
    Offer("jsonld", "application/ld+json", ("application/json", "json", "jsonld")),
]


def _variant() -> str:
    environ = request.environ
    return f"skosmos\x1f{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}{marker()}"


def _answer(body: dict) -> Response:
    return json_response(body, _variant())


@blueprint.before_request
def _conditional():
    cached = not_modified(_variant())
    if cached is not None:
        cached.headers["Access-Control-Allow-Origin"] = "*"
    return cached


def _lang(default: str = "fr") -> str:
    return params.language(default=default) or default


def _vocab(vocab_id: str):
    vocabularies = store().vocabularies()
    if vocab_id not in vocabularies:
        raise NotFound(f"Vocabulary id '{vocab_id}' not found.")
    return vocabularies[vocab_id]


def _concept(vocab_id: str | None) -> tuple[str, int]:
    uri = params.uri()
    index = labels()
    found = [c for c in index.concepts_of(uri) if vocab_id is None or index.vocab_of(c) == vocab_id]
    if not found:
        raise NotFound(f"Could not find concept <{uri}>")
    return uri, found[0]


def _localname(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _add_matched_form(index, label: int, item: dict) -> None:
    """Skosmos names the non-preferred label that matched under its own property."""
    kind = KIND_NAMES[int(index.label_kind[label])]
    if kind in ("altLabel", "hiddenLabel"):
        item[kind] = index.label_text[label]


def _limit(default: int = 1000) -> int:
    return params.integer("limit", default, 1, 100_000)


# -- global methods ---------------------------------------------------------------------------------
@blueprint.get("/vocabularies")
def vocabularies():
    lang = _lang()
    items = [{"uri": vid, "id": vid, "title": info.title(lang)} for vid, info in sorted(visible().items())]
    return _answer({"@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#", "onki": ONKI,
                                 "title": {"@id": "rdfs:label", "@language": lang},
                                 "vocabularies": "onki:hasVocabulary", "id": "onki:vocabularyIdentifier",
                                 "uri": "@id", "@base": store().base_uri + "rest/v1/vocabularies"},
                    "uri": "", "vocabularies": items})


def _types(lang: str) -> Response:
    concept, collection = "Concept", "Collection"  # the same word in French and English
    return _answer({"@context": {**BASE_CONTEXT, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "onki": ONKI,
                                 "label": "rdfs:label", "superclass": {"@id": "rdfs:subClassOf", "@type": "@id"},
                                 "types": "onki:hasType", "@language": lang},
                    "uri": "", "types": [{"uri": SKOS + "Concept", "label": concept},
                                         {"uri": SKOS + "Collection", "label": collection}]})


@blueprint.get("/types")
def types():
    return _types(_lang())


def _search(vocab_ids: list[str] | None) -> Response:
    query = params.text("query") or ""
    if not query.strip() and not request.args.get("parent") and not request.args.get("group"):
        raise BadRequest("query parameter missing")
    lang = params.language("lang")
    label_lang = params.language("labellang") or lang or "fr"
    maxhits = params.integer("maxhits", 100, 1, 10_000)
    offset = params.integer("offset", 0, 0, 10_000_000)
    index = labels()
    allowed = None
    parent = params.text("parent")
    if parent:
        roots = index.concepts_of(parent)
        if not roots:
            raise BadRequest(f"unknown concept {parent!r} in parameter 'parent'")
        allowed = set().union(*(index.descendants(r) for r in roots))
    group = params.uri("group", required=False)
    if group:
        members = _group_members(group)
        allowed = members if allowed is None else allowed & members
    try:
        hits, _total = index.wildcard(query.strip() or "*", vocabularies=vocab_ids, lang=lang, allowed=allowed,
                                      limit=maxhits, offset=offset)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    results = []
    for hit in hits:
        pref, pref_lang = index.label_of(hit.concept, label_lang)
        uri = index.uris[hit.concept]
        item = {"uri": uri, "type": ["skos:Concept"], "prefLabel": pref, "lang": pref_lang,
                "vocab": index.vocab_of(hit.concept), "localname": _localname(uri)}
        _add_matched_form(index, hit.label, item)
        if index.notations[hit.concept]:
            item["notation"] = index.notations[hit.concept]
        results.append(item)
    context = {**BASE_CONTEXT, "isothes": "http://purl.org/iso25964/skos-thes#", "onki": ONKI,
               "results": {"@id": "onki:results", "@container": "@list"}, "prefLabel": "skos:prefLabel",
               "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel"}
    if request.args.get("labellang") or request.args.get("lang"):
        context["@language"] = label_lang
    return _answer({"@context": context, "uri": "", "results": results})


def _group_members(group: str) -> set[int]:
    index = labels()
    members: set[int] = set()
    for quad in store().quads(ox.NamedNode(group), ox.NamedNode(SKOS + "member"), None, None):
        members.update(index.concepts_of(quad.object.value))
    return members


@blueprint.get("/search")
def search():
    vocab_ids = params.vocabulary_filter()
    return _search(vocab_ids)


def _label(vocab_id: str | None) -> Response:
    uri, concept_id = _concept(vocab_id)
    lang = _lang()
    index = labels()
    body: dict = {"@context": {**BASE_CONTEXT, "prefLabel": "skos:prefLabel", "altLabel": "skos:altLabel",
                               "hiddenLabel": "skos:hiddenLabel", "@language": lang}, "uri": uri,
                  "prefLabel": index.label_of(concept_id, lang)[0]}
    wanted = lang.split("-")[0].lower()
    alt, hidden = [], []
    for position in index.labels_of(concept_id):
        kind = KIND_NAMES[int(index.label_kind[position])]
        if index.label_lang[position] in (wanted, "") and kind in ("altLabel", "hiddenLabel"):
            (alt if kind == "altLabel" else hidden).append(index.label_text[position])
    if alt:
        body["altLabel"] = sorted(alt)
    if hidden:
        body["hiddenLabel"] = sorted(hidden)
    return _answer(body)


@blueprint.get("/label")
def label():
    return _label(None)


def _data(vocab_id: str | None) -> Response:
    uri = params.uri(required=False) if request.args.get("uri") else None
    if not uri:
        if vocab_id is None:
            raise BadRequest("uri parameter missing")
        offer = negotiate(DATA_OFFERS)
        suffix = {"rdfxml": "rdf", "turtle": "ttl", "jsonld": "jsonld"}[offer.name]
        return redirect(f"/dumps/{vocab_id}.{suffix}", code=302)
    offer = negotiate(DATA_OFFERS)
    variant = f"{_variant()}\x1f{offer.name}"
    cached = not_modified(variant)
    if cached is not None:
        cached.headers["Access-Control-Allow-Origin"] = "*"
        return cached
    description = describe(store(), uri, skip_graphs=hidden_graphs())
    if description is None or (vocab_id is not None and description.graph != store().vocabularies()[vocab_id].graph):
        raise NotFound("no concept found with given uri")
    response = rdf_response(description.triples, offer)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return cacheable(response, variant)


@blueprint.get("/data")
def data():
    return _data(None)


# -- per vocabulary ------------------------------------------------------------------------------
@blueprint.get("/<vocab_id>/")
def vocabulary(vocab_id: str):
    info = _vocab(vocab_id)
    lang = _lang()
    schemes = [{"uri": uri, "type": "skos:ConceptScheme", "prefLabel": info.title(lang), "title": info.title(lang)}
               for uri in info.schemes]
    return _answer({
        "@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#", "skos": SKOS, "onki": ONKI,
                     "dct": "http://purl.org/dc/terms/", "uri": "@id", "type": "@type",
                     "conceptschemes": "onki:hasConceptScheme", "id": "onki:vocabularyIdentifier",
                     "defaultLanguage": "onki:defaultLanguage", "languages": "onki:language", "label": "rdfs:label",
                     "prefLabel": "skos:prefLabel", "title": "dct:title", "@language": lang,
                     "@base": store().base_uri + f"rest/v1/{vocab_id}/"},
        "uri": "", "id": vocab_id, "marcSource": "", "title": info.title(lang), "defaultLanguage": "fr",
        "languages": labels().languages(vocab_id),
        "conceptschemes": schemes})


@blueprint.get("/<vocab_id>/types")
def vocabulary_types(vocab_id: str):
    _vocab(vocab_id)
    return _types(_lang())


@blueprint.get("/<vocab_id>/search")
def vocabulary_search(vocab_id: str):
    _vocab(vocab_id)
    return _search([vocab_id])


@blueprint.get("/<vocab_id>/lookup")
def lookup(vocab_id: str):
    _vocab(vocab_id)
    label_text = params.text("label")
    if not label_text:
        raise BadRequest("label parameter missing")
    lang = params.language()
    index = labels()
    hits = index.lookup(label_text, vocabularies=[vocab_id], lang=lang)
    if not hits:
        raise NotFound(f"Could not find label '{label_text}'")
    results = []
    for hit in hits:
        uri = index.uris[hit.concept]
        pref, pref_lang = index.label_of(hit.concept, lang or "fr")
        item = {"uri": uri, "localname": _localname(uri), "prefLabel": pref, "lang": pref_lang, "vocab": vocab_id}
        _add_matched_form(index, hit.label, item)
        results.append(item)
    context = {**BASE_CONTEXT, "onki": ONKI, "results": {"@id": "onki:results"}, "prefLabel": "skos:prefLabel",
               "altLabel": "skos:altLabel", "hiddenLabel": "skos:hiddenLabel"}
    if lang:
        context["@language"] = lang
    return _answer({"@context": context, "result": results})


@blueprint.get("/<vocab_id>/data")
def vocabulary_data(vocab_id: str):
    _vocab(vocab_id)
    return _data(vocab_id)


@blueprint.get("/<vocab_id>/label")
def vocabulary_label(vocab_id: str):
    _vocab(vocab_id)
    return _label(vocab_id)
