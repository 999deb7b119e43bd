"""SPARQL while the vocabularies change (issue 20), against a real `vocabserver serve` process on the bundled store.

    .venv/bin/python bench/bench_sparql_writes.py [--seconds 30] [--json bench/results-sparql-writes.json]

Measures, in one run:
- commit → served: a write (JSON API), then at once a worker-evaluated query that must see it; the query's time
  includes making the new checkpoint and the worker switching to it (p50/p99 over 200 writes);
- the same query without a write before it, for comparison;
- memory (RSS) of the SPARQL worker processes before and after 100 writes each followed by a query;
- 4 clients querying SPARQL for `--seconds` without writes, then the same with a fifth client writing
  without pause: requests, non-2xx answers and p50/p99 latency of each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, loaded_store_with_token, percentiles, report  # noqa: E402

BIN = Path(sys.executable).parent
BASE = "http://bench.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
EPEE = BASE + "deno/zaqmycctwh"
QUERIES = [
    f"SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l }} LIMIT 50",
    f"SELECT (COUNT(*) AS ?n) WHERE {{ ?c <{SKOS}broader> ?b }}",
    f'SELECT ?c WHERE {{ ?c <{SKOS}altLabel> ?l FILTER(STRSTARTS(?l, "épée")) }} LIMIT 20',
    f"SELECT ?s (COUNT(?c) AS ?n) WHERE {{ ?c <{SKOS}inScheme> ?s }} GROUP BY ?s",
]


def workers_rss_mb(server_pid: int) -> float:
    """Resident memory of the server's SPARQL worker processes (its children), MB."""
    total = 0.0
    with open(f"/proc/{server_pid}/task/{server_pid}/children") as children:
        for pid in children.read().split():
            try:
                with open(f"/proc/{pid}/status") as status:
                    total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024
            except (OSError, StopIteration):
                continue
    return round(total, 1)


def write(url: str, token: str, number: int) -> None:
    triple = f'<{EPEE}> <{SKOS}altLabel> "épée de banc {number}"@fr .'
    answer = requests.post(url + "/api/v1/changes", json={"vocab": "deno", "added": [triple], "removed": []},
                           headers={"Authorization": f"Bearer {token}"}, timeout=60)
    answer.raise_for_status()


def fresh_query(url: str, number: int) -> tuple[float, bool]:
    query = f'SELECT (COUNT(*) AS ?n) WHERE {{ <{EPEE}> <{SKOS}altLabel> "épée de banc {number}"@fr }}'
    started = time.perf_counter()
    answer = requests.post(url + "/sparql", data={"query": query}, timeout=60,
                           headers={"Accept": "application/sparql-results+json"})
    took = time.perf_counter() - started
    seen = answer.status_code == 200 and answer.json()["results"]["bindings"][0]["n"]["value"] == "1"
    return took, seen


def clients(url: str, token: str, seconds: int, with_writes: bool, first: int) -> dict:
    stop = time.monotonic() + seconds
    times: list[float] = []
    bad: list[int] = []
    lock = threading.Lock()
    writes = [0]

    def query_loop(query: str):
        with requests.Session() as session:
            while time.monotonic() < stop:
                started = time.perf_counter()
                answer = session.post(url + "/sparql", data={"query": query}, timeout=60,
                                      headers={"Accept": "application/sparql-results+json"})
                took = time.perf_counter() - started
                with lock:
                    times.append(took)
                    if answer.status_code // 100 != 2:
                        bad.append(answer.status_code)

    def write_loop():
        number = first
        while time.monotonic() < stop:
            write(url, token, number)
            number += 1
            writes[0] += 1

    threads = [threading.Thread(target=query_loop, args=(q,)) for q in QUERIES]
    if with_writes:
        threads.append(threading.Thread(target=write_loop))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"requests": len(times), "non_2xx": len(bad), "writes": writes[0],
            "rps": round(len(times) / seconds, 1), **percentiles(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vocabserver-sparql-writes-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}
    store = work / "store"
    server = None
    try:
        token = loaded_store_with_token(store, BASE, env)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([BIN / "vocabserver", "--data-dir", store, "--base-uri", BASE, "serve", "--port",
                                   str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if requests.get(url + "/health", timeout=2).json()["sparql"]["ready"] >= 2:
                    break
            except (requests.RequestException, ValueError, KeyError):
                pass
            time.sleep(0.2)
        for query in QUERIES:  # warm the workers
            requests.post(url + "/sparql", data={"query": query}, timeout=60)
        results: dict = {"seconds": args.seconds}
        steady = [fresh_query(url, -1)[0] for _ in range(200)]
        results["query_without_write"] = percentiles(steady)
        before = workers_rss_mb(server.pid)
        after_write, stale = [], 0
        for number in range(200):
            write(url, token, number)
            took, seen = fresh_query(url, number)
            after_write.append(took)
            stale += not seen
            if number == 99:
                results["workers_rss_mb"] = {"before": before, "after_100_writes": workers_rss_mb(server.pid)}
        results["query_right_after_write"] = percentiles(after_write) | {"stale_answers": stale}
        results["four_clients_without_writes"] = clients(url, token, args.seconds, False, 10_000)
        results["four_clients_with_writes"] = clients(url, token, args.seconds, True, 20_000)
        results["workers_rss_mb"]["at_end"] = workers_rss_mb(server.pid)
        report(results, args.json)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
