"""A soak of the production server: a mixed read load with autocompletion and one edit a second, for minutes.

    .venv/bin/python bench/bench_soak.py [--seconds 600] [--workers 2] [--clients 4] [--json bench/results-soak.json]

`vocabserver serve --workers W` on the 16 bundled vocabularies (embedded store). Readers (`--clients` threads, each
with its own keep-alive connection) draw their requests from the Finto production mix, over Skosmos' REST API and
our linked data, on 3,000 concepts of six vocabularies: concept data 45 %, hierarchy 26 %, search 16 %, labels 13 %.
One more thread types words into autocompletion as a cataloguer does (a request per letter), and one editor changes
a concept every second (PATCH with If-Match, through the workers to the writer): every edit moves the store's state,
so every kept answer is dropped each second. Every 10 s the resident memory of the server's process tree (writer,
granian, workers and their SPARQL processes) is sampled.

Reported: requests and errors (any status other than 200/304, or a connection failure) per route, p50/p99 per
route, edits acknowledged and refused, and the memory series; "flat" compares the mean of the last minute with the
mean of the second minute (the first is the warm-up: caches and the label index's first use).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, loaded_store_with_token, report, stop_process, tree_rss_mb  # noqa: E402

BIN = Path(sys.executable).parent
BASE = "http://bench.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
VOCABULARIES = ("deno", "autr", "repr", "tech", "domn", "lieux")
MIX = (("concept data", 45), ("hierarchy", 26), ("search", 16), ("labels", 13))
WORDS = ["vase", "assiette", "peinture", "sculpture", "gravure", "dessin", "costume", "chapeau", "bague", "monnaie",
         "paysage", "portrait", "cuivre", "bronze", "faience", "porcelaine", "Picasso", "Rembrandt", "Lyon", "Paris"]


def _get(connection: http.client.HTTPConnection, path: str, headers: dict | None = None) -> tuple[int, float]:
    started = time.perf_counter()
    connection.request("GET", path, headers=headers or {})
    answer = connection.getresponse()
    answer.read()
    return answer.status, time.perf_counter() - started


class Recorder:
    def __init__(self):
        self.latencies: dict[str, list[float]] = {}
        self.errors: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    def add(self, route: str, status: int | None, seconds: float, detail: str = "") -> None:
        with self.lock:
            self.latencies.setdefault(route, []).append(seconds)
            if status not in (200, 304):
                self.errors.setdefault(route, []).append(f"{status} {detail}"[:200])


def _paths(route: str, vocab: str, uri: str, word: str) -> str:
    quoted = urllib.parse.quote(uri)
    if route == "concept data":
        if random.random() < 0.5:
            return f"/rest/v1/{vocab}/data?uri={quoted}&format=application/ld%2Bjson"
        return f"/resource?uri={quoted}"
    if route == "hierarchy":
        return random.choice([f"/rest/v1/{vocab}/hierarchy?uri={quoted}&lang=fr",
                              f"/rest/v1/{vocab}/children?uri={quoted}&lang=fr",
                              f"/rest/v1/{vocab}/broaderTransitive?uri={quoted}&lang=fr"])
    if route == "search":
        return f"/rest/v1/search?query={urllib.parse.quote(word[:4])}*&vocab={vocab}&lang=fr&maxhits=20"
    return f"/rest/v1/{vocab}/label?uri={quoted}&lang=fr"


def reader(port: int, concepts: list[tuple[str, str]], stop: threading.Event, record: Recorder, seed: int) -> None:
    rng = random.Random(seed)
    routes = [name for name, weight in MIX for _ in range(weight)]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        route = rng.choice(routes)
        vocab, uri = rng.choice(concepts)
        path = _paths(route, vocab, uri, rng.choice(WORDS))
        accept = {"Accept": "text/turtle"} if path.startswith("/resource") else {}
        try:
            status, seconds = _get(connection, path, accept)
            record.add(route, status, seconds, path)
        except (OSError, http.client.HTTPException) as exc:
            record.add(route, None, 0.0, f"{type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)


def typist(port: int, stop: threading.Event, record: Recorder, seed: int) -> None:
    rng = random.Random(seed)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while not stop.is_set():
        word = rng.choice(WORDS)
        for n in range(1, len(word) + 1):
            path = f"/api/v1/autocomplete?q={urllib.parse.quote(word[:n])}&limit=10"
            try:
                status, seconds = _get(connection, path)
                record.add("autocompletion", status, seconds, path)
            except (OSError, http.client.HTTPException) as exc:
                record.add("autocompletion", None, 0.0, f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        time.sleep(0.05)


def editor(port: int, token: str, concepts: list[str], stop: threading.Event, record: Recorder, edits: dict) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    number = 0
    next_at = time.monotonic()
    while not stop.is_set():
        next_at += 1.0
        uri = concepts[number % len(concepts)]
        body = json.dumps({"altLabel": {"fr": [f"soak {number}"]}})
        started = time.perf_counter()
        try:
            connection.request("PATCH", f"/api/v1/vocabularies/deno/concepts?uri={urllib.parse.quote(uri)}",
                               body=body, headers={"Authorization": f"Bearer {token}", "If-Match": "*",
                                                   "Content-Type": "application/json"})
            answer = connection.getresponse()
            text = answer.read()
            record.add("edit", answer.status, time.perf_counter() - started, text[:120].decode("utf-8", "replace"))
            edits["acknowledged" if answer.status == 200 else "refused"] += 1
        except (OSError, http.client.HTTPException) as exc:
            record.add("edit", None, 0.0, f"{type(exc).__name__}: {exc}")
            edits["failed"] += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        number += 1
        stop.wait(max(0.0, next_at - time.monotonic()))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vocabserver-soak-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}
    store = work / "store"
    server = None
    try:
        token = loaded_store_with_token(store, BASE, env, "soak")
        port = free_port()
        log = (work / "server.log").open("w")
        server = subprocess.Popen([BIN / "vocabserver", "--data-dir", store, "--base-uri", BASE, "serve", "--workers",
                                   str(args.workers), "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        deadline = time.monotonic() + 180
        while True:
            try:
                connection.request("GET", "/health")
                answer = connection.getresponse()
                health = json.loads(answer.read())
                if answer.status == 200 and health["sparql"]["ready"] and health["labels"]["ready"]:
                    break
            except (OSError, http.client.HTTPException, ValueError, KeyError):
                connection.close()
            if time.monotonic() > deadline:
                raise RuntimeError("server not ready")
            time.sleep(0.5)
        random.seed(11)
        concepts: list[tuple[str, str]] = []
        for vocab in VOCABULARIES:
            info = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/vocabularies/{vocab}").read())
            query = f"SELECT ?c WHERE {{ ?c <{SKOS}inScheme> <{info['uri']}> }} LIMIT 5000"
            url = f"http://127.0.0.1:{port}/sparql?query={urllib.parse.quote(query)}&format=json"
            found = [b["c"]["value"] for b in json.loads(urllib.request.urlopen(url).read())["results"]["bindings"]]
            concepts += [(vocab, uri) for uri in random.sample(found, min(500, len(found)))]
        deno = [uri for vocab, uri in concepts if vocab == "deno"][:200]

        record, stop = Recorder(), threading.Event()
        edits = {"acknowledged": 0, "refused": 0, "failed": 0}
        threads = [threading.Thread(target=reader, args=(port, concepts, stop, record, n)) for n in range(args.clients)]
        threads.append(threading.Thread(target=typist, args=(port, stop, record, 99)))
        threads.append(threading.Thread(target=editor, args=(port, token, deno, stop, record, edits)))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        memory = []
        while time.monotonic() - started < args.seconds:
            memory.append({"t": round(time.monotonic() - started), "rss_mb": round(tree_rss_mb(server.pid), 1)})
            print(f"{memory[-1]['t']:>4} s  {memory[-1]['rss_mb']:8.1f} MB  "
                  f"{sum(len(v) for v in record.latencies.values())} requests, "
                  f"{sum(len(v) for v in record.errors.values())} errors, {edits['acknowledged']} edits", flush=True)
            time.sleep(max(0.0, 10 - (time.monotonic() - started) % 10))
        stop.set()
        for thread in threads:
            thread.join(timeout=70)
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            stop_process(server)
        shutil.rmtree(work, ignore_errors=True)

    routes = {}
    for route, values in sorted(record.latencies.items()):
        routes[route] = {"requests": len(values), "errors": len(record.errors.get(route, [])),
                         "p50_ms": round(percentile(values, 0.5) * 1000, 2),
                         "p99_ms": round(percentile(values, 0.99) * 1000, 2),
                         "first_errors": record.errors.get(route, [])[:5]}
    second = [m["rss_mb"] for m in memory if 60 <= m["t"] < 120]
    last = [m["rss_mb"] for m in memory if m["t"] >= memory[-1]["t"] - 60] if memory else []
    results = {
        "seconds": round(elapsed), "workers": args.workers, "clients": args.clients,
        "requests": sum(r["requests"] for r in routes.values()),
        "errors": sum(r["errors"] for r in routes.values()),
        "requests_per_second": round(sum(r["requests"] for r in routes.values()) / elapsed, 1),
        "edits": edits, "routes": routes, "memory": memory,
        "memory_second_minute_mb": round(statistics.mean(second), 1) if second else None,
        "memory_last_minute_mb": round(statistics.mean(last), 1) if last else None,
    }
    if second and last:
        results["memory_last_vs_second"] = round(results["memory_last_minute_mb"] / results["memory_second_minute_mb"], 3)
        results["memory_flat"] = abs(results["memory_last_vs_second"] - 1) <= 0.10
    report(results, args.json)


if __name__ == "__main__":
    import urllib.request  # noqa: E402 - the start-up queries only

    main()
