"""SPARQL queries over the vocabulary store, bounded and safe.

- Network-reaching features are refused before evaluation: SERVICE (queries)
  and every update (LOAD among them) until editing brings authentication.
- Default dataset: the default graph is the union of the vocabulary graphs;
  every vocabulary graph and the catalogue are named graphs.
- Limits: a row cap and a time limit. Evaluation happens in worker processes
  (sparql_pool): at the deadline the worker is killed, so even a query that
  computes for hours before its first row stops using the machine.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import pyoxigraph as ox

from vocabserver.changes.writer import FLUSH_ABOVE
from vocabserver.sparql.guard import GuardLimits, GuardRefused, Scan, scan
from vocabserver.sparql.light import is_light
from vocabserver.sparql.evaluation import run_query
from vocabserver.sparql.pool import EvaluatorPool
from vocabserver.sparql.threads import ThreadEvaluator
from vocabserver.store.embedded import VocabStore


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
    workers: int = 2  # worker processes: queries evaluated at once
    memory_mb: int = 2048  # address space of one worker process (0: no cap)
    max_query: int = 65_536  # characters of query text
    max_depth: int = 128  # nested brackets

    @property
    def guard(self) -> GuardLimits:
        return GuardLimits(self.max_query, self.max_depth)

log = logging.getLogger(__name__)


@dataclass
class QueryResult:
    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)  # select: terms (or None) in `variables` order
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)
    seconds: float = 0.0
    raw_json: bytes | None = None  # select results as SPARQL JSON, as the worker wrote them

    def solutions(self) -> list[list]:
        """The rows as terms (parsed from the worker's JSON only when a page needs them)."""
        if self.raw_json is not None and not self.rows:
            parsed = ox.parse_query_results(self.raw_json, format=ox.QueryResultsFormat.JSON)
            self.variables = [v.value for v in parsed.variables]
            self.rows = [[s[i] for i in range(len(self.variables))] for s in parsed]
        return self.rows


UNION = "union"  # the default graph is the union of the graphs workers hold: vocabularies and catalogue


# A light query (sparql_light) is short; longer ones go to the workers without being recognised.
_LIGHT_MAX = 4_000


class SparqlService:
    def __init__(self, store: VocabStore, pool: EvaluatorPool | ThreadEvaluator, limits: Limits | None = None):
        self.store = store
        self.pool = pool
        self.limits = limits or Limits()

    @property
    def endpoint(self) -> str:
        """The endpoint's IRI, against which relative IRIs of queries and updates are resolved (SPARQL 1.1
        Protocol: the service's BASE "MAY be the service endpoint")."""
        return self.store.base_uri + "sparql"

    def on_change(self, change=None) -> None:
        """A commit was announced. The next query that goes to the workers makes a view of the store at least as
        new as it (`run`: a checkpoint, milliseconds), so a query sent after a write sees that write, and a stream of small edits
        without queries costs nothing here. After a large change (changes/writer.py FLUSH_ABOVE) the view is made
        at once in the background: the checkpoint then copies RocksDB's large write-ahead log, which the first
        query would otherwise wait for (bench/README.md, "Large changes")."""
        moved = (getattr(change, "added_count", 0) or 0) + (getattr(change, "removed_count", 0) or 0)
        if moved > FLUSH_ABOVE:
            threading.Thread(target=self._refresh_quietly, name="sparql-view", daemon=True).start()

    def _refresh_quietly(self) -> None:
        try:
            self.pool.refresh(self.store.modified())
        except Exception:  # noqa: BLE001 - the next query makes the view again and says what fails
            log.exception("could not make a view of the store for SPARQL")

    def _live_dataset(self) -> tuple:
        if self.store.read_only and self.store.union_is_live():
            return UNION, None  # the common case: no load was in progress when this view was opened
        # A store may hold a staging graph during a load: name the live graphs.
        graphs = [g.value for g in self.store.readable_graphs()]
        return graphs, graphs

    def check(self, query: str) -> Scan:
        """Refuse what must not run (linear work, in the server process); the scan for further inspection."""
        try:
            found = scan(query, self.limits.guard)
        except GuardRefused as exc:
            raise QueryRefused(str(exc), exc.status) from None
        if found.service:
            raise QueryRefused("SERVICE is not allowed: this endpoint does not query other endpoints")
        return found

    def run(self, query: str, default_graphs: list[str] | None = None,
            named_graphs: list[str] | None = None, checked: Scan | None = None,
            hidden: set[str] = frozenset()) -> QueryResult:
        """`hidden`: graphs the caller may not read (private vocabularies'): the dataset is then always given
        (overriding the query's FROM), without them, the catalogue and the change log that describe them."""
        found = checked or self.check(query)
        default, named = None, None  # None: the dataset of the query's FROM clauses
        if hidden:
            server = {self.store.catalogue.graph.value, self.store.history_graph.value}
            shown = sorted(g.value for g in self.store.readable_graphs() if g.value not in hidden | server)
            nowhere = self.store.base_uri + "graph/none"
            default = [g if g in shown else nowhere for g in default_graphs] if default_graphs else shown
            named = [g for g in named_graphs if g in shown] or [nowhere] if named_graphs else shown
        elif default_graphs or named_graphs:
            # A graph the store lacks (or does not show: a load in progress) is an empty graph, as SPARQL
            # stores answer: it is replaced by the name of a graph that never exists.
            live = {g.value for g in self.store.readable_graphs()}
            nowhere = self.store.base_uri + "graph/none"
            default = [g if g in live else nowhere for g in default_graphs or []]
            named = [g for g in named_graphs or [] if g in live] or ([nowhere] if named_graphs else [])
        elif not found.has_from:
            # Every graph the evaluator holds is live: no list to send, build and check per query.
            default, named = UNION, None
        if default == UNION and not self.store.shared and len(query) <= _LIGHT_MAX and is_light(query):
            # Bounded work (sparql_light): evaluated here, without a hop to a worker.
            reply = run_query(self.store, (query, *self._live_dataset(), self.limits.max_rows, self.endpoint))
        else:
            try:
                self.pool.refresh(self.store.modified())
            except (OSError, RuntimeError) as exc:  # a view could not be made (disk full…): said, not a 500
                log.exception("could not make a view of the store for SPARQL")
                raise QueryLimitExceeded(f"SPARQL is unavailable: could not read the store ({exc})", 503) from None
            reply = self.pool.evaluate(query, default, named, self.limits.max_rows, self.limits.timeout,
                                       base=self.endpoint)
        kind = reply[0]
        if kind == "select":
            return QueryResult("select", seconds=reply[2], raw_json=reply[1])
        if kind == "ask":
            return QueryResult("ask", boolean=reply[1], seconds=reply[2])
        if kind == "graph":
            return QueryResult("graph", triples=list(ox.parse(reply[1], format=ox.RdfFormat.N_TRIPLES)),
                               seconds=reply[2])
        if kind == "syntax":
            raise QuerySyntaxError(reply[1])
        if kind == "cap":
            cap = self.limits.max_rows
            raise QueryLimitExceeded(f"more than {cap} results: add a LIMIT (the row cap is {cap})", 400)
        if kind == "timeout":
            raise QueryLimitExceeded(f"query exceeded the time limit of {self.limits.timeout:g} s", 503)
        if kind == "starting":
            raise QueryLimitExceeded("the SPARQL workers are starting: retry in a few seconds", 503)
        if kind == "unavailable":
            raise QueryLimitExceeded(f"SPARQL is unavailable: {reply[1]} (see /health)", 503)
        if kind == "memory":
            raise QueryLimitExceeded(
                f"the query exceeded the memory limit ({self.limits.memory_mb} MB for one evaluation): narrow it "
                "(a LIMIT, fewer variables in a product, no ORDER BY over everything)", 400)
        if kind == "crash":
            raise QueryLimitExceeded("the query stopped the evaluator (probably nested or chained too deeply: "
                                     "simplify it)", 400)
        if kind == "busy":
            raise QueryLimitExceeded("all query workers are busy with long queries; try again shortly", 503)
        raise QueryLimitExceeded(f"the query failed: {reply[1]}", 500)
