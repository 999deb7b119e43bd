"""What a SPARQL update would change, learnt before the write path decides whether to write it
(sparql/update.py): the vocabularies are never updated by client text.

- `shadow_update`: an update whose templates were rewritten to write only into a fresh shadow graph (what it
  would delete and insert, as records) runs on the store itself; the shadow graph is read and removed. The
  cost is the update's own evaluation, whatever the size of the graphs.
- `ScratchCopy`: the graphs an update may touch, copied into memory, where the update runs as written; for the
  shapes the rewrite does not cover (several operations, DROP, COPY…). Reading a graph out of the on-disk store
  costs about 11 µs a triple.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import uuid

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

    def update(self, text: str, base: str | None = None) -> None:
        """Run the update on the copy (pyoxigraph's SyntaxError and errors pass through)."""
        self._store.update(text, base_iri=base)

    def wrote_default_graph(self) -> bool:
        return any(True for _ in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def named_graphs(self) -> list:
        return list(self._store.named_graphs())

    def dump_graph(self, graph: ox.NamedNode) -> bytes:
        """As VocabStore.dump_graph: equal triples give equal N-Triples lines."""
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)


def shadow_update(store: "VocabStore", make_update, base: str | None = None) -> list[ox.Triple]:
    """Run `make_update(shadow graph)` on the store, return what it wrote into that graph, and remove it. The
    shadow graph lives under `<base>graph/`: no reader sees it, and a crash leaves it to the next writable
    open, which clears such graphs."""
    if store.read_only:
        from vocabserver.store.embedded import StoreError

        raise StoreError("this store is open read-only: writes go to the process that holds it")
    shadow = ox.NamedNode(f"{store.base_uri}graph/shadow/{uuid.uuid4().hex}")
    try:
        store.store.update(make_update(shadow), base_iri=base)
        return [q.triple for q in store.store.quads_for_pattern(None, None, None, shadow)]
    finally:
        store.store.remove_graph(shadow)
