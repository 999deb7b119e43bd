"""Hostile load: /ping latency and the process tree's memory while hostile SPARQL queries run.

Starts `vocabserver serve` (process isolation, the default limits) on a copy of a store holding the bundled
vocabularies, measures /ping alone, then for each kind of hostile query runs four clients sending it in a
loop while a fifth client pings; records /ping p50/p99/max during each kind and the peak resident memory of
the server's process tree (server + SPARQL workers), sampled every 20 ms. The first phase is a reference:
four clients flooding with an ordinary light query, to tell the cost of a flood from that of hostility.

    .venv/bin/python bench/bench_hostile.py --json bench/results-hostile.json
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import free_port, report, tree_rss_mb  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _doubling() -> str:
    query = 'SELECT ?a WHERE { BIND("xxxxxxxxxxxxxxxx" AS ?a0)'
    for i in range(1, 27):
        query += f" BIND(CONCAT(?a{i - 1},?a{i - 1}) AS ?a{i})"
    return query + " BIND(?a26 AS ?a) }"


HOSTILE = {
    # Reference: four clients flooding with an ordinary light query (what any busy client does).
    "reference_light_flood": "ASK { <http://example.org/a> ?p ?o }",
    "quotes_200KB": 'SELECT * WHERE { ?s ?p "' + '"\\' * 100_000 + '" }',
    "quotes_60KB": 'SELECT * WHERE { ?s ?p "' + '"\\' * 30_000 + '" }',
    "nesting_10000": "SELECT * WHERE " + "{" * 10_000 + "?s ?p ?o" + "}" * 10_000,
    "product_order_by": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a LIMIT 1",
    "string_doubling": _doubling(),
    "bind_chain_3000": "SELECT * WHERE { ?s ?p ?o " + "".join(f" BIND(1 AS ?v{i})" for i in range(3000)) + " } LIMIT 1",
    "count_runaway": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }",
}


def ping_ms(session: requests.Session, url: str) -> float:
    started = time.perf_counter()
    session.get(url + "/ping", timeout=60)
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=12.0, help="duration of each hostile phase")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-hostile-"))
    store = work / "store"
    subprocess.run([sys.executable, "-m", "vocabserver", "--data-dir", str(store), "load"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}
    server = subprocess.Popen([sys.executable, "-m", "vocabserver", "--data-dir", str(store), "serve", "--port",
                               str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results: dict = {"limits": {"VOCABSERVER_SPARQL_TIMEOUT": 10, "VOCABSERVER_SPARQL_MEMORY": 2048,
                                "VOCABSERVER_SPARQL_MAX_QUERY": 65536, "VOCABSERVER_SPARQL_MAX_DEPTH": 128},
                     "phases": {}}
    try:
        deadline = time.time() + 120
        while True:
            try:
                health = requests.get(url + "/health", timeout=2).json()
                if health["sparql"]["ready"] == health["sparql"]["workers"]:
                    break
            except requests.RequestException:
                pass
            if time.time() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        session = requests.Session()
        idle = [ping_ms(session, url) for _ in range(300)]
        results["idle"] = {"ping_p50_ms": round(statistics.median(idle), 2),
                           "ping_p99_ms": round(percentile(idle, 0.99), 2),
                           "tree_rss_mb": round(tree_rss_mb(server.pid))}
        for name, query in HOSTILE.items():
            stop = threading.Event()
            statuses: dict[int, int] = {}
            peak = [tree_rss_mb(server.pid)]

            # Encoded once: the attackers share the server's two cores, so they should spend little CPU.
            body = urlencode({"query": query}).encode()
            form = {"Content-Type": "application/x-www-form-urlencoded"}

            def attacker():
                with requests.Session() as own:
                    while not stop.is_set():
                        try:
                            status = own.post(url + "/sparql", data=body, headers=form, timeout=60).status_code
                        except requests.RequestException:
                            status = 0
                        statuses[status] = statuses.get(status, 0) + 1

            def watcher():
                while not stop.is_set():
                    peak[0] = max(peak[0], tree_rss_mb(server.pid))
                    time.sleep(0.02)

            threads = [threading.Thread(target=attacker) for _ in range(4)] + [threading.Thread(target=watcher)]
            for thread in threads:
                thread.start()
            pings, ends = [], time.time() + args.seconds
            while time.time() < ends:
                pings.append(ping_ms(session, url))
                time.sleep(0.01)
            stop.set()
            for thread in threads:
                thread.join()
            results["phases"][name] = {
                "query_bytes": len(query.encode()), "answers": statuses,
                "ping_p50_ms": round(statistics.median(pings), 2), "ping_p99_ms": round(percentile(pings, 0.99), 2),
                "ping_max_ms": round(max(pings), 2), "pings": len(pings), "peak_tree_rss_mb": round(peak[0])}
            print(name, results["phases"][name], flush=True)
            time.sleep(3)  # let respawned workers settle before the next kind
        results["peak_tree_rss_mb"] = max(p["peak_tree_rss_mb"] for p in results["phases"].values())
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
