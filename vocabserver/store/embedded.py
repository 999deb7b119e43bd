"""The vocabulary store: a pyoxigraph store with one named graph per vocabulary.

Writes follow one protocol so that a failed or refused load changes nothing:
  1. the new content is bulk-loaded into a graph no reader looks at (the
     vocabulary's own graph when it is new, a staging graph when it replaces);
  2. it is checked there;
  3. one SPARQL update makes it live (MOVE from staging) and writes its
     catalogue entry. Readers list vocabularies from the catalogue, so a graph
     without an entry (a crash during step 1) is invisible and is cleared at
     the next writable open.
"""

from __future__ import annotations

import fcntl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from vocabserver.store import reader_views
from vocabserver.store.catalogue import VOID, Catalogue, VocabularyInfo
from vocabserver.store.errors import (  # noqa: F401 - also imported from here
    RESERVED_IDS, VOCAB_ID, BaseMismatch, StoreError, StoreLocked, UnknownVocabulary, validate_id)
from vocabserver.rdf.namespaces import SKOS_PREFIXES
from vocabserver.store.queries import render
from vocabserver.store.remote import RemoteSettings, RemoteStore
from vocabserver.store.resources import ResourceReads
from vocabserver.store.scratch import clear_workspaces
from vocabserver.store.sources import readable_graphs
from vocabserver.store.writes import StoreWrites
from vocabserver.rdf.formats import RdfFormatInfo

# Beside the store's own files: read-only servers hold a shared lock on the first; writers write the
# second after each commit so that read-only servers notice it with one stat.
READERS_FILE = ".vocabserver-readers"
COMMIT_FILE = ".vocabserver-commit"

@dataclass
class Staged:
    """A checked graph waiting to be made live."""
    vocab_id: str
    graph: ox.NamedNode
    counts: dict[str, int]
    schemes: list[dict]
    source: str
    version: str = ""
    policy: str = "lenient"
    properties: dict[str, int] = field(default_factory=dict)  # triples per property


