"""A changeset: what one write does to one graph — triples removed and added, by whom, why, against which
version — and the errors a write answers with.

Every write goes through `changes.writer.Writer.apply` with one of these: edits, SPARQL updates, Graph Store
writes, reverts. A changeset is reduced before it is validated: removing a triple that is not there or adding
one that is already there is no change, so the history keeps only what really happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox


class WriteError(Exception):
    """A write that changes nothing, with the HTTP status that says why (the CLI exits 1 or 2)."""
    status = 400

    def as_dict(self) -> dict:
        return {"error": type(self).__name__, "status": self.status, "message": str(self)}


class Refused(WriteError):
    """The would-be state breaks the vocabulary's policy: names each rule and the resources concerned."""
    status = 422

    def __init__(self, vocabulary: str, findings: list):
        self.vocabulary, self.findings = vocabulary, findings
        rules = "; ".join(f"{f.check}: {f.message} ({', '.join(f.resources[:6])})" for f in findings[:10])
        super().__init__(f"refused by the strict policy of {vocabulary!r}: {rules}")

    def as_dict(self) -> dict:
        return super().as_dict() | {"vocabulary": self.vocabulary, "findings": [f.as_dict() for f in self.findings]}


class Conflict(WriteError):
    """A revert whose triples a later change touched: reverting would undo that change too."""
    status = 409

    def __init__(self, message: str, later: list[int]):
        self.later = later
        super().__init__(message)

    def as_dict(self) -> dict:
        return super().as_dict() | {"later": self.later}


class Blocked(WriteError):
    """An operation the vocabulary's current state does not allow (409): names the rule and the resources."""
    status = 409

    def __init__(self, rule: str, message: str, resources: list[str]):
        self.rule, self.resources = rule, resources
        super().__init__(f"{rule}: {message}")

    def as_dict(self) -> dict:
        return super().as_dict() | {"rule": self.rule, "resources": self.resources}


class Stale(WriteError):
    """The write was made against a version that is no longer current (a lost update avoided)."""
    status = 412

    def __init__(self, message: str, current: dict[str, str]):
        self.current = current
        super().__init__(message)

    def as_dict(self) -> dict:
        return super().as_dict() | {"current": self.current}


class NotFound(WriteError):
    status = 404


@dataclass
class ChangeSet:
    graph: ox.NamedNode
    removed: list[ox.Triple] = field(default_factory=list)
    added: list[ox.Triple] = field(default_factory=list)
    actor: str = "vocabserver"
    comment: str = ""
    kind: str = "edit"  # edit, sparql-update, graph-store, revert, load
    # Versions the writer saw: the vocabulary's (its last change) and each concept's (a digest); None: unchecked.
    vocabulary_version: str | None = None
    concept_versions: dict[str, str] = field(default_factory=dict)
    reverts: int | None = None  # the change this one undoes
    # An administrator's explicit word that the change may state triples about another vocabulary's resources
    # (rule other-vocabulary); a revert restores what was there, so it may too.
    across_vocabularies: bool = False

    def reduced(self, present) -> "ChangeSet":
        """Only what changes: `present(triple)` says whether the graph holds a triple now. A triple both
        removed and added stays as it is."""
        removed = list(dict.fromkeys(t for t in self.removed if present(t)))
        added = list(dict.fromkeys(t for t in self.added if not present(t)))
        both = set(removed) & set(self.added)
        return ChangeSet(self.graph, [t for t in removed if t not in both], [t for t in added if t not in both],
                         self.actor, self.comment, self.kind, self.vocabulary_version, dict(self.concept_versions),
                         self.reverts, self.across_vocabularies)

    @property
    def empty(self) -> bool:
        return not self.removed and not self.added

    def subjects(self) -> list[str]:
        """The resources the change is about: subjects, and IRIs it links to or unlinks from."""
        found: dict[str, None] = {}
        for triple in (*self.removed, *self.added):
            if isinstance(triple.subject, ox.NamedNode):
                found[triple.subject.value] = None
        return list(found)


def parse_triples(text: str) -> list[ox.Triple]:
    """Triples from N-Triples text (a ValueError with the line when it does not parse)."""
    try:
        return [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise ValueError(f"not N-Triples: {exc}") from None


def ntriples(triples) -> str:
    return ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
