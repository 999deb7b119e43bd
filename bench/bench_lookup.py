"""Lookup benchmarks (issue 4): the label index in process, over HTTP, and beside SPARQL.

    .venv/bin/python bench/bench_lookup.py [--queries 20000] [--scale 10] [--http] [--json out.json]

In process: autocompletion as typed — every prefix (1 to 10 characters) of
labels drawn at random, limit 10, all vocabularies — at bundled size and on an
index of `--scaled-labels` generated labels (1.5 million: 15× the bundled 99,124): French-like
labels made of words drawn from the real labels' words with their frequencies,
so prefixes are as crowded as in the real lists. Percentiles are taken after one
warm-up pass over the same queries (caches of one-letter prefixes are filled by
the first user who types them). Beside it, the same prefix search in SPARQL on
the store (`queries/bench/label-prefix.rq`), on a sample of the queries.

With --http (after `bash bench/setup.sh`): `/api/v1/autocomplete` under
gunicorn (2 sync workers, read-only store) loaded by wrk, against `/ping` on
the same configuration, and the resident memory of each worker.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, report  # noqa: E402
from vocabserver.index.label_index import LabelIndex  # noqa: E402
from vocabserver.changes.loading import load_bundled  # noqa: E402
from vocabserver.store.queries import render  # noqa: E402
from vocabserver.store.embedded import VocabStore  # noqa: E402

BASE = "http://localhost:8080/"


def keystrokes(labels: list[str], count: int, rng: random.Random) -> list[str]:
    queries: list[str] = []
    while len(queries) < count:
        label = rng.choice(labels)
        queries.extend(label[:k] for k in range(1, min(len(label), 10) + 1))
    return queries[:count]


def percentiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000, 4)  # noqa: E731
    return {"p50_ms": pick(0.5), "p99_ms": pick(0.99), "max_ms": round(ordered[-1] * 1000, 3),
            "mean_ms": round(statistics.fmean(ordered) * 1000, 4)}


def time_queries(index: LabelIndex, queries: list[str]) -> dict:
    for query in queries:  # warm-up pass
        index.search(query, limit=10)
    seconds = []
    for query in queries:
        started = time.perf_counter()
        index.search(query, limit=10)
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds)


def scaled_index(index: LabelIndex, target: int, rng: random.Random) -> LabelIndex:
    """`target` generated labels, from the real words with their frequencies."""
    words = [w for text in index.label_text for w in text.replace("'", "' ").split()]
    lengths = [len(text.split()) for text in index.label_text]
    vocab_ids = [f"v{n:02d}" for n in range(16)]
    concepts, labels, links = [], [], []
    for number in range(target):
        vocab = number % 16
        uri = f"http://bench.test/{vocab_ids[vocab]}/{number}"
        concepts.append((vocab, uri))
        text = " ".join(rng.choice(words) for _ in range(rng.choice(lengths)))
        labels.append((vocab, uri, 0 if number % 7 else 2, text, "fr"))
        if number >= 16 and number % 3:  # two thirds have a broader concept, earlier in the same vocabulary
            parent = number - 16 * rng.randint(1, min(50, number // 16))
            links.append((vocab, uri, f"http://bench.test/{vocab_ids[vocab]}/{parent}"))
    return LabelIndex.from_records("bench", vocab_ids, concepts, labels, links)


def sparql_prefix(store: VocabStore, queries: list[str]) -> dict:
    seconds = []
    for query in queries:
        text = render("bench/label-prefix", prefix=ox.Literal(query.lower()))
        started = time.perf_counter()
        list(store.query(text, use_default_graph_as_union=True))
        seconds.append(time.perf_counter() - started)
    return percentiles(seconds)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def wrk(url: str, paths: list[str], seconds: int) -> dict:
    script = Path(tempfile.mkdtemp()) / "paths.lua"
    quoted = ",".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    script.write_text(
        f"local paths = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n"
        "done = function(summary, latency, requests)\n"
        "  io.write(string.format('RESULT %d %d %.3f\\n', summary.requests, summary.errors.status,"
        " latency:percentile(99) / 1000))\nend\n")
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    _, requests, errors, p99 = line.split()
    return {"rps": round(int(requests) / seconds), "non_2xx": int(errors), "p99_ms": float(p99)}


def serve_ready(data_dir: Path) -> dict:
    """`vocabserver serve` on the loaded store: seconds until /ping answers, and until an autocompletion does."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "vocabserver", "--data-dir", str(data_dir), "--base-uri", BASE,
                                "serve", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marks: dict = {}
    try:
        deadline = started + 60
        while time.perf_counter() < deadline and len(marks) < 2:
            for name, path in (("listening_s", "/ping"), ("autocomplete_s", "/api/v1/autocomplete?q=epee")):
                if name in marks:
                    continue
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
                    marks[name] = round(time.perf_counter() - started, 3)
                except OSError:
                    time.sleep(0.01)
                    break
        marks["index_after_listening_s"] = round(marks["autocomplete_s"] - marks["listening_s"], 3)
        return marks
    finally:
        process.terminate()
        process.wait(timeout=30)


