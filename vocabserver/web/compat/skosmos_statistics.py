"""Skosmos REST v1, the statistics of a vocabulary: /{vocid}/vocabularyStatistics (concepts, deprecated ones,
collections, from the catalogue and one query) and /{vocid}/labelStatistics (labels of its concepts by language
and property, one grouped query); the same fields as Skosmos' swagger."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint

from vocabserver.store.queries import query
from vocabserver.web.compat.skosmos import SKOS, _answer, _lang, _vocab
from vocabserver.web.context import store

blueprint = Blueprint("skosmos_statistics", __name__, url_prefix="/rest/v1")

_LANGUAGE_NAMES = {"fr": {"fr": "français", "en": "anglais", "de": "allemand", "it": "italien", "es": "espagnol",
                          "la": "latin", "": "sans langue"},
                   "en": {"fr": "French", "en": "English", "de": "German", "it": "Italian", "es": "Spanish",
                          "la": "Latin", "": "no language"}}


def _rows(name: str, graph: str) -> list:
    return list(store().query(query(f"skosmos/{name}"), default_graph=ox.NamedNode(graph)))


@blueprint.get("/<vocab_id>/vocabularyStatistics")
def vocabulary_statistics(vocab_id: str):
    info = _vocab(vocab_id)
    lang = _lang()
    rows = _rows("deprecated-count", info.graph)
    deprecated = int(rows[0]["deprecated"].value) if rows and rows[0]["deprecated"] is not None else 0
    counts = info.counts
    concepts = {"class": "http://www.w3.org/2004/02/skos/core#Concept", "label": "Concept",
                "count": counts.get("concepts", 0), "deprecatedCount": deprecated}
    groups = {"class": "http://www.w3.org/2004/02/skos/core#Collection", "label": "Collection",
              "count": counts.get("collections", 0), "deprecatedCount": 0}
    sub_types = [{"type": "http://www.w3.org/2004/02/skos/core#Concept", "label": "Concept",
                  "count": counts.get("concepts", 0), "deprecatedCount": deprecated}]
    return _answer({"@context": {"skos": SKOS, "void": "http://rdfs.org/ns/void#", "onki": "http://schema.onki.fi/onki#",
                                 "uri": "@id", "id": "onki:vocabularyIdentifier", "title": "dct:title",
                                 "dct": "http://purl.org/dc/terms/", "concepts": "void:classPartition",
                                 "subTypes": {"@id": "void:class", "@type": "@id"},
                                 "conceptGroups": "void:classPartition", "class": {"@id": "void:class", "@type": "@id"},
                                 "label": "rdfs:label", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
                                 "count": "void:entities", "deprecatedCount": "onki:deprecatedCount",
                                 "@language": lang},
                    "uri": "", "id": vocab_id, "title": info.title(lang), "concepts": concepts,
                    "subTypes": sub_types, "conceptGroups": groups})


@blueprint.get("/<vocab_id>/labelStatistics")
def label_statistics(vocab_id: str):
    info = _vocab(vocab_id)
    lang = _lang()
    by_language: dict[str, dict[str, int]] = {}
    for row in _rows("label-statistics", info.graph):
        language = (row["lang"].value if row["lang"] is not None else "").lower()
        local = "skos:" + row["property"].value[len(SKOS):]
        counts = by_language.setdefault(language, {})
        counts[local] = counts.get(local, 0) + int(row["labels"].value)
    names = _LANGUAGE_NAMES["en" if lang.startswith("en") else "fr"]
    languages = []
    for language in sorted(by_language):
        counts = by_language[language]
        entry = {"language": language, "properties": [
            {"property": local, "labels": counts.get(local, 0)}
            for local in ("skos:prefLabel", "skos:altLabel", "skos:hiddenLabel")]}
        name = names.get(language.split("-")[0])
        if name:
            entry["literal"] = name
        languages.append(entry)
    return _answer({"@context": {"skos": SKOS, "void": "http://rdfs.org/ns/void#", "void-ext": "http://ldf.fi/void-ext#",
                                 "onki": "http://schema.onki.fi/onki#", "uri": "@id", "id": "onki:vocabularyIdentifier",
                                 "title": "dct:title", "dct": "http://purl.org/dc/terms/",
                                 "languages": "void-ext:languagePartition", "language": "void-ext:language",
                                 "properties": "void:propertyPartition", "labels": "void:triples",
                                 "property": {"@id": "void:property", "@type": "@id"}, "literal": "rdfs:label",
                                 "rdfs": "http://www.w3.org/2000/01/rdf-schema#"},
                    "uri": "", "id": vocab_id, "title": info.title(lang), "languages": languages})
