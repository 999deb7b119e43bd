"""The description of one resource: its own triples plus the labels of what it links to.

Bounded: at most `per_property` values of one property (a scheme of 32,000
top concepts lists the first ones; the full list is in the dumps and SPARQL).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from .store import VocabStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
LABELS = (ox.NamedNode(SKOS + "prefLabel"), ox.NamedNode("http://purl.org/dc/terms/title"))


@dataclass
class Description:
    iri: str
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: dict[str, int] = field(default_factory=dict)  # property -> values left out
    graph: str | None = None  # the vocabulary graph holding it

    def labels(self) -> dict[str, dict[str, str]]:
        """IRI -> {language: label}, from the triples."""
        out: dict[str, dict[str, str]] = {}
        for t in self.triples:
            if t.predicate in LABELS and isinstance(t.object, ox.Literal):
                out.setdefault(t.subject.value, {}).setdefault(t.object.language or "", t.object.value)
        return out


def live_graphs(store: VocabStore) -> dict[ox.NamedNode, str]:
    graphs = {ox.NamedNode(v.graph): v.id for v in store.vocabularies().values()}
    graphs[store.catalogue.graph] = "catalogue"
    return graphs


def describe(store: VocabStore, iri: str, per_property: int = 1000) -> Description | None:
    subject = ox.NamedNode(iri)
    live = live_graphs(store)
    description = Description(iri)
    counts: Counter = Counter()
    linked: list[ox.NamedNode] = []
    seen: set = set()
    for quad in store.store.quads_for_pattern(subject, None, None, None):
        if quad.graph_name not in live:
            continue
        description.graph = description.graph or quad.graph_name.value
        key = (quad.predicate, quad.object)
        if key in seen:
            continue
        seen.add(key)
        counts[quad.predicate.value] += 1
        if counts[quad.predicate.value] > per_property:
            description.truncated[quad.predicate.value] = counts[quad.predicate.value] - per_property
            continue
        description.triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
        if isinstance(quad.object, ox.NamedNode) and quad.object != subject:
            linked.append(quad.object)
    if not description.triples:
        return None
    labelled: set = set()
    for obj in linked:
        if obj in labelled:
            continue
        labelled.add(obj)
        for prop in LABELS:
            found = [q for q in store.store.quads_for_pattern(obj, prop, None, None) if q.graph_name in live]
            for q in found:
                description.triples.append(ox.Triple(q.subject, q.predicate, q.object))
            if found:
                break
    return description
