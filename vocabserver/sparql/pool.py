"""SPARQL evaluation in worker processes, so that a runaway query can really be stopped.

pyoxigraph 0.5 cannot cancel a query once it is evaluating (an ORDER BY or a
COUNT over a huge join computes long before its first row). Each query
therefore runs in one of a few worker processes; at the deadline the worker
is killed and replaced, and the CPU it used is given back.

A worker reads an immutable view of the store (`store.sources`: a checkpoint
opened read-only). Each query is sent with the view it must read; a worker
holding an older one opens the new one first (≈13 ms), so a commit never
interrupts queries and a query always reads a view at least as new as the
last commit before it. A view no worker holds any more is deleted.

A worker that cannot start is started again after a delay that doubles at
each failure (capped), and the reason is kept for /health.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import resource
import signal
import threading
import time

from vocabserver.sparql.evaluation import run_query, start_large_stack_thread
from vocabserver.store.sources import Source, open_source

log = logging.getLogger(__name__)


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
    try:
        store, live = open_source(source)
    except Exception as exc:  # noqa: BLE001 - said to the pool, which backs off and reports it
        conn.send(("failed", f"cannot open {source.kind} {source.path}: {type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server went away
        if message is None:
            return
        wanted, query = message[0], message[1:]
        if wanted != source:
            try:
                store, live = open_source(wanted)  # the older view is closed as it is dropped
                source = wanted
            except Exception as exc:  # noqa: BLE001 - this query is answered 503, the worker keeps its view
                conn.send(("unavailable", f"{type(exc).__name__}: {exc}"))
                continue
        if live is not None and query[1] == "union":
            query = (query[0], live, live, *query[3:])
        conn.send(run_query(store, query))


def death_kind(exitcode: int | None) -> str:
    """What killed a worker, from its exit status: an allocation beyond the address-space cap aborts."""
    if exitcode == -signal.SIGABRT:
        return "memory"
    return "crash"


class _Worker:
    def __init__(self, context, source: Source, memory_mb: int):
        self.source = source  # the view it has open (or is opening)
        self.holds = {source}  # the views it may have open: not deleted meanwhile
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, source, memory_mb), daemon=True,
                                       name="vocabserver-sparql")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> str | None:
        """None once ready, else why it did not start."""
        if self.conn.poll(timeout):
            try:
                reply = self.conn.recv()
            except (EOFError, OSError):
                self.process.join(timeout=5)
                return f"the worker process ended while starting (exit status {self.process.exitcode})"
            return None if reply[0] == "ready" else reply[1]
        return f"the worker did not start within {timeout:g} s"

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


BACKOFF_FIRST, BACKOFF_MAX = 0.5, 60.0  # seconds before a failed worker start is tried again


class EvaluatorPool:
    """`size` worker processes; a query borrows one, a time-out kills it and a new one takes its place."""

    def __init__(self, size: int, source_factory, startup_timeout: float = 120.0, memory_mb: int = 0,
                 remove=None):
        self._context = mp.get_context("spawn")  # fork would copy the server's threads and open store
        if memory_mb > 0:
            # A capped worker's address space is its budget: glibc reserves 64 MB of it for each thread's own heap
            # (up to 8 a core), and RocksDB's threads then failed to start under the cap now and then ("worker
            # ended while starting", SIGABRT). Two heaps; the spawned workers read it from the inherited
            # environment as they start.
            os.environ.setdefault("MALLOC_ARENA_MAX", "2")
        self._source_factory = source_factory
        self._remove = remove or (lambda source: None)  # deletes a view no worker holds any more
        self.memory_mb = memory_mb
        self._killers = _Remembered()
        self._deaths: list[float] = []  # when workers died of a query (crash or memory), for the back-off
        self._startup_timeout = startup_timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._refreshing = threading.Lock()
        self._closed = False
        self.size = size
        self.ready = 0  # workers started and not killed
        self._workers: set[_Worker] = set()  # started, starting or busy: what they hold is kept
        self._views: set[Source] = set()  # every view made and not deleted yet
        self._starting: list[Source] = []  # views of workers being started
        self._source: Source | None = None
        self._failures = 0  # worker starts failed in a row: the back-off's exponent
        self.last_error: dict | None = None  # the last start failure: {"message", "time"}

        def first_start():
            while not self._closed:
                try:
                    self._source = self._new_view()
                    break
                except Exception as exc:  # noqa: BLE001 - reported in /health, tried again after a delay
                    time.sleep(self._failed(f"cannot make a view of the store: {type(exc).__name__}: {exc}"))
            for _ in range(size):
                self._spawn()

        threading.Thread(target=first_start, daemon=True, name="sparql-source").start()

    def _new_view(self) -> Source:
        source = self._source_factory()
        with self._lock:
            self._views.add(source)
        return source

    def _collect(self) -> None:
        """Delete the views that are neither current nor held by a worker."""
        with self._lock:
            held = {view for worker in self._workers for view in worker.holds} | set(self._starting)
            unused = [view for view in self._views if view != self._source and view not in held]
            self._views.difference_update(unused)
        for view in unused:
            self._remove(view)

    def _failed(self, message: str) -> float:
        """Record a failed start; the delay before the next try."""
        with self._lock:
            self._failures += 1
            delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self._failures - 1))
            self.last_error = {"message": message, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "failures_in_a_row": self._failures, "next_try_in_s": delay}
        log.error("a SPARQL worker failed to start (%s); next try in %g s", message, delay)
        return delay

    def _spawn(self, delay: float = 0.0) -> None:
        def start():
            if delay:
                time.sleep(delay)
            if self._closed:
                return
            with self._lock:  # the view is kept from here on (`_collect` reads `_starting`)
                source = self._source
                self._starting.append(source)
            try:
                worker = _Worker(self._context, source, self.memory_mb)
            except Exception as exc:  # noqa: BLE001 - no process could be started (limits, memory): back off
                with self._lock:
                    self._starting.remove(source)
                next_try = self._failed(f"cannot start a worker process: {type(exc).__name__}: {exc}")
                if not self._closed:
                    self._spawn(next_try)
                return
            with self._lock:
                self._workers.add(worker)
                self._starting.remove(source)
            problem = worker.wait_ready(self._startup_timeout)
            if self._closed:  # the pool was closed meanwhile: nothing failed
                self._forget(worker)
                return
            if problem is None:
                with self._lock:
                    self.ready += 1
                    self._failures = 0
                self._idle.put(worker)
                return
            self._forget(worker)
            next_try = self._failed(problem)
            if not self._closed:
                self._spawn(next_try)

        threading.Thread(target=start, daemon=True, name="sparql-spawn").start()

    def _forget(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)
        self._collect()

    @property
    def generation(self) -> str | None:
        """The store stamp the current view holds (None while the first one is made)."""
        source = self._source
        return source.generation if source is not None else None

    def refresh(self, generation: str) -> None:
        """Before a query: a view of the store at `generation` or later (a checkpoint: milliseconds, made only
        when a commit came since the last one). Workers switch to it at their next query."""
        if self._source is None or generation == self._source.generation:
            return
        with self._refreshing:
            if generation == self._source.generation:
                return  # made by another query meanwhile
            fresh = self._new_view()
            with self._lock:
                self._source = fresh
        self._collect()

    def evaluate(self, query: str, default_graphs, named_graphs, max_rows: int, timeout: float,
                 base: str | None = None):
        """(kind, payload, seconds) with kind "select" (SPARQL JSON bytes), "ask" (bool), "graph"
        (N-Triples bytes), "syntax" or "error" (message), "cap" (the row cap); or ("timeout",), ("busy",),
        ("starting",), ("unavailable", message), ("memory",) (the worker exceeded its memory cap), ("crash",)
        (it died otherwise)."""
        source = self._source
        key = (query, repr(default_graphs), repr(named_graphs), source.generation if source else "")
        remembered = self._killers.get(key)
        if remembered is not None:
            return remembered
        if not self.ready and self._failures and self.last_error:
            return ("unavailable", self.last_error["message"])  # no worker can start: say why at once
        deadline = time.perf_counter() + timeout
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                if self.ready:
                    return ("busy",)
                return ("unavailable", self.last_error["message"]) if self.last_error and self._failures \
                    else ("starting",)
            if not worker.process.is_alive():
                self._retire(worker)
                continue
            break
        with self._lock:  # read and held at once: `_collect` cannot delete it in between
            source = self._source  # the newest view, which the query must read
            worker.holds.add(source)
        try:
            worker.conn.send((source, query, default_graphs, named_graphs, max_rows, base))
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
        if reply[0] != "unavailable" and worker.source != source:
            with self._lock:
                worker.holds = {source}
                worker.source = source
            self._collect()
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
        self._forget(worker)
        self._spawn(delay)

    def state(self) -> dict:
        """For /health: workers, how many are ready, and the last failure to start (or None)."""
        return {"workers": self.size, "ready": self.ready, "last_error": self.last_error,
                "generation": self.generation}

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
