"""SPARQL Update through the write path: the server time of an update (planned; what it would change learnt
from its shadow form or from a scratch copy of the graphs it may touch; validated with the strict policy,
committed with its history record, the label index patched) against the same update run by pyoxigraph itself on a store holding the same data (what a
plain Oxigraph server does: no validation, no history, no index), in one run.

    .venv/bin/python bench/bench_update.py [--updates 40] [--json bench/results-update.json]

Cases, each alternately adding and removing an altLabel of a random concept (so the data stays the same size):
  data-deno      INSERT DATA / DELETE DATA into DENO: read as data
  where-deno     INSERT … WHERE / DELETE … WHERE naming DENO's graph (26,518 triples): the shadow form
  where-autr     the same on AUTR, the largest graph (167,512 triples)
  where-any      the same over GRAPH ?g (any graph)
  copy-deno      where-deno followed by a second operation (which matches nothing): not covered by the shadow
                 form, so DENO is copied into memory and compared (the fallback's cost)
  copy-autr      the same on AUTR (a few runs: seconds each)
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bundled_engine, percentiles, report  # noqa: E402
from vocabserver.core import Core  # noqa: E402
from vocabserver.sparql.guard import GuardLimits  # noqa: E402
from vocabserver.sparql.update import run_update  # noqa: E402

BASE = "http://localhost:8080/"
PREFIX = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"


def texts(case: str, graph: str, uri: str, label: str) -> tuple[str, str]:
    """(adding, removing) update texts of one case."""
    if case == "data":
        triple = f'<{uri}> skos:altLabel "{label}"@fr'
        return (PREFIX + f"INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}",
                PREFIX + f"DELETE DATA {{ GRAPH <{graph}> {{ {triple} }} }}")
    scope = "GRAPH ?g" if case == "any" else f"GRAPH <{graph}>"
    second = f" ; DELETE WHERE {{ GRAPH <{graph}> {{ <{uri}> skos:altLabel \"absent\"@fr }} }}" if case == "copy" else ""
    return (PREFIX + f'INSERT {{ {scope} {{ ?c skos:altLabel "{label}"@fr }} }} '
                     f"WHERE {{ {scope} {{ ?c skos:prefLabel ?l }} VALUES ?c {{ <{uri}> }} }}" + second,
            PREFIX + f'DELETE {{ {scope} {{ ?c skos:altLabel "{label}"@fr }} }} '
                     f'WHERE {{ {scope} {{ ?c skos:altLabel "{label}"@fr }} VALUES ?c {{ <{uri}> }} }}' + second)


def run_case(core: Core, raw: ox.Store, case: str, vocab: str, count: int, rng: random.Random) -> dict:
    index = core.labels.current()
    concepts = [c for c in range(len(index.uris)) if index.vocab_of(c) == vocab]
    graph = core.store.graph_iri(vocab).value
    ours, reference = [], []
    limits = GuardLimits()
    for number in range(count + 2):  # the first two (one add, one remove) are a warm-up
        uri = index.uris[rng.choice(concepts)]
        adding, removing = texts(case, graph, uri, f"banc d'essai {number}")
        for text in (adding, removing):
            started = time.perf_counter()
            changes, _ = run_update(core.writer, text, "bench", "", limits)
            elapsed = time.perf_counter() - started
            assert len(changes) == 1, (text, changes)
            started = time.perf_counter()
            raw.update(text)
            raw_elapsed = time.perf_counter() - started
            if number >= 2:
                ours.append(elapsed)
                reference.append(raw_elapsed)
    out = {"vocabulary": vocab, "graph_triples": core.store.info(vocab).triples, "ours": percentiles(ours),
           "pyoxigraph_update": percentiles(reference)}
    out["ratio_p50"] = round(out["ours"]["p50_ms"] / max(out["pyoxigraph_update"]["p50_ms"], 0.001), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=40, help="add/remove pairs per case (copy cases: fewer)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(11)
    work = Path(tempfile.mkdtemp(prefix="vocabserver-bench-update-"))
    results: dict = {}
    try:
        core = bundled_engine(work / "store", BASE)
        store = core.store
        core.labels.current().warm()
        raw = ox.Store(str(work / "raw"))  # the same graphs, for pyoxigraph's own update
        for graph in store.readable_graphs():
            raw.bulk_load(store.dump_graph(graph), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        for name, case, vocab, count in (("data-deno", "data", "deno", args.updates),
                                         ("where-deno", "where", "deno", args.updates),
                                         ("where-autr", "where", "autr", args.updates),
                                         ("where-any", "any", "deno", args.updates),
                                         ("copy-deno", "copy", "deno", max(2, args.updates // 4)),
                                         ("copy-autr", "copy", "autr", max(2, args.updates // 10))):
            results[name] = run_case(core, raw, case, vocab, count, rng)
            print(name, results[name], file=sys.stderr)
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
