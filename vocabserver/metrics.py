"""What the server counts, in the Prometheus text format (prometheus_client): requests by route and status,
their latency, SPARQL queries by outcome, writes and their duration, the label index's age, worker starts.

Under `vocabserver serve --workers N` every process counts in files of a shared folder
(PROMETHEUS_MULTIPROC_DIR, set by the command before the first count) and `/metrics`, answered by any process,
adds them up; a single process counts in memory. The metrics are made at their first use, not at import:
prometheus_client reads that setting when it is imported. Gauges that describe one process's state (the label
index's age) are read at scrape time from the process that answers.
"""

from __future__ import annotations

import os
import threading
import time

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_made = None
_making = threading.Lock()
_state_sources: list = []  # callables giving [(name, help, value)] of this process, read at scrape time


class _Metrics:
    def __init__(self):
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = None if self.multiprocess else CollectorRegistry(auto_describe=True)
        kw = {} if self.multiprocess else {"registry": self.registry}
        self.requests = Counter("vocabserver_http_requests_total", "HTTP requests answered, by route, method and "
                                "status.", ["route", "method", "status"], **kw)
        self.request_seconds = Histogram("vocabserver_http_request_duration_seconds", "Time to answer an HTTP "
                                         "request, by route.", ["route"], buckets=LATENCY_BUCKETS, **kw)
        self.cache_hits = Counter("vocabserver_answer_cache_hits_total", "Answers served from the encoded-answer "
                                  "cache.", **kw)
        self.sparql = Counter("vocabserver_sparql_queries_total", "SPARQL queries, by outcome (ok, syntax, refused, "
                              "limit, timeout, unavailable).", ["outcome"], **kw)
        self.writes = Counter("vocabserver_writes_total", "Writes through the write path, by kind and outcome.",
                              ["kind", "outcome"], **kw)
        self.write_seconds = Histogram("vocabserver_write_duration_seconds", "Time of one write, checks and commit "
                                       "included.", ["kind"], buckets=LATENCY_BUCKETS, **kw)
        self.starts = Counter("vocabserver_worker_starts_total", "Server processes started (more than the "
                              "processes asked for: restarts).", **kw)


def _metrics() -> _Metrics:
    global _made
    if _made is None:
        with _making:
            if _made is None:
                _made = _Metrics()
    return _made


def request_children(route: str, method: str, status: str) -> tuple:
    """The counter and histogram children of one (route, method, status): kept by the caller, labels() is slow."""
    made = _metrics()
    return made.requests.labels(route, method, status), made.request_seconds.labels(route)


def cache_hit() -> None:
    _metrics().cache_hits.inc()


def sparql_outcome(outcome: str) -> None:
    _metrics().sparql.labels(outcome).inc()


def observe_write(kind: str, outcome: str, started: float) -> None:
    made = _metrics()
    made.writes.labels(kind, outcome).inc()
    made.write_seconds.labels(kind).observe(time.perf_counter() - started)


def process_started() -> None:
    _metrics().starts.inc()


def report_state(source) -> None:
    """Register a callable returning [(metric name, help, value)] read when /metrics is asked."""
    _state_sources.append(source)


class _StateCollector:
    def collect(self):
        from prometheus_client.core import GaugeMetricFamily

        for source in list(_state_sources):
            try:
                rows = source()
            except Exception:  # noqa: BLE001 - a gauge that cannot be read is left out, never a failed scrape
                continue
            for name, text, value in rows:
                family = GaugeMetricFamily(name, text)
                family.add_metric([], value)
                yield family


def exposition() -> bytes:
    """The text format (version 0.0.4) of everything counted, in all processes of this server."""
    from prometheus_client import CollectorRegistry, generate_latest

    made = _metrics()
    if made.multiprocess:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = made.registry
    state = CollectorRegistry()
    state.register(_StateCollector())
    return generate_latest(registry) + generate_latest(state)
