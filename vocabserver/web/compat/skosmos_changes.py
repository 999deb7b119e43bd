"""Skosmos REST v1 `/{vocid}/new` and `/{vocid}/modified`, answered from the change log: the concepts a
change created (typed skos:Concept by it) or touched, newest first, with the date of that change — the shape
Skosmos gives (`changeList` of uri, prefLabel, date, deprecated, replacedBy)."""

from __future__ import annotations

from datetime import datetime

import pyoxigraph as ox
from flask import Blueprint, Response
from werkzeug.exceptions import NotFound

from vocabserver.web import params
from vocabserver.web.api import json_response
from vocabserver.web.context import core, labels, store

blueprint = Blueprint("skosmos_changes", __name__, url_prefix="/rest/v1")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
REPLACED_BY = "http://purl.org/dc/terms/isReplacedBy"


def _date(stamp: str) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def _change_list(vocab_id: str, created_only: bool) -> Response:
    if vocab_id not in store().vocabularies():
        raise NotFound(f"Vocabulary id '{vocab_id}' not found.")
    lang = params.language(default="fr") or "fr"
    offset = params.integer("offset", 0, 0, 10**9)
    limit = params.integer("limit", 200, 1, 10_000)
    log, index = core().writer.history, labels()
    seen: set[str] = set()
    found: list[dict] = []
    for number in log.numbers(vocab_id):
        if len(found) >= offset + limit:
            break
        change = log.get(number, with_triples=created_only)
        if created_only:
            subjects = [t.subject.value for t in change.added if isinstance(t.subject, ox.NamedNode)
                        and t.predicate.value == RDF_TYPE and t.object.value == CONCEPT]
        else:
            subjects = change.subjects
        for uri in subjects:
            concept = [c for c in index.concepts_of(uri) if index.vocab_of(c) == vocab_id]
            if uri in seen or not concept:
                continue  # listed at its latest change; gone since (deleted): not listed
            seen.add(uri)
            item = {"uri": uri, "prefLabel": index.label_of(concept[0], lang)[0], "date": _date(change.time),
                    "deprecated": bool(index.deprecated[concept[0]])}
            replaced = [q.object.value for q in store().quads(ox.NamedNode(uri), ox.NamedNode(REPLACED_BY), None,
                                                               store().graph_iri(vocab_id))]
            if replaced:
                item["replacedBy"] = replaced[0]
                target = index.concepts_of(replaced[0])
                if target:
                    item["replacingLabel"] = index.label_of(target[0], lang)[0]
            found.append(item)
    body = {"@context": {"skos": "http://www.w3.org/2004/02/skos/core#", "uri": "@id", "type": "@type",
                         "@language": lang, "prefLabel": "skos:prefLabel", "xsd": "http://www.w3.org/2001/XMLSchema#",
                         "date": {"@id": "http://purl.org/dc/terms/date", "@type": "xsd:dateTime"}},
            "changeList": found[offset:offset + limit]}
    response = json_response(body)
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/<vocab_id>/new")
def new_concepts(vocab_id: str):
    return _change_list(vocab_id, created_only=True)


@blueprint.get("/<vocab_id>/modified")
def modified_concepts(vocab_id: str):
    return _change_list(vocab_id, created_only=False)
