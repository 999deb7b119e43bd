"""The one write path: changeset → versions checked → validated on the would-be state with the vocabulary's
policy → one transaction (the triples, the change's record, the catalogue's new counts and version) →
announced to subscribers.

Edits, SPARQL updates, Graph Store writes, reverts and bulk loads all come here; nothing else writes a
vocabulary's triples (a load, staged and checked by changes/loading.py, is made live by `commit_loads`, in
one transaction with its record of kind "load"). pyoxigraph allows one writer process; inside it, one write at a time (a lock), so the version a
change is checked against is the version it is written over.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter

import pyoxigraph as ox

from vocabserver.changes.changeset import (Blocked, ChangeSet, Conflict, NotFound, Refused, Stale, WriteError,
                                          ntriples)
from vocabserver import metrics
from vocabserver.changes.history import Change, History
from vocabserver.changes.validation import LARGE, CONCEPT, Overlay, touched, validate, validate_whole
from vocabserver.store.conditional import Contended
from vocabserver.store.catalogue import CLASS_PARTITIONS, PROPERTY_PARTITIONS, now_literal
from vocabserver.store.events import Events
from vocabserver.store.queries import render
from vocabserver.store.stats import scheme_entry

log = logging.getLogger(__name__)
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
SCHEME = ox.NamedNode("http://www.w3.org/2004/02/skos/core#ConceptScheme")
_LABEL_COUNTS = {PROPERTY_PARTITIONS[k]: k for k in ("prefLabels", "altLabels", "hiddenLabels")}
_CLASS_COUNTS = {v: k for k, v in CLASS_PARTITIONS.items()} | {
    "http://www.w3.org/2004/02/skos/core#OrderedCollection": "collections"}



# The IRIs a change may add: what a page may publish as a link (never javascript:, data:, file:…).
LINK_SCHEMES = {"http", "https", "urn"}
# A change moving more triples than this is large: it is flushed to disk before it is acknowledged, so that the
# next SPARQL view (a checkpoint, which flushes what is in memory) is paid by the writer, not by the first query
# after it; and the SPARQL service makes that view at once (sparql/service.py).
FLUSH_ABOVE = 5_000


# A write over a shared store that other nodes' commits overtake this many times in a row is refused (503).
CONTENDED_TRIES = 8


class BadChange(WriteError):
    status = 400


class Busy(WriteError):
    status = 503


class Writer:
    def __init__(self, store, events: Events | None = None):
        self.store = store
        self.history = History(store)
        self.events = events or Events()
        # Whoever must see a change before readers do (the label index): prepare(stamp, vocabulary, uris,
        # view) before the commit returns what to run right after it (or None: catch up by itself).
        self.followers: list = []
        self._lock = threading.RLock()
        self._entries: dict[str, tuple[str, set]] = {}  # vocabulary -> (commit stamp, its catalogue entry)
        self.follower = None  # a shared store: what follows other nodes' commits (changes/follow.py)
        if not store.read_only:
            migrated = self.history.migrate()
            if migrated:
                log.info("change log: %d changes migrated to triple terms", migrated)

    def _other_vocabularies(self, graph: ox.NamedNode) -> set[ox.NamedNode]:
        return {g for g in self.store.live_graphs() if g != graph and g != self.store.catalogue.graph}

    def _foreign_subjects(self, changeset: ChangeSet, graph: ox.NamedNode) -> list[ox.NamedNode]:
        """Subjects of added triples that another vocabulary describes and this one does not: a write into one
        vocabulary must not state things about another's concepts (a second prefLabel on a TECH concept written
        by DENO's editor)."""
        others = self._other_vocabularies(graph)
        foreign = []
        for subject in {t.subject for t in changeset.added if isinstance(t.subject, ox.NamedNode)}:
            if any(True for _ in self.store.quads(subject, None, None, graph)):
                continue  # one of this vocabulary's resources
            if any(q.graph_name in others for q in self.store.quads(subject, None, None, None)):
                foreign.append(subject)
        return sorted(foreign, key=lambda s: s.value)

    def _union_findings(self, changeset: ChangeSet, graph: ox.NamedNode) -> list:
        """What a change across vocabularies does to the union that readers see: a prefLabel added to a resource
        another vocabulary already labels in the same language (two prefLabels in the union)."""
        from vocabserver.changes.checks import Finding

        others = self._other_vocabularies(graph)
        out = []
        for triple in changeset.added:
            if triple.predicate.value != SKOS_PREF or not isinstance(triple.object, ox.Literal):
                continue
            language = (triple.object.language or "").split("-")[0].lower()
            clash = [q for q in self.store.quads(triple.subject, triple.predicate, None, None)
                     if q.graph_name in others and isinstance(q.object, ox.Literal) and
                     (q.object.language or "").split("-")[0].lower() == language and q.object != triple.object]
            if clash:
                out.append(Finding("error", "union-two-preflabels", (
                    f"{triple.subject.value} would have two prefLabels in '{language or 'no language'}' in the union "
                    f"of the vocabularies: {triple.object.value!r} here and {clash[0].object.value!r} in "
                    f"{clash[0].graph_name.value}"), [triple.subject.value]))
        return out

    def exclusive(self):
        """Hold the write lock across a read-then-write (a SPARQL update computing its changesets)."""
        return self._lock

    # -- versions --------------------------------------------------------------------------------
    def concept_version(self, uri: str, graph: ox.NamedNode) -> str:
        """A digest of everything said about `uri` in its graph: changes whenever its description does."""
        lines = sorted(ntriples([q.triple for q in self.store.quads(ox.NamedNode(uri), None, None, graph)]).splitlines())
        return hashlib.blake2b("\n".join(lines).encode("utf-8"), digest_size=10).hexdigest()

    def vocabulary_version(self, vocab_id: str) -> str:
        return self.store.info(vocab_id).modified

    def _check_versions(self, changeset: ChangeSet, vocab_id: str | None) -> None:
        current: dict[str, str] = {}
        if changeset.vocabulary_version is not None and vocab_id is not None:
            now = self.vocabulary_version(vocab_id)
            if changeset.vocabulary_version != now:
                current[vocab_id] = now
        for uri, version in changeset.concept_versions.items():
            now = self.concept_version(uri, changeset.graph)
            if version != now:
                current[uri] = now
        if current:
            raise Stale("changed since you read it: " + ", ".join(sorted(current)) + " (nothing was written; "
                        "read the current version — the ETag or `version` of GET /api/v1/concept?uri=… —, "
                        "apply your change to it, and send it again)", current)

    # -- writing ---------------------------------------------------------------------------------
    def apply(self, changeset: ChangeSet) -> tuple[Change | None, list]:
        """Commit `changeset` (or refuse it, writing nothing); (the change recorded or None when it changed
        nothing, the new quality findings it introduced that the policy lets through)."""
        changes, findings = self.apply_many([changeset])
        return (changes[0] if changes else None), findings

    def apply_many(self, changesets: list[ChangeSet]) -> tuple[list[Change], list]:
        """Several changesets (one per graph: a SPARQL update may touch several) validated together and
        committed in one transaction, each recorded as its own change; any refusal refuses them all."""
        return self._contended(self._apply_many, changesets)

    def _contended(self, write, *args):
        """Run `write` until it commits over the state it checked. Over a shared store another node may commit
        between this one's checks and its write: the write then applies nothing (store/conditional.py), this
        node catches up with the change log and checks again — a version now stale is a 412, never lost."""
        kind = "loads" if write == self._commit_loads else "changes"
        started = time.perf_counter()
        for _attempt in range(CONTENDED_TRIES):
            try:
                done = write(*args)
                metrics.observe_write(kind, "committed", started)
                return done
            except Contended:
                self.history.forget_last()  # read the last number from the store again
                self.catch_up()
            except Exception:
                metrics.observe_write(kind, "refused", started)
                raise
        metrics.observe_write(kind, "busy", started)
        raise Busy(f"the store was written by other nodes {CONTENDED_TRIES} times during this change: "
                   "nothing was written; send it again")

    def catch_up(self) -> bool:
        """A shared store: follow what other nodes committed (changes/follow.py); True when something came."""
        if self.follower is not None:
            return self.follower.catch_up()
        return self.store.sync()  # a command-line writer keeps no index: it only reads the store's state again

    def _apply_many(self, changesets: list[ChangeSet]) -> tuple[list[Change], list]:
        # Over a shared store the write lease is held from the checks to the commit: other nodes wait rather than
        # make this one check again and again.
        with self._lock, self.store.write_lease():
            self.catch_up()
            parts = []
            findings: list = []
            for changeset in changesets:
                graph = changeset.graph
                if graph in (self.store.catalogue.graph, self.store.history_graph):
                    raise BadChange(f"{graph.value} is kept by the server itself and cannot be written")
                vocab_id = self.store.live_graphs().get(graph)
                if vocab_id is None and graph.value.startswith(self.store.base_uri + "graph/"):
                    raise BadChange(f"{graph.value}: graphs under {self.store.base_uri}graph/ are the vocabularies' "
                                    "(a new vocabulary is loaded with `vocabserver load --as ID FILE`); write other "
                                    "data into a graph named elsewhere")
                if any(c.graph == graph for c in changesets if c is not changeset):
                    raise BadChange(f"one changeset per graph: {graph.value} appears twice")
                for triple in (*changeset.removed, *changeset.added):
                    if any(isinstance(term, ox.BlankNode) for term in (triple.subject, triple.object)):
                        raise BadChange("blank nodes cannot be edited (they have no name to find them again): "
                                        f"give the resource an IRI ({ntriples([triple]).strip()})")
                for triple in changeset.added:
                    for term in (triple.subject, triple.predicate, triple.object):
                        if isinstance(term, ox.NamedNode) and term.value.split(":", 1)[0].lower() not in LINK_SCHEMES:
                            raise BadChange(f"rule link-scheme: {term.value[:80]!r} is not an http, https or urn IRI "
                                            f"(a page would publish it as a link: {ntriples([triple]).strip()[:300]})")
                if vocab_id is not None and not changeset.across_vocabularies:
                    foreign = self._foreign_subjects(changeset, graph)
                    if foreign:
                        raise Blocked("other-vocabulary", (
                            f"a change of {vocab_id} may only state triples about {vocab_id}'s own resources (its "
                            "scheme, concepts and collections, or new ones); these are described by another "
                            "vocabulary — change them there (a link to them, with the resource as object, is fine)"),
                            [s.value for s in foreign[:20]])
                self._check_versions(changeset, vocab_id)
                reduced = changeset.reduced(
                    lambda t, g=graph: self.store.contains(ox.Quad(t.subject, t.predicate, t.object, g)))
                if reduced.empty:
                    continue
                if vocab_id is not None:
                    policy = self.store.info(vocab_id).policy
                    check = validate_whole if len(touched(reduced.removed, reduced.added)) > LARGE else validate
                    new, refusals = check(self.store, graph, vocab_id, policy, reduced.removed, reduced.added)
                    if refusals:
                        raise Refused(vocab_id, refusals)
                    findings.extend(new)
                    if changeset.across_vocabularies:
                        findings.extend(self._union_findings(reduced, graph))
                parts.append((reduced, vocab_id))
            if not parts:
                return [], findings
            time = now_literal()
            first = self.history.next_number()
            operations, followed, changes, entries = [], [], [], {}
            for offset, (reduced, vocab_id) in enumerate(parts):
                number, graph = first + offset, reduced.graph
                record = self.history.record(number, reduced, vocab_id or "", time)
                operations.append(render("store/apply-change", graph=graph, removed=ntriples(reduced.removed),
                                         added=ntriples(reduced.added), history=self.store.history_graph,
                                         record=ntriples(record)))
                if vocab_id is not None:
                    update, entries[vocab_id] = self._catalogue_update(vocab_id, graph, reduced, time, number)
                    operations.append(update)
                    followed.append((vocab_id, [n.value for n in touched(reduced.removed, reduced.added)],
                                     Overlay(self.store, graph, reduced.removed, reduced.added)))
                changes.append(Change(number, self.history.uri(number), time.value, reduced.actor, reduced.comment,
                                      reduced.kind, vocab_id or "", graph.value, len(reduced.added),
                                      len(reduced.removed), reduced.reverts, reduced.subjects(), list(reduced.added),
                                      list(reduced.removed)))
            if self.store.shared:  # a remote store lists the graphs it holds beside the vocabularies here
                operations += [render("store/list-graph", catalogue=self.store.catalogue.graph,
                                      root=self.store.catalogue.root, listed=self.store.other_graph_predicate,
                                      graph=reduced.graph)
                               for reduced, vocab_id in parts if vocab_id is None and reduced.added]
            if all(vocab_id is None for _reduced, vocab_id in parts):
                operations.append(render("store/touch", catalogue=self.store.catalogue.graph,
                                         root=self.store.catalogue.root, now=time))
            installs = []
            for follower in self.followers:
                try:
                    install = follower.prepare(time.value, followed)
                except Exception:  # noqa: BLE001 - a follower that cannot follow catches up by itself
                    log.exception("could not prepare %r for change %s", follower, first)
                    install = None
                if install is not None:
                    installs.append(install)
            vocabularies = [vocab_id for _reduced, vocab_id in parts if vocab_id is not None]
            moved = sum(len(reduced.added) + len(reduced.removed) for reduced, _vocab_id in parts)
            self.store.apply_update(" ;\n".join(operations), vocabularies, time.value,
                                    lambda: [install() for install in installs], entries, flush=moved > FLUSH_ABOVE,
                                    fresh=[ox.NamedNode(change.uri) for change in changes])
            self.history.committed(first + len(parts) - 1)
            if self.follower is not None:
                self.follower.committed([c.number for c in changes])
            self._entries = {vocab_id: (time.value, set(entry)) for vocab_id, entry in entries.items()}
        for change in changes:
            self.events.publish(change)
        return changes, findings

    def commit_loads(self, items: list, actor: str, comment: str = "") -> list[Change]:
        """Make staged and checked vocabularies live (store.commit_many: all or none) with one change of kind
        "load" each in the same transaction. The triples a replacement moved are kept, whatever their number
        (one quad each: changes/history.py), so it can be reverted; a first load records its counts and why its
        triples were not kept (undo it with `vocabserver remove`)."""
        if not items:
            return []
        return self._contended(self._commit_loads, items, actor, comment)

    def _commit_loads(self, items: list, actor: str, comment: str) -> list[Change]:
        with self._lock, self.store.write_lease():
            self.catch_up()
            time = now_literal()
            first = self.history.next_number()
            records, changes = [], []
            for offset, item in enumerate(items):
                number, graph = first + offset, self.store.graph_iri(item.vocab_id)
                removed, added, not_kept, counts = self._load_difference(item, graph)
                changeset = ChangeSet(graph, removed, added, actor, comment or f"load of {item.source}", "load")
                records.append(ntriples(self.history.record(number, changeset, item.vocab_id, time, not_kept,
                                                            counts)))
                changes.append(Change(number, self.history.uri(number), time.value, actor, changeset.comment, "load",
                                      item.vocab_id, graph.value, *counts, not_kept=not_kept))
            also = render("store/record-change", history=self.store.history_graph, record="\n".join(records))
            self.store.commit_many(items, also, time, [ox.NamedNode(change.uri) for change in changes])
            self.history.committed(first + len(items) - 1)
            if self.follower is not None:
                self.follower.committed([c.number for c in changes])
        for change in changes:
            self.events.publish(change)
        return changes

    def _load_difference(self, item, graph: ox.NamedNode) -> tuple[list, list, str, tuple[int, int]]:
        """(removed, added, why they are not kept, (added, removed) counts): what a load moves, compared as
        N-Triples lines (pyoxigraph writes a term one way)."""
        if item.graph == graph:
            return [], [], "first load of the vocabulary (undo: vocabserver remove)", (item.counts.get("triples", 0), 0)
        before = set(self.store.dump_graph(graph).splitlines())
        after = set(self.store.dump_graph(item.graph).splitlines())
        gone, new = before - after, after - before
        counts = (len(new), len(gone))
        if any(b"_:" in line for line in (*gone, *new)):
            return [], [], "blank nodes moved: they have no name to restore them by (undo: load the previous file)", \
                counts
        removed = [q.triple for q in ox.parse(b"\n".join(sorted(gone)), format=ox.RdfFormat.N_TRIPLES)]
        added = [q.triple for q in ox.parse(b"\n".join(sorted(new)), format=ox.RdfFormat.N_TRIPLES)]
        return removed, added, "", counts

    def revert(self, number: int, actor: str, comment: str = "") -> tuple[Change | None, list]:
        """Apply the inverse of change `number` as a new change; 409 naming the later changes that touched the
        same triples (reverting would silently undo them too)."""
        with self._lock:
            change = self.history.get(number, with_triples=True)
            if change is None:
                raise NotFound(f"no change {number}")
            if change.not_kept:
                raise Conflict(f"change {number} cannot be reverted: {change.not_kept}", [])
            triples = set(change.added) | set(change.removed)
            later = self.history.later_touching(number, change.graph, triples, change.subjects)
            if later:
                raise Conflict(f"change {number} cannot be reverted: later change(s) "
                               f"{', '.join(map(str, later))} touched the same triples; revert those first", later)
            inverse = ChangeSet(ox.NamedNode(change.graph), list(change.added), list(change.removed), actor,
                                comment or f"revert of change {number}", "revert", reverts=number,
                                across_vocabularies=True)
            return self.apply(inverse)

    # -- the catalogue follows -----------------------------------------------------------------------
    def _catalogue_update(self, vocab_id: str, graph: ox.NamedNode, change: ChangeSet, time: ox.Literal,
                          number: int) -> tuple[str, list[ox.Triple]]:
        """The update rewriting the vocabulary's catalogue entry with counts moved by the change (no rescan of
        the graph), and the new entry."""
        info = self.store.info(vocab_id)
        before, after = Overlay(self.store, graph), Overlay(self.store, graph, change.removed, change.added)
        counts = Counter({key: info.counts.get(key, 0) for key in (*CLASS_PARTITIONS, *PROPERTY_PARTITIONS)})
        counts["triples"] = info.triples
        properties = Counter(info.properties)
        for sign, triples, view in ((-1, change.removed, before), (1, change.added, after)):
            counts["triples"] += sign * len(triples)
            for triple in triples:
                predicate = triple.predicate.value
                properties[predicate] += sign
                if triple.predicate == RDF_TYPE and triple.object.value in _CLASS_COUNTS:
                    counts[_CLASS_COUNTS[triple.object.value]] += sign
                elif predicate in _LABEL_COUNTS and view.is_a(triple.subject, CONCEPT):
                    counts[_LABEL_COUNTS[predicate]] += sign
                elif predicate == PROPERTY_PARTITIONS["topConcepts"]:
                    counts["topConcepts"] += sign
        entry = self.store.catalogue.entry(
            vocab_id, graph, dict(counts), _schemes(after), info.source, time, f"change:{number}", info.policy,
            {p: n for p, n in properties.items() if n > 0})
        # Only the triples that differ (counts, dates, version): a few, not the hundred of the entry.
        # The entry this process wrote last, while no other commit came since (2.6 ms to read it back).
        cached = self._entries.get(vocab_id)
        old = cached[1] if cached and cached[0] == self.store.modified() else \
            {q.triple for q in self.store.entry_quads(vocab_id)}
        fresh = set(entry)
        return render("store/replace-entry", catalogue=self.store.catalogue.graph,
                      old=ntriples(sorted(old - fresh, key=str)), new=ntriples(sorted(fresh - old, key=str))), entry


def _schemes(view: Overlay) -> list[dict]:
    """The schemes of the would-be graph with what the catalogue copies of them (as stats.graph_schemes)."""
    found = [scheme_entry(uri, view.objects) for uri in view.subjects(RDF_TYPE, SCHEME) if isinstance(uri, ox.NamedNode)]
    return sorted(found, key=lambda e: e["uri"].value)
