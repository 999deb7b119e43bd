"""A concept as clients and pages show it: labels by language, notes, relations with their labels.

Read from the store with one backend operation (the concept's statements for the properties shown, and
its collections: queries/reading/concept.rq); the labels of related concepts and the hierarchy come from
the label index, which already holds them.
"""

from __future__ import annotations

import pyoxigraph as ox

from vocabserver.rdf.iri import is_iri

from vocabserver.index.folding import fold, primary_language
from vocabserver.rdf.jsonld import compact_iri
from vocabserver.index.label_index import LabelIndex
from vocabserver.rdf.namespaces import PREFIXES
from vocabserver.store.embedded import VocabStore

SKOS, DCT, OWL = PREFIXES["skos"], PREFIXES["dct"], PREFIXES["owl"]
LABELS = {SKOS + "prefLabel": "prefLabel", SKOS + "altLabel": "altLabel", SKOS + "hiddenLabel": "hiddenLabel"}
NOTES = {SKOS + name: name for name in
         ("definition", "scopeNote", "note", "example", "historyNote", "editorialNote", "changeNote")}
RELATIONS = {SKOS + "broader": "broader", SKOS + "narrower": "narrower", SKOS + "related": "related"}
MAPPINGS = {SKOS + name: name for name in
            ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}
DATES = {DCT + "created": "created", DCT + "modified": "modified", DCT + "issued": "issued"}
REPLACED_BY = {DCT + "isReplacedBy"}
RDF_TYPE = PREFIXES["rdf"] + "type"
RDF_TYPE_NODE = ox.NamedNode(RDF_TYPE)
CONCEPT_NODE = ox.NamedNode(SKOS + "Concept")
# The properties a concept page shows (skos:narrower only as a fallback, below).
SHOWN = [RDF_TYPE, *LABELS, SKOS + "notation", *NOTES, SKOS + "broader", SKOS + "related", *MAPPINGS, SKOS + "inScheme",
         SKOS + "topConceptOf", *DATES, OWL + "deprecated", *REPLACED_BY]
# Never read as "other properties": structure shown elsewhere (narrower from the index; members and top
# concepts belong to collections and schemes).
NOT_OTHER = {*SHOWN, SKOS + "narrower", SKOS + "member", SKOS + "memberList", SKOS + "hasTopConcept"}


