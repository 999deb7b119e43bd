"""Named reads of one resource, each one backend operation (one `queries/reading/*.rq`, or one pattern
read): what a remote SPARQL store will answer with one request each. Pages and APIs read through these
and the label index, so a concept costs one operation, a description two.

`operations` counts the backend operations this store has run (a test holds pages to their budget).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from vocabserver.store.queries import render

_S = ox.Variable("s")
_PREFERRED = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://purl.org/dc/terms/title")


@dataclass(frozen=True)
class Row:
    graph: ox.NamedNode
    predicate: str
    object: object  # an RDF term
    label: ox.Literal | None = None  # collections: the collection's label


class ResourceReads:
    """Mixed into VocabStore: `self.store` is pyoxigraph's Store, `self.live_graphs()` the committed graphs."""

    operations = 0  # backend operations run by this store (not atomic: a measure, not an account)

    def count_operation(self) -> None:
        self.operations += 1

    def concept_rows(self, uri: str, predicates: list[str]) -> list[Row]:
        """The statements of `uri` for `predicates`, and the collections holding it (predicate skos:member,
        the collection as object, one row per label), in the live graphs: queries/reading/concept.rq."""
        self.count_operation()
        text = render("reading/concept", predicates=" ".join(str(ox.NamedNode(p)) for p in predicates))
        live = self.live_graphs()
        rows = []
        for solution in self.store.query(text, substitutions={_S: ox.NamedNode(uri)}):
            graph = solution["g"]
            if graph in live:
                rows.append(Row(graph, solution["p"].value, solution["o"], solution["label"]))
        return rows

    def statements(self, uri: str) -> list[ox.Quad]:
        """Every statement about `uri` in the live graphs: one pattern read."""
        self.count_operation()
        live = self.live_graphs()
        return [q for q in self.store.quads_for_pattern(ox.NamedNode(uri), None, None, None) if q.graph_name in live]

    def labels_of(self, resources: list[ox.NamedNode]) -> dict[ox.NamedNode, list[ox.Triple]]:
        """The label triples of each resource (its prefLabels, else its titles) in the live graphs:
        queries/reading/labels.rq, one operation whatever the number of resources."""
        if not resources:
            return {}
        self.count_operation()
        live = self.live_graphs()
        text = render("reading/labels", resources=" ".join(str(r) for r in resources))
        found: dict[ox.NamedNode, dict[str, list[ox.Triple]]] = {}
        for solution in self.store.query(text):
            if solution["g"] in live:
                subject, predicate = solution["s"], solution["p"]
                found.setdefault(subject, {}).setdefault(predicate.value, []).append(
                    ox.Triple(subject, predicate, solution["label"]))
        return {subject: next(by[p] for p in _PREFERRED if p in by) for subject, by in found.items()}
