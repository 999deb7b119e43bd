"""Where the time of one uncomputed read goes: a profile of the WSGI application answering concept Turtle and a light
SPARQL query with the kept answers off, in process over the bundled store (no HTTP server, no client).

    .venv/bin/python bench/profile_request.py [--requests 3000] [--json bench/results-profile.json]

The application is called as a WSGI server calls it; cProfile's figures are grouped by layer: the WSGI layers of
ours (request id, log line, metrics), Flask and Werkzeug (routing, request and response objects, headers), our views
(reading, choosing the representation, conditional headers), pyoxigraph (store reads, serialisation, query
evaluation), other Python. The rate in process, without the profiler, is measured first.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import report  # noqa: E402

BASE = "http://bench.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DENO = "http://data.culture.fr/thesaurus/resource/ark:/67717/T505"

LAYERS = (("ours: WSGI layers (id, log, metrics)", ("vocabserver/web/observe.py", "vocabserver/web/front_cache.py",
                                                   "vocabserver/metrics.py", "prometheus_client")),
          ("Flask and Werkzeug", ("flask/", "werkzeug/", "jinja2/", "itsdangerous", "flask_limiter", "flask_wtf",
                                  "limits/")),
          ("ours: views, reading, caching headers", ("vocabserver/",)),
          ("pyoxigraph (reads, serialisation, queries)", ("pyoxigraph", "<method", "<built-in method pyoxigraph")))


def _environ(path: str, query: str, accept: str) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "bench.test",
            "SERVER_PORT": "80", "HTTP_HOST": "bench.test", "HTTP_ACCEPT": accept, "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False, "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1"}


def _call(app, environ: dict) -> int:
    status = []
    body = app(dict(environ), lambda s, h, e=None: status.append(s))
    b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0][:3])


def _layer(filename: str, name: str) -> str:
    where = f"{filename}:{name}"
    for label, needles in LAYERS:
        if any(needle in where for needle in needles):
            return label
    return "other Python (stdlib, orjson…)"


def profile(app, environs: list[dict], requests: int) -> dict:
    started = time.perf_counter()
    for n in range(requests):
        assert _call(app, environs[n % len(environs)]) == 200
    rate = requests / (time.perf_counter() - started)
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(requests):
        _call(app, environs[n % len(environs)])
    profiler.disable()
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        totals[_layer(filename, name)] = totals.get(_layer(filename, name), 0.0) + tottime
    whole = sum(totals.values())
    top = sorted(((tottime, f"{Path(f).name}:{n}") for (f, _l, n), (_c, _n, tottime, _ct, _cs) in stats.stats.items()),
                 reverse=True)[:12]
    return {"requests_per_second_in_process": round(rate), "microseconds_per_request": round(1e6 / rate, 1),
            "share_by_layer": {k: round(v / whole, 3) for k, v in sorted(totals.items(), key=lambda kv: -kv[1])},
            "top_functions_self_ms_per_request": {name: round(t / requests * 1000, 4) for t, name in top}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from bench.common import bundled_engine
    from vocabserver.web import create_app

    with tempfile.TemporaryDirectory() as folder:
        core = bundled_engine(Path(folder) / "store", BASE)
        import dataclasses

        core.settings = dataclasses.replace(core.settings, front_cache_mb=0, access_log="off")
        app = create_app(core.start())
        query = f"SELECT ?c WHERE {{ GRAPH ?g {{ ?c <{SKOS}inScheme> <{DENO}> }} }}"
        concepts = [row["c"].value for row in core.store.query(query)]
        random.seed(7)
        sample = random.sample(concepts, 200)
        turtle = [_environ("/" + c[len(BASE):] + ".ttl", "", "*/*") for c in sample]
        light = [_environ("/sparql", "query=" + urllib.parse.quote(f"SELECT ?l WHERE {{ <{c}> <{SKOS}prefLabel> ?l }}"),
                          "application/sparql-results+json") for c in sample]
        ping = [_environ("/ping", "", "*/*")]
        results = {"ping": profile(app.wsgi_app, ping, args.requests),
                   "concept_turtle": profile(app.wsgi_app, turtle, args.requests),
                   "sparql_light": profile(app.wsgi_app, light, args.requests)}
    report(results, args.json)


if __name__ == "__main__":
    main()