def gunicorn(data_dir: Path, extra_env: dict) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "VOCABSERVER_DATA_DIR": str(data_dir), "VOCABSERVER_BASE_URI": BASE,
           "VOCABSERVER_READ_ONLY": "1", **extra_env}
    binary = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(binary), "-w", "2", "-b", f"127.0.0.1:{port}", "--no-control-socket",
                                "vocabserver.wsgi:app"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/api/v1/autocomplete?q=a", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    return process, url


def http_bench(data_dir: Path, queries: list[str], seconds: int) -> dict:
    """Autocompletion against /ping on the same gunicorn configuration, without and with the answer cache."""
    paths = ["/api/v1/autocomplete?" + urllib.parse.urlencode({"q": q}) for q in queries[:2000]]
    results: dict = {}
    for name, extra in (("computed", {"VOCABSERVER_ANSWER_CACHE": "0"}), ("answer_cache", {})):
        process, url = gunicorn(data_dir, extra)
        try:
            for path in paths:  # warm-up: caches of one-letter prefixes (and answers, when on) in both workers
                urllib.request.urlopen(url + path).read()
                urllib.request.urlopen(url + path).read()
            ping = wrk(url, ["/ping"], seconds)
            autocomplete = wrk(url, paths, seconds)
            children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
            results[name] = {"ping": ping, "autocomplete": autocomplete,
                             "ratio": round(autocomplete["rps"] / ping["rps"], 3),
                             "worker_rss_mb": [round(rss_mb(int(pid)), 1) for pid in children]}
        finally:
            process.terminate()
            process.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--scaled-labels", type=int, default=1_500_000, help="0 to skip")
    parser.add_argument("--sparql-sample", type=int, default=200)
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(20261127)
    work = Path(tempfile.mkdtemp(prefix="bench-lookup-"))
    try:
        store = VocabStore(work / "store", BASE)
        load_bundled(store)
        started = time.perf_counter()
        index = LabelIndex.build(store)
        gc.freeze()
        build_seconds = time.perf_counter() - started
        started = time.perf_counter()
        index.save(work / "index.pickle")
        save_seconds = time.perf_counter() - started
        started = time.perf_counter()
        LabelIndex.open(work / "index.pickle", index.stamp)
        open_seconds = time.perf_counter() - started
        queries = keystrokes(index.label_text, args.queries, rng)
        results: dict = {
            "labels": len(index.label_text), "entries": len(index.parts["*"].keys), "queries": len(queries),
            "index_build_s": round(build_seconds, 3), "index_save_s": round(save_seconds, 3),
            "index_open_s": round(open_seconds, 3),
            "in_process": time_queries(index, queries),
        }
        sample = rng.sample(queries, args.sparql_sample)
        ours = time_queries(index, sample)
        theirs = sparql_prefix(store, sample)
        results["sparql_prefix"] = {"sample": len(sample), "index": ours, "sparql": theirs,
                                    "speedup_p50": round(theirs["p50_ms"] / ours["p50_ms"]),
                                    "speedup_mean": round(theirs["mean_ms"] / ours["mean_ms"])}
        if args.scaled_labels:
            started = time.perf_counter()
            big = scaled_index(index, args.scaled_labels, rng)
            gc.freeze()  # as the server does with each new index: no collector pass over millions of objects
            big_queries = keystrokes(big.label_text, args.queries, rng)
            results["scaled"] = {"labels": len(big.label_text),
                                 "entries": len(big.parts["*"].keys),
                                 "build_s": round(time.perf_counter() - started, 1),
                                 **time_queries(big, big_queries)}
            del big
        store.close()
        from vocabserver.index.holder import index_path
        index.save(index_path(store))  # as `vocabserver load` does
        results["serve_ready"] = serve_ready(work / "store")
        if args.http:
            results["http"] = http_bench(work / "store", queries, args.seconds)
        report(results, args.json)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
