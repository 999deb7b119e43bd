"""What a SPARQL update would change, learnt before the write path decides whether to write it
(sparql/update.py): the vocabularies are never updated by client text.

- `shadow_update`: an update whose templates were rewritten to write only into a fresh shadow graph (what it
  would delete and insert, as records) runs on the store itself; the shadow graph is read and removed. The
  cost is the update's own evaluation, whatever the size of the graphs.
- `Workspace`: a writable checkpoint of the store (hard links beside it: milliseconds, nothing copied), where an
  update of several operations is evaluated one operation after the other (sparql/operations.py), each seeing
  what the previous ones did; removed at once.
- `ScratchCopy`: the graphs an update may touch, copied into memory, where the update runs as written; for the
  shapes nothing else covers (blank nodes or typed literals in templates; a store held in memory). Reading a
  graph out of the on-disk store costs about 11 µs a triple.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:
    from vocabserver.store.embedded import VocabStore


class ScratchCopy:
    def __init__(self, source: "VocabStore", graphs: list[ox.NamedNode]):
        self._store = ox.Store()
        # Each graph's N-Triples as read from the store (the state before): reading a graph from disk costs
        # about 11 µs a triple (DENO 0.3 s, AUTR 1.2 s), so it is read once, for the copy and the comparison.
        self.before: dict[ox.NamedNode, bytes] = {}
        for graph in graphs:
            self.before[graph] = source.dump_graph(graph)
            self._store.bulk_load(self.before[graph], format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            # The default graph is the union of the graphs, as for queries: read by a WHERE, never written.
            self._store.bulk_load(self.before[graph], format=ox.RdfFormat.N_TRIPLES)
        self._default = self._default_lines()

    def update(self, text: str, base: str | None = None) -> None:
        """Run the update on the copy (pyoxigraph's SyntaxError and errors pass through)."""
        self._store.update(text, base_iri=base)

    def _default_lines(self) -> set:
        return set(self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines())

    def wrote_default_graph(self) -> bool:
        """Whether the update wrote the default graph itself: added to it, or removed from it what the named graphs
        still hold (CLEAR ALL, which empties the graphs too, is not a write of the union)."""
        after = self._default_lines()
        if after - self._default:
            return True
        gone = self._default - after
        if not gone:
            return False
        held = set()
        for graph in self._store.named_graphs():
            held.update(self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph).splitlines())
        return bool(gone & held)

    def named_graphs(self) -> list:
        return list(self._store.named_graphs())

    def dump_graph(self, graph: ox.NamedNode) -> bytes:
        """As VocabStore.dump_graph: equal triples give equal N-Triples lines."""
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)


SCRATCH = ".scratch"  # beside the store's files: workspaces (removed after use, and at each writable open)


class Workspace:
    """A writable checkpoint of the store: the state the update starts from, which it may change freely."""

    def __init__(self, source: "VocabStore"):
        root = Path(source.path) / SCRATCH
        root.mkdir(exist_ok=True)
        self._folder = Path(tempfile.mkdtemp(dir=root))
        source.backup(self._folder / "store")
        self.store = ox.Store(str(self._folder / "store"))
        self.base_uri = source.base_uri

    def close(self) -> None:
        del self.store
        shutil.rmtree(self._folder, ignore_errors=True)


def clear_workspaces(path: Path) -> None:
    """Workspaces left by a process that stopped in the middle of an update."""
    shutil.rmtree(Path(path) / SCRATCH, ignore_errors=True)


def shadow_records(store: ox.Store, base_uri: str, make_update, base: str | None = None) -> list[ox.Triple]:
    """Run `make_update(shadow graph)` on a pyoxigraph store, return what it wrote into that graph, remove it."""
    shadow = ox.NamedNode(f"{base_uri}graph/shadow/{uuid.uuid4().hex}")
    try:
        store.update(make_update(shadow), base_iri=base)
        return [q.triple for q in store.quads_for_pattern(None, None, None, shadow)]
    finally:
        store.remove_graph(shadow)


def shadow_update(store: "VocabStore", make_update, base: str | None = None) -> list[ox.Triple]:
    """Run `make_update(shadow graph)` on the store, return what it wrote into that graph, and remove it. The
    shadow graph lives under `<base>graph/`: no reader sees it, and a crash leaves it to the next writable
    open, which clears such graphs."""
    if store.read_only:
        from vocabserver.store.embedded import StoreError

        raise StoreError("this store is open read-only: writes go to the process that holds it")
    return shadow_records(store.store, store.base_uri, make_update, base)
