"""SPARQL 1.1 Update through the one write path.

An update does not change the store as written: what it would remove and add is learnt first — by its
shadow form (sparql/shadow.py: the templates rewritten to write records into a scratch graph, evaluated on
the live store) or, for the shapes that form does not cover, by running it on a scratch in-memory copy of
the graphs it may touch — and becomes one changeset per graph, which the write path validates, records
and commits in one transaction (changes/writer.py). So an update is validated like any edit, recorded with
its exact triples, revertible, and refused as a whole — changing nothing — when one rule refuses it.

The graphs copied are those the update names (full IRIs, or prefixed names of its PREFIX declarations);
an update that can reach any graph (`GRAPH ?g`, `ALL`, `NAMED`) gets every graph of the store. The server's
own graphs (catalogue, change log) are never copied: an update that writes them is refused by the writer.
LOAD and SERVICE reach the network: refused before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from vocabserver.changes.changeset import ChangeSet
from vocabserver.sparql import operations
from vocabserver.sparql.guard import GuardLimits, GuardRefused, scan
from vocabserver.sparql.shadow import rewrite
from vocabserver.store.scratch import ScratchCopy, shadow_update

_PREFIX = re.compile(r"\bPREFIX\s+([A-Za-z][\w.-]*)?:", re.I)
_DECLARATION = re.compile(r"\s*(PREFIX\s+([A-Za-z][\w.-]*)?:|BASE)", re.I)
_DATA = re.compile(r"\s*(INSERT|DELETE)\s+DATA\s*\{", re.I)
_WIDE = re.compile(r"\bGRAPH\s*[?$]|\bALL\b|\bNAMED\b", re.I)
_NETWORK = re.compile(r"\b(LOAD|SERVICE)\b", re.I)
_WHERE = re.compile(r"\bWHERE\b", re.I)
_OWN_DATASET = re.compile(r"\b(USING|WITH)\b", re.I)


class UpdateRefused(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass
class PlannedUpdate:
    text: str  # with the protocol's using-graph-uri / using-named-graph-uri written in
    graphs: list[ox.NamedNode]  # graphs copied into the scratch store (when the shadow rewrite does not apply)
    # For an update made only of INSERT DATA / DELETE DATA: its operations, read without running anything.
    data: list[tuple[str, str]] | None = None  # (INSERT or DELETE, TriG text)
    skeleton: str = ""  # of `text`: strings, IRIs and comments blanked
    base: str | None = None  # relative IRIs are resolved against it: the endpoint's IRI
    writable: list[ox.NamedNode] | None = None  # what NAMED and ALL mean: every graph clients may write


def plan(text: str, graphs_in_store: list[ox.NamedNode], limits: GuardLimits, using: list[str] = (),
         using_named: list[str] = ()) -> PlannedUpdate:
    try:
        found = scan(text, limits)
    except GuardRefused as exc:
        raise UpdateRefused(str(exc), exc.status) from None
    skeleton = found.skeleton
    network = _NETWORK.search(skeleton)
    if network:
        raise UpdateRefused(f"{network.group(1).upper()} is not allowed: this server does not reach other "
                            "servers (load a file with `vocabserver load`, or send the triples)", 400)
    if using or using_named:
        text = _with_dataset(text, skeleton, using, using_named)
        skeleton = scan(text, GuardLimits(max(limits.max_length, len(text)), limits.max_depth)).skeleton
    else:
        data = _data_operations(text, skeleton)
        if data is not None:
            return PlannedUpdate(text, [], data)
    if _WIDE.search(skeleton) or (_WHERE.search(skeleton) and not _OWN_DATASET.search(skeleton)):
        # Every graph: the update may name any, or reads the default graph, which is their union (as for queries).
        return PlannedUpdate(text, list(graphs_in_store), skeleton=skeleton, writable=list(graphs_in_store))
    prefixes = {}
    for match in _PREFIX.finditer(skeleton):
        iri = re.match(r"\s*<([^>]*)>", text[match.end():])
        if iri:
            prefixes[match.group(1) or ""] = iri.group(1)
    named = []
    for graph in graphs_in_store:
        if f"<{graph.value}>" in text or any(graph.value.startswith(iri) and
                                             re.search(rf"(?<![\w:]){re.escape(p)}:{re.escape(graph.value[len(iri):])}(?![\w.:-])",
                                                       skeleton)
                                             for p, iri in prefixes.items()):
            named.append(graph)
    return PlannedUpdate(text, named, skeleton=skeleton, writable=list(graphs_in_store))


def _data_operations(text: str, skeleton: str) -> list[tuple[str, str]] | None:
    """INSERT DATA / DELETE DATA operations as TriG documents (their prefixes declared), or None when the
    update has any other operation."""
    declarations, operations = [], []
    position, end = 0, len(skeleton)
    while position < end:
        if not skeleton[position:].strip():
            break
        declaration = _DECLARATION.match(skeleton, position)
        if declaration:
            stop = re.match(r"\s*<[^>]*>", text[declaration.end():])
            if stop is None:
                return None
            declarations.append(text[declaration.start():declaration.end() + stop.end()].strip())
            position = declaration.end() + stop.end()
            continue
        data = _DATA.match(skeleton, position)
        if data is None:
            return None
        depth, cursor = 1, data.end()
        while cursor < end and depth:
            depth += {"{": 1, "}": -1}.get(skeleton[cursor], 0)
            cursor += 1
        if depth:
            return None
        operations.append((data.group(1).upper(), "\n".join(declarations) + "\n" + text[data.end():cursor - 1]))
        separator = re.match(r"\s*;?", skeleton[cursor:])
        position = cursor + separator.end()
    return operations or None


def _with_dataset(text: str, skeleton: str, using: list[str], using_named: list[str]) -> str:
    """The protocol's dataset written into each DELETE/INSERT … WHERE as USING clauses (SPARQL 1.1
    Protocol §2.2.3: an error when an operation has its own USING or WITH)."""
    if _OWN_DATASET.search(skeleton):
        raise UpdateRefused("using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH "
                            "in the update (SPARQL 1.1 Protocol)")
    clause = " ".join([f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named]) + " "
    depth, insertions = 0, []
    for position, char in enumerate(skeleton):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0 and char in "wW" and _WHERE.match(skeleton, position) and \
                not re.search(r"\bDELETE\s*$", skeleton[max(0, position - 20):position], re.I):
            insertions.append(position)
    for position in reversed(insertions):
        text = text[:position] + clause + text[position:]
    return text


def changesets(store, planned: PlannedUpdate, actor: str, comment: str, shadow: bool = True) -> list[ChangeSet]:
    """What the update changes, one changeset per graph: read from its data, from its shadow form, or from a
    run on a scratch copy (`shadow` False: always the copy, which tests compare the shadow form with)."""
    if planned.data is not None:
        return _data_changesets(planned.data, actor, comment, planned.base)
    shadowed = shadow and rewrite(planned.text, planned.skeleton, store.base_uri + "ns#", store.readable_graphs(),
                       store.base_uri + "graph/none")
    if shadowed:
        try:
            found = shadowed.read(shadow_update(store, shadowed.text, planned.base))
        except SyntaxError as exc:
            raise UpdateRefused(f"the update does not parse: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise UpdateRefused(f"the update failed: {exc}") from None
        out = []
        for graph, (deleted, inserted) in found.items():
            def present(triple: ox.Triple, g=graph) -> bool:
                return store.contains(ox.Quad(triple.subject, triple.predicate, triple.object, g))

            # DELETE then INSERT: a triple both deleted and inserted is there afterwards. Kept: what changes.
            removed = sorted((t for t in deleted - inserted if present(t)), key=str)
            added = sorted((t for t in inserted if not present(t)), key=str)
            if removed or added:
                out.append(ChangeSet(graph, removed, added, actor, comment, "sparql-update"))
        return out
    if shadow:
        try:
            found = operations.evaluate(store, planned.text, planned.skeleton, planned.base, planned.writable or [],
                                        lambda text, skeleton: _data_quads(text, skeleton, planned.base))
        except operations.OperationRefused as exc:
            raise UpdateRefused(_DEFAULT_GRAPH if str(exc) == "default" else str(exc)) from None
        except SyntaxError as exc:
            raise UpdateRefused(f"the update does not parse: {exc}") from None
        except (OSError, RuntimeError, ValueError) as exc:
            raise UpdateRefused(f"the update failed: {exc}") from None
        if found is not None:
            return [ChangeSet(graph, removed, added, actor, comment, "sparql-update")
                    for graph, (removed, added) in found.items()]
    scratch = ScratchCopy(store, planned.graphs)
    try:
        scratch.update(planned.text, planned.base)
    except SyntaxError as exc:
        raise UpdateRefused(f"the update does not parse: {exc}") from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise UpdateRefused(f"the update failed: {exc}") from None
    if scratch.wrote_default_graph():
        raise UpdateRefused(_DEFAULT_GRAPH)
    out = []
    copied = set(planned.graphs)
    for graph in list(planned.graphs) + [g for g in scratch.named_graphs() if g not in copied]:
        if not isinstance(graph, ox.NamedNode):
            raise UpdateRefused("the update writes into a graph named by a blank node: name it with an IRI")
        # Compared as N-Triples lines (bytes hashed in C): a few hundred ms for AUTR's 167,000 triples.
        before = set(scratch.before[graph].splitlines()) if graph in copied else set()
        after = set(scratch.dump_graph(graph).splitlines())
        removed, added = _parse(before - after), _parse(after - before)
        if removed or added:
            out.append(ChangeSet(graph, removed, added, actor, comment, "sparql-update"))
    return out


_DEFAULT_GRAPH = ("the update writes into the default graph: name the graph (GRAPH <…> { } or WITH <…>); each "
                  "vocabulary lives in its own named graph (see /api/v1/vocabularies)")


def _parse(lines: set[bytes]) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(b"\n".join(sorted(lines)), format=ox.RdfFormat.N_TRIPLES)] if lines else []


def _read_trig(trig: str, base: str | None) -> list[ox.Quad]:
    """The quads of one INSERT DATA / DELETE DATA block (UpdateRefused when it does not parse or writes the
    default graph)."""
    try:
        quads = list(ox.parse(trig.encode("utf-8"), format=ox.RdfFormat.TRIG, base_iri=base))
    except SyntaxError as exc:
        try:  # SPARQL lets the last triple of a block go without its dot; TriG outside GRAPH does not
            quads = list(ox.parse((trig + "\n.").encode("utf-8"), format=ox.RdfFormat.TRIG, base_iri=base))
        except SyntaxError:
            raise UpdateRefused(f"the update does not parse: {exc}") from None
    if any(isinstance(quad.graph_name, ox.DefaultGraph) for quad in quads):
        raise UpdateRefused(_DEFAULT_GRAPH)
    return quads


def _data_quads(text: str, skeleton: str, base: str | None):
    """[(INSERT or DELETE, {graph: triples})] of an update made of data operations, or None."""
    found = _data_operations(text, skeleton)
    if found is None:
        return None
    out = []
    for kind, trig in found:
        graphs: dict[ox.NamedNode, list] = {}
        for quad in _read_trig(trig, base):
            graphs.setdefault(quad.graph_name, []).append(quad.triple)
        out.append((kind, graphs))
    return out


def _data_changesets(operations: list[tuple[str, str]], actor: str, comment: str,
                     base: str | None = None) -> list[ChangeSet]:
    """INSERT DATA / DELETE DATA in order: each triple's last word wins (the writer drops what changes
    nothing)."""
    final: dict[ox.NamedNode, dict[ox.Triple, bool]] = {}
    for kind, trig in operations:
        for quad in _read_trig(trig, base):
            final.setdefault(quad.graph_name, {})[quad.triple] = kind == "INSERT"
    return [ChangeSet(graph, [t for t, present in states.items() if not present],
                      [t for t, present in states.items() if present], actor, comment, "sparql-update")
            for graph, states in final.items()]


def run_update(writer, text: str, actor: str, comment: str, limits: GuardLimits, using: list[str] = (),
               using_named: list[str] = (), may_write=None):
    """Plan, run on a scratch copy, check who may write each graph changed (`may_write(vocabulary or None)`
    raises), and commit through the write path — under the write lock, so the copy is the state written over."""
    store = writer.store
    with writer.exclusive():
        graphs = [g for g in store.live_graphs() if g != store.catalogue.graph]
        graphs += [g for g in store.other_graphs() if g not in graphs]
        planned = plan(text, graphs, limits, using, using_named)
        planned.base = store.base_uri + "sparql"  # the endpoint's IRI, as for queries (sparql/service.py)
        changed = changesets(store, planned, actor, comment)
        if may_write is not None:
            for changeset in changed:
                may_write(store.live_graphs().get(changeset.graph))
        return writer.apply_many(changed)
