"""The public SPARQL endpoint over a remote store: queries forwarded to the engine, after our guard (service.py:
size, depth, SERVICE refused) and with our limits kept here.

- The dataset is always given: the live graphs of the catalogue (never a load in progress of another node, nor
  an engine's own graphs), or the union when every graph is live and the engine has one that is only ours.
- The time limit: the engine is told where it can be (Virtuoso's `timeout` parameter; Oxigraph server's
  `--timeout-s`, set when it is started: README, deployment), and the answer is read under a deadline here:
  at the limit the connection is closed and the client gets 503, so no query outlives its limit in our process.
- The row cap: results are read as they come and counted (lines of N-Triples; the solutions once parsed, with a
  byte bound meanwhile), beyond the cap the answer is a 400 saying so.
- At most `size` queries at once are forwarded (then 503 busy), so a burst does not queue unboundedly here.
"""

from __future__ import annotations

import threading
import time

import pyoxigraph as ox
import requests

from vocabserver.sparql.guard import GuardLimits, scan
from vocabserver.store.remote import StoreTimeout, StoreUnavailable, parse_results

_NO_LIMITS = GuardLimits(10**9, 10**9)
_BYTES_PER_ROW = 2_048  # a bound on one solution's JSON, for the byte cap while reading


class RemoteEvaluator:
    def __init__(self, store, size: int):
        self.store = store
        self.size = size
        self._slots = threading.BoundedSemaphore(size)
        self.last_error: str | None = None

    def refresh(self, generation: str) -> None:
        pass  # the engine holds the current state itself

    def state(self) -> dict:
        return {"workers": self.size, "ready": self.size, "last_error": self.last_error, "generation": None,
                "engine": self.store.store.http.server, "remote": self.store.remote.describe()}

    def _dataset(self, default_graphs, named_graphs) -> list[tuple[str, str]]:
        remote = self.store.store
        if default_graphs == "union":
            if not remote.virtuoso and self.store.union_is_live():
                return [("union-default-graph", "")]
            graphs = [g.value for g in self.store.readable_graphs()]
            default_graphs, named_graphs = graphs, graphs
        params = [("default-graph-uri", g) for g in default_graphs or []]
        if named_graphs is not None:
            params += [("named-graph-uri", g) for g in named_graphs]
        elif remote.virtuoso:  # its GRAPH ?g would otherwise see the engine's own graphs
            params += [("named-graph-uri", g.value) for g in self.store.readable_graphs()]
        return params

    def evaluate(self, query: str, default_graphs, named_graphs, max_rows: int, timeout: float,
                 base: str | None = None):
        if not self._slots.acquire(timeout=min(timeout, 1.0)):
            return ("busy",)
        started = time.perf_counter()
        try:
            return self._forward(query, default_graphs, named_graphs, max_rows, timeout, base, started)
        except StoreTimeout:
            return ("timeout",)
        except StoreUnavailable as exc:
            self.last_error = str(exc)
            return ("unavailable", str(exc))
        except SyntaxError as exc:
            return ("syntax", str(exc))
        finally:
            self._slots.release()

    def _forward(self, query, default_graphs, named_graphs, max_rows, timeout, base, started):
        remote = self.store.store
        params = self._dataset(default_graphs, named_graphs)
        if remote.virtuoso:
            params.append(("timeout", str(int(timeout * 1000))))  # milliseconds, enforced by the engine
        text = f"BASE <{base}>\n{query}" if base else query
        graph_form = scan(query, _NO_LIMITS).graph_form  # already checked by the service: only the form is read
        accept = "application/n-triples, text/plain;q=0.9" if graph_form else "application/sparql-results+json"
        deadline = started + timeout
        response = remote.http.query(text, accept, params, timeout=timeout, stream=True)
        try:
            if response.headers.get("X-SQL-State") == "S1TAT":
                # Virtuoso's "anytime" answer: what it found before the limit, not the answer. Refused as such.
                return ("timeout",)
            kind = response.headers.get("Content-Type", "").split(";")[0].strip()
            graph = kind in ("application/n-triples", "text/plain", "text/turtle")
            chunks, size, lines = [], 0, 0
            limit = (max_rows + 1) * _BYTES_PER_ROW
            for chunk in _chunks(response, deadline):
                chunks.append(chunk)
                size += len(chunk)
                if graph:
                    lines += chunk.count(b"\n")
                    if lines > max_rows:
                        return ("cap", max_rows)
                elif size > limit:
                    return ("cap", max_rows)
                if time.perf_counter() > deadline:
                    return ("timeout",)
        finally:
            response.close()  # an answer not read to its end: the connection is dropped, the engine told
        body = b"".join(chunks)
        seconds = time.perf_counter() - started
        if graph:
            fmt = ox.RdfFormat.TURTLE if kind == "text/turtle" else ox.RdfFormat.N_TRIPLES
            triples = [q.triple for q in ox.parse(body, format=fmt)]
            if len(triples) > max_rows:
                return ("cap", max_rows)
            return ("graph", ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), seconds)
        parsed = parse_results(body)
        if isinstance(parsed, ox.QueryBoolean):
            return ("ask", bool(parsed), seconds)
        if sum(1 for _ in parsed) > max_rows:
            return ("cap", max_rows)
        # Written again by pyoxigraph: the same JSON whatever the engine's dialect of it (Virtuoso's "typed-literal").
        again = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        return ("select", again.serialize(format=ox.QueryResultsFormat.JSON), seconds)

    def close(self) -> None:
        pass


def _chunks(response, deadline: float):
    """The answer's bytes as they come; a read that stalls past the deadline is the time limit (the connection
    is then closed by the caller)."""
    try:
        yield from response.iter_content(65_536)
    except requests.RequestException:
        if time.perf_counter() >= deadline - 0.05:
            raise StoreTimeout("the engine did not answer within the time limit") from None
        raise StoreUnavailable("the SPARQL store closed the connection during its answer") from None
