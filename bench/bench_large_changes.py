"""Large changes through the write path, in process over a real store holding the bundled vocabularies (issue 20).

    .venv/bin/python bench/bench_large_changes.py [--json bench/results-large-changes.json]

Times, one after the other on the same store: a SPARQL view of the store (a checkpoint, and a worker's
read-only open of it; medians of 5) before any change; dropping AUTR's graph (what Graph Store DELETE does: one
changeset removing its 167,000 triples), reverting that drop, then `CLEAR ALL ; INSERT DATA {…}` through the SPARQL
Update path (every graph emptied: about 458,000 triples, evaluated on a writable checkpoint), and the first
SPARQL view (checkpoint) made after each.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bundled_engine, report  # noqa: E402

BASE = "http://bench.test/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from vocabserver.changes.changeset import ChangeSet
    from vocabserver.sparql.guard import GuardLimits
    from vocabserver.sparql.update import run_update
    import statistics

    from vocabserver.store.sources import Checkpoints, open_source

    work = Path(tempfile.mkdtemp(prefix="vocabserver-large-"))
    try:
        core = bundled_engine(work / "store", BASE)
        store, writer = core.store, core.writer
        views = Checkpoints(store)
        results: dict = {}
        made, opened = [], []
        for _ in range(5):
            started = time.perf_counter()
            view = views()
            made.append(time.perf_counter() - started)
            started = time.perf_counter()
            reader, _graphs = open_source(view)
            opened.append(time.perf_counter() - started)
            del reader
            Checkpoints.remove(view)
        results["checkpoint_ms"] = round(statistics.median(made) * 1000, 1)
        results["open_read_only_ms"] = round(statistics.median(opened) * 1000, 1)

        def timed(name: str, action):
            started = time.perf_counter()
            outcome = action()
            results[name + "_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            Checkpoints.remove(views())
            results[name + "_then_checkpoint_ms"] = round((time.perf_counter() - started) * 1000, 1)
            return outcome

        graph = store.graph_iri("autr")
        triples = [q.triple for q in store.quads(None, None, None, graph)]
        results["autr_triples"] = len(triples)
        change, _ = timed("drop_autr", lambda: writer.apply(ChangeSet(graph, triples, [], "bench", "drop")))
        timed("revert_drop", lambda: writer.revert(change.number, "bench"))
        results["all_triples"] = sum(info.triples for info in store.vocabularies().values())
        changes, _ = timed("clear_all_update", lambda: run_update(
            writer, "CLEAR ALL ; INSERT DATA { GRAPH <http://example.org/d> { <http://example.org/s> "
                    "<http://example.org/p> 1 } }", "bench", "", GuardLimits()))
        results["clear_all_changes"] = len(changes)
        report(results, args.json)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
