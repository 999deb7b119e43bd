"""Integrity and quality checks of one vocabulary graph, beyond what skosify looks at.

Each check is a named query of queries/checks/ run against the graph (as the
default graph), except the cycle check, which walks the broader links that
checks/broader-edges returns.

Severities: *error* where SKOS's integrity conditions are broken and no safe
repair exists (related and broader at once, S27; a concept that is also a
collection; a broader cycle; S13/S14 when normalisation was skipped);
*warning* for quality findings a curator should look at (ambiguous prefLabels,
missing labels, orphans, dangling links inside the vocabulary); *info* for what
is worth knowing (a deprecated concept without label). Mapping properties
(skos:*Match) point outside by design and are never a finding. Whether a
finding refuses a load is the vocabulary's policy (`Policy`), not the check's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pyoxigraph as ox

from vocabserver.store.queries import query

if TYPE_CHECKING:  # the seam, never pyoxigraph's Store
    from vocabserver.store.embedded import VocabStore

ERROR, WARNING, INFO = "error", "warning", "info"
SKOS = "http://www.w3.org/2004/02/skos/core#"
# References to schemes may point to a scheme described elsewhere: only for information.
_SOFT_DANGLING = {SKOS + "inScheme", SKOS + "topConceptOf", SKOS + "hasTopConcept"}
_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CONCEPT = ox.NamedNode(SKOS + "Concept")
_MAPPINGS = {SKOS + p for p in ("mappingRelation", "exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                                "relatedMatch")}


@dataclass
class Finding:
    severity: str
    check: str
    message: str
    resources: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"severity": self.severity, "check": self.check, "message": self.message,
                "resources": self.resources}


@dataclass
class CheckReport:
    vocabulary: str
    findings: list[Finding] = field(default_factory=list)
    depth: int = 0  # longest broader chain, top concepts at depth 1

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def infos(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == INFO]

    def as_dict(self) -> dict:
        return {"vocabulary": self.vocabulary, "errors": len(self.errors), "warnings": len(self.warnings),
                "infos": len(self.infos), "findings": [f.as_dict() for f in self.findings]}


STRICT, LENIENT = "strict", "lenient"


@dataclass(frozen=True)
class Policy:
    """What refuses a change of a vocabulary. *strict* (the Joconde vocabularies, or any vocabulary marked
    so): error-level findings and ambiguous prefLabels, because record validation needs one concept per
    label. *lenient* (a thesaurus brought as it is): nothing; its findings are a to-do list."""
    name: str = LENIENT

    def refusals(self, report: CheckReport) -> list[Finding]:
        if self.name != STRICT:
            return []
        return [f for f in report.findings if f.severity == ERROR or f.check == "duplicate-preflabel"]


def _select(store: VocabStore, name: str, graph: ox.NamedNode) -> list[dict[str, str]]:
    result = store.query(query(f"checks/{name}"), default_graph=graph)
    names = [v.value for v in result.variables]
    return [{k: (s[k].value if s[k] is not None else None) for k in names} for s in result]


def broader_edges(store: VocabStore, graph: ox.NamedNode) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for row in _select(store, "broader-edges", graph):
        edges[row["concept"]].add(row["broader"])
    return edges


def find_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each cycle once, as the list of concepts along it."""
    state: dict[str, int] = {}
    cycles = []
    for start in edges:
        if start in state:
            continue
        path: list[str] = [start]
        state[start] = 1
        stack = [iter(sorted(edges.get(start, ())))]
        while stack:
            for parent in stack[-1]:
                if state.get(parent) == 1:
                    cycles.append(path[path.index(parent):] + [parent])
                elif parent not in state:
                    state[parent] = 1
                    path.append(parent)
                    stack.append(iter(sorted(edges.get(parent, ()))))
                    break
            else:
                state[path.pop()] = 2
                stack.pop()
    return cycles


def max_depth(edges: dict[str, set[str]]) -> int:
    """Longest chain of broader links, counting the top concept as level 1 (cycles cut)."""
    memo: dict[str, int] = {}

    def depth(node: str) -> int:
        # Iterative post-order so that deep hierarchies never hit the recursion limit.
        stack = [(node, False)]
        on_path: set[str] = set()
        while stack:
            current, expanded = stack.pop()
            if current in memo:
                continue
            parents = [p for p in edges.get(current, ()) if p not in on_path]
            if expanded:
                on_path.discard(current)
                memo[current] = 1 + max((memo.get(p, 1) for p in parents), default=0)
                continue
            on_path.add(current)
            stack.append((current, True))
            stack.extend((p, False) for p in parents if p not in memo)
        return memo[node]

    return max((depth(n) for n in edges), default=0)


