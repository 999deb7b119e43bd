"""Proposals: a museum (a contributor) proposes a term a vocabulary lacks — its label, the vocabulary, a parent,
a definition, the record that needs it (REF) and the museum — or a change of an existing concept (`about`: a
form to add, or a better preferred label), and the vocabulary's curators review them: accept as proposed (a
new concept; for a change, the label added as an altLabel of the concept), accept as an altLabel of an
existing concept, as the new prefLabel of one (the old one kept as an altLabel), edit then accept, or reject
with a reason. Each step is kept (`proposal_events`), and an acceptance is a change of the log through the
write path, its comment naming the proposal.

Kept in the accounts database (auth/database.py): a proposal is a request, not vocabulary content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyoxigraph as ox

from vocabserver.changes import editing
from vocabserver.changes.changeset import NotFound, WriteError
from vocabserver.rdf.iri import is_iri

STATUSES = ("pending", "accepted", "rejected")


class BadProposal(WriteError):
    status = 400


class Decided(WriteError):
    """The proposal was already accepted or rejected."""
    status = 409


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _text(body: dict, key: str, limit: int, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None or (isinstance(value, str) and not value.strip() and not required):
        if required:
            raise BadProposal(f"{key}: required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadProposal(f"{key}: a non-empty text is expected")
    if len(value) > limit:
        raise BadProposal(f"{key}: longer than {limit} characters")
    return " ".join(value.split())


@dataclass
class Proposal:
    id: int
    vocab: str
    label: str
    lang: str
    broader: str | None
    note: str | None
    record: str | None
    museum: str | None
    proposer: str
    status: str
    created: str
    concept: str | None = None
    change: int | None = None
    reason: str | None = None
    about: str | None = None  # the existing concept a proposal of a change is about
    events: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"id": self.id, "vocab": self.vocab, "prefLabel": self.label, "lang": self.lang,
                "broader": self.broader, "note": self.note, "record": self.record, "museum": self.museum,
                "proposer": self.proposer, "status": self.status, "created": self.created, "concept": self.concept,
                "change": self.change, "reason": self.reason, "about": self.about, "events": self.events}


_COLUMNS = ("id, vocab, label, lang, broader, note, record, museum, proposer, status, created, concept, change, reason, "
            "about")


class Proposals:
    def __init__(self, database, store, writer):
        self.database, self.store, self.writer = database, store, writer

    def propose(self, body, proposer: str) -> Proposal:
        if not isinstance(body, dict):
            raise BadProposal("send the proposal as a JSON object")
        vocab = _text(body, "vocab", 40, required=True)
        if vocab not in self.store.vocabularies():
            raise NotFound(f"no vocabulary {vocab!r}")
        label = _text(body, "prefLabel", 500, required=True)
        lang = (_text(body, "lang", 20) or "fr").lower()
        broader = _text(body, "broader", 2000)
        graph = self.store.graph_iri(vocab)
        for key in ("broader", "about"):
            value = _text(body, key, 2000)
            if value is not None and (not is_iri(value) or not editing.is_concept(self.store, graph, value)):
                raise BadProposal(f"{key}: {value} is not a concept of {vocab}")
        about = _text(body, "about", 2000)
        values = (vocab, label, lang, broader, _text(body, "note", 5000), _text(body, "record", 100),
                  _text(body, "museum", 200), proposer, "pending", about, _now())
        with self.database.connection() as connection:
            cursor = connection.execute(
                "INSERT INTO proposals (vocab, label, lang, broader, note, record, museum, proposer, status, about, "
                "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
            number = cursor.lastrowid
            connection.execute("INSERT INTO proposal_events VALUES (?, ?, ?, ?, ?)",
                               (number, values[-1], proposer, "proposed", None))
        return self.get(number)

    def get(self, number: int) -> Proposal:
        if not 0 < number < 2**63:  # beyond SQLite's integers: no such proposal
            raise NotFound(f"no proposal {number}")
        with self.database.connection() as connection:
            row = connection.execute(f"SELECT {_COLUMNS} FROM proposals WHERE id = ?", (number,)).fetchone()
            events = connection.execute("SELECT time, actor, action, detail FROM proposal_events WHERE proposal = ? "
                                        "ORDER BY rowid", (number,)).fetchall()
        if row is None:
            raise NotFound(f"no proposal {number}")
        return Proposal(*row, events=[{"time": e[0], "actor": e[1], "action": e[2], "detail": e[3]} for e in events])

    def list(self, vocab: str | None = None, status: str | None = None, proposer: str | None = None,
             limit: int = 100, offset: int = 0, exclude: frozenset[str] = frozenset()) -> tuple[list[Proposal], int]:
        """Newest first; `exclude`: vocabularies left out (private ones, for a caller without an account)."""
        where, values = [], []
        for column, value in (("vocab", vocab), ("status", status), ("proposer", proposer)):
            if value is not None:
                where.append(f"{column} = ?")
                values.append(value)
        for excluded in sorted(exclude):
            where.append("vocab != ?")
            values.append(excluded)
        clause = (" WHERE " + " AND ".join(where)) if where else ""
        with self.database.connection() as connection:
            total = connection.execute(f"SELECT COUNT(*) FROM proposals{clause}", values).fetchone()[0]
            rows = connection.execute(f"SELECT {_COLUMNS} FROM proposals{clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                                      (*values, limit, offset)).fetchall()
        return [Proposal(*row) for row in rows], total

    def _pending(self, number: int) -> Proposal:
        found = self.get(number)
        if found.status != "pending":
            raise Decided(f"proposal {number} is already {found.status}")
        return found

    def accept(self, number: int, actor: str, body: dict | None = None) -> Proposal:
        """As proposed, as an altLabel of an existing concept (`asAltLabelOf`), as its new prefLabel
        (`asPrefLabelOf`: the old one becomes an altLabel), or edited (`prefLabel`, `broader`, `note` override
        the proposal's). A proposal of a change (`about`) is accepted as proposed as an altLabel of that concept."""
        body = body or {}
        if not isinstance(body, dict):
            raise BadProposal("send the decision as a JSON object")
        with self.writer.exclusive():  # two curators accepting at once: the second finds it decided
            return self._accept(number, actor, body)

    def _accept(self, number: int, actor: str, body: dict) -> Proposal:
        proposal = self._pending(number)
        comment = f"proposal {number} accepted" + (f" (record {proposal.record})" if proposal.record else "") + \
            (f", {proposal.museum}" if proposal.museum else "")
        target = body.get("asAltLabelOf")
        renamed = body.get("asPrefLabelOf")
        if target is None and renamed is None and proposal.about and not any(
                body.get(k) for k in ("prefLabel", "broader", "note")):
            target = proposal.about
        if renamed is not None:
            graph = self.store.graph_iri(proposal.vocab)
            if not isinstance(renamed, str) or not editing.is_concept(self.store, graph, renamed):
                raise BadProposal(f"asPrefLabelOf: {renamed!r} is not a concept of {proposal.vocab}")
            labels = {"prefLabel": {}, "altLabel": {}}
            for quad in self.store.quads(ox.NamedNode(renamed), None, None, graph):
                kind = quad.predicate.value[len(editing.SKOS):]
                if kind in labels and isinstance(quad.object, ox.Literal):
                    language = quad.object.language or ""
                    if kind == "prefLabel":
                        labels["prefLabel"][language] = quad.object.value
                    else:
                        labels["altLabel"].setdefault(language, []).append(quad.object.value)
            old = labels["prefLabel"].get(proposal.lang)
            labels["prefLabel"][proposal.lang] = proposal.label
            alts = [a for a in labels["altLabel"].get(proposal.lang, []) if a != proposal.label]
            labels["altLabel"][proposal.lang] = alts + ([old] if old and old != proposal.label else [])
            changeset = editing.update(self.store, proposal.vocab, renamed, labels, actor, comment)
            concept, action = renamed, f"accepted as the prefLabel of {renamed}"
        elif target is not None:
            graph = self.store.graph_iri(proposal.vocab)
            if not isinstance(target, str) or not editing.is_concept(self.store, graph, target):
                raise BadProposal(f"asAltLabelOf: {target!r} is not a concept of {proposal.vocab}")
            alt = {}
            for quad in self.store.quads(ox.NamedNode(target), ox.NamedNode(editing.SKOS + "altLabel"), None, graph):
                alt.setdefault(quad.object.language or "", []).append(quad.object.value)
            alt.setdefault(proposal.lang, []).append(proposal.label)
            changeset = editing.update(self.store, proposal.vocab, target, {"altLabel": alt}, actor, comment)
            concept, action = target, f"accepted as an altLabel of {target}"
        else:
            label = _text(body, "prefLabel", 500) or proposal.label
            broader = _text(body, "broader", 2000) or proposal.broader
            note = _text(body, "note", 5000) or proposal.note
            draft = {"prefLabel": {proposal.lang: label}, "broader": [broader] if broader else []}
            if note:
                draft["notes"] = {"definition": {proposal.lang: [note]}}
            changeset, node = editing.create(self.store, proposal.vocab, draft, actor, comment)
            concept = node.value
            edited = label != proposal.label or broader != proposal.broader or note != proposal.note
            action = "accepted after editing" if edited else "accepted as proposed"
        change, _findings = self.writer.apply(changeset)
        with self.database.connection() as connection:
            connection.execute("UPDATE proposals SET status = 'accepted', concept = ?, change = ? WHERE id = ?",
                               (concept, change.number if change else None, number))
            connection.execute("INSERT INTO proposal_events VALUES (?, ?, ?, ?, ?)",
                               (number, _now(), actor, "accepted", action))
        return self.get(number)

    def reject(self, number: int, actor: str, reason) -> Proposal:
        if not isinstance(reason, str) or not reason.strip():
            raise BadProposal("reason: say why the proposal is rejected (the proposer reads it)")
        reason = " ".join(reason.split())[:2000]
        with self.writer.exclusive():  # decided once, whoever comes second
            self._pending(number)
            with self.database.connection() as connection:
                connection.execute("UPDATE proposals SET status = 'rejected', reason = ? WHERE id = ?", (reason, number))
                connection.execute("INSERT INTO proposal_events VALUES (?, ?, ?, ?, ?)",
                                   (number, _now(), actor, "rejected", reason))
        return self.get(number)
