"""SPARQL evaluation in worker processes, so that a runaway query can really be stopped.

pyoxigraph 0.5 cannot cancel a query once it is evaluating (an ORDER BY or a
COUNT over a huge join computes long before its first row). Each query
therefore runs in one of a few worker processes; at the deadline the worker
is killed and replaced, and the CPU it used is given back.

A worker reads what `store.sources` gives it: a snapshot of the store (N-Quads
written by the server when it starts, and again after every commit), or, in
read-only deployments where nothing writes, the store directory itself.
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
from pathlib import Path

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
    store, live = open_source(source)
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
            ready = worker.wait_ready(self._startup_timeout)
            if self._closed:  # the pool was closed meanwhile: nothing failed
                worker.kill()
                return
            if ready:
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

    @property
    def generation(self) -> str | None:
        """The store stamp the workers' current source reflects (None while the first one is written)."""
        source = self._source
        return source.generation if source is not None else None

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


