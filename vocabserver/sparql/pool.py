"""SPARQL evaluation in worker processes, so that a runaway query can really be stopped.

pyoxigraph 0.5 cannot cancel a query once it is evaluating (an ORDER BY or a
COUNT over a huge join computes long before its first row). Each query
therefore runs in one of a few worker processes; at the deadline the worker
is killed and replaced, and the CPU it used is given back.

A worker reads either a snapshot of the store (N-Quads written by the server
when it starts, and again after every commit, loaded into the worker's
in-memory store), or, in read-only deployments where nothing writes, the
store directory itself opened read-only.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing as mp
import os
import queue
import resource
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    kind: str  # "snapshot" (N-Quads file) or "store" (directory opened read-only)
    path: str
    generation: str  # the store's modified stamp this source reflects
    catalogue: str = ""  # "store": the catalogue graph, which lists the committed graphs


class _Stop(Exception):
    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class _LineWriter:
    """Receives pyoxigraph's serialization (TSV or N-Triples: one result a line) and stops it at the
    row cap or the deadline by raising from write()."""

    def __init__(self, max_lines: int, deadline: float | None):
        self.chunks: list[bytes] = []
        self.lines = 0
        self.max_lines, self.deadline = max_lines, deadline

    def write(self, data) -> int:
        data = bytes(data)
        self.chunks.append(data)
        self.lines += data.count(b"\n")
        if self.lines > self.max_lines:
            raise _Stop("cap")
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise _Stop("timeout")
        return len(data)

    def flush(self) -> None:
        pass

    def value(self) -> bytes:
        return b"".join(self.chunks)


# Evaluation runs on a thread with a large stack: pyoxigraph's parser and evaluator recurse, and a query
# near the size and depth caps (sparql_guard) needs more than the 8 MB of a main thread. Only the pages
# touched are used; the rest is address space.
EVALUATION_STACK = 256 * 1024 * 1024
_stack_guard = threading.Lock()


def start_large_stack_thread(target, name: str, args: tuple = ()) -> threading.Thread:
    with _stack_guard:  # threading.stack_size is process-wide: set it only around this start
        previous = threading.stack_size(EVALUATION_STACK)
        try:
            thread = threading.Thread(target=target, args=args, name=name, daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread


def run_query(store, message: tuple, deadline: float | None = None) -> tuple:
    """Evaluate one query message; the reply tuple that `EvaluatorPool.evaluate` documents.

    pyoxigraph writes the results itself (TSV for solutions, N-Triples for graphs: one result a line)
    into a writer that counts lines, which enforces the row cap and, in thread mode, the deadline
    without a Python loop over rows. Solutions are then turned into SPARQL JSON, still by pyoxigraph.
    """
    import pyoxigraph as ox

    query, default_graphs, named_graphs, max_rows = message
    kwargs = {}
    if default_graphs == "union":
        # Faster than listing the graphs (4x on property paths); workers hold only live graphs.
        kwargs["use_default_graph_as_union"] = True
    elif default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs] or ox.DefaultGraph()
    if named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    started = time.perf_counter()
    try:
        results = store.query(query, **kwargs)
        if isinstance(results, ox.QueryBoolean):
            reply = ("ask", bool(results))
        elif isinstance(results, ox.QuerySolutions):
            writer = _LineWriter(max_rows + 1, deadline)  # + the header line
            results.serialize(writer, format=ox.QueryResultsFormat.TSV)
            parsed = ox.parse_query_results(writer.value(), format=ox.QueryResultsFormat.TSV)
            reply = ("select", parsed.serialize(format=ox.QueryResultsFormat.JSON))
        else:
            writer = _LineWriter(max_rows, deadline)
            results.serialize(writer, format=ox.RdfFormat.N_TRIPLES)
            reply = ("graph", writer.value())
    except _Stop as stop:
        reply = ("cap", max_rows) if stop.kind == "cap" else ("timeout",)
    except SyntaxError as exc:
        reply = ("syntax", str(exc))
    except MemoryError:
        reply = ("memory",)
    except Exception as exc:  # a store error must not kill the worker silently
        reply = ("error", f"{type(exc).__name__}: {exc}")
    return reply if reply[0] in ("timeout", "memory") else (*reply, time.perf_counter() - started)


def _limit_memory(megabytes: int) -> None:
    """Cap this process's address space: an allocation beyond it fails, and the process dies
    (Rust aborts: SIGABRT) or raises MemoryError (Python), instead of taking the machine's memory."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker_main(conn, source: Source, memory_mb: int = 0) -> None:  # runs in the child process
    _limit_memory(memory_mb)
    thread = start_large_stack_thread(_serve_queries, "sparql-evaluation", (conn, source))
    thread.join()


