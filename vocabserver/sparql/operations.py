"""An update of several operations (or a graph management operation: CLEAR, DROP, COPY, MOVE, ADD, CREATE),
evaluated one operation after the other on a writable checkpoint of the store, without copying any graph.

SPARQL 1.1 Update runs the operations of a request in order, each seeing what the previous ones did. Each
operation here is read into what it deletes and inserts in which graph — INSERT DATA / DELETE DATA from their
data, DELETE/INSERT … WHERE (with WITH, USING, USING NAMED) by their shadow form (sparql/shadow.py) evaluated
on the workspace, CLEAR/DROP/COPY/MOVE/ADD from the graphs they name — and applied to the workspace, so that
the next operation reads the state the previous one left; the net difference with the store, per graph, becomes
the changesets the write path validates and commits in one transaction. The store itself is not touched.

Shapes not covered (a prefixed graph name in CLEAR/DROP/COPY…, templates with blank nodes or typed literals)
return None: the caller runs the update on a scratch copy of the graphs it names instead.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pyoxigraph as ox

from vocabserver.sparql.guard import GuardLimits, scan
from vocabserver.sparql.shadow import rewrite
from vocabserver.store.scratch import Workspace, shadow_records

_DECLARATION = re.compile(r"\s*(PREFIX\s+([A-Za-z][\w.-]*)?:|BASE)", re.I)
_DATA = re.compile(r"\s*(INSERT|DELETE)\s+DATA\s*\{", re.I)
_CLEAR = re.compile(r"\s*(CLEAR|DROP)\s+(SILENT\s+)?(?:GRAPH\s*<\s*>|(DEFAULT)|(NAMED)|(ALL))\s*$", re.I)
_CREATE = re.compile(r"\s*CREATE\s+(SILENT\s+)?GRAPH\s*<\s*>\s*$", re.I)
_TRANSFER = re.compile(r"\s*(ADD|MOVE|COPY)\s+(SILENT\s+)?(?:(?:GRAPH\s*)?(<\s*>)|(DEFAULT))\s+TO\s+"
                       r"(?:(?:GRAPH\s*)?(<\s*>)|(DEFAULT))\s*$", re.I)
_IRI = re.compile(r"<([^>]*)>")
_LIMITS = GuardLimits(1 << 30, 1 << 20)


class OperationRefused(ValueError):
    """An operation that cannot run (a missing graph without SILENT, a write into the default graph)."""


DEFAULT_READ_ONLY = ("the default graph of this endpoint is the union of the vocabularies, as for queries: "
                     "updates may read it (WHERE) but not write, clear, copy or move it — name the graph "
                     "(GRAPH <…>) to copy or clear, e.g. COPY <{base}graph/deno> TO <…>")


def _split(text: str, skeleton: str) -> list[tuple[int, int]]:
    """(start, end) of each operation: the text between top-level semicolons."""
    spans, depth, start = [], 0, 0
    for position, char in enumerate(skeleton):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == ";" and depth == 0:
            spans.append((start, position))
            start = position + 1
    spans.append((start, len(skeleton)))
    return [(a, b) for a, b in spans if skeleton[a:b].strip()]


class _Net:
    """The difference between the workspace and the store, per graph, kept as the operations apply."""

    def __init__(self, workspace: ox.Store):
        self.store = workspace
        self.removed: dict[ox.NamedNode, set] = {}
        self.added: dict[ox.NamedNode, set] = {}

    def apply(self, graph: ox.NamedNode, deleted, inserted) -> None:
        """DELETE then INSERT in `graph`, as SPARQL does: a triple both deleted and inserted stays."""
        if not isinstance(graph, ox.NamedNode):
            raise OperationRefused("default")
        removed, added = self.removed.setdefault(graph, set()), self.added.setdefault(graph, set())
        inserted = set(inserted)
        for triple in deleted:
            quad = ox.Quad(triple.subject, triple.predicate, triple.object, graph)
            if triple not in inserted and quad in self.store:
                self.store.remove(quad)
                if triple in added:
                    added.discard(triple)
                else:
                    removed.add(triple)
        new = []
        for triple in inserted:
            quad = ox.Quad(triple.subject, triple.predicate, triple.object, graph)
            if quad not in self.store:
                new.append(quad)
                if triple in removed:
                    removed.discard(triple)
                else:
                    added.add(triple)
        self.store.extend(new)

    def clear(self, graph: ox.NamedNode) -> None:
        """Every triple of `graph` removed (one call to the workspace, not one per triple)."""
        removed, added = self.removed.setdefault(graph, set()), self.added.setdefault(graph, set())
        for triple in self.triples(graph):
            if triple in added:
                added.discard(triple)
            else:
                removed.add(triple)
        self.store.clear_graph(graph)

    def triples(self, graph) -> list[ox.Triple]:
        if not isinstance(graph, ox.NamedNode):
            return []  # the default graph: never written, so empty
        return [q.triple for q in self.store.quads_for_pattern(None, None, None, graph)]

    def exists(self, graph) -> bool:
        return not isinstance(graph, ox.NamedNode) or self.store.contains_named_graph(graph)


def evaluate(store, text: str, skeleton: str, base: str | None, writable: list[ox.NamedNode],
             data_operations) -> dict[ox.NamedNode, tuple[list, list]] | None:
    """graph -> (triples removed, triples added) by the whole update, or None when a shape is not covered.
    `writable`: the graphs `NAMED` and `ALL` mean (the vocabularies and graphs written by clients; never the
    catalogue or the log); `data_operations(text, skeleton)`: the INSERT/DELETE DATA reader of update.py."""
    if store.path is None:
        return None
    spans = _split(text, skeleton)
    # The skeleton blanks IRIs whole; graph management operations are read with their IRIs marked `<   >`.
    marked = list(skeleton)
    for match in _IRI.finditer(text):
        if not skeleton[match.start():match.end()].strip():
            marked[match.start()], marked[match.end() - 1] = "<", ">"
    marked = "".join(marked)
    workspace = Workspace(store)
    try:
        net = _Net(workspace.store)
        prologue = ""
        for start, end in spans:
            # Declarations stand before the operation they open, and hold for the rest of the request.
            position = start
            while (declaration := _DECLARATION.match(skeleton, position)) and declaration.end() <= end:
                iri = re.match(r"\s*<[^>]*>", text[declaration.end():end])
                if iri is None:
                    return None
                prologue += text[position:declaration.end() + iri.end()] + "\n"
                position = declaration.end() + iri.end()
            if not _one(net, workspace, prologue, text[position:end], marked[position:end], base, writable,
                        data_operations):
                return None
        return {graph: (sorted(net.removed[graph], key=str), sorted(net.added[graph], key=str))
                for graph in net.removed if net.removed[graph] or net.added[graph]}
    finally:
        workspace.close()


def _named(iri: str, base: str | None) -> ox.NamedNode:
    return ox.NamedNode(urljoin(base, iri) if base else iri)


def _one(net: _Net, workspace: Workspace, prologue: str, text: str, skeleton: str, base, writable,
         data_operations) -> bool:
    """Apply one operation to the workspace (`skeleton`: with its IRIs marked); False when its shape is not
    covered."""
    iris = [_named(m.group(1), base) for m in _IRI.finditer(text) if skeleton[m.start()] == "<"]
    whole = prologue + text
    if _DATA.match(skeleton):
        operations = data_operations(whole, scan(whole, _LIMITS).skeleton)
        if operations is None:
            return False
        for kind, quads in operations:
            for graph, triples in quads.items():
                net.apply(graph, triples if kind == "DELETE" else (), triples if kind == "INSERT" else ())
        return True
    clear = _CLEAR.match(skeleton)
    if clear:
        silent = bool(clear.group(2))
        if clear.group(3):  # DEFAULT: the union of the vocabularies, read-only
            raise OperationRefused(DEFAULT_READ_ONLY.format(base=workspace.base_uri))
        # NAMED and ALL: the graphs clients may write, and those this request created.
        graphs = list(dict.fromkeys(writable + list(net.added))) if (clear.group(4) or clear.group(5)) else iris[:1]
        for graph in graphs:
            if not net.exists(graph):
                if silent or clear.group(4) or clear.group(5):
                    continue
                raise OperationRefused(f"the graph <{graph.value}> does not exist (add SILENT to ignore it)")
            net.clear(graph)
        return True
    if _CREATE.match(skeleton):
        return True  # an empty graph: nothing to record (a graph exists here once it holds a triple)
    transfer = _TRANSFER.match(skeleton)
    if transfer:
        kind, silent = transfer.group(1).upper(), bool(transfer.group(2))
        if transfer.group(4) or transfer.group(6):
            # Copying the union into a vocabulary, or anything into the union: never what was meant (an empty
            # default graph silently emptied the target before).
            raise OperationRefused(DEFAULT_READ_ONLY.format(base=workspace.base_uri))
        names = iter(iris)
        source, target = next(names), next(names)
        if not net.exists(source):
            if silent:
                return True
            raise OperationRefused(f"the graph <{source.value}> does not exist (add SILENT to ignore it)")
        if source == target:
            return True
        content = net.triples(source)
        kept = set(content)
        deleted = [t for t in net.triples(target) if t not in kept] if kind in ("COPY", "MOVE") else []
        net.apply(target, deleted, content)
        if kind == "MOVE":
            net.clear(source)
        return True
    # DELETE/INSERT … WHERE: its shadow form, evaluated on the workspace.
    shadowed = rewrite(whole, scan(whole, _LIMITS).skeleton, workspace.base_uri + "ns#",
                       _readable(net, workspace.base_uri), workspace.base_uri + "graph/none")
    if shadowed is None:
        return False
    found = shadowed.read(shadow_records(workspace.store, workspace.base_uri, shadowed.text, base))
    for graph, (deleted, inserted) in found.items():
        net.apply(graph, deleted, inserted)
    return True


def _client_graphs(net: _Net) -> list[ox.NamedNode]:
    return [g for g in net.store.named_graphs() if isinstance(g, ox.NamedNode)]


def _readable(net: _Net, base_uri: str) -> list[ox.NamedNode]:
    """The graphs a WHERE reads when the update names no dataset: all but the server's scratch graphs."""
    prefix = base_uri + "graph/"
    return [g for g in _client_graphs(net) if not g.value.startswith(prefix + "shadow/")
            and not g.value.endswith("/staging")]
