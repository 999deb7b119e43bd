"""SPARQL evaluation in threads of the server process (VOCABSERVER_SPARQL_ISOLATION=thread)."""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from vocabserver.sparql.evaluation import run_query, start_large_stack_thread


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
                    future.set_result(run_query(self._store, message, deadline))
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                    future.set_exception(exc)

    def refresh(self, generation: str) -> None:
        pass  # reads the live store itself

    def state(self) -> dict:
        return {"workers": self.size, "ready": self.ready, "last_error": None, "generation": None}

    def evaluate(self, query: str, default_graphs, named_graphs, max_rows: int, timeout: float,
                 base: str | None = None):
        if default_graphs == "union" and not (self._store.read_only and self._store.union_is_live()):
            # The writable store may hold staging graphs: list the live ones instead of the union.
            named_graphs = [g.value for g in self._store.readable_graphs()]
            default_graphs = named_graphs
        if not self._slots.acquire(timeout=min(timeout, 1.0)):
            return ("busy",)
        deadline = time.perf_counter() + timeout
        future: Future = Future()
        future.add_done_callback(lambda _: self._slots.release())
        self._jobs.put((future, (query, default_graphs, named_graphs, max_rows, base), deadline))
        try:
            return future.result(timeout=timeout + 0.05)
        except FutureTimeout:
            return ("timeout",)

    def close(self) -> None:
        for _ in range(self.size):
            self._jobs.put(None)
