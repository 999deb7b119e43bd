"""A remote SPARQL 1.1 store (Oxigraph server, OpenLink Virtuoso, any store speaking the standards) behind the
same seam as pyoxigraph's embedded `Store`: `RemoteStore` answers the calls `VocabStore` makes of pyoxigraph's
store (pattern reads, queries, updates, graphs, bulk loads, dumps) with SPARQL 1.1 Query and Update over the
Protocol, and the Graph Store Protocol when the engine has one (loads and dumps in one request each).

Settings (config.py): VOCABSERVER_STORE_QUERY_URL, VOCABSERVER_STORE_UPDATE_URL, VOCABSERVER_STORE_GSP_URL
(optional), VOCABSERVER_STORE_USER / VOCABSERVER_STORE_PASSWORD (HTTP Basic, or Digest when the engine asks
for it: Virtuoso's /sparql-auth does).

Engines differ in a few places, kept here as a dialect and nowhere else:
- the default graph: Oxigraph's is a graph of its own (`union-default-graph` asks for the union);
  Virtuoso's is already the union of every graph;
- Virtuoso keeps graphs of its own (`http://www.openlinksw.com/schemas/virtrdf#`…): not ours, never listed;
- Virtuoso 7 has no RDF 1.2 triple terms: the change log then writes each triple as an N-Triples literal
  (changes/history.py reads both).
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox
import requests
from requests.auth import HTTPBasicAuth, HTTPDigestAuth

from vocabserver.store.errors import StoreError

_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
# Graphs an engine keeps for itself: never a vocabulary's, never listed as data.
_ENGINE_GRAPHS = ("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp#", "http://localuriqaserver/",
                  "http://www.w3.org/2002/07/owl#", "urn:activitystreams-owl:map", "urn:core:services:sparql",
                  "http://localhost:8890/", "virtrdf-")
_VALUES_AT = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_QUERY_FORM = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
                         re.IGNORECASE)



DEADLOCK_TRIES = 5  # a transaction the engine rolled back as deadlocked is sent again this many times


class _Deadlocked(Exception):
    """The engine answered that it rolled the request's transaction back to break a deadlock."""

class StoreUnavailable(StoreError):
    """The remote store did not answer (down, unreachable, too slow): a 503, said as such."""


class StoreTimeout(StoreUnavailable):
    """The engine did not answer within the time given."""


class RemoteQueryError(StoreError):
    """The engine refused a request (its message kept)."""


@dataclass(frozen=True)
class RemoteSettings:
    query_url: str
    update_url: str
    gsp_url: str = ""
    user: str = ""
    password: str = ""
    timeout: float = 120.0  # seconds for one request of the server's own (loads, dumps, updates)

    @classmethod
    def from_environment(cls) -> "RemoteSettings | None":
        query = os.environ.get("VOCABSERVER_STORE_QUERY_URL", "").strip()
        if not query:
            return None
        return cls(query, os.environ.get("VOCABSERVER_STORE_UPDATE_URL", "").strip() or query,
                   os.environ.get("VOCABSERVER_STORE_GSP_URL", "").strip(),
                   os.environ.get("VOCABSERVER_STORE_USER", ""), os.environ.get("VOCABSERVER_STORE_PASSWORD", ""))

    def describe(self) -> str:
        return self.query_url  # never the credentials


class SparqlHttp:
    """The HTTP side: one session a thread (connections kept alive), credentials sent as Basic until the engine
    refuses them, then as Digest."""

    def __init__(self, settings: RemoteSettings):
        self.settings = settings
        self._local = threading.local()
        self._digest = False
        self.server = ""  # the engine's Server header, read at the first answer

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers["User-Agent"] = "vocabserver"
        if self.settings.user:
            wanted = HTTPDigestAuth if self._digest else HTTPBasicAuth
            if not isinstance(session.auth, wanted):
                session.auth = wanted(self.settings.user, self.settings.password)
        return session

    def request(self, method: str, url: str, *, timeout: float | None = None, stream: bool = False,
                **kwargs) -> requests.Response:
        for attempt in range(DEADLOCK_TRIES):
            try:
                return self._request_once(method, url, timeout=timeout, stream=stream, **kwargs)
            except _Deadlocked:
                # The engine rolled the transaction back (Virtuoso's SR172, SQLSTATE 40001): the request is
                # sent again as it was, after a pause that grows (every body here is bytes, a form or None).
                time.sleep(0.1 * 2 ** attempt)
        return self._request_once(method, url, timeout=timeout, stream=stream, **kwargs, _last=True)

    def _request_once(self, method: str, url: str, *, timeout: float | None = None, stream: bool = False,
                      _last: bool = False, **kwargs) -> requests.Response:
        try:
            response = self._session().request(method, url, timeout=timeout or self.settings.timeout,
                                               stream=stream, **kwargs)
            if response.status_code == 401 and not self._digest and self.settings.user:
                # Basic refused: Virtuoso's -auth endpoints want Digest (and, to Basic, answer without a challenge).
                self._digest = True
                response = self._session().request(method, url, timeout=timeout or self.settings.timeout,
                                                   stream=stream, **kwargs)
        except requests.Timeout:
            raise StoreTimeout(f"the SPARQL store at {url} did not answer within "
                                   f"{timeout or self.settings.timeout:g} s") from None
        except requests.RequestException as exc:
            raise StoreUnavailable(f"the SPARQL store at {url} cannot be reached: {type(exc).__name__}") from None
        if not self.server:
            self.server = response.headers.get("Server", "") or "unknown"
        if response.status_code >= 400:
            message = response.text[:500].strip() if not stream else ""
            if response.status_code in (401, 403):
                raise RemoteQueryError(f"the SPARQL store at {url} refused the credentials "
                                       f"(HTTP {response.status_code}): set VOCABSERVER_STORE_USER and "
                                       "VOCABSERVER_STORE_PASSWORD")
            if response.status_code in (400, 406, 415):
                raise SyntaxError(f"the SPARQL store refused the request (HTTP {response.status_code}): {message}")
            if not _last and response.status_code == 500 and ("SR172" in message or "40001" in message):
                raise _Deadlocked()
            raise RemoteQueryError(f"the SPARQL store at {url} answered HTTP {response.status_code}: {message}")
        return response

    def query(self, text: str, accept: str, params: list[tuple[str, str]] = (), timeout: float | None = None,
              stream: bool = False) -> requests.Response:
        data = [("query", text), *params]
        return self.request("POST", self.settings.query_url, data=data, headers={"Accept": accept},
                            timeout=timeout, stream=stream)

    def update(self, text: str) -> None:
        self.request("POST", self.settings.update_url, data={"update": text},
                     headers={"Accept": "text/plain, */*"})


