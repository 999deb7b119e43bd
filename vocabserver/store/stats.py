"""Statistics of vocabulary graphs: the counts the catalogue records, and depth."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox

from vocabserver.changes.checks import broader_edges, max_depth
from vocabserver.store.queries import query

if TYPE_CHECKING:  # the seam, never pyoxigraph's Store
    from vocabserver.store.embedded import VocabStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
SCHEME_PROPS = {
    "titles": (DCT + "title", SKOS + "prefLabel", "http://purl.org/dc/elements/1.1/title"),
    "descriptions": (DCT + "description", "http://purl.org/dc/elements/1.1/description"),
    "notations": (SKOS + "notation",),
    "license": (DCT + "license", DCT + "rights", "http://purl.org/dc/elements/1.1/rights"),
}


def graph_counts(store: VocabStore, graph: ox.NamedNode) -> dict[str, int]:
    result = store.query(query("stats/counts"), default_graph=graph)
    names = [v.value for v in result.variables]
    row = next(iter(result))
    return {name: int(row[name].value) if row[name] is not None else 0 for name in names}


def graph_properties(store: VocabStore, graph: ox.NamedNode) -> dict[str, int]:
    """Triples per property in one graph (one scan, ~70 ms for AUTR's 167,000 triples)."""
    return {row["property"].value: int(row["triples"].value)
            for row in store.query(query("stats/properties"), default_graph=graph)}


def graph_schemes(store: VocabStore, graph: ox.NamedNode) -> list[dict]:
    """Each scheme's IRI with the literals the catalogue copies (titles, descriptions, notations, licence)."""
    schemes = []
    for row in store.query(query("stats/schemes"), default_graph=graph):
        uri = row["scheme"]
        if any(s["uri"] == uri for s in schemes):
            continue
        schemes.append(scheme_entry(uri, lambda s, p: [q.object for q in store.quads(s, p, None, graph)]))
    return schemes


def scheme_entry(uri: ox.NamedNode, objects) -> dict:
    """What the catalogue copies of one scheme, `objects(subject, predicate)` reading its graph (the store,
    or the would-be state of a change)."""
    entry: dict = {"uri": uri, "license": None}
    for key, props in SCHEME_PROPS.items():
        values = [value for prop in props for value in objects(uri, ox.NamedNode(prop))]
        if key == "license":
            entry["license"] = values[0] if values else None
        else:
            entry[key] = values if key != "titles" else one_per_language(values)
    return entry


def one_per_language(literals: list) -> list:
    seen, kept = set(), []
    for lit in literals:
        lang = getattr(lit, "language", None)
        if lang not in seen:
            seen.add(lang)
            kept.append(lit)
    return kept


def depth(store: VocabStore, graph: ox.NamedNode, concepts: int) -> int:
    deepest = max_depth(broader_edges(store, graph))
    return deepest or (1 if concepts else 0)
