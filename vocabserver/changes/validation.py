"""Validation of a change on the would-be state, scoped to what it touches.

The load's checks (checks.py) read a whole graph: seconds for AUTR. A change touches a few resources, so
the same rules are asked of those resources and their neighbours only, on an overlay — the store's graph
minus the triples removed plus those added — before anything is written:

- two prefLabels in one language (S14), a label both preferred and alternative or hidden (S13), a concept
  that is also a collection, a broader cycle through a touched concept, related and broader at once (S27):
  errors;
- a prefLabel another concept of the vocabulary already has (ambiguous for records), a concept left
  without prefLabel, hierarchy or membership links to resources the vocabulary does not describe:
  warnings.

Only what the change *introduces* counts: a finding already there before (the vocabulary's to-do list)
does not block an unrelated edit of the same concept, so curators can fix things one at a time. Whether a
new finding refuses the change is the vocabulary's policy (checks.Policy).
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from vocabserver.changes.checks import ERROR, INFO, WARNING, CheckReport, Finding, Policy

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL_DEPRECATED = ox.NamedNode("http://www.w3.org/2002/07/owl#deprecated")
CONCEPT, COLLECTION = ox.NamedNode(SKOS + "Concept"), ox.NamedNode(SKOS + "Collection")
ORDERED = ox.NamedNode(SKOS + "OrderedCollection")
PREF, ALT, HIDDEN = (ox.NamedNode(SKOS + p) for p in ("prefLabel", "altLabel", "hiddenLabel"))
BROADER, NARROWER, RELATED = (ox.NamedNode(SKOS + p) for p in ("broader", "narrower", "related"))
# Links that must stay inside the vocabulary (mappings point outside by design; scheme links may too).
INSIDE = {ox.NamedNode(SKOS + p) for p in ("broader", "narrower", "related", "member", "broaderTransitive",
                                              "narrowerTransitive")}


class Overlay:
    """Pattern reads of one graph as it would be after removing `removed` and adding `added`."""

    def __init__(self, store, graph: ox.NamedNode, removed=(), added=()):
        self.store, self.graph = store, graph
        self.removed = set(removed)
        self.by_subject: dict[ox.Term, list[ox.Triple]] = defaultdict(list)
        self.by_object: dict[ox.Term, list[ox.Triple]] = defaultdict(list)
        # (subject, predicate) -> objects added: one concept given 20,000 labels stays linear, not quadratic.
        self.by_pair: dict[tuple, list] = defaultdict(list)
        for triple in added:
            self.by_subject[triple.subject].append(triple)
            self.by_object[triple.object].append(triple)
            self.by_pair[(triple.subject, triple.predicate)].append(triple.object)

    def objects(self, subject, predicate) -> list:
        if isinstance(subject, ox.Literal):
            return []  # a literal is no subject (a broader link to a text is reported, not followed)
        found = [q.object for q in self.store.quads(subject, predicate, None, self.graph)
                 if q.triple not in self.removed]
        found += self.by_pair.get((subject, predicate), ())
        return list(dict.fromkeys(found))

    def subjects(self, predicate, obj) -> list:
        found = [q.subject for q in self.store.quads(None, predicate, obj, self.graph) if q.triple not in self.removed]
        found += [t.subject for t in self.by_object.get(obj, ()) if predicate is None or t.predicate == predicate]
        return list(dict.fromkeys(found))

    def described(self, subject) -> bool:
        if any(True for t in self.by_subject.get(subject, ())):
            return True
        if isinstance(subject, ox.Literal):
            return False
        return any(q.triple not in self.removed for q in self.store.quads(subject, None, None, self.graph))

    def referrers(self, obj) -> list[ox.Triple]:
        found = [q.triple for q in self.store.quads(None, None, obj, self.graph) if q.triple not in self.removed]
        return found + list(self.by_object.get(obj, ()))

    def is_a(self, subject, cls) -> bool:
        return cls in self.objects(subject, RDF_TYPE)

    def parents(self, subject) -> list:
        return list(dict.fromkeys(self.objects(subject, BROADER) + self.subjects(NARROWER, subject)))

    def ancestors(self, subject, limit: int = 10_000) -> dict:
        """Every ancestor -> the child it was reached from (for naming a cycle's path)."""
        reached: dict = {}
        stack = [subject]
        while stack and len(reached) < limit:
            node = stack.pop()
            for parent in self.parents(node):
                if parent not in reached:
                    reached[parent] = node
                    stack.append(parent)
        return reached


def _language(literal) -> str:
    tag = (getattr(literal, "language", None) or "").lower()
    return tag.split("-", 1)[0]


def _findings(view: Overlay, resource: ox.NamedNode) -> list[Finding]:
    """The findings of one resource in one state (see the module's docstring)."""
    out: list[Finding] = []
    iri = resource.value
    concept = view.is_a(resource, CONCEPT)
    if concept and (view.is_a(resource, COLLECTION) or view.is_a(resource, ORDERED)):
        out.append(Finding(ERROR, "concept-and-collection",
                           "typed both skos:Concept and skos:Collection (disjoint classes in SKOS)", [iri]))
    prefs = view.objects(resource, PREF)
    by_lang: dict[str, list] = defaultdict(list)
    for label in prefs:
        by_lang[_language(label)].append(label)
    for lang, labels in by_lang.items():
        if len(labels) > 1:
            out.append(Finding(ERROR, "two-preflabels-one-language", f"several prefLabels in language "
                               f"{lang or '(none)'!r}: {' | '.join(sorted(lit.value for lit in labels))}", [iri]))
    alts, hiddens = set(view.objects(resource, ALT)), set(view.objects(resource, HIDDEN))
    for label in sorted((set(prefs) & alts) | (set(prefs) & hiddens) | (alts & hiddens), key=str):
        out.append(Finding(ERROR, "label-clash", f"{label.value!r} is given twice, as preferred, alternative "
                           "or hidden label", [iri]))
    if concept and not prefs:
        deprecated = any(getattr(v, "value", "") == "true" for v in view.objects(resource, OWL_DEPRECATED))
        out.append(Finding(INFO if deprecated else WARNING, "no-preflabel",
                           "deprecated concept without skos:prefLabel" if deprecated else
                           "concept without skos:prefLabel", [iri]))
    if concept:
        for label in prefs:
            others = sorted(s.value for s in view.subjects(PREF, label)
                            if s != resource and isinstance(s, ox.NamedNode) and view.is_a(s, CONCEPT))
            if others:
                out.append(Finding(WARNING, "duplicate-preflabel", f"prefLabel {label.value!r}@"
                                   f"{getattr(label, 'language', None) or '-'} is used by several concepts "
                                   "(ambiguous: a record cannot say which)", sorted([iri, *others])))
    ancestors = view.ancestors(resource)
    if resource in ancestors:
        path, node = [iri], ancestors[resource]
        while node != resource and len(path) < 1000:
            path.append(node.value)
            node = ancestors.get(node, resource)
        out.append(Finding(ERROR, "broader-cycle", "broader links form a cycle", sorted(path)))
    for other in set(view.objects(resource, RELATED)) | set(view.subjects(RELATED, resource)):
        if other in ancestors or resource in view.ancestors(other):
            out.append(Finding(ERROR, "related-broader-clash", "related to a concept of its own hierarchy",
                               sorted([iri, other.value])))
    for predicate in INSIDE:
        for target in view.objects(resource, predicate):
            if isinstance(target, ox.NamedNode) and not view.described(target):
                out.append(Finding(WARNING, "dangling", f"{predicate.value.rsplit('#', 1)[-1]} points to "
                                   f"{target.value}, which this vocabulary does not describe", [iri, target.value]))
    if not view.described(resource):
        for triple in view.referrers(resource):
            if triple.predicate in INSIDE and isinstance(triple.subject, ox.NamedNode):
                out.append(Finding(WARNING, "dangling", f"{triple.predicate.value.rsplit('#', 1)[-1]} points to "
                                   f"{iri}, which this vocabulary does not describe", [triple.subject.value, iri]))
    return out


def touched(removed, added) -> list[ox.NamedNode]:
    """The resources whose findings a change may alter: subjects, and IRIs it links to or unlinks from."""
    found: dict[ox.NamedNode, None] = {}
    for triple in (*removed, *added):
        if isinstance(triple.subject, ox.NamedNode):
            found[triple.subject] = None
        if isinstance(triple.object, ox.NamedNode) and triple.predicate != RDF_TYPE:
            found[triple.object] = None
    return list(found)


def _key(finding: Finding) -> tuple:
    return finding.check, finding.severity, tuple(sorted(finding.resources))


def validate(store, graph: ox.NamedNode, vocabulary: str, policy: str, removed, added) -> tuple[list[Finding], list[Finding]]:
    """(new findings, refusals): what the change introduces, and what of it the policy refuses."""
    before, after = Overlay(store, graph), Overlay(store, graph, removed, added)
    old = {_key(f) for resource in touched(removed, added) for f in _findings(before, resource)}
    new: dict[tuple, Finding] = {}
    for resource in touched(removed, added):
        for finding in _findings(after, resource):
            key = _key(finding)
            if key not in old and key not in new:
                new[key] = finding
    report = CheckReport(vocabulary, list(new.values()))
    return report.findings, Policy(policy).refusals(report)


LARGE = 2_000  # touched resources beyond which the whole graph is checked instead (a bulk change)


def validate_whole(store, graph: ox.NamedNode, vocabulary: str, policy: str, removed, added
                   ) -> tuple[list[Finding], list[Finding]]:
    """As `validate`, for a change too large to check resource by resource (a graph replaced or cleared):
    the load's checks on a scratch copy of the would-be graph, compared with the same checks now."""
    from vocabserver.changes.changeset import ntriples
    from vocabserver.changes.checks import run_checks
    from vocabserver.store.embedded import VocabStore

    lines = set(store.dump_graph(graph).splitlines())
    lines -= set(ntriples(removed).encode("utf-8").splitlines())
    lines |= set(ntriples(added).encode("utf-8").splitlines())
    scratch = VocabStore(None, store.base_uri)  # in memory: the store is not touched
    copy = scratch.stage(vocabulary, data=b"\n".join(lines), fmt=ox.RdfFormat.N_TRIPLES)
    old = {_key(f) for f in run_checks(store, graph, vocabulary).findings}
    report = CheckReport(vocabulary, [f for f in run_checks(scratch, copy, vocabulary).findings if _key(f) not in old])
    return report.findings, Policy(policy).refusals(report)


def findings_of(store, graph: ox.NamedNode, uri: str) -> list[Finding]:
    """The findings of one resource as it is now (the concept page shows them to its editors)."""
    return _findings(Overlay(store, graph), ox.NamedNode(uri))
