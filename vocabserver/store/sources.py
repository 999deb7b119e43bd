"""What the SPARQL worker processes read (sparql/pool.py): a snapshot of the store's readable graphs as
N-Quads, loaded into the worker's own in-memory store, or, where nothing writes, the store directory opened
read-only. The store package is the only one that opens pyoxigraph stores."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox


@dataclass(frozen=True)
class Source:
    kind: str  # "snapshot" (N-Quads file) or "store" (directory opened read-only)
    path: str
    generation: str  # the store's modified stamp this source reflects
    catalogue: str = ""  # "store": the catalogue graph, which lists the committed graphs


def open_source(source: Source):
    """In the worker: (the store to query, the graphs a union may read or None for all of them)."""
    if source.kind == "store":
        store = ox.Store.read_only(source.path)
        return store, _committed_graphs(store, source.catalogue)
    store = ox.Store()
    store.bulk_load(path=source.path, format=ox.RdfFormat.N_QUADS)
    return store, None


def _committed_graphs(store, catalogue: str) -> list[str] | None:
    """The graphs a read-only view may show (the catalogue and the graphs it lists), or None when the
    store holds no other graph, so that the faster union of all graphs is the same thing."""
    graph = ox.NamedNode(catalogue)
    name = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#name")
    live = {graph.value} | {q.object.value for q in store.quads_for_pattern(None, name, None, graph)}
    if all(g.value in live for g in store.named_graphs()):
        return None
    return sorted(live)


_SNAPSHOT_PREFIX = "vocabserver-sparql-"


def _remove_orphan_snapshots(root: Path) -> None:
    """Snapshot folders of server processes that no longer exist (killed without clean-up)."""
    for folder in root.glob(_SNAPSHOT_PREFIX + "*"):
        try:
            pid = int(folder.name[len(_SNAPSHOT_PREFIX):].split("-")[0])
        except ValueError:
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass  # another user's live process


def snapshot_factory(store, folder: Path | None = None):
    """A source factory writing the store's live graphs as N-Quads for the workers to load.

    The snapshots live in a temporary folder named after this process, removed at exit (and, if the
    process was killed, by the next server that starts)."""
    if folder is None:
        root = Path(tempfile.gettempdir())
        _remove_orphan_snapshots(root)
        folder = Path(tempfile.mkdtemp(prefix=f"{_SNAPSHOT_PREFIX}{os.getpid()}-", dir=root))
        atexit.register(shutil.rmtree, folder, True)

    def make() -> Source:
        generation = store.modified()
        path = folder / f"snapshot-{abs(hash(generation)):x}.nq"
        with path.open("wb") as out:
            for graph in store.readable_graphs():
                ox.serialize((q for q in store.quads(None, None, None, graph)), out,
                             format=ox.RdfFormat.N_QUADS)
        return Source("snapshot", str(path), generation)

    return make


def store_factory(store):
    def make() -> Source:
        return Source("store", str(store.path), store.modified(), store.catalogue.graph.value)

    return make
