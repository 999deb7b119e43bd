"""What a node over a shared store does when other nodes commit: it follows the change log in the store.

Every app node over one remote store keeps state of its own that derives from the store — the catalogue it
has read, the label index, caches and ETags keyed by the commit stamp, the SPARQL service's view. The store's
change log (changes/history.py) is the only order of commits; each node reads the commit state often (one small
query every POLL seconds, and before each of its own writes) and, when another node committed, reads the
changes recorded since the last it saw, patches its label index with the concepts they touched (as its own
writes do: index/patch.py), and only then moves to the new stamp, so that no reader pairs the new stamp with
the old index. A load, or many changes at once, makes the index rebuild instead.
"""

from __future__ import annotations

import logging
import threading
import time

import pyoxigraph as ox

from vocabserver.changes.validation import Overlay, touched

log = logging.getLogger(__name__)

POLL = 0.25  # seconds between two reads of the commit state: an edit on one node is seen by the others within
# this plus the time to read and patch it (bench/README.md, "Several nodes")
MAX_FOLLOWED = 50  # more changes at once than this: rebuild the index rather than patch it


class ChangeFollower:
    def __init__(self, store, writer, labels, events):
        self.store, self.writer, self.labels, self.events = store, writer, labels, events
        self.seen = 0  # the last change number this node has followed
        self._own: set[int] = set()  # changes this node committed, after `seen`: already followed
        self.last_error: str | None = None
        self._stop = threading.Event()

    def catch_up(self) -> bool:
        """Follow what other nodes committed since this one last looked; True when something came. Runs under
        the writer's lock: a change of this node and one followed from elsewhere never interleave."""
        with self.writer.exclusive():
            stamp, token = self.store.read_commit()
            seen_stamp, seen_token = self.store.seen_commit()
            if stamp == seen_stamp and token == seen_token:
                return False
            history = self.writer.history
            numbers = sorted(n for n in history.numbers() if n > self.seen)
            changes = [c for c in (history.get(n) for n in numbers if n not in self._own) if c is not None]
            parts, rebuild = [], len(changes) > MAX_FOLLOWED
            graphs = {ox.NamedNode(v.graph): v.id for v in self.store.catalogue.read(
                self.store._catalogue_quads()).values()}
            for change in changes if not rebuild else ():
                vocabulary = graphs.get(ox.NamedNode(change.graph))
                if change.kind == "load" or change.vocabulary and vocabulary is None:
                    rebuild = True
                    break
                if vocabulary is None:
                    continue  # a graph that is no vocabulary: no label of the index
                removed, added = history.triples(change.number)
                uris = [n.value for n in touched(removed, added)]
                parts.append((vocabulary, uris, Overlay(self.store, ox.NamedNode(change.graph))))
            self.labels.follow(seen_stamp, stamp, None if rebuild else parts)
            self.store.moved_to(stamp, token)
            if numbers:
                self.seen = numbers[-1]
                self._own = {n for n in self._own if n > self.seen}
                history.committed(numbers[-1])
        for change in changes:
            self.events.publish(change)
        return True

    def committed(self, numbers: list[int]) -> None:
        """This node committed changes `numbers` (under the writer's lock): nothing to follow for them."""
        self._own.update(numbers)

    def start(self) -> "ChangeFollower":
        """Start following (a daemon thread) from the current end of the log."""
        self.seen = self.writer.history.next_number() - 1
        threading.Thread(target=self._run, name="change-follower", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(POLL):
            try:
                self.catch_up()
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - the store may be away for a while: said in /health
                if self.last_error is None:
                    log.warning("cannot follow the store's change log: %s", exc)
                self.last_error = f"{type(exc).__name__}: {exc}"
                time.sleep(1.0)