def _serve_queries(conn, source: Source) -> None:
    import pyoxigraph as ox

    live = None
    if source.kind == "store":
        store = ox.Store.read_only(source.path)
        live = _committed_graphs(store, source.catalogue)
    else:
        store = ox.Store()
        store.bulk_load(path=source.path, format=ox.RdfFormat.N_QUADS)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        if message is None:
            return
        if live is not None and message[1] == "union":
            message = (message[0], live, live, message[3])
        conn.send(run_query(store, message))


def _committed_graphs(store, catalogue: str) -> list[str] | None:
    """The graphs a read-only view may show (the catalogue and the graphs it lists), or None when the
    store holds no other graph, so that the faster union of all graphs is the same thing."""
    import pyoxigraph as ox

    graph = ox.NamedNode(catalogue)
    name = ox.NamedNode("http://www.w3.org/ns/sparql-service-description#name")
    live = {graph.value} | {q.object.value for q in store.quads_for_pattern(None, name, None, graph)}
    if all(g.value in live for g in store.named_graphs()):
        return None
    return sorted(live)


def death_kind(exitcode: int | None) -> str:
    """What killed a worker, from its exit status: an allocation beyond the address-space cap aborts."""
    if exitcode == -signal.SIGABRT:
        return "memory"
    return "crash"


class _Worker:
    def __init__(self, context, source: Source, memory_mb: int):
        self.source = source
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, source, memory_mb), daemon=True,
                                       name="vocabserver-sparql")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> bool:
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()[0] == "ready"
            except (EOFError, OSError):
                return False
        return False

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()

    def death(self) -> str:
        """After the pipe broke: wait for the process to end and say why it did."""
        self.process.join(timeout=5)
        return death_kind(self.process.exitcode)


class _Remembered:
    """Queries that killed a worker, so that a client repeating one gets the answer at once instead of
    killing worker after worker (each respawn costs seconds of CPU while others wait)."""

    def __init__(self, size: int = 256):
        self._answers: dict[tuple, tuple] = {}
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple | None:
        with self._lock:
            return self._answers.get(key)

    def put(self, key: tuple, reply: tuple) -> None:
        with self._lock:
            self._answers.pop(key, None)
            self._answers[key] = reply
            while len(self._answers) > self._size:
                self._answers.pop(next(iter(self._answers)))


