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
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable

import pyoxigraph as ox

from vocabserver.store.catalogue import VOID, Catalogue, VocabularyInfo, now_literal
from vocabserver.rdf.namespaces import SKOS_PREFIXES
from vocabserver.store.queries import render
from vocabserver.store.resources import ResourceReads
from vocabserver.rdf.formats import RdfFormatInfo

# Beside the store's own files: read-only servers hold a shared lock on the first; writers write the
# second after each commit so that read-only servers notice it with one stat.
READERS_FILE = ".vocabserver-readers"
COMMIT_FILE = ".vocabserver-commit"

VOCAB_ID = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
RESERVED_IDS = {"catalogue", "graph", "dataset", "dumps", "sparql", "api", "rest", "health",
                "static", "resource", "about", "search", "ns", "well-known", "quality", "login", "logout",
                "admin", "proposals", "history", "validate", "store", "changes", "none", "all"}


class StoreError(RuntimeError):
    pass


class StoreLocked(StoreError):
    pass


class BaseMismatch(StoreError):
    pass


class UnknownVocabulary(KeyError):
    def __init__(self, vocab_id: str, known: Iterable[str]):
        self.vocab_id = vocab_id
        super().__init__(f"unknown vocabulary {vocab_id!r}; known: {', '.join(sorted(known)) or 'none'}")

    def __str__(self) -> str:
        return self.args[0]


def validate_id(vocab_id: str) -> str:
    if not VOCAB_ID.match(vocab_id or "") or vocab_id in RESERVED_IDS:
        raise ValueError(
            f"invalid vocabulary id {vocab_id!r}: use 1-40 lower-case letters, digits, '-' or '_', "
            f"starting with a letter, and none of {', '.join(sorted(RESERVED_IDS))}")
    return vocab_id


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


class VocabStore(ResourceReads):
    def __init__(self, path: Path | None, base_uri: str | None, read_only: bool = False,
                 default_base_uri: str = "http://localhost:8080/"):
        """`base_uri` None means "not configured": use the store's own, or the default for a new store."""
        self.path = path
        self.read_only = read_only
        # One writer per vocabulary at a time; loads of different vocabularies may overlap.
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()
        self._cache: dict[str, VocabularyInfo] | None = None
        self._cache_modified = ""
        self._live: dict[ox.NamedNode, str] = {}
        # Only this process writes (pyoxigraph's lock), so the stamp is read once and updated by commits.
        self._modified: str | None = None
        try:
            if path is None:
                self.store = ox.Store()
            elif read_only:
                # Only for a store no process writes to: pyoxigraph leaves concurrent use undefined.
                if not (path / "CURRENT").exists():
                    raise StoreError(f"no store at {path}: load vocabularies first (vocabserver load)")
                self.store = ox.Store.read_only(str(path))
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
        if path is not None:
            if read_only:
                self._readers = _hold_shared(path / READERS_FILE)
                self._commit_seen = _stamp(path / COMMIT_FILE)
            else:
                (path / READERS_FILE).touch(exist_ok=True)
        if not read_only:
            self._clear_uncommitted()

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

    def follow_commits(self, every: float = 1.0) -> bool:
        """Read-only: reopen the store when a writer has committed since (checked at most every `every` s,
        one stat). A read-only pyoxigraph store sees the state of when it was opened."""
        if not self.read_only or self.path is None:
            return False
        now = time.monotonic()
        if now - self._checked_at < every:
            return False
        self._checked_at = now
        stamp = _stamp(self.path / COMMIT_FILE)
        if stamp == self._commit_seen:
            return False
        try:
            reopened = ox.Store.read_only(str(self.path))
        except OSError:
            return False  # the writer is between two files: next time
        self.store = reopened
        self._commit_seen = stamp
        self._modified = None
        self._cache = None
        self._union_live = None
        return True

    def _announce_commit(self) -> None:
        """Tell read-only servers that the store changed (they compare this file's stamp)."""
        if self.path is not None:
            marker = self.path / COMMIT_FILE
            marker.write_text(self.modified() + "\n", encoding="utf-8")

    def union_is_live(self) -> bool:
        """Whether every graph of the store is committed, so that the union of all graphs is what readers
        may see (a read-only view can hold a load's staging graph: then queries name the live graphs)."""
        modified = self.modified()
        if self._union_live is None or self._union_live[0] != modified:
            readable = set(self.readable_graphs())
            self._union_live = (modified, all(g in readable for g in self.store.named_graphs()))
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
        """When the store last changed (xsd:dateTime of the last commit): the base of caches and ETags."""
        if self._modified is None:
            self.count_operation()
            self._modified = next((q.object.value for q in self.store.quads_for_pattern(
                self.catalogue.root, ox.NamedNode("http://purl.org/dc/terms/modified"), None,
                self.catalogue.graph)), "")
        return self._modified

    def info(self, vocab_id: str) -> VocabularyInfo:
        vocabularies = self.vocabularies()
        if vocab_id not in vocabularies:
            raise UnknownVocabulary(vocab_id, vocabularies)
        return vocabularies[vocab_id]

    def query(self, sparql: str, **kwargs):
        self.count_operation()
        return self.store.query(sparql, **kwargs)

    def other_graphs(self) -> list[ox.NamedNode]:
        """Named graphs written by SPARQL Update or the Graph Store Protocol: any outside `<base>graph/`, where
        the vocabularies, the server's own graphs and loads in progress live (the writer refuses it to them)."""
        self.count_operation()
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

    # -- writing ----------------------------------------------------------
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

    def commit_many(self, items: list["Staged"], also: str = "", modified: ox.Literal | None = None) -> None:
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
            self.store.update(" ;\n".join(operations))
            self.store.flush()
            self._modified = None
            self._announce_commit()
        finally:
            for lock in reversed(locks):
                lock.release()

    def apply_update(self, update: str, vocabularies: list[str] = (), stamp: str | None = None,
                     on_commit=None, entries: dict | None = None) -> None:
        """Run one SPARQL update (several operations joined by ';') as one transaction, and announce it to
        read-only servers: the write path's commit (changes/writer.py builds the update).

        No flush: the transaction is in RocksDB's write-ahead log when `update` returns, so a killed process
        finds it again at the next open (bulk loads bypass the log: they flush). `stamp` is the commit stamp
        the update writes; `on_commit` runs after the commit and before that stamp is visible to readers
        (the label index installs the index of the new state there), so caches keyed by the stamp never hold
        an answer of the old state under the new stamp. When the update rewrote some vocabularies' catalogue
        entries, only those are read again (the whole catalogue takes 25 ms)."""
        if self.read_only:
            raise StoreError("this store is open read-only: writes go to the process that holds it")
        self.store.update(update)
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

    def remove(self, vocab_id: str) -> None:
        with self.lock(vocab_id):
            self.info(vocab_id)
            self.store.update(render(
                "store/remove", graph=self.graph_iri(vocab_id), catalogue=self.catalogue.graph,
                root=self.catalogue.root, dataset=self.catalogue.dataset(vocab_id), now=now_literal()))
            self.store.flush()
            self._modified = None
            self._announce_commit()

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


def _ntriples(triples: list[ox.Triple]) -> str:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
