"""A deterministic Turtle writer for the committed vocabularies.

rdflib's serializer is slow on 30,000 concepts and cannot write IRIs relative
to a base we choose at load time. This one sorts everything, so rebuilding
from the same lexicons gives byte-identical files (reviewable diffs).
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import IO

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from vocabserver.rdf.namespaces import BUILD_PREFIXES, SKOS_PREFIXES

PREFIXES = BUILD_PREFIXES
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TYPE_ORDER = {
    "http://www.w3.org/2004/02/skos/core#ConceptScheme": 0,
    "http://www.w3.org/2004/02/skos/core#Collection": 1,
    "http://www.w3.org/2004/02/skos/core#Concept": 2,
}


def _iri(value: str, base: str) -> str:
    if value.startswith(base):
        return f"<{value[len(base):]}>"
    for prefix, ns in PREFIXES.items():
        if value.startswith(ns) and _LOCAL.match(value[len(ns):]):
            return f"{prefix}:{value[len(ns):]}"
    return f"<{value}>"


def _term(node, base: str) -> str:
    if isinstance(node, URIRef):
        return _iri(str(node), base)
    if isinstance(node, BNode):
        return f"_:{node}"
    assert isinstance(node, Literal)
    text = "".join(_ESCAPES.get(c, c) for c in str(node))
    if node.language:
        return f'"{text}"@{node.language}'
    if node.datatype and str(node.datatype) != PREFIXES["xsd"] + "string":
        return f'"{text}"^^{_iri(str(node.datatype), base)}'
    return f'"{text}"'


def _sort_key(node) -> tuple:
    if isinstance(node, Literal):
        return (1, node.language or "", str(node.datatype or ""), str(node))
    return (0, "", "", str(node))


def write_turtle(graph: Graph, out: IO[str], base: str, header: str = "") -> int:
    """Write the graph; IRIs under `base` come out relative. Returns the triple count."""
    by_subject: dict = defaultdict(lambda: defaultdict(list))
    count = 0
    for s, p, o in graph:
        by_subject[s][p].append(o)
        count += 1
    for line in header.splitlines():
        out.write(f"# {line}\n".replace("# \n", "#\n"))
    used = {str(node) for s, p, o in graph for node in (p, o, getattr(o, "datatype", None)) if node is not None}
    for prefix, ns in PREFIXES.items():
        # The SKOS ones always (stable headers); the others only where a file uses them.
        if prefix in SKOS_PREFIXES or any(u.startswith(ns) for u in used):
            out.write(f"@prefix {prefix}: <{ns}> .\n")

    def subject_order(s):
        types = by_subject[s].get(RDF.type, [])
        rank = min((_TYPE_ORDER.get(str(t), 3) for t in types), default=3)
        return (rank, str(s))

    for s in sorted(by_subject, key=subject_order):
        preds = by_subject[s]
        out.write(f"\n{_term(s, base)}")
        order = sorted(preds, key=lambda p: (p != RDF.type, _iri(str(p), base)))
        for i, p in enumerate(order):
            objs = " , ".join(_term(o, base) for o in sorted(set(preds[p]), key=_sort_key))
            pred = "a" if p == RDF.type else _iri(str(p), base)
            sep = " ;" if i < len(order) - 1 else " ."
            out.write(f"\n    {pred} {objs}{sep}")
        out.write("\n")
    return count