class EvaluatorPool:
    """`size` worker processes; a query borrows one, a time-out kills it and a new one takes its place."""

    def __init__(self, size: int, source_factory, startup_timeout: float = 120.0, memory_mb: int = 0):
        self._context = mp.get_context("spawn")  # fork would copy the server's threads and open store
        self._source_factory = source_factory
        self.memory_mb = memory_mb
        self._killers = _Remembered()
        self._deaths: list[float] = []  # when workers died of a query (crash or memory), for the back-off
        self._startup_timeout = startup_timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._closed = False
        self.size = size
        self.ready = 0  # workers started and not killed
        self._source: Source | None = None
        # Writing the snapshot takes about a second at bundled size: off the start-up path.
        def first_start():
            self._source = source_factory()
            for _ in range(size):
                self._spawn()

        threading.Thread(target=first_start, daemon=True, name="sparql-source").start()

    def _spawn(self, delay: float = 0.0) -> None:
        def start():
            if delay:
                time.sleep(delay)
            source = self._source
            worker = _Worker(self._context, source, self.memory_mb)
            if worker.wait_ready(self._startup_timeout) and not self._closed:
                with self._lock:
                    self.ready += 1
                self._idle.put(worker)
            else:
                log.error("a SPARQL worker failed to start")
                worker.kill()
                if not self._closed:
                    time.sleep(1)
                    self._spawn()

        threading.Thread(target=start, daemon=True, name="sparql-spawn").start()

    def refresh(self, generation: str) -> None:
        """After a commit: new source; workers built on the old one are replaced as they come back."""
        with self._lock:
            if self._source is not None and generation != self._source.generation:
                old = self._source
                self._source = self._source_factory()
                if old.kind == "snapshot":
                    # Workers of the old generation may still be running a query: remove it later.
                    timer = threading.Timer(600, lambda: Path(old.path).unlink(missing_ok=True))
                    timer.daemon = True
                    timer.start()

    def evaluate(self, query: str, default_graphs, named_graphs, max_rows: int, timeout: float):
        """(kind, payload, seconds) with kind "select" (SPARQL JSON bytes), "ask" (bool), "graph"
        (N-Triples bytes), "syntax" or "error" (message), "cap" (the row cap); or ("timeout",), ("busy",),
        ("starting",), ("memory",) (the worker exceeded its memory cap), ("crash",) (it died otherwise)."""
        key = (query, repr(default_graphs), repr(named_graphs), self._source.generation if self._source else "")
        remembered = self._killers.get(key)
        if remembered is not None:
            return remembered
        deadline = time.perf_counter() + timeout
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                return ("busy",) if self.ready else ("starting",)
            if worker.source.generation != self._source.generation or not worker.process.is_alive():
                self._retire(worker)
                continue
            break
        try:
            worker.conn.send((query, default_graphs, named_graphs, max_rows))
            if not worker.conn.poll(max(0.0, deadline - time.perf_counter())):
                self._retire(worker)  # time is up: stop the evaluation for real
                return ("timeout",)
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            reply = (worker.death(),)
            log.warning("a SPARQL worker died during a query (%s)", reply[0])
            self._killers.put(key, reply)
            self._retire(worker, died=True)
            return reply
        if reply[0] == "memory":  # Python ran out first: the worker's heap may be fragmented, renew it
            self._killers.put(key, reply)
            self._retire(worker, died=True)
            return reply
        self._idle.put(worker)
        return reply

    def _retire(self, worker: _Worker, died: bool = False) -> None:
        with self._lock:
            self.ready -= 1
            delay = 0.0
            if died:
                # Back off when queries keep killing workers: respawning costs CPU the others need.
                now = time.monotonic()
                self._deaths = [t for t in self._deaths if now - t < 60] + [now]
                extra = len(self._deaths) - self.size
                delay = min(10.0, 0.5 * 2 ** (extra - 1)) if extra > 0 else 0.0
        worker.kill()
        self._spawn(delay)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break


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
        import pyoxigraph as ox

        with path.open("wb") as out:
            for graph in store.readable_graphs():
                ox.serialize((q for q in store.store.quads_for_pattern(None, None, None, graph)), out,
                             format=ox.RdfFormat.N_QUADS)
        return Source("snapshot", str(path), generation)

    return make


def store_factory(store):
    def make() -> Source:
        return Source("store", str(store.path), store.modified(), store.catalogue.graph.value)

    return make


class ThreadEvaluator:
    """Evaluation in threads of the server process (VOCABSERVER_SPARQL_ISOLATION=thread).

    Faster (no process hop) but weaker: a query that computes long before its
    first row is answered 503 at the deadline yet keeps its thread, and a CPU,
    until it ends; when every thread is held so, SPARQL answers "busy".
    Other requests are never blocked (pyoxigraph releases the GIL).
    """

    def __init__(self, size: int, store):
        self.size = self.ready = size
        self._store = store
        self._jobs: queue.Queue = queue.Queue()
        for number in range(size):  # threads with the large evaluation stack (not an executor's)
            start_large_stack_thread(self._work, f"sparql-{number}")
        self._slots = threading.BoundedSemaphore(size)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, message, deadline = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(run_query(self._store.store, message, deadline))
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                    future.set_exception(exc)

    def refresh(self, generation: str) -> None:
        pass  # reads the live store itself

    def evaluate(self, query: str, default_graphs, named_graphs, max_rows: int, timeout: float):
        if default_graphs == "union" and not (self._store.read_only and self._store.union_is_live()):
            # The writable store may hold staging graphs: list the live ones instead of the union.
            named_graphs = [g.value for g in self._store.readable_graphs()]
            default_graphs = named_graphs
        if not self._slots.acquire(timeout=min(timeout, 1.0)):
            return ("busy",)
        deadline = time.perf_counter() + timeout
        future: Future = Future()
        future.add_done_callback(lambda _: self._slots.release())
        self._jobs.put((future, (query, default_graphs, named_graphs, max_rows), deadline))
        try:
            return future.result(timeout=timeout + 0.05)
        except FutureTimeout:
            return ("timeout",)

    def close(self) -> None:
        for _ in range(self.size):
            self._jobs.put(None)
