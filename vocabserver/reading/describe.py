"""The description of one resource: its own triples plus the labels of what it links to.

Bounded: at most `per_property` values of one property (a scheme of 32,000
top concepts lists the first ones; the full list is in the dumps and SPARQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from vocabserver.rdf.iri import is_iri

from vocabserver.store.embedded import VocabStore

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


def describe(store: VocabStore, iri: str, per_property: int = 1000, skip_graphs: set[str] = frozenset()
             ) -> Description | None:
    """Two backend operations: the resource's statements (but those of `skip_graphs`: private vocabularies'),
    then the labels of what it links to."""
    if not is_iri(iri):
        return None  # nothing is described by a text that is no IRI
    subject = ox.NamedNode(iri)
    description = Description(iri)
    triples = description.triples
    counts: dict = {}
    linked: dict = {}  # insertion-ordered set
    for quad in store.statements(iri):
        if skip_graphs and quad.graph_name.value in skip_graphs:
            continue
        if description.graph is None:
            description.graph = quad.graph_name.value
        predicate = quad.predicate
        count = counts[predicate] = counts.get(predicate, 0) + 1
        if count > per_property:
            description.truncated[predicate.value] = count - per_property
            continue
        triples.append(quad.triple)
        if type(quad.object) is ox.NamedNode:
            linked[quad.object] = None
    if not triples:
        return None
    linked.pop(subject, None)
    for found in store.labels_of(list(linked), skip_graphs).values():
        triples.extend(found)
    # The same statement may come from two graphs: once is enough.
    description.triples = list(dict.fromkeys(triples))
    return description
