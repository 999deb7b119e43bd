"""HTTP benchmarks of linked data, SPARQL and autocompletion as served in production, beside Oxigraph server.

    bash bench/setup.sh                       # wrk (Debian), oxigraph (PyPI) into .venv
    .venv/bin/python bench/bench_http.py [--seconds 10] [--workers 2] [--json bench/results-http.json]

Every number is requests/s measured here in one run, wrk -t2 -c8 on loopback. Ours: `vocabserver serve --workers W`
(granian workers, the writer process beside them, encoded answers kept: web/front_cache.py), the same with the
answer cache off (every request computed), and gunicorn's sync workers over the same application (the server
choice). Oxigraph: `oxigraph serve-read-only` over the same triples (N-Quads export of our store), the same queries;
concept data is its DESCRIBE of the same concepts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, report, stop_process  # noqa: E402

BIN = Path(sys.executable).parent
BASE = "http://bench.test/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DENO = "http://data.culture.fr/thesaurus/resource/ark:/67717/T505"



def wait_for(url: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


def wrk(url_base: str, paths: list[str], headers: dict[str, str], seconds: int, connections: int,
        work: Path, name: str) -> dict:
    script = work / f"{name}.lua"
    lua_paths = ",\n".join(json.dumps(p) for p in paths)
    lua_headers = "\n".join(f'wrk.headers[{json.dumps(k)}] = {json.dumps(v)}' for k, v in headers.items())
    script.write_text(f"""
