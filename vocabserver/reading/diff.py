"""A change as a curator reads it: per concept (named by its label), what was added and removed, property by
property in words (preferred label, broader, definition…), concepts named by their labels, not N-Triples."""

from __future__ import annotations

import pyoxigraph as ox

from vocabserver.rdf.jsonld import compact_iri
from vocabserver.rdf.namespaces import PREFIXES

SKOS, DCT, OWL = PREFIXES["skos"], PREFIXES["dct"], PREFIXES["owl"]
# Property -> the interface's message key naming it.
NAMES = {SKOS + "prefLabel": "pref_label", SKOS + "altLabel": "used_for", SKOS + "hiddenLabel": "hidden_label",
         SKOS + "broader": "broader", SKOS + "narrower": "narrower", SKOS + "related": "related",
         SKOS + "notation": "notation", SKOS + "inScheme": "in_scheme", SKOS + "topConceptOf": "top_concept",
         SKOS + "hasTopConcept": "top_concepts", OWL + "deprecated": "deprecated", DCT + "isReplacedBy": "replaced_by",
         **{SKOS + k: k for k in ("definition", "scopeNote", "note", "example", "historyNote", "editorialNote",
                                  "changeNote", "exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                                  "relatedMatch")},
         DCT + "created": "created", DCT + "modified": "modified", DCT + "title": "title_field",
         DCT + "description": "description_field"}
SHOWN_MAX = 300  # triples a change page spells out; a load says its counts


def _label(index, uri: str, lang: str, hidden: frozenset[str] = frozenset()) -> str | None:
    """The concept's label, unless its vocabulary is one the reader may not see (then its URI alone is shown)."""
    found = [c for c in index.concepts_of(uri) if index.vocab_of(c) not in hidden]
    return index.label_of(found[0], lang)[0] if found else None


def readable(change, index, lang: str = "fr", hidden: frozenset[str] = frozenset()) -> list[dict]:
    """[{uri, label, rows: [{sign: "+"|"-", key | property, text, uri, lang}]}], subjects in order of appearance;
    structural back-links (narrower, hasTopConcept) stated by the other end are left out when their forward
    link is shown."""
    if change.added is None or change.added_count + change.removed_count > SHOWN_MAX:
        return []
    subjects: dict[str, dict] = {}
    forward = {(t.object.value, t.subject.value) for t in (*change.added, *(change.removed or []))
               if t.predicate.value in (SKOS + "broader", SKOS + "topConceptOf")}
    for sign, triples in (("-", change.removed or []), ("+", change.added)):
        for triple in triples:
            predicate = triple.predicate.value
            if predicate in (SKOS + "narrower", SKOS + "hasTopConcept") and \
                    (triple.subject.value, triple.object.value) in forward:
                continue  # the other end's link says it already
            subject = triple.subject.value if isinstance(triple.subject, ox.NamedNode) else str(triple.subject)
            entry = subjects.setdefault(subject, {"uri": subject, "label": _label(index, subject, lang, hidden),
                                                  "rows": []})
            row = {"sign": sign, "key": NAMES.get(predicate), "property": compact_iri(predicate)}
            if isinstance(triple.object, ox.NamedNode):
                row |= {"uri": triple.object.value, "text": _label(index, triple.object.value, lang, hidden) or
                        compact_iri(triple.object.value)}
            else:
                boolean = triple.object.datatype.value.endswith("#boolean") if hasattr(triple.object, "datatype") else False
                row |= {"text": triple.object.value, "lang": getattr(triple.object, "language", None),
                        "boolean": triple.object.value in ("true", "1") if boolean else None}
            entry["rows"].append(row)
    for entry in subjects.values():
        entry["rows"].sort(key=lambda r: (r["key"] or r["property"], r["sign"] == "+"))
    return list(subjects.values())
