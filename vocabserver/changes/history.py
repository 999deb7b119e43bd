"""The change log, kept in the store itself as RDF (the ChangeSet vocabulary), in the graph
`<base>graph/history`: queryable through SPARQL, exported with a full backup, written in the same
transaction as the change it records.

    <base>changes/12> a cs:ChangeSet ; vs:number 12 ; cs:createdDate "…"^^xsd:dateTime ;
        cs:creatorName "marie" ; cs:changeReason "typo" ; vs:kind "edit" ; vs:vocabulary "deno" ;
        vs:graph <base>graph/deno> ; vs:added 1 ; vs:removed 1 ; cs:subjectOfChange <concept> ;
        vs:removedTriple <<( <concept> skos:altLabel "…"@fr )>> ;
        vs:addedTriple <<( <concept> skos:altLabel "……"@fr )>> .

Each triple a change removed or added is one quad whose object is an RDF 1.2 triple term: one quad per
triple whatever the size of the change (dropping AUTR: 167,000 quads), read back with one pattern, queryable
(`SUBJECT(?t)`…), and never a line longer than a triple. Stores written by earlier versions (reified
`cs:removal`/`cs:addition` statements, or one N-Triples literal `vs:removedData`/`vs:addedData` for large
changes) are migrated when the store is opened for writing (`migrate`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from vocabserver.changes.changeset import ChangeSet, ntriples, parse_triples
from vocabserver.store.queries import render

CS = "http://purl.org/vocab/changeset/schema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@dataclass
class Change:
    """A recorded change, as the log and its readers show it."""
    number: int
    uri: str
    time: str
    actor: str
    comment: str
    kind: str
    vocabulary: str
    graph: str
    added_count: int
    removed_count: int
    reverts: int | None = None
    subjects: list[str] = field(default_factory=list)
    added: list[ox.Triple] | None = None  # read on demand (`History.with_triples`)
    removed: list[ox.Triple] | None = None
    not_kept: str = ""  # a load whose triples were not kept: why (it cannot be reverted)

    def as_dict(self, with_triples: bool = False) -> dict:
        out = {"id": self.number, "uri": self.uri, "time": self.time, "actor": self.actor, "comment": self.comment,
               "kind": self.kind, "vocabulary": self.vocabulary, "graph": self.graph,
               "added": self.added_count, "removed": self.removed_count}
        if self.reverts is not None:
            out["reverts"] = self.reverts
        if self.subjects:
            out["subjects"] = self.subjects
        if self.not_kept:
            out["revertible"] = False
            out["notRevertible"] = self.not_kept
        if with_triples and self.added is not None:
            out["added"] = ntriples(self.added).splitlines()
            out["removed"] = ntriples(self.removed or []).splitlines()
            out["addedCount"], out["removedCount"] = self.added_count, self.removed_count
        return out


class History:
    def __init__(self, store):
        self.store = store
        self.base = store.base_uri
        self.ns = store.base_uri + "ns#"
        self.graph = store.history_graph
        self._last: int | None = None

    # -- writing (inside the writer's lock) ------------------------------------------------------
    def next_number(self) -> int:
        if self._last is None:
            rows = list(self._select("last-number"))
            value = rows[0]["last"] if rows else None
            self._last = int(value.value) if value is not None else 0
        return self._last + 1

    def committed(self, number: int) -> None:
        self._last = number

    def forget_last(self) -> None:
        self._last = None

    def uri(self, number: int) -> str:
        return f"{self.base}changes/{number}"

    def record(self, number: int, changeset: ChangeSet, vocabulary: str, time: ox.Literal,
               not_kept: str = "", counts: tuple[int, int] | None = None) -> list[ox.Triple]:
        """The triples that record `changeset` as change `number` (a load whose triples are not kept says why,
        and records neither its triples nor its subjects)."""
        change = _n(self.uri(number))
        vs = self.ns
        added, removed = counts or (len(changeset.added), len(changeset.removed))
        out = [ox.Triple(change, _n(RDF + "type"), _n(CS + "ChangeSet")),
               ox.Triple(change, _n(vs + "number"), ox.Literal(str(number), datatype=_n(XSD + "integer"))),
               ox.Triple(change, _n(CS + "createdDate"), time),
               ox.Triple(change, _n(CS + "creatorName"), ox.Literal(changeset.actor)),
               ox.Triple(change, _n(vs + "kind"), ox.Literal(changeset.kind)),
               ox.Triple(change, _n(vs + "vocabulary"), ox.Literal(vocabulary)),
               ox.Triple(change, _n(vs + "graph"), changeset.graph),
               ox.Triple(change, _n(vs + "added"), ox.Literal(str(added), datatype=_n(XSD + "integer"))),
               ox.Triple(change, _n(vs + "removed"), ox.Literal(str(removed), datatype=_n(XSD + "integer")))]
        if changeset.comment:
            out.append(ox.Triple(change, _n(CS + "changeReason"), ox.Literal(changeset.comment)))
        if changeset.reverts is not None:
            out.append(ox.Triple(change, _n(vs + "reverts"), _n(self.uri(changeset.reverts))))
        if not_kept:
            out.append(ox.Triple(change, _n(vs + "triplesNotKept"), ox.Literal(not_kept)))
            return out
        if changeset.kind != "load":  # a load's subjects are a whole vocabulary: its revert checks loads.rq
            for subject in changeset.subjects():
                out.append(ox.Triple(change, _n(CS + "subjectOfChange"), _n(subject)))
        removed, added = _n(vs + "removedTriple"), _n(vs + "addedTriple")
        # A store without RDF 1.2 triple terms (Virtuoso 7) gets each triple as one N-Triples literal instead.
        term = (lambda t: t) if self.store.triple_terms else (lambda t: ox.Literal(ntriples([t]).strip()))
        out += [ox.Triple(change, removed, term(triple)) for triple in changeset.removed]
        out += [ox.Triple(change, added, term(triple)) for triple in changeset.added]
        return out

    def migrate(self) -> int:
        """Rewrite the triples of changes recorded by earlier versions as triple terms (reified statements and
        N-Triples literals, see the module's docstring), one transaction per change; the number migrated.
        Runs where the store is writable, before anything reads the log."""
        if not self.store.has_graph(self.graph):
            return 0
        old = [_n(self.ns + "removedData"), _n(self.ns + "addedData"), _n(CS + "removal"), _n(CS + "addition")]
        changes = sorted({q.subject for p in old for q in self.store.quads(None, p, None, self.graph)},
                         key=lambda c: c.value)
        for change in changes:
            removed, added = self._legacy_triples(change)
            statements = [q.object for p in old[2:] for q in self.store.quads(change, p, None, self.graph)]
            gone = [q.triple for p in old for q in self.store.quads(change, p, None, self.graph)]
            gone += [q.triple for statement in statements for q in self.store.quads(statement, None, None, self.graph)]
            new = [ox.Triple(change, _n(self.ns + "removedTriple"), t) for t in removed] + \
                  [ox.Triple(change, _n(self.ns + "addedTriple"), t) for t in added]
            self.store.apply_update(render("store/migrate-change", history=self.graph, old=ntriples(gone),
                                           new=ntriples(new)))
        return len(changes)

    def _legacy_triples(self, change: ox.NamedNode) -> tuple[list[ox.Triple], list[ox.Triple]]:
        removed: list[ox.Triple] = []
        added: list[ox.Triple] = []
        for name, target in (("removedData", removed), ("addedData", added)):
            for quad in self.store.quads(change, _n(self.ns + name), None, self.graph):
                target.extend(parse_triples(quad.object.value))
        for kind, target in (("removal", removed), ("addition", added)):
            for quad in self.store.quads(change, _n(CS + kind), None, self.graph):
                parts = {q.predicate.value: q.object for q in self.store.quads(quad.object, None, None, self.graph)}
                if all(RDF + k in parts for k in ("subject", "predicate", "object")):
                    target.append(ox.Triple(parts[RDF + "subject"], parts[RDF + "predicate"], parts[RDF + "object"]))
        return removed, added

    # -- reading ---------------------------------------------------------------------------------
    def _select(self, name: str, **bindings):
        substitutions = {ox.Variable(k): v for k, v in bindings.items() if v is not None}
        if not self.store.has_graph(self.graph):
            return iter(())
        return self.store.query(render(f"history/{name}", ns=self.ns), default_graph=self.graph,
                                substitutions=substitutions)

    def numbers(self, vocabulary: str | None = None, subject: str | None = None) -> list[int]:
        """Numbers of the changes, newest first, of one vocabulary and/or about one resource."""
        bindings = {"vocabulary": ox.Literal(vocabulary) if vocabulary else None}
        if subject:
            rows = self._select("changes-about", subject=_n(subject), **bindings)
        else:
            rows = self._select("changes", **bindings)
        return [int(row["number"].value) for row in rows]

    def get(self, number: int, with_triples: bool = False) -> Change | None:
        change = _n(self.uri(number))
        rows = list(self._select("change", change=change))
        if not rows:
            return None
        row = rows[0]
        reverts = row["reverts"]
        found = Change(number, change.value, row["time"].value, row["actor"].value,
                       row["comment"].value if row["comment"] is not None else "", row["kind"].value,
                       row["vocabulary"].value, row["graph"].value, int(row["added"].value),
                       int(row["removed"].value),
                       int(reverts.value.rsplit("/", 1)[1]) if reverts is not None else None,
                       not_kept=row["unkept"].value if row["unkept"] is not None else "")
        found.subjects = sorted({q.object.value for q in self.store.quads(change, _n(CS + "subjectOfChange"), None,
                                                                          self.graph)})
        if with_triples:
            found.removed, found.added = self.triples(number)
        return found

    def triples(self, number: int) -> tuple[list[ox.Triple], list[ox.Triple]]:
        """(removed, added) of a change, exactly as they were written."""
        change = _n(self.uri(number))
        return tuple([t for q in self.store.quads(change, _n(self.ns + name), None, self.graph) for t in (
            parse_triples(q.object.value) if isinstance(q.object, ox.Literal) else [q.object])]
            for name in ("removedTriple", "addedTriple"))

    def later_touching(self, number: int, graph: str, triples: set[ox.Triple], subjects: list[str]) -> list[int]:
        """Changes after `number`, in the same graph, that removed or added one of `triples`."""
        later = set()
        for subject in subjects:
            later.update(n for n in self.numbers(subject=subject) if n > number)
        conflicting = []
        # A load records no subjects: a later load of the graph conflicts when it moved one of the triples, or
        # when its triples were not kept (it may have).
        for row in self._select("loads", graph=_n(graph)):
            other = int(row["number"].value)
            if other > number and (row["unkept"] is not None or triples & set(sum(self.triples(other), []))):
                conflicting.append(other)
        for other in sorted(later):
            change = self.get(other)
            if change is None or change.graph != graph:
                continue
            removed, added = self.triples(other)
            if triples & (set(removed) | set(added)) and other not in conflicting:
                conflicting.append(other)
        return sorted(conflicting)
