"""The embedded store's writes (mixed into VocabStore): staging a load where no reader looks, making staged
graphs live with their catalogue entries in one transaction, applying the write path's updates, removing a
vocabulary. Callers go through changes/writer.py and changes/loading.py, never here directly."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from vocabserver.store.catalogue import now_literal
from vocabserver.store.conditional import Contended, WriteLease, conditional, new_token
from vocabserver.store.errors import StoreError, validate_id
from vocabserver.store.queries import render

if TYPE_CHECKING:
    from vocabserver.store.embedded import Staged


class StoreWrites:
    def lock(self, vocab_id: str) -> threading.RLock:
        with self._locks_guard:
            return self._locks.setdefault(vocab_id, threading.RLock())

    def stage(self, vocab_id: str, *, path: Path | None = None, data: bytes | None = None,
              fmt: ox.RdfFormat = ox.RdfFormat.TURTLE, base_iri: str | None = None) -> ox.NamedNode:
        """Bulk-load new content where no reader sees it; returns that graph."""
        validate_id(vocab_id)
        with self.lock(vocab_id):
            target = self.staging_iri(vocab_id) if vocab_id in self.vocabularies() else self.graph_iri(vocab_id)
            if self.store.contains_named_graph(target):
                self.store.remove_graph(target)
            kwargs = {"format": fmt, "base_iri": base_iri or self.base_uri, "to_graph": target}
            if path is not None:
                self.store.bulk_load(path=str(path), **kwargs)
            else:
                self.store.bulk_load(data, **kwargs)
            return target

    def discard(self, staged: ox.NamedNode) -> None:
        self.store.remove_graph(staged)

    def commit_many(self, items: list["Staged"], also: str = "", modified: ox.Literal | None = None,
                    fresh: list[ox.NamedNode] = ()) -> None:
        """Make several staged graphs live in one transaction: all of them or none, with `also` (more update
        operations: the loads' records in the change log) and the commit stamp `modified`."""
        if not items:
            return
        locks = [self.lock(item.vocab_id) for item in sorted(items, key=lambda i: i.vocab_id)]
        for lock in locks:
            lock.acquire()
        try:
            modified = modified or now_literal()
            operations = [also] if also else []
            for item in items:
                graph = self.graph_iri(item.vocab_id)
                entry = self.catalogue.entry(item.vocab_id, graph, item.counts, item.schemes, item.source,
                                             modified, item.version, item.policy, item.properties)
                move = "" if item.graph == graph else render("store/move-graph", staging=item.graph, graph=graph)
                operations.append(render(
                    "store/commit", move=move, catalogue=self.catalogue.graph, root=self.catalogue.root,
                    dataset=self.catalogue.dataset(item.vocab_id), entry=_ntriples(entry)))
            self._write(" ;\n".join(operations), fresh)
            self.store.flush()
            self._modified = None
            self._announce_commit()
        finally:
            for lock in reversed(locks):
                lock.release()

    def apply_update(self, update: str, vocabularies: list[str] = (), stamp: str | None = None,
                     on_commit=None, entries: dict | None = None, flush: bool = False,
                     fresh: list[ox.NamedNode] = ()) -> None:
        """Run one SPARQL update (several operations joined by ';') as one transaction, and announce it to
        read-only servers: the write path's commit (changes/writer.py builds the update).

        No flush needed: the transaction is in RocksDB's write-ahead log when `update` returns, so a killed
        process finds it again at the next open (bulk loads bypass the log: they flush). `flush` writes a large
        change's memtable to disk at once, so that the next checkpoint (sources.py) is quick. `stamp` is the commit stamp
        the update writes; `on_commit` runs after the commit and before that stamp is visible to readers
        (the label index installs the index of the new state there), so caches keyed by the stamp never hold
        an answer of the old state under the new stamp. When the update rewrote some vocabularies' catalogue
        entries, only those are read again (the whole catalogue takes 25 ms)."""
        if self.read_only:
            raise StoreError("this store is open read-only: writes go to the process that holds it")
        self._write(update, fresh)
        if flush:
            self.store.flush()
        if on_commit is not None:
            on_commit()
        cached = self._cache
        self._modified = stamp  # None: read again from the store
        modified = self.modified()
        if cached is not None:
            refreshed = dict(cached)
            for vocabulary in vocabularies:
                # The entry the update wrote when the writer hands it over, else read back from the store.
                written = (entries or {}).get(vocabulary)
                fresh = self.catalogue.read(written if written is not None else
                                            self.entry_quads(vocabulary, with_root=True))
                if vocabulary not in fresh:
                    refreshed = None
                    break
                refreshed[vocabulary] = fresh[vocabulary]
            self._cache = refreshed
            self._cache_modified = modified
        self._announce_commit()

    def _write(self, update: str, fresh: list[ox.NamedNode] = ()) -> None:
        """One transaction. Over a shared store it only applies when no other process committed since this one
        read the store, and when the change-log entries `fresh` it records are not there yet (store/conditional.py):
        otherwise nothing is written and Contended is raised."""
        if not self.shared:
            self.store.update(update)
            return
        expected = self._commit if self._modified is not None else self.read_commit()[1]
        token = new_token()
        with self.write_lease():  # one node writes at a time; the conditional update says if it was overtaken
            self.store.update(conditional(update, self.catalogue.graph, self.catalogue.root, self.commit_predicate,
                                          expected, token, fresh, self.history_graph))
            self.count_operation()
            _stamp, now = self.read_commit()
        if now != token:
            # Left to the change-log follower (changes/follow.py), which reads what that commit did.
            raise Contended(f"another node committed first (token {now[:8]}): nothing was written")
        self._commit = token

    @contextmanager
    def write_lease(self):
        """Over a shared store, hold the store's write lease (store/conditional.py) for the block; re-entrant in a
        thread, so that the write path can hold it from its checks to its commit. Nothing over an embedded store."""
        if not self.shared or getattr(self._lease_held, "lease", None) is not None:
            yield
            return
        lease = WriteLease(self.store, self.catalogue.graph, self.catalogue.root,
                           ox.NamedNode(self.base_uri + "ns#writeLease"))
        with lease:
            self._lease_held.lease = lease
            try:
                yield
            finally:
                self._lease_held.lease = None

    def remove(self, vocab_id: str) -> None:
        with self.lock(vocab_id):
            self.info(vocab_id)
            self._write(render(
                "store/remove", graph=self.graph_iri(vocab_id), catalogue=self.catalogue.graph,
                root=self.catalogue.root, dataset=self.catalogue.dataset(vocab_id), now=now_literal()))
            self.store.flush()
            self._modified = None
            self._announce_commit()


def _ntriples(triples: list[ox.Triple]) -> str:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