class RemoteStore:
    """pyoxigraph's `Store` calls that VocabStore makes, answered by a remote SPARQL 1.1 store."""

    def __init__(self, settings: RemoteSettings):
        self.settings = settings
        self.http = SparqlHttp(settings)
        self.http.query("ASK { }", _JSON, timeout=10)  # reachable, credentials right, Server header read
        self.virtuoso = "virtuoso" in self.http.server.lower()
        # Virtuoso 7 has no RDF 1.2 triple terms (the change log writes literals there: changes/history.py).
        self.triple_terms = not self.virtuoso

    # -- reads -------------------------------------------------------------------------------------
    def _dataset(self, default_graph=None, named_graphs=None, union: bool = False) -> list[tuple[str, str]]:
        params = []
        if default_graph is not None:
            graphs = default_graph if isinstance(default_graph, (list, tuple)) else [default_graph]
            params += [("default-graph-uri", g.value) for g in graphs if isinstance(g, ox.NamedNode)]
        elif union and not self.virtuoso:
            params.append(("union-default-graph", ""))
        if named_graphs is not None:
            params += [("named-graph-uri", g.value) for g in named_graphs]
        return params

    def query(self, text: str, *, substitutions: dict | None = None, default_graph=None, named_graphs=None,
              use_default_graph_as_union: bool = False, base_iri: str | None = None, timeout: float | None = None):
        """As pyoxigraph's `Store.query`: solutions, a boolean, or triples (a list)."""
        if substitutions:
            text = with_values(text, substitutions)
        if base_iri:
            text = f"BASE <{base_iri}>\n{text}"
        form = _QUERY_FORM.match(text)
        graph_form = form is not None and form.group(1).upper() in ("CONSTRUCT", "DESCRIBE")
        params = self._dataset(default_graph, named_graphs, use_default_graph_as_union)
        response = self.http.query(text, _NTRIPLES if graph_form else _JSON, params, timeout)
        if graph_form:
            return [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)]
        return parse_results(response.content)

    def quads_for_pattern(self, subject=None, predicate=None, obj=None, graph=None) -> list[ox.Quad]:
        if isinstance(graph, ox.DefaultGraph):
            return []  # the server keeps nothing in a remote store's default graph
        terms = [subject, predicate, obj, graph]
        names = ["s", "p", "o", "g"]
        pattern = [str(t) if t is not None else f"?{n}" for t, n in zip(terms, names)]
        wanted = [f"?{n}" for t, n in zip(terms, names) if t is None]
        body = f"GRAPH {pattern[3]} {{ {pattern[0]} {pattern[1]} {pattern[2]} }}"
        if not wanted:
            return [ox.Quad(subject, predicate, obj, graph)] if self._ask(body) else []
        rows = self.query(f"SELECT {' '.join(wanted)} WHERE {{ {body} }}")
        out = []
        for row in rows:
            got = [t if t is not None else row[n] for t, n in zip(terms, names)]
            out.append(ox.Quad(*got))
        return out

    def _ask(self, body: str) -> bool:
        return bool(self.query(f"ASK {{ {body} }}"))

    def __contains__(self, quad: ox.Quad) -> bool:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            return False
        return self._ask(f"GRAPH {quad.graph_name} {{ {quad.subject} {quad.predicate} {quad.object} }}")

    def named_graphs(self) -> list[ox.NamedNode]:
        """Every named graph. Oxigraph lists them at once (`GRAPH ?g {}`); Virtuoso answers that with nothing and
        needs a scan of every quad (a minute at bundled size): VocabStore asks it only where it must, and lists
        the graphs of its own from the catalogue (`other_graphs`)."""
        pattern = "?s ?p ?o" if self.virtuoso else ""
        rows = self.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {pattern} }} }}")
        return [row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)
                and not row["g"].value.startswith(_ENGINE_GRAPHS)]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return self._ask(f"GRAPH {graph} {{ ?s ?p ?o }}")

    def graph_ntriples(self, graph: ox.NamedNode) -> bytes:
        """One graph as N-Triples, in one request (the Graph Store Protocol's GET, else a CONSTRUCT)."""
        if self.settings.gsp_url:
            response = self.http.request("GET", self.settings.gsp_url, params=self._graph_param(graph),
                                         headers={"Accept": f"{_NTRIPLES}, text/plain;q=0.9, text/turtle;q=0.5"})
            kind = response.headers.get("Content-Type", "").split(";")[0].strip()
            if kind == "text/turtle":  # Virtuoso answers Turtle whatever is asked
                triples = [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.TURTLE)]
                return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
            return response.content
        response = self.http.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}", _NTRIPLES)
        return response.content

    def _graph_param(self, graph: ox.NamedNode) -> dict:
        # Virtuoso's /sparql-graph-crud names the graph `graph-uri`; the Protocol names it `graph`.
        return {"graph-uri" if "graph-crud" in self.settings.gsp_url else "graph": graph.value}

    def dump(self, output: IO[bytes] | None = None, *, format: ox.RdfFormat, from_graph: ox.NamedNode,
             prefixes: dict | None = None):
        triples = [q.triple for q in ox.parse(self.graph_ntriples(from_graph), format=ox.RdfFormat.N_TRIPLES)]
        kwargs = {"prefixes": prefixes} if prefixes else {}
        return ox.serialize(triples, output, format=format, **kwargs)

    # -- writes ------------------------------------------------------------------------------------
    def update(self, text: str, base_iri: str | None = None) -> None:
        self.http.update(f"BASE <{base_iri}>\n{text}" if base_iri else text)

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self.update(f"DROP SILENT GRAPH {graph}")

    def bulk_load(self, data: bytes | None = None, *, path: str | None = None, format: ox.RdfFormat,
                  base_iri: str | None = None, to_graph: ox.NamedNode) -> None:
        """Parse here (the same parser as the embedded store: same errors, same terms), send N-Triples: one Graph
        Store POST, else INSERT DATA in parts (a file with blank nodes in one part: their names hold in it)."""
        source = Path(path).read_bytes() if path is not None else data
        triples = [q.triple for q in ox.parse(source, format=format, base_iri=base_iri)]
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        if self.settings.gsp_url:
            # Virtuoso reads N-Triples as Turtle (a subset), and says it knows the latter.
            kind = "text/turtle" if self.virtuoso else _NTRIPLES
            self.http.request("POST", self.settings.gsp_url, params=self._graph_param(to_graph), data=body,
                              headers={"Content-Type": f"{kind}; charset=utf-8"})
            return
        lines = body.decode("utf-8").splitlines()
        size = len(lines) if "_:" in body.decode("utf-8") else 20_000
        for start in range(0, len(lines), size):
            self.update(f"INSERT DATA {{ GRAPH {to_graph} {{\n" + "\n".join(lines[start:start + size]) + "\n} }")

    def flush(self) -> None:
        pass  # the engine makes its own writes durable

    def backup(self, target: str) -> None:
        raise StoreError("a remote store makes no checkpoint here: back it up with the engine's own tools")


