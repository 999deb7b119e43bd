"""The reads of one resource, in process: `concept_details` (what a concept page and the concept JSON read) and
`describe` (concept Turtle / JSON-LD, Skosmos `data`), median over random concepts, best of 3 rounds.

    .venv/bin/python bench/bench_reads.py [--code DIR] [--data-dir STORE] [--concepts 300] [--json out.json]

`--code DIR` imports vocabserver from another checkout (a git worktree of an earlier commit: the "before"
column, in the same run conditions); `--data-dir` reads an existing store (else the bundled vocabularies are
loaded into a temp dir first).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--concepts", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(args.code.resolve()))
    from vocabserver.index.holder import LabelIndexHolder, index_path
    from vocabserver.reading.concepts import concept_details
    from vocabserver.reading.describe import describe
    from vocabserver.store.embedded import VocabStore

    work = None
    if args.data_dir is None:
        from vocabserver.changes.loading import load_bundled

        work = Path(tempfile.mkdtemp(prefix="vocabserver-bench-reads-"))
        load_bundled(VocabStore(work / "store", "http://localhost:8080/"))
        args.data_dir = work / "store"
    try:
        store = VocabStore(args.data_dir, None, read_only=True)
        index = LabelIndexHolder(store, index_path(store)).current()
        rng = random.Random(3)
        uris = [index.uris[c] for c in rng.sample(range(len(index.uris)), args.concepts)]
        results = {"code": str(args.code), "concepts": len(uris)}
        for name, read in (("concept_details", lambda u: concept_details(store, index, u)),
                           ("describe", lambda u: describe(store, u))):
            for uri in uris[:20]:
                read(uri)
            medians = []
            for _ in range(3):
                timings = []
                for uri in uris:
                    started = time.perf_counter()
                    read(uri)
                    timings.append(time.perf_counter() - started)
                medians.append(statistics.median(timings))
            results[name + "_median_ms"] = round(min(medians) * 1000, 3)
        print(results)
        if args.json:
            import json

            args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