class VocabStore(ResourceReads, StoreWrites):
    def __init__(self, path: Path | None, base_uri: str | None, read_only: bool = False,
                 default_base_uri: str = "http://localhost:8080/", remote: "RemoteSettings | None" = None):
        """`base_uri` None means "not configured": use the store's own, or the default for a new store.
        `remote`: a SPARQL 1.1 store over HTTP (store/remote.py) holds the RDF; `path` then only holds what is
        local to this node (the accounts database when no other is configured, the label index's copy)."""
        self.local_dir = path
        self.view_path = path  # what a read-only process has open: the store, or a view the writer published
        self.publish_views = False  # a writer with read-only processes beside it: a view after each commit
        self._view_hold = None
        self.remote = remote
        self.shared = remote is not None  # other processes may write the same store at any time
        self.path = None if remote is not None else path
        self.read_only = read_only
        self._commit = ""  # a shared store: the commit token of the state this process has read (conditional.py)
        self._lease_held = threading.local()  # a shared store: the write lease this thread holds (writes.py)
        # One writer per vocabulary at a time; loads of different vocabularies may overlap.
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._cache: dict[str, VocabularyInfo] | None = None
        self._cache_modified = ""
        self._live: dict[ox.NamedNode, str] = {}
        # Only this process writes (pyoxigraph's lock), so the stamp is read once and updated by commits.
        self._modified: str | None = None
        try:
            if remote is not None:
                if path is not None:
                    path.mkdir(parents=True, exist_ok=True)  # what stays local to this node
                self.store = RemoteStore(remote)
            elif path is None:
                self.store = ox.Store()
            elif read_only:
                # Only for a store no process writes to: pyoxigraph leaves concurrent use undefined.
                if not (path / "CURRENT").exists():
                    raise StoreError(f"no store at {path}: load vocabularies first (vocabserver load)")
                # The writer's last published view when there is one (store/reader_views.py).
                self.view_path = reader_views.named_view(path, path / COMMIT_FILE) or path
                self.store = ox.Store.read_only(str(self.view_path))
                self._view_hold = reader_views.hold(self.view_path)
            else:
                path.mkdir(parents=True, exist_ok=True)
                self.store = ox.Store(str(path))
        except StoreError:
            raise
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreLocked(
                    f"the store {path} is in use by another process (a running server?): "
                    "stop it, or run this command against another --data-dir") from None
            raise StoreError(f"cannot open the store {path}: {exc}") from None
        self.base_uri = self._choose_base(base_uri, default_base_uri)
        self.catalogue = Catalogue(self.base_uri)
        self._readers = None  # the shared lock a read-only server holds while it serves
        self._commit_seen: int | None = None
        self._checked_at = 0.0
        self._union_live: tuple[str, bool] | None = None
        self._readable: tuple[str, list] | None = None
        if self.path is not None:
            if read_only:
                self._readers = _hold_shared(path / READERS_FILE)
                self._commit_seen = _stamp(path / COMMIT_FILE)
            else:
                (path / READERS_FILE).touch(exist_ok=True)
                reader_views.remove_all(path)
        if not read_only and not self.shared:
            # (Over a shared store another node may be loading: its staging graphs are its own.)
            self._clear_uncommitted()
            if path is not None:
                clear_workspaces(path)

    # -- several processes ---------------------------------------------------
    def readers_present(self) -> bool:
        """True when read-only servers hold this store (they take a shared lock on a file beside it)."""
        if self.path is None or self.read_only:
            return False
        try:
            with open(self.path / READERS_FILE, "rb") as lock_file:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return True
                fcntl.flock(lock_file, fcntl.LOCK_UN)
        except OSError:
            return False
        return False

    def follow_commits(self, every: float = 1.0, move: bool = True) -> bool:
        """Read-only: reopen the store when a writer has committed since (checked at most every `every` s,
        one stat); True when it did. A read-only pyoxigraph store sees the state of when it was opened.
        `move` False: the caller moves this process to the new state itself (`moved_to`), once what derives
        from the state (the label index) follows — changes/follow.py."""
        if not self.read_only or self.path is None:
            return False
        if every:
            now = time.monotonic()
            if now - self._checked_at < every:
                return False
            self._checked_at = now
        stamp = _stamp(self.path / COMMIT_FILE)
        if stamp == self._commit_seen:
            return False
        view = reader_views.named_view(self.path, self.path / COMMIT_FILE) or self.path
        try:
            reopened = ox.Store.read_only(str(view))
        except OSError:
            return False  # the writer is between two files: next time
        old_hold, self._view_hold = self._view_hold, reader_views.hold(view)
        self.store, self.view_path = reopened, view
        if old_hold is not None:
            old_hold.close()
        self._commit_seen = stamp
        if move:
            self._modified = None
        self._cache = None
        self._union_live = None
        self._readable = None
        return True

    def _announce_commit(self) -> None:
        """Tell read-only processes that the store changed (they compare this file's stamp); while some are
        present, they get a view of the new state to open (store/reader_views.py)."""
        if self.path is not None:
            marker = self.path / COMMIT_FILE
            if self.publish_views or self.readers_present():
                reader_views.publish(self, marker)
            else:
                marker.write_text(self.modified() + "\n", encoding="utf-8")

    def publish_view(self) -> None:
        """Publish a view of the current state for read-only processes (`serve --workers N`, at start)."""
        reader_views.publish(self, self.path / COMMIT_FILE)

    def union_is_live(self) -> bool:
        """Whether every graph of the store is committed, so that the union of all graphs is what readers
        may see (a read-only view can hold a load's staging graph: then queries name the live graphs)."""
        modified = self.modified()
        if self._union_live is None or self._union_live[0] != modified:
            # The rule the SPARQL workers apply to their checkpoints (store/sources.py), on this store.
            self._union_live = (modified, readable_graphs(self.store, self.base_uri) is None)
        return self._union_live[1]

    # -- naming -----------------------------------------------------------
    def graph_iri(self, vocab_id: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base_uri}graph/{vocab_id}")

    def staging_iri(self, vocab_id: str) -> ox.NamedNode:
        return ox.NamedNode(f"{self.base_uri}graph/{vocab_id}/staging")

    @property
    def history_graph(self) -> ox.NamedNode:
        """The graph of the change log (changes/history.py): beside the vocabularies, queryable, kept."""
        return ox.NamedNode(f"{self.base_uri}graph/history")

    def readable_graphs(self) -> list[ox.NamedNode]:
        """What SPARQL reads: the live vocabularies, the catalogue, the change log and the other graphs
        written through SPARQL Update or the Graph Store Protocol (computed once per store state: every commit
        that adds a graph moves the stamp)."""
        modified = self.modified()
        if self._readable is None or self._readable[0] != modified:
            graphs = list(self.live_graphs())
            if self.has_graph(self.history_graph):
                graphs.append(self.history_graph)
            self._readable = (modified, graphs + self.other_graphs())
        return self._readable[1]

    # -- reading ----------------------------------------------------------
    def _catalogue_quads(self):
        self.count_operation()
        return self.store.quads_for_pattern(None, None, None, self.catalogue.graph)

    def vocabularies(self) -> dict[str, VocabularyInfo]:
        """Committed vocabularies, from the catalogue (cached until the store changes)."""
        modified = self.modified()
        if self._cache is None or modified != self._cache_modified:
            self._cache = self.catalogue.read(self._catalogue_quads())
            self._live = {ox.NamedNode(v.graph): v.id for v in self._cache.values()}
            self._live[self.catalogue.graph] = "catalogue"
            self._cache_modified = modified
        return self._cache

    def live_graphs(self) -> dict[ox.NamedNode, str]:
        """Committed graphs (vocabularies and catalogue) -> vocabulary id: what readers may see."""
        self.vocabularies()
        return self._live

    def modified(self) -> str:
        """When the store last changed (xsd:dateTime of the last commit): the base of caches and ETags. A shared
        store's is the one this process last read (`sync`: the change-log follower calls it often)."""
        if self._modified is None and self.shared:
            self._modified, self._commit = self.read_commit()
        if self._modified is None:
            self.count_operation()
            self._modified = next((q.object.value for q in self.store.quads_for_pattern(
                self.catalogue.root, ox.NamedNode("http://purl.org/dc/terms/modified"), None,
                self.catalogue.graph)), "")
        return self._modified

    @property
    def triple_terms(self) -> bool:
        """Whether the store keeps RDF 1.2 triple terms (the change log's form: changes/history.py)."""
        return getattr(self.store, "triple_terms", True)

    # -- a shared store ------------------------------------------------------
    @property
    def commit_predicate(self) -> ox.NamedNode:
        return ox.NamedNode(self.base_uri + "ns#commit")

    def read_commit(self) -> tuple[str, str]:
        """(commit stamp, commit token) as the store holds them now: one request."""
        self.count_operation()
        rows = list(self.store.query(render("store/commit-state", catalogue=self.catalogue.graph,
                                            root=self.catalogue.root, commit=self.commit_predicate)))
        stamps = sorted(row["modified"].value for row in rows if row["modified"] is not None)
        tokens = sorted(row["commit"].value for row in rows if row["commit"] is not None)
        return (stamps[-1] if stamps else ""), (tokens[0] if tokens else "")

    def seen_commit(self) -> tuple[str | None, str]:
        """(commit stamp, commit token) of the state this process last read (None: not read yet)."""
        return self._modified, self._commit

    def sync(self) -> bool:
        """A shared store: read the commit state again; True (and this process's caches dropped) when another
        process committed since this one last read it."""
        if not self.shared:
            return False
        stamp, token = self.read_commit()
        if (stamp, token) == self.seen_commit():
            return False
        self.moved_to(stamp, token)
        return True

    def local_copy(self, graph: ox.NamedNode) -> "VocabStore":
        """A store in memory holding a copy of `graph` (one request to a remote store): where whole-graph checks and
        counts run, evaluated by pyoxigraph whatever the engine (Virtuoso 7 lacks parts of SPARQL 1.1 they use) and
        without a round trip per row."""
        scratch = VocabStore(None, self.base_uri)
        scratch.store.bulk_load(self.dump_graph(graph), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        return scratch

    def moved_to(self, stamp: str, token: str) -> None:
        self._modified, self._commit = stamp, token
        self._cache = None
        self._union_live = None
        self._readable = None

    def info(self, vocab_id: str) -> VocabularyInfo:
        vocabularies = self.vocabularies()
        if vocab_id not in vocabularies:
            raise UnknownVocabulary(vocab_id, vocabularies)
        return vocabularies[vocab_id]

    def query(self, sparql: str, **kwargs):
        self.count_operation()
        return self.store.query(sparql, **kwargs)

    @property
    def other_graph_predicate(self) -> ox.NamedNode:
        return ox.NamedNode(self.base_uri + "ns#otherGraph")

    def other_graphs(self) -> list[ox.NamedNode]:
        """Named graphs written by SPARQL Update or the Graph Store Protocol: any outside `<base>graph/`, where
        the vocabularies, the server's own graphs and loads in progress live (the writer refuses it to them).
        A remote store lists them in the catalogue (the writer records each graph it writes there): an engine
        may hold graphs of its own, and Virtuoso can only list graphs by reading every quad."""
        self.count_operation()
        if self.shared:
            listed = [q.object for q in self.store.quads_for_pattern(
                self.catalogue.root, self.other_graph_predicate, None, self.catalogue.graph)]
            return [g for g in listed if isinstance(g, ox.NamedNode) and self.store.contains_named_graph(g)]
        prefix = self.base_uri + "graph/"
        return [g for g in self.store.named_graphs() if isinstance(g, ox.NamedNode) and not g.value.startswith(prefix)]

    def dump_graph(self, graph: ox.NamedNode) -> bytes:
        """One graph as N-Triples (pyoxigraph writes each term one way: equal triples give equal lines)."""
        self.count_operation()
        return self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=graph)

    def has_graph(self, graph: ox.NamedNode) -> bool:
        self.count_operation()
        return self.store.contains_named_graph(graph)

    def contains(self, quad: ox.Quad) -> bool:
        self.count_operation()
        return quad in self.store

    def quads(self, subject=None, predicate=None, obj=None, graph=None):
        """The quads matching a pattern (None matches anything): the seam's one pattern read, so that callers
        outside this package never hold pyoxigraph's Store."""
        self.count_operation()
        return self.store.quads_for_pattern(subject, predicate, obj, graph)

    def export(self, vocab_id: str, fmt: RdfFormatInfo, output: IO[bytes] | None = None) -> bytes | None:
        info = self.info(vocab_id)
        self.count_operation()
        kwargs = {"format": fmt.oxigraph, "from_graph": ox.NamedNode(info.graph)}
        if fmt.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML, ox.RdfFormat.TRIG):
            kwargs["prefixes"] = SKOS_PREFIXES
        return self.store.dump(output, **kwargs)

    def entry_quads(self, vocab_id: str, with_root: bool = False) -> list[ox.Quad]:
        """The catalogue's description of one vocabulary (its dataset and partitions), and the root's commit
        stamp: what a change of that vocabulary rewrites."""
        graph, dataset = self.catalogue.graph, self.catalogue.dataset(vocab_id)
        found = list(self.store.quads_for_pattern(dataset, None, None, graph))
        prefix = dataset.value + "#"
        for part in {q.object for q in found if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(prefix)}:
            found.extend(self.store.quads_for_pattern(part, None, None, graph))
        root = self.store.quads_for_pattern(self.catalogue.root, None, None, graph)
        dct_modified = "http://purl.org/dc/terms/modified"
        found.extend(q for q in root if with_root or q.predicate.value == dct_modified)
        return found

    def backup(self, target: Path) -> None:
        """A consistent, immutable copy of the store as it is now, in `target` (which must not exist): a RocksDB
        checkpoint, hard links beside the store's files (milliseconds, whatever the store's size), to be
        opened read-only."""
        self.count_operation()
        self.store.backup(str(target))

    def close(self) -> None:
        if hasattr(self, "store"):
            del self.store
        if self._readers is not None:
            self._readers.close()
            self._readers = None

    # -- consistency --------------------------------------------------------
    def _choose_base(self, configured: str | None, default: str) -> str:
        # Looked up in any graph: under another base the catalogue graph has another name too.
        stored = next((q.object.value for q in self.store.quads_for_pattern(
            None, ox.NamedNode(VOID + "uriSpace"), None, None)), None)
        if configured and stored and configured != stored:
            raise BaseMismatch(
                f"the store {self.path} was loaded with base URI {stored!r}, not {configured!r}: "
                f"its minted URIs would not resolve. Set VOCABSERVER_BASE_URI (or --base-uri) to {stored!r}, "
                "or load into a new --data-dir.")
        return configured or stored or default

    def _clear_uncommitted(self) -> None:
        live = {ox.NamedNode(v.graph) for v in self.vocabularies().values()} | {self.catalogue.graph,
                                                                                self.history_graph}
        prefix = self.base_uri + "graph/"
        for graph in list(self.store.named_graphs()):
            if isinstance(graph, ox.NamedNode) and graph.value.startswith(prefix) and graph not in live:
                self.store.remove_graph(graph)


def _hold_shared(path: Path):
    """Open and share-lock `path` (kept open while serving); None where the folder allows neither."""
    try:
        lock_file = open(path, "rb") if path.exists() else open(path, "ab+")
        fcntl.flock(lock_file, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return lock_file
    except OSError:
        return None


def _stamp(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
