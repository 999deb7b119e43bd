"""A SPARQL update rewritten so that it changes nothing but says what it would change.

`DELETE {D} INSERT {I} WHERE {W}` becomes `INSERT { GRAPH <shadow> { records of D and I } } WHERE {W}`: for
each solution of W, each template triple is written as a small record (kind, subject, predicate, object,
graph) into a fresh shadow graph, by Oxigraph, on the live store. The records give the triples the update
would delete and insert, per graph, which become the changesets the write path validates and commits. The
cost is the update's own evaluation — not a copy of the graphs it may touch (0.4 s for DENO, 2.7 s for AUTR).

Covered: one DELETE/INSERT … WHERE operation (with WITH, USING, USING NAMED) or DELETE WHERE, without blank
nodes in the templates. Anything else (several operations, DROP, CLEAR, COPY, MOVE, ADD, CREATE) returns
None: the caller runs it on a scratch copy instead. Templates are read with rdflib's SPARQL parser; the
WHERE clause is kept as the client wrote it, so Oxigraph evaluates exactly what was sent.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable

_KEYWORD = re.compile(r"\b(WITH|DELETE|INSERT|USING|WHERE)\b", re.I)
_OPERATION = re.compile(r"\b(LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b", re.I)


def _top_level(skeleton: str):
    """(position, keyword) of the keywords outside braces."""
    depth = 0
    found = []
    for position, char in enumerate(skeleton):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char.isalpha() and (position == 0 or not skeleton[position - 1].isalnum()):
            match = _KEYWORD.match(skeleton, position)
            if match:
                found.append((position, match.group(1).upper()))
    return found


def _operations(skeleton: str) -> int:
    depth, count, pending = 0, 0, False
    for char in skeleton:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if depth == 0 and char == ";":
            count += pending
            pending = False
        elif not char.isspace():
            pending = True
    return count + pending


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _n3(term) -> str | None:
    """The term as SPARQL text, or None when it is not covered: a blank node, or a typed literal, whose
    lexical form rdflib may have normalised ("01"^^xsd:integer read as 1) — the scratch copy keeps it as sent."""
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) != _XSD_STRING:
        return None
    if isinstance(term, (URIRef, Literal, Variable)):
        return term.n3()
    return None


def _part(component, key: str):
    """A part of an rdflib algebra node, or None (its `get` answers the key itself when the part is absent)."""
    return component[key] if key in component else None


class Rewrite:
    """The shadow form of one update, and how to read its records back."""

    def __init__(self, templates: list[tuple[str, object, tuple]], prologue: str, head: str, rest: str, ns: str):
        self.templates, self.prologue, self.head, self.rest, self.ns = templates, prologue, head, rest, ns

    def text(self, shadow: ox.NamedNode) -> str:
        ns = self.ns
        records = []
        for number, (kind, graph, (s, p, o)) in enumerate(self.templates):
            records.append(f'_:t{number} <{ns}shadowKind> "{kind}" ; <{ns}shadowS> {_n3(s)} ; '
                           f"<{ns}shadowP> {_n3(p)} ; <{ns}shadowO> {_n3(o)} ; <{ns}shadowG> {_n3(graph)} .")
        return (f"{self.prologue}\n{self.head} INSERT {{ GRAPH {shadow} {{\n" + "\n".join(records) +
                f"\n}} }}\n{self.rest}")

    def read(self, triples: list[ox.Triple]) -> dict[ox.NamedNode, tuple[set, set]]:
        """graph -> (triples deleted, triples inserted), from the shadow graph's records."""
        records: dict = {}
        for triple in triples:
            records.setdefault(triple.subject, {})[triple.predicate.value[len(self.ns) + len("shadow"):]] = \
                triple.object
        out: dict[ox.NamedNode, tuple[set, set]] = {}
        for record in records.values():
            s, p, o, graph, kind = (record.get(k) for k in ("S", "P", "O", "G", "Kind"))
            # A template triple with an unbound variable, or a literal where a subject goes, is skipped (SPARQL).
            if None in (s, p, o, graph, kind) or not isinstance(p, ox.NamedNode) or \
                    not isinstance(graph, ox.NamedNode) or isinstance(s, ox.Literal):
                continue
            deleted, inserted = out.setdefault(graph, (set(), set()))
            (deleted if kind.value == "d" else inserted).add(ox.Triple(s, p, o))
        return out


def rewrite(text: str, skeleton: str, ns: str, readable: list[ox.NamedNode], empty: str) -> Rewrite | None:
    """The update's shadow form, or None when its shape is not covered. `readable`: the graphs a WHERE may
    read when the update names no dataset of its own; `empty`: a graph that never exists (an empty default)."""
    if _operations(skeleton) != 1 or _OPERATION.search(skeleton):
        return None
    from rdflib.plugins.sparql.algebra import translateUpdate
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        algebra = translateUpdate(parseUpdate(text)).algebra
    except Exception:  # noqa: BLE001 - rdflib's parser errors vary: Oxigraph will say what is wrong
        return None
    if len(algebra) != 1 or algebra[0].name not in ("Modify", "DeleteWhere"):
        return None
    operation = algebra[0]
    keywords = _top_level(skeleton)
    if not keywords:
        return None
    with_graph = _part(operation, "withClause") if operation.name == "Modify" else None
    templates = []
    clauses = [("d", _part(operation, "delete")), ("i", _part(operation, "insert"))] if operation.name == "Modify" \
        else [("d", operation)]
    for kind, clause in clauses:
        if clause is None:
            continue
        for triple in _part(clause, "triples") or []:
            if with_graph is None:
                return None  # the default graph: the scratch path says why it is refused
            templates.append((kind, with_graph, triple))
        for graph, triples in (_part(clause, "quads") or {}).items():
            templates += [(kind, graph, triple) for triple in triples]
    if not templates or any(isinstance(t, BNode) or _n3(t) is None for _k, g, triple in templates
                            for t in (g, *triple)):
        return None
    prologue = text[:keywords[0][0]]
    if operation.name == "DeleteWhere":
        # DELETE WHERE { P }: the pattern is its own WHERE.
        body = text[keywords[0][0]:]
        where = re.match(r"\s*DELETE\s+WHERE", skeleton[keywords[0][0]:], re.I)
        if where is None:
            return None
        rest, head, own_dataset = "WHERE " + body[where.end():], "", False
    else:
        start = next((p for p, k in keywords if k in ("USING", "WHERE")), None)
        if start is None:
            return None
        rest = text[start:]
        head = f"WITH {with_graph.n3()}" if with_graph is not None else ""
        own_dataset = any(k == "USING" for _p, k in keywords)
    if not own_dataset:
        # The dataset of queries: the readable graphs as named graphs, and as the default graph their union (or
        # WITH's graph) — never a load in progress or a shadow graph.
        default = f"USING {with_graph.n3()}" if with_graph is not None else \
            " ".join(f"USING {g}" for g in readable) or f"USING <{empty}>"
        rest = default + " " + " ".join(f"USING NAMED {g}" for g in readable) + " " + rest
    return Rewrite(templates, prologue, head, rest, ns)
