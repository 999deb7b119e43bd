"""Evaluating one query message against a store, with the row cap and the deadline enforced while
pyoxigraph writes the results; used by the worker processes (pool.py) and the threads (threads.py)."""

from __future__ import annotations

import threading
import time


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

    query, default_graphs, named_graphs, max_rows, *rest = message
    kwargs = {"base_iri": rest[0]} if rest and rest[0] else {}  # relative IRIs: against the endpoint's IRI
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