_TRUE = ox.parse_query_results(b'{"head":{},"boolean":true}', format=ox.QueryResultsFormat.JSON)
_FALSE = ox.parse_query_results(b'{"head":{},"boolean":false}', format=ox.QueryResultsFormat.JSON)


def parse_results(body: bytes):
    """SPARQL JSON results as pyoxigraph's: solutions or a boolean. Virtuoso answers ASK as one variable,
    `__ASK_RETVAL`, bound to 1 in one row when true, no row when false: read as the boolean it is."""
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QuerySolutions) and [v.value for v in parsed.variables] == ["__ASK_RETVAL"]:
        return _TRUE if any(row[0] is not None and row[0].value not in ("0", "false") for row in parsed) else _FALSE
    return parsed


def with_values(text: str, substitutions: dict) -> str:
    """`substitutions` (variable -> term) as a VALUES block at the start of the query's WHERE group: the
    variables are bound before anything else is evaluated, as pyoxigraph's substitutions do."""
    names = " ".join(f"?{variable.value}" for variable in substitutions)
    values = " ".join(str(term) for term in substitutions.values())
    block = f" VALUES ({names}) {{ ({values}) }} "
    found = _VALUES_AT.search(text)
    if found is not None:
        return text[:found.end()] + block + text[found.end():]
    brace = text.index("{")
    return text[:brace + 1] + block + text[brace + 1:]