def concept_details(store: VocabStore, index: LabelIndex, uri: str, lang: str = "fr",
                    vocab_id: str | None = None, narrower_offset: int = 0, narrower_limit: int = 1000,
                    hidden: frozenset[str] = frozenset()) -> dict | None:
    """Everything about one concept, or None if no live vocabulary describes `uri` as a concept.

    Narrower concepts come sorted and paged (`narrowerTotal` says how many): "Personnes représentées" has
    16,401. Only the properties shown are read (one index seek each), never the thousands of
    skos:narrower statements of such a concept.
    """
    live = store.live_graphs()
    graphs = {g: v for g, v in live.items() if v != "catalogue" and (vocab_id is None or v == vocab_id)}
    if not is_iri(uri):
        return None
    known = [c for c in index.concepts_of(uri) if vocab_id is None or index.vocab_of(c) == vocab_id]
    # One backend operation: what the page shows, the vocabulary's other properties, the collections.
    asked = SHOWN if known else [*SHOWN, SKOS + "narrower"]
    # The other properties of the vocabulary the index places the concept in (of every vocabulary otherwise).
    vocabularies = {index.vocab_of(c) for c in known} or set(graphs.values())
    where = store.graph_iri(next(iter(vocabularies))) if len(vocabularies) == 1 else None
    rows = [r for r in store.concept_rows(uri, [*asked, *_other_predicates(store, vocabularies)], where)
            if r.graph in graphs]
    typed = [r.graph for r in rows if r.predicate == RDF_TYPE and r.object == CONCEPT_NODE]
    if not typed:
        return None
    graph = typed[0]
    vocab = graphs[graph]
    rows = [r for r in rows if r.graph == graph]
    concept_ids = [c for c in known if index.vocab_of(c) == vocab]
    concept = concept_ids[0] if concept_ids else None
    out: dict = {"uri": uri, "vocab": vocab, "types": [], "prefLabel": {}, "altLabel": {}, "hiddenLabel": {},
                 "notation": [], "notes": {}, "broader": [], "narrower": [], "narrowerTotal": 0, "related": [],
                 "mappings": {}, "inScheme": [], "topConceptOf": [], "dates": {}, "deprecated": False,
                 "replacedBy": [], "properties": []}
    narrower_uris: list[str] = []
    used = set(asked)
    for row in rows:
        predicate, obj = row.predicate, row.object
        if predicate not in used:
            continue
        if predicate == RDF_TYPE:
            out["types"].append(compact_iri(obj.value))
        elif predicate in LABELS and isinstance(obj, ox.Literal):
            language = obj.language or ""
            if predicate == SKOS + "prefLabel":
                out["prefLabel"].setdefault(language, obj.value)
            else:
                out[LABELS[predicate]].setdefault(language, []).append(obj.value)
        elif predicate == SKOS + "notation" and isinstance(obj, ox.Literal):
            out["notation"].append(obj.value)
        elif predicate in NOTES and isinstance(obj, ox.Literal):
            out["notes"].setdefault(NOTES[predicate], {}).setdefault(obj.language or "", []).append(obj.value)
        elif predicate == SKOS + "narrower" and isinstance(obj, ox.NamedNode):
            narrower_uris.append(obj.value)  # read only when the index does not know the concept
        elif predicate in RELATIONS and isinstance(obj, ox.NamedNode):
            out[RELATIONS[predicate]].append(obj.value)
        elif predicate in MAPPINGS and isinstance(obj, ox.NamedNode):
            out["mappings"].setdefault(MAPPINGS[predicate], []).append(obj.value)
        elif predicate == SKOS + "inScheme":
            out["inScheme"].append(obj.value)
        elif predicate == SKOS + "topConceptOf":
            out["topConceptOf"].append(obj.value)
        elif predicate in DATES and isinstance(obj, ox.Literal):
            out["dates"][DATES[predicate]] = obj.value
        elif predicate == OWL + "deprecated" and isinstance(obj, ox.Literal):
            out["deprecated"] = obj.value in ("true", "1")
        elif predicate in REPLACED_BY and isinstance(obj, ox.NamedNode):
            out["replacedBy"].append(obj.value)
    out["properties"] = _other_properties([r for r in rows if r.predicate not in NOT_OTHER])
    out["coordinates"] = _coordinates(out["properties"])
    out["types"].sort()
    for key in ("altLabel", "hiddenLabel"):
        for values in out[key].values():
            values.sort()
    for by_language in out["notes"].values():
        for values in by_language.values():
            values.sort()
    # Relations with their labels, alphabetically: what a page or a client renders without more requests.
    # A linked concept of a vocabulary the caller may not read (private) is given by its URI alone: neither its
    # label nor its vocabulary leaves through another vocabulary's answers.
    for key in ("broader", "related", "replacedBy"):
        out[key] = _linked_sorted(index, vocab, out[key], lang, hidden)
    if concept is not None:
        children = index.children(concept)
        out["narrowerTotal"] = len(children)
        out["narrower"] = [_item(index, c, lang) for c in children[narrower_offset:narrower_offset + narrower_limit]]
    else:
        items = _linked_sorted(index, vocab, narrower_uris, lang, hidden)
        out["narrowerTotal"] = len(items)
        out["narrower"] = items[narrower_offset:narrower_offset + narrower_limit]
    for key, targets in out["mappings"].items():
        out["mappings"][key] = [_linked(index, None, target, lang, hidden) for target in sorted(set(targets))]
    out["notation"] = sorted(out["notation"])
    label, label_lang = _choose(out["prefLabel"], lang)
    out["label"], out["labelLang"] = label or uri, label_lang
    out["collections"] = _collections([r for r in rows if r.predicate == SKOS + "member"], lang)
    out["guideTerm"] = bool(index.guide[concept]) if concept is not None else False
    out["paths"] = index.paths(concept, lang) if concept is not None else []
    return out


def _other_predicates(store: VocabStore, vocabularies: set[str]) -> list[str]:
    """The other properties the vocabularies state (Muséofile's coordinates, an import's own properties), as
    the catalogue lists them: asked by name, never by reading every statement of a heading."""
    used: set[str] = set()
    for vocab in vocabularies:
        try:
            used.update(store.info(vocab).properties)
        except KeyError:
            continue
    return sorted(p for p in used if p not in NOT_OTHER)