local paths = {{
{lua_paths}
}}
{lua_headers}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
""", encoding="utf-8")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
                          url_base], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}
    return {"rps": round(rps), "non_2xx": int(errors.group(1)) if errors else 0,
            "p99_ms": round(float(p99.group(1)) * scale[p99.group(2)], 2) if p99 else None}


def sparql_paths(prefix: str, queries: list[str]) -> list[str]:
    return [f"{prefix}?query={urllib.parse.quote(q)}" for q in queries]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: run bash bench/setup.sh")
    work = Path(tempfile.mkdtemp(prefix="vocabserver-http-"))
    procs: list[subprocess.Popen] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}
    try:
        store = work / "store"
        subprocess.run([BIN / "vocabserver", "--data-dir", store, "--base-uri", BASE, "load"], check=True,
                       env=env, capture_output=True)
        dump = work / "all.nq"
        subprocess.run([BIN / "vocabserver", "--data-dir", store, "export", "--format", "ntriples", "-o",
                        work / "nt"], check=True, env=env, capture_output=True)
        # Oxigraph gets the same triples, each vocabulary in its own graph, queried as a union.
        with dump.open("w", encoding="utf-8") as out:
            for nt in sorted((work / "nt").glob("*.nt")):
                graph = f"<{BASE}graph/{nt.stem}>"
                for line in nt.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        out.write(line.rstrip()[:-1].rstrip() + f" {graph} .\n")
        oxi_dir = work / "oxigraph"
        subprocess.run([BIN / "oxigraph", "load", "--location", oxi_dir, "--file", dump], check=True,
                       capture_output=True)

        ours_port, nocache_port, gunicorn_port, oxi_port = free_port(), free_port(), free_port(), free_port()
        logs = (work / "server.log").open("w")  # the access log: one line per request, as in production
        # Each server its own copy of the store (one process may write a store).
        nocache_store, ro_store = work / "store-nocache", work / "store-ro"
        shutil.copytree(store, nocache_store)
        shutil.copytree(store, ro_store)
        for port, data, extra in ((ours_port, store, {}),
                                  (nocache_port, nocache_store, {"VOCABSERVER_FRONT_CACHE_MB": "0"})):
            procs.append(subprocess.Popen(
                [BIN / "vocabserver", "--data-dir", data, "--base-uri", BASE, "serve", "--workers", str(args.workers),
                 "--port", str(port)], cwd=ROOT, env={**env, **extra}, stdout=logs, stderr=logs))
        procs.append(subprocess.Popen(
            [BIN / "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{gunicorn_port}", "--log-level", "warning",
             "--no-control-socket", "vocabserver.wsgi:app"], cwd=ROOT, stdout=logs, stderr=logs,
            env={**env, "VOCABSERVER_READ_ONLY": "1", "VOCABSERVER_DATA_DIR": str(ro_store)}))
        constant_port = free_port()
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", str(args.workers), "--port",
             str(constant_port), "--log-level", "error", "--no-access-log", "bench.constant_wsgi:app"], cwd=ROOT,
            stdout=logs, stderr=logs))
        procs.append(subprocess.Popen(
            [BIN / "oxigraph", "serve-read-only", "--location", oxi_dir, "--bind", f"127.0.0.1:{oxi_port}",
             "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        ours, oxi = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{oxi_port}"
        nocache, guni = f"http://127.0.0.1:{nocache_port}", f"http://127.0.0.1:{gunicorn_port}"
        constant = f"http://127.0.0.1:{constant_port}"
        for url in (ours, nocache, guni, constant):
            wait_for(url + "/ping")
        wait_for(oxi + "/query?query=" + urllib.parse.quote("ASK {}"))
        # SPARQL worker processes need a moment to start in every worker.
        for url in (ours, nocache, guni):
            for _ in range(60):
                try:
                    with urllib.request.urlopen(url + "/sparql?query=" + urllib.parse.quote("ASK {}"), timeout=5):
                        break
                except OSError:
                    time.sleep(0.5)

        query = f"SELECT ?c WHERE {{ ?c <{SKOS}inScheme> <{DENO}> }}"
        with urllib.request.urlopen(ours + "/sparql?query=" + urllib.parse.quote(query) + "&format=json") as r:
            concepts = [b["c"]["value"] for b in json.load(r)["results"]["bindings"]]
        random.seed(7)
        sample = random.sample(concepts, 200)
        paths = ["/" + c[len(BASE):] for c in sample]
        light = []
        for c in sample[:100]:
            light += [f"SELECT ?l WHERE {{ <{c}> <{SKOS}prefLabel> ?l }}",
                      f"SELECT ?n ?l WHERE {{ <{c}> <{SKOS}narrower> ?n . ?n <{SKOS}prefLabel> ?l }}",
                      f"SELECT ?b ?l WHERE {{ <{c}> <{SKOS}broader> ?b . ?b <{SKOS}prefLabel> ?l }}",
                      f"ASK {{ <{c}> a <{SKOS}Concept> }}"]
        heavy = [
            f"SELECT ?s (COUNT(?c) AS ?n) WHERE {{ ?c <{SKOS}inScheme> ?s }} GROUP BY ?s",
            f'SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l FILTER(STRSTARTS(LCASE(STR(?l)), "vase")) }} LIMIT 50',
            f"SELECT ?c WHERE {{ ?c <{SKOS}broader>+ ?top . ?top <{SKOS}topConceptOf> <{DENO}> }} LIMIT 2000",
        ]
        describe = [f"DESCRIBE <{c}>" for c in sample]
        # Autocompletion as typed: every prefix of 100 labels of the sample.
        with urllib.request.urlopen(ours + "/sparql?query=" + urllib.parse.quote(
                f"SELECT ?l WHERE {{ VALUES ?c {{ {' '.join(f'<{c}>' for c in sample[:100])} }} "
                f"?c <{SKOS}prefLabel> ?l }}") + "&format=json") as r:
            labels = [b["l"]["value"] for b in json.load(r)["results"]["bindings"]]
        typed = [f"/api/v1/autocomplete?q={urllib.parse.quote(label[:n])}&vocab=deno"
                 for label in labels for n in range(2, min(len(label), 8) + 1)]
        json_accept = {"Accept": "application/sparql-results+json"}
        concept_json = [f"/api/v1/concept?uri={urllib.parse.quote(c)}" for c in sample]
        skosmos_data = [f"/rest/v1/deno/data?uri={urllib.parse.quote(c)}&format=application/ld%2Bjson"
                        for c in sample]
        runs = {
            "ping": (ours, ["/ping"], {}),
            "concept_turtle": (ours, [p + ".ttl" for p in paths], {}),
            "concept_jsonld": (ours, [p + ".jsonld" for p in paths], {}),
            "concept_json": (ours, concept_json, {}),
            "skosmos_data": (ours, skosmos_data, {}),
            "sparql_light": (ours, sparql_paths("/sparql", light), json_accept),
            "sparql_heavy": (ours, sparql_paths("/sparql", heavy), json_accept),
            "autocomplete": (ours, typed, {}),
            "nocache_ping": (nocache, ["/ping"], {}),
            "nocache_concept_turtle": (nocache, [p + ".ttl" for p in paths], {}),
            "nocache_sparql_light": (nocache, sparql_paths("/sparql", light), json_accept),
            "nocache_sparql_heavy": (nocache, sparql_paths("/sparql", heavy), json_accept),
            "nocache_autocomplete": (nocache, typed, {}),
            "granian_constant_wsgi": (constant, ["/ping"], {}),
            "gunicorn_ping": (guni, ["/ping"], {}),
            "gunicorn_concept_turtle": (guni, [p + ".ttl" for p in paths], {}),
            "oxigraph_concept_describe": (oxi, sparql_paths("/query", describe), {"Accept": "text/turtle"}),
            "oxigraph_sparql_light": (oxi, sparql_paths("/query", light), json_accept),
            "oxigraph_sparql_heavy": (oxi, sparql_paths("/query", heavy), json_accept),
        }
        results: dict = {"workers": args.workers, "connections": args.connections, "seconds": args.seconds,
                         "triples": sum(1 for _ in dump.open(encoding="utf-8"))}
        for name, (url, plist, headers) in runs.items():
            results[name] = wrk(url, plist, headers, args.seconds, args.connections, work, name)
            print(name, results[name], flush=True)
        oxi_describe = results["oxigraph_concept_describe"]["rps"]
        oxi_light = results["oxigraph_sparql_light"]["rps"]
        results["ratios"] = {
            "concept_turtle_vs_oxigraph": round(results["concept_turtle"]["rps"] / oxi_describe, 3),
            "concept_jsonld_vs_oxigraph": round(results["concept_jsonld"]["rps"] / oxi_describe, 3),
            "concept_json_vs_oxigraph": round(results["concept_json"]["rps"] / oxi_describe, 3),
            "skosmos_data_vs_oxigraph": round(results["skosmos_data"]["rps"] / oxi_describe, 3),
            "sparql_light_vs_oxigraph": round(results["sparql_light"]["rps"] / oxi_light, 3),
            "sparql_heavy_vs_oxigraph": round(results["sparql_heavy"]["rps"] / results["oxigraph_sparql_heavy"]["rps"], 3),
            "autocomplete_vs_ping": round(results["autocomplete"]["rps"] / results["ping"]["rps"], 3),
            "nocache_concept_turtle_vs_oxigraph": round(results["nocache_concept_turtle"]["rps"] / oxi_describe, 3),
            "nocache_sparql_light_vs_oxigraph": round(results["nocache_sparql_light"]["rps"] / oxi_light, 3),
            "nocache_sparql_heavy_vs_oxigraph": round(
                results["nocache_sparql_heavy"]["rps"] / results["oxigraph_sparql_heavy"]["rps"], 3),
            "nocache_autocomplete_vs_ping": round(results["nocache_autocomplete"]["rps"] / results["nocache_ping"]["rps"], 3),
            "granian_vs_gunicorn_ping": round(results["ping"]["rps"] / results["gunicorn_ping"]["rps"], 3),
        }
    finally:
        for proc in procs:
            stop_process(proc, 10)
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
