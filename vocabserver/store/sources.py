"""What the SPARQL worker processes read (sparql/pool.py): an immutable view of the store.

- `checkpoints` (a store on disk that this process writes): pyoxigraph's `Store.backup`, a RocksDB checkpoint
  made of hard links beside the store (3 ms on a quiet store at bundled size, more after writes, whose
  memtable it flushes), opened read-only by the workers (13 ms; bench/bench_large_changes.py). A new one is made when a query arrives after a commit, so a query
  sees every write acknowledged before it; a worker switches to it between two queries; a checkpoint no
  worker holds any more is deleted. Nothing is copied into a worker's memory.
- `directory` (a server opened read-only, several processes): the store directory itself, read-only.
- `snapshot` (a store in memory, tests only): its readable graphs as N-Quads, loaded by the worker.

The store package is the only one that opens pyoxigraph stores.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from vocabserver.store import reader_views

SD_NAME = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#name")


@dataclass(frozen=True)
class Source:
    kind: str  # "checkpoint" or "directory" (opened read-only), "snapshot" (N-Quads file)
    path: str
    generation: str  # the store's commit stamp this source holds at least
    base: str = ""  # the store's base URI: graphs under <base>graph/ are the server's


def open_source(source: Source):
    """In the worker: (the store to query, the graphs a union may read, or None when it may read them all)."""
    if source.kind == "snapshot":
        store = ox.Store()
        store.bulk_load(path=source.path, format=ox.RdfFormat.N_QUADS)
        return store, None
    store = ox.Store.read_only(source.path)
    global _held
    # A view the writer published stays on disk while this worker has it open (store/reader_views.py).
    _held = reader_views.hold(Path(source.path)) if source.kind == "directory" else None
    return store, readable_graphs(store, source.base)


_held = None


def readable_graphs(store, base: str) -> list[str] | None:
    """The graphs SPARQL may read in a read-only view: all but a load in progress (a graph under
    `<base>graph/` that is neither a committed vocabulary, listed by the catalogue, nor the catalogue or the
    change log). None when that is every graph, so that the faster union of all graphs is the same thing."""
    prefix = base + "graph/"
    catalogue = ox.NamedNode(prefix + "catalogue")
    live = {prefix + "catalogue", prefix + "history"} | {
        q.object.value for q in store.quads_for_pattern(None, SD_NAME, None, catalogue)}
    graphs = [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
    hidden = [g for g in graphs if g.startswith(prefix) and g not in live]
    if not hidden:
        return None
    return sorted(set(graphs) - set(hidden))


_PREFIX = "vocabserver-sparql-"
_SNAPSHOTS = ".sparql-snapshots"


def _owner_gone(folder: Path) -> bool:
    try:
        pid = int(folder.name[len(_PREFIX):].split("-")[0])
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # another user's live process
    return False


def _remove_orphans(root: Path) -> None:
    """Folders of server processes that no longer exist (killed without clean-up)."""
    for folder in root.glob(_PREFIX + "*"):
        if _owner_gone(folder):
            shutil.rmtree(folder, ignore_errors=True)


def _own_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    _remove_orphans(root)
    folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=root))
    atexit.register(shutil.rmtree, folder, True)
    return folder


class Checkpoints:
    """Checkpoints of a writable store on disk, in `<store>/.sparql-snapshots/<this process>/` (hard links
    need the same file system), removed at exit (and, if the process was killed, by the next server)."""

    def __init__(self, store):
        self._store = store
        self._folder = _own_folder(Path(store.path) / _SNAPSHOTS)
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()

    def __call__(self) -> Source:
        with self._lock:
            # The stamp is read before the checkpoint: the checkpoint holds at least that commit, never less.
            generation = self._store.modified()
            path = self._folder / f"checkpoint-{next(self._numbers)}"
            self._store.backup(path)
            return Source("checkpoint", str(path), generation, self._store.base_uri)

    @staticmethod
    def remove(source: Source) -> None:
        if source.kind == "checkpoint":
            shutil.rmtree(source.path, ignore_errors=True)
        elif source.kind == "snapshot":
            Path(source.path).unlink(missing_ok=True)


def snapshot_factory(store):
    """A store held in memory (tests): its readable graphs written as N-Quads for the workers to load."""
    folder = _own_folder(Path(tempfile.gettempdir()) / _SNAPSHOTS)
    numbers = itertools.count(1)

    def make() -> Source:
        generation = store.modified()
        path = folder / f"snapshot-{next(numbers)}.nq"
        with path.open("wb") as out:
            for graph in store.readable_graphs():
                ox.serialize((q for q in store.quads(None, None, None, graph)), out, format=ox.RdfFormat.N_QUADS)
        return Source("snapshot", str(path), generation, store.base_uri)

    return make


def directory_factory(store):
    """A read-only server: the workers open what it has open, read-only (the view the writer published)."""
    def make() -> Source:
        return Source("directory", str(store.view_path), store.modified(), store.base_uri)

    return make


def source_factory(store):
    """The source the SPARQL workers of this store read."""
    if store.read_only:
        return directory_factory(store)
    if store.path is None:
        return snapshot_factory(store)
    return Checkpoints(store)
