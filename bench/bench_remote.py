"""The same server over three stores, same run, same data (issue 22): the embedded pyoxigraph store, Oxigraph
server and Virtuoso 7.2 (started as the tests start them: tests/engines.py), each holding the 16 bundled
vocabularies loaded by `vocabserver load`.

For each: lookup (autocomplete) latency, the concept page (HTML), the concept JSON, one edit until it is in the
autocompletion of the other node (two `vocabserver serve` over the remote store; over the embedded store the
same node, which is all it allows), light and heavy SPARQL. Clients are sequential Python requests over
keep-alive connections (latency), except the light SPARQL throughput (4 client threads for `--seconds`).

    .venv/bin/python bench/bench_remote.py --json bench/results-remote.json
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, percentiles, report  # noqa: E402
from tests.engines import OxigraphServer, Virtuoso  # noqa: E402

BASE = "http://vocab.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def cli(folder: Path, env: dict, *args: str) -> str:
    full = {**{k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}, **env}
    done = subprocess.run([sys.executable, "-m", "vocabserver", "--data-dir", str(folder), "--base-uri", BASE, *args],
                          capture_output=True, text=True, env=full, cwd=ROOT, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return done.stdout


class Node:
    def __init__(self, folder: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full = {**{k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}, **env}
        self.process = subprocess.Popen([sys.executable, "-m", "vocabserver", "--data-dir", str(folder),
                                         "--base-uri", BASE, "serve", "--port", str(self.port)],
                                        env=full, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.session = requests.Session()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                health = self.session.get(self.url + "/health", timeout=5).json()
                if health["labels"]["ready"] and health["sparql"]["ready"]:
                    return
            except (requests.RequestException, ValueError, KeyError):
                pass
            time.sleep(0.3)
        raise RuntimeError("node not ready")

    def get(self, path: str, **kwargs):
        return self.session.get(self.url + path, timeout=120, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@contextmanager
def bundled_node(prefix: str):
    """`vocabserver serve` on the 16 bundled vocabularies loaded into an embedded store in a folder of its own."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        cli(folder, {}, "load")
        node = Node(folder, {})
        try:
            yield node
        finally:
            node.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def timed(call, items) -> dict:
    times = []
    for item in items:
        started = time.perf_counter()
        answer = call(item)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200, (answer.status_code, answer.text[:300])
    return percentiles(times)


def throughput(node: Node, paths: list[str], headers: dict, seconds: float, clients: int = 4) -> dict:
    done, failed, times = [0], [0], []
    stop = time.monotonic() + seconds

    def run(offset: int):
        session = requests.Session()
        number = offset
        while time.monotonic() < stop:
            path = paths[number % len(paths)]
            number += clients
            started = time.perf_counter()
            answer = session.get(node.url + path, headers=headers, timeout=60)
            times.append(time.perf_counter() - started)
            done[0] += 1
            failed[0] += answer.status_code != 200

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"req_s": round(done[0] / seconds, 1), "non_200": failed[0], **percentiles(times)}


def measure(name: str, env: dict, folder: Path, seconds: float) -> dict:
    started = time.perf_counter()
    cli(folder, env, "load")
    loaded = time.perf_counter() - started
    token = cli(folder, env, "token", "create", "--name", "bench", "--role", "admin").strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    first = Node(folder, env)
    second = Node(folder, env) if name != "embedded" else first
    try:
        concepts = [b["c"]["value"] for b in first.get("/sparql", params={
            "query": f"SELECT ?c WHERE {{ GRAPH <{BASE}graph/deno> {{ ?c a <{SKOS}Concept> }} }}"},
            headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]]
        random.seed(7)
        sample = random.sample(concepts, 200)
        labels = [first.get("/api/v1/concept", params={"uri": c}).json()["prefLabel"].get("fr", "vase")
                  for c in sample[:100]]
        prefixes = [label[:max(3, len(label) // 2)] for label in labels]
        results: dict = {"load_s": round(loaded, 1)}
        results["lookup"] = timed(lambda q: first.get("/api/v1/autocomplete", params={"q": q}), prefixes * 3)
        results["concept_page"] = timed(lambda c: first.get("/resource", params={"uri": c},
                                                               headers={"Accept": "text/html"}), sample)
        results["concept_json"] = timed(lambda c: first.get("/api/v1/concept", params={"uri": c}), sample)
        visible = []
        for number, uri in enumerate(sample[:20]):
            version = first.get("/api/v1/concept", params={"uri": uri}).json()["version"]
            label = f"qzx{number}bench"
            answer = first.session.patch(first.url + "/api/v1/vocabularies/deno/concepts", params={"uri": uri},
                                         json={"hiddenLabel": {"fr": [label]}},
                                         headers=auth | {"If-Match": f'"{version}"'}, timeout=60)
            assert answer.status_code == 200, answer.text
            acknowledged = time.perf_counter()
            while not second.get("/api/v1/autocomplete", params={"q": label}).json()["results"]:
                time.sleep(0.005)
            visible.append(time.perf_counter() - acknowledged)
        results["edit_visible_on_other_node"] = percentiles(visible)
        light = []
        for c in sample[:100]:
            light += [f"SELECT ?l WHERE {{ <{c}> <{SKOS}prefLabel> ?l }}",
                      f"SELECT ?b ?l WHERE {{ <{c}> <{SKOS}broader> ?b . ?b <{SKOS}prefLabel> ?l }}",
                      f"ASK {{ <{c}> a <{SKOS}Concept> }}"]
        heavy = [
            f"SELECT ?s (COUNT(?c) AS ?n) WHERE {{ ?c <{SKOS}inScheme> ?s }} GROUP BY ?s",
            f'SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l FILTER(STRSTARTS(LCASE(STR(?l)), "vase")) }} LIMIT 50',
            f"SELECT ?c WHERE {{ ?c <{SKOS}broader>+ ?top . ?top <{SKOS}topConceptOf> ?s }} LIMIT 2000",
        ]
        accept = {"Accept": "application/sparql-results+json"}
        paths = ["/sparql?" + requests.compat.urlencode({"query": q}) for q in light]
        results["sparql_light"] = throughput(first, paths, accept, seconds)
        results["sparql_heavy"] = timed(lambda q: first.get("/sparql", params={"query": q}, headers=accept),
                                           heavy * 3)
        return results
    finally:
        first.stop()
        if second is not first:
            second.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--only", nargs="*", default=["embedded", "oxigraph", "virtuoso"])
    args = parser.parse_args()
    out = {}
    for name in args.only:
        folder = Path(tempfile.mkdtemp(prefix=f"bench-remote-{name}-"))
        engine = None
        try:
            if name == "oxigraph":
                engine = OxigraphServer()
            elif name == "virtuoso":
                engine = Virtuoso()
            env = engine.env() if engine else {}
            out[name] = measure(name, env, folder / "data", args.seconds)
            print(name, out[name], flush=True)
        finally:
            if engine is not None:
                engine.stop()
            shutil.rmtree(folder, ignore_errors=True)
    report(out, args.json)


if __name__ == "__main__":
    main()