def _other_properties(rows) -> list[dict]:
    """Whatever else the file states about the concept, grouped by property."""
    by_property: dict[str, list[dict]] = {}
    for row in rows:
        obj = row.object
        values = by_property.setdefault(row.predicate, [])
        if isinstance(obj, ox.NamedNode):
            values.append({"uri": obj.value})
        elif isinstance(obj, ox.Literal):
            value = {"value": obj.value}
            if obj.language:
                value["lang"] = obj.language
            elif obj.datatype.value != PREFIXES["xsd"] + "string":
                value["datatype"] = compact_iri(obj.datatype.value)
            values.append(value)
        else:
            values.append({"value": "(" + type(obj).__name__.lower() + ")"})
    out = []
    for predicate in sorted(by_property):
        values = by_property[predicate]
        values.sort(key=lambda v: (v.get("lang", ""), v.get("uri") or v.get("value", "")))
        out.append({"property": predicate, "name": compact_iri(predicate), "values": values})
    return out


def _coordinates(rows: list[dict]) -> dict | None:
    """WGS84 latitude and longitude when the concept states one of each (a museum of LOCA)."""
    found = {row["name"]: row["values"][0].get("value") for row in rows if row["name"] in ("geo:lat", "geo:long")}
    try:
        lat, long = float(found["geo:lat"]), float(found["geo:long"])
    except (KeyError, TypeError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= long <= 180:
        return {"lat": lat, "long": long}
    return None


def _item(index: LabelIndex, concept: int, lang: str) -> dict:
    label, label_lang = index.label_of(concept, lang)
    return {"uri": index.uris[concept], "prefLabel": label, "lang": label_lang, "vocab": index.vocab_of(concept),
            "hasChildren": bool(index.narrower(concept))}


def _collections(rows, lang: str) -> list[dict]:
    labels: dict[str, dict[str, str]] = {}
    for row in rows:
        found = labels.setdefault(row.object.value, {})
        if isinstance(row.label, ox.Literal):
            found.setdefault(row.label.language or "", row.label.value)
    items = []
    for collection, by_language in labels.items():
        label, label_lang = _choose(by_language, lang)
        items.append({"uri": collection, "prefLabel": label or collection, "lang": label_lang})
    return sorted(items, key=lambda item: item["uri"])


def _choose(labels: dict[str, str], lang: str) -> tuple[str | None, str]:
    wanted = primary_language(lang)
    for candidate in (wanted, "fr", ""):
        for tag, text in labels.items():
            if primary_language(tag) == candidate:
                return text, tag
    for tag, text in labels.items():
        return text, tag
    return None, ""


def _linked(index: LabelIndex, vocab: str | None, uri: str, lang: str, hidden: frozenset[str] = frozenset()) -> dict:
    """A related resource with its label when the index knows it (preferably in the same vocabulary), and the
    caller may read its vocabulary (`hidden`: the private ones it may not)."""
    candidates = [c for c in index.concepts_of(uri) if index.vocab_of(c) not in hidden]
    same = [c for c in candidates if vocab is None or index.vocab_of(c) == vocab] or candidates
    return _item(index, same[0], lang) if same else {"uri": uri}


def _linked_sorted(index: LabelIndex, vocab: str, uris, lang: str, hidden: frozenset[str] = frozenset()) -> list[dict]:
    """Related resources alphabetically (folded label), those the index does not know last."""
    def key(item: dict) -> tuple:
        label = item.get("prefLabel")
        return (0, fold(label), label, item["uri"]) if label else (1, "", "", item["uri"])

    return sorted((_linked(index, vocab, uri, lang, hidden) for uri in set(uris)), key=key)


def replacements(store: VocabStore, index: LabelIndex, uri: str, lang: str = "fr") -> list[dict]:
    """The concepts that replace a deprecated one (dct:isReplacedBy, followed through replacements that were
    retired in turn), as index records: what a lookup of a retired label answers."""
    out, seen, todo = [], {uri}, [uri]
    replaced_by = ox.NamedNode(DCT + "isReplacedBy")
    while todo and len(seen) < 20:
        current = todo.pop(0)
        for quad in store.quads(ox.NamedNode(current), replaced_by, None, None):
            target = quad.object.value
            if target in seen or not isinstance(quad.object, ox.NamedNode):
                continue
            seen.add(target)
            found = index.concepts_of(target)
            if not found:
                continue
            record = index.record(found[0], lang)
            if record["deprecated"]:
                todo.append(target)
            else:
                out.append(record)
    return out
