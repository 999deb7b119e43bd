"""Named reads of one resource, each one backend operation: what a remote SPARQL store answers with one
request each (the `queries/reading/*.rq` beside each method, `*_by_query`). Pages and APIs read through
these and the label index, so a concept costs one operation, a description two.

The embedded store answers the same operation with index seeks instead of the query: pyoxigraph parses and
plans a query in about 0.3 ms, more than the whole read (a concept page 0.3 ms by seeks, 0.7 ms by query).
Both forms give the same rows (tests/test_read_operations.py compares them on the bundled vocabularies).

`operations` counts the backend operations this store has run (a test holds pages to their budget).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from vocabserver.store.queries import render

_S = ox.Variable("s")
_MEMBER = ox.NamedNode("http://www.w3.org/2004/02/skos/core#member")
_PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
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
    shared = False  # VocabStore: a remote store that other processes write

    def count_operation(self) -> None:
        self.operations += 1

    def concept_rows(self, uri: str, predicates: list[str], graph: ox.NamedNode | None = None) -> list[Row]:
        """The statements of `uri` for `predicates`, and the collections holding it (predicate skos:member,
        the collection as object, one row per label or one without), in the live graphs (in `graph` only when
        the caller knows where the concept lives: a seek by graph is twice as fast). A remote store answers
        the query form: one request instead of one a predicate."""
        if self.shared:
            return self.concept_rows_by_query(uri, predicates, graph)
        self.count_operation()
        live = self.live_graphs()
        subject, rows = ox.NamedNode(uri), []
        for predicate in predicates:
            node = ox.NamedNode(predicate)
            rows += [Row(q.graph_name, predicate, q.object) for q in self.store.quads_for_pattern(subject, node, None, graph)
                     if q.graph_name in live]
        for quad in self.store.quads_for_pattern(None, _MEMBER, subject, graph):
            if quad.graph_name in live:
                labels = [q.object for q in self.store.quads_for_pattern(quad.subject, _PREF_LABEL, None, quad.graph_name)]
                rows += [Row(quad.graph_name, _MEMBER.value, quad.subject, label) for label in labels or [None]]
        return rows

    def concept_rows_by_query(self, uri: str, predicates: list[str], graph: ox.NamedNode | None = None) -> list[Row]:
        """`concept_rows` as one SPARQL request: queries/reading/concept.rq."""
        self.count_operation()
        text = render("reading/concept", predicates=" ".join(str(ox.NamedNode(p)) for p in predicates))
        live = self.live_graphs()
        rows = []
        for solution in self.store.query(text, substitutions={_S: ox.NamedNode(uri)}):
            found = solution["g"]
            if found in live and graph in (None, found):
                rows.append(Row(found, solution["p"].value, solution["o"], solution["label"]))
        return rows

    def statements(self, uri: str) -> list[ox.Quad]:
        """Every statement about `uri` in the live graphs: one pattern read."""
        self.count_operation()
        live = self.live_graphs()
        return [q for q in self.store.quads_for_pattern(ox.NamedNode(uri), None, None, None) if q.graph_name in live]

    def labels_of(self, resources: list[ox.NamedNode], skip_graphs=frozenset()) -> dict[ox.NamedNode, list[ox.Triple]]:
        """The label triples of each resource (its prefLabels, else its titles) in the live graphs but
        `skip_graphs` (IRIs: private vocabularies'): one operation whatever the number of resources."""
        if not resources:
            return {}
        if self.shared:  # a remote store: one request (queries/reading/labels.rq)
            return self.labels_of_by_query(resources, skip_graphs)
        self.count_operation()
        live = self.live_graphs()
        found = {}
        for resource in resources:
            for preferred in _PREFERRED:
                triples = [q.triple for q in self.store.quads_for_pattern(resource, ox.NamedNode(preferred), None, None)
                           if q.graph_name in live and q.graph_name.value not in skip_graphs]
                if triples:
                    found[resource] = triples
                    break
        return found

    def labels_of_by_query(self, resources: list[ox.NamedNode], skip_graphs=frozenset()
                           ) -> dict[ox.NamedNode, list[ox.Triple]]:
        """`labels_of` as one SPARQL request: queries/reading/labels.rq."""
        if not resources:
            return {}
        self.count_operation()
        live = self.live_graphs()
        text = render("reading/labels", resources=" ".join(str(r) for r in resources))
        found: dict[ox.NamedNode, dict[str, list[ox.Triple]]] = {}
        for solution in self.store.query(text):
            if solution["g"] in live and solution["g"].value not in skip_graphs:
                subject, predicate = solution["s"], solution["p"]
                found.setdefault(subject, {}).setdefault(predicate.value, []).append(
                    ox.Triple(subject, predicate, solution["label"]))
        return {subject: next(by[p] for p in _PREFERRED if p in by) for subject, by in found.items()}