def _language(tag: str) -> str:
    tag = (tag or "").lower()
    return "fr" if tag == "fr-fr" else tag


def _check_preflabels(store, graph) -> list[Finding]:
    by_concept: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    result = store.query(query("checks/two-preflabels-one-language"), default_graph=graph)
    for row in result:
        by_concept[row["concept"].value][_language(row["label"].language)].append(row["label"].value)
    return [Finding(ERROR, "two-preflabels-one-language",
                    f"several prefLabels in language {lang or '(none)'!r}: {' | '.join(sorted(labels))}", [concept])
            for concept, langs in by_concept.items() for lang, labels in langs.items() if len(labels) > 1]


def _check_duplicates(store, graph) -> list[Finding]:
    by_label: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in store.query(query("checks/duplicate-preflabel"), default_graph=graph):
        label, concept = row["label"], row["concept"]
        if any(True for _ in store.quads(concept, _TYPE, _CONCEPT, graph)):
            by_label[(label.value, getattr(label, "language", None) or "")].append(concept.value)
    return [Finding(WARNING, "duplicate-preflabel", f"prefLabel {text!r}@{lang or '-'} is used by several "
                    "concepts (ambiguous: a record cannot say which)", concepts)
            for (text, lang), concepts in by_label.items() if len(concepts) > 1]


def _check_dangling(store, graph) -> list[Finding]:
    findings = []
    for row in store.query(query("checks/dangling"), default_graph=graph):
        target = row["object"]
        for quad in store.quads(None, None, target, graph):
            prop = quad.predicate.value
            if not prop.startswith(SKOS) or prop in _MAPPINGS:
                continue
            severity = INFO if prop in _SOFT_DANGLING else WARNING
            findings.append(Finding(severity, "dangling", f"{prop.rsplit('#', 1)[-1]} points to {target.value}, "
                                    "which this vocabulary does not describe", [quad.subject.value, target.value]))
    return findings


def _no_preflabel(store, graph) -> list[Finding]:
    # A deprecated concept may keep only owl:deprecated and dct:isReplacedBy: worth knowing, not a fault.
    return [Finding(INFO, "no-preflabel", "deprecated concept without skos:prefLabel", [row["concept"]])
            if row["deprecated"] == "true" else
            Finding(WARNING, "no-preflabel", "concept without skos:prefLabel", [row["concept"]])
            for row in _select(store, "no-preflabel", graph)]


def _simple(check: str, severity: str, describe):
    def run(store, graph) -> list[Finding]:
        return [Finding(severity, check, *describe(row)) for row in _select(store, check, graph)]
    return run


_CHECKS = (
    _no_preflabel,
    _simple("concept-and-collection", ERROR, lambda r: (
        "typed both skos:Concept and skos:Collection (disjoint classes in SKOS)", [r["concept"]])),
    _check_preflabels,
    _check_duplicates,
    _simple("label-clash", ERROR, lambda r: (
        f"{r['label']!r} is both {r['kind1'].rsplit('#', 1)[-1]} and {r['kind2'].rsplit('#', 1)[-1]}",
        [r["concept"]])),
    _simple("related-broader-clash", ERROR, lambda r: (
        "related to a concept of its own hierarchy", [r["concept"], r["other"]])),
    _check_dangling,
    _simple("orphans", WARNING, lambda r: ("neither a top concept nor below another concept", [r["concept"]])),
)
# pyoxigraph releases the GIL while it evaluates a query: the checks run side by side.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="checks")


def run_checks(store: VocabStore, graph: ox.NamedNode, vocabulary: str, full: bool = False) -> CheckReport:
    """The load's checks; `full` adds the report-only ones (label hygiene, documentation: label_checks)."""
    report = CheckReport(vocabulary)
    if store.shared:
        store = store.local_copy(graph)
    futures = [_POOL.submit(check, store, graph) for check in _CHECKS]
    if full:
        from vocabserver.changes.label_checks import report_only_findings  # imports this module: loaded on first use
        futures.append(_POOL.submit(report_only_findings, store, graph))
    edges = broader_edges(store, graph)
    for future in futures:
        report.findings.extend(future.result())
    for cycle in find_cycles(edges):
        report.findings.append(Finding(ERROR, "broader-cycle", "broader links form a cycle", cycle))
    report.depth = max_depth(edges)  # 0 when there is no hierarchy at all
    return report
