"""SPARQL query evaluation over the vocabulary store, bounded and safe.

- Network-reaching features are refused before evaluation: SERVICE (queries)
  and every update (LOAD among them) until editing brings authentication.
- Default dataset: the default graph is the union of the vocabulary graphs;
  every vocabulary graph and the catalogue are named graphs.
- Limits: a row cap and a time limit. Rows are pulled one by one, so a
  streaming query (a cartesian product) stops at either limit. A query that
  computes long before its first row (an ORDER BY or COUNT over a huge join)
  cannot be interrupted inside pyoxigraph 0.5 (it has no cancellation): the
  caller gets a time-out answer at the deadline and the evaluation keeps one
  of a few slots until it ends, so it never blocks other requests.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

import pyoxigraph as ox

from .store import VocabStore


class QueryRefused(ValueError):
    """The query is valid SPARQL but not allowed here (HTTP 400/403)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


class QuerySyntaxError(ValueError):
    pass


class QueryLimitExceeded(RuntimeError):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    timeout: float = 10.0  # seconds
    max_rows: int = 10_000  # solutions or triples
    slots: int = 4  # queries evaluated at once


@dataclass
class QueryResult:
    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)  # select: terms (or None) in `variables` order
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    seconds: float = 0.0


# Strings, IRIs and comments are removed before looking for keywords, so that
# "SERVICE" inside a literal or an IRI is not mistaken for the operator.
_LEXICAL = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>' r"|#[^\n]*", re.S)
_SERVICE = re.compile(r"\bSERVICE\b", re.I)
_DATASET = re.compile(r"\bFROM\b", re.I)
_UPDATE = re.compile(r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b", re.I)


def skeleton(query: str) -> str:
    return _LEXICAL.sub(" ", query)


class SparqlService:
    def __init__(self, store: VocabStore, limits: Limits | None = None):
        self.store = store
        self.limits = limits or Limits()
        self._pool = ThreadPoolExecutor(max_workers=self.limits.slots, thread_name_prefix="sparql")
        self._slots = threading.BoundedSemaphore(self.limits.slots)

    def dataset(self) -> tuple[list[ox.NamedNode], list[ox.NamedNode]]:
        graphs = [ox.NamedNode(v.graph) for v in self.store.vocabularies().values()]
        return graphs, graphs + [self.store.catalogue.graph]

    def check(self, query: str) -> str:
        """Refuse what must not run; returns the query's skeleton for further inspection."""
        bare = skeleton(query)
        if _SERVICE.search(bare):
            raise QueryRefused("SERVICE is not allowed: this endpoint does not query other endpoints")
        return bare

    def refuse_update(self, update: str) -> None:
        raise QueryRefused("SPARQL Update is not accepted: this endpoint is read-only (editing, with "
                           "authentication, will come with the editing interface)", 403)

    def run(self, query: str, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None) -> QueryResult:
        bare = self.check(query)
        live_default, live_named = self.dataset()
        live = {g.value for g in live_named}
        kwargs: dict = {}
        if default_graphs or named_graphs:
            unknown = [g for g in (default_graphs or []) + (named_graphs or []) if g not in live]
            if unknown:
                raise QueryRefused(f"unknown graph(s): {', '.join(unknown)}; this store holds: {', '.join(sorted(live))}")
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []] or ox.DefaultGraph()
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or []]
        elif not _DATASET.search(bare):
            kwargs["default_graph"] = live_default
            kwargs["named_graphs"] = live_named
        if not self._slots.acquire(blocking=False):
            raise QueryLimitExceeded("too many long queries are running; try again shortly", 503)
        deadline = time.perf_counter() + self.limits.timeout
        stop = threading.Event()
        future = self._pool.submit(self._evaluate, query, kwargs, deadline, stop)
        future.add_done_callback(lambda _: self._slots.release())
        try:
            return future.result(timeout=self.limits.timeout + 0.05)
        except FutureTimeout:
            stop.set()
            raise QueryLimitExceeded(f"query exceeded the time limit of {self.limits.timeout:g} s", 503) from None

    def _evaluate(self, query: str, kwargs: dict, deadline: float, stop: threading.Event) -> QueryResult:
        started = time.perf_counter()
        try:
            results = self.store.query(query, **kwargs)
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None
        cap = self.limits.max_rows
        if isinstance(results, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(results), seconds=time.perf_counter() - started)
        if isinstance(results, ox.QuerySolutions):
            names = [v.value for v in results.variables]
            result = QueryResult("select", variables=names)
            for solution in results:
                if len(result.rows) >= cap:
                    raise QueryLimitExceeded(f"more than {cap} results: add a LIMIT (the row cap is {cap})", 400)
                if stop.is_set() or time.perf_counter() > deadline:
                    raise QueryLimitExceeded(f"query exceeded the time limit of {self.limits.timeout:g} s", 503)
                result.rows.append([solution[i] for i in range(len(names))])
        else:
            result = QueryResult("graph")
            for triple in results:
                if len(result.triples) >= cap:
                    raise QueryLimitExceeded(f"more than {cap} triples: add a LIMIT (the cap is {cap})", 400)
                if stop.is_set() or time.perf_counter() > deadline:
                    raise QueryLimitExceeded(f"query exceeded the time limit of {self.limits.timeout:g} s", 503)
                result.triples.append(triple)
        result.seconds = time.perf_counter() - started
        return result
