"""Foundation benchmarks: build, load, open, time-to-ready, the full quality check; raw pyoxigraph bulk_load
in the same run.

    .venv/bin/python bench/bench_load.py [--repeat 5] [--skip-build] [--json out.json]

Our load and raw `Store.bulk_load` alternate in every round on the same files,
so the ratio compares like with like on a shared machine; medians are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import free_port, report  # noqa: E402
from vocabserver.lexicons.run import build_all  # noqa: E402
from vocabserver.changes.checks import run_checks  # noqa: E402
from vocabserver.changes.loading import bundled_files, load_bundled  # noqa: E402
from vocabserver.store.embedded import VocabStore  # noqa: E402

BASE = "http://localhost:8080/"


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def raw_bulk_load(path: Path) -> None:
    store = ox.Store(str(path))
    for vocab_id, file in bundled_files().items():
        store.bulk_load(path=str(file), format=ox.RdfFormat.TURTLE, base_iri=BASE,
                        to_graph=ox.NamedNode(f"{BASE}graph/{vocab_id}"))
    store.flush()
    del store


def our_load(path: Path) -> None:
    store = VocabStore(path, BASE)
    load_bundled(store)
    store.close()


def open_store(path: Path) -> None:
    store = VocabStore(path, BASE, read_only=False)
    assert len(store.vocabularies()) == 16
    store.close()


def full_check(path: Path) -> dict[str, float]:
    """Seconds of `vocabserver check`'s work (every check, report-only ones included) per vocabulary."""
    store = VocabStore(path, BASE, read_only=True)
    try:
        return {vocab_id: timed(lambda: run_checks(store, ox.NamedNode(info.graph), vocab_id, full=True))
                for vocab_id, info in store.vocabularies().items()}
    finally:
        store.close()


def serve_ready(path: Path) -> float:
    """Seconds from `vocabserver serve` on an empty store to a 200 from /health."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "vocabserver", "--data-dir", str(path), "serve",
                                "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    if response.status == 200 and len(json.load(response)["vocabularies"]) == 16:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.05)
            if time.perf_counter() - started > 120:
                raise RuntimeError("server not ready after 120 s")
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="vocabserver-bench-"))
    triples = sum(1 for f in bundled_files().values() for _ in ox.parse(path=str(f), base_iri=BASE))
    results: dict[str, object] = {"triples": triples, "repeat": args.repeat}
    try:
        if not args.skip_build and args.source.exists():
            results["build_s"] = round(timed(lambda: build_all(args.source, work / "built")), 2)
        raw, ours, opens, ready, checks = [], [], [], [], []
        for i in range(args.repeat):
            raw.append(timed(lambda: raw_bulk_load(work / f"raw{i}")))
            ours.append(timed(lambda: our_load(work / f"ours{i}")))
            opens.append(timed(lambda: open_store(work / f"ours{i}")))
            checks.append(full_check(work / f"ours{i}"))
            shutil.rmtree(work / f"raw{i}")
        for i in range(min(args.repeat, 3)):
            ready.append(serve_ready(work / f"served{i}"))
        results.update(
            raw_bulk_load_s=round(statistics.median(raw), 3),
            our_load_s=round(statistics.median(ours), 3),
            load_ratio=round(statistics.median(o / r for o, r in zip(ours, raw)), 3),
            store_open_s=round(statistics.median(opens), 3),
            full_check_all_s=round(statistics.median(sum(c.values()) for c in checks), 3),
            full_check_per_vocabulary_s={v: round(statistics.median(c[v] for c in checks), 3) for v in checks[0]},
            serve_ready_empty_store_s=round(statistics.median(ready), 2),
            rounds={"raw": [round(x, 3) for x in raw], "ours": [round(x, 3) for x in ours],
                    "ready": [round(x, 2) for x in ready]},
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
