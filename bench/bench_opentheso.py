"""Opentheso-compatible whole thesauri through a real server (issue 23): `vocabserver serve` on the bundled
vocabularies, `all/theso` for DENO (26,518 triples) and AUTR (167,512 triples) in each format, the first call
(serialised from the store) and the next ones (kept per commit stamp); client-side time and size.

    .venv/bin/python bench/bench_opentheso.py --json bench/results-opentheso.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_remote import bundled_node  # noqa: E402
from bench.common import report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    out = {}
    with bundled_node("bench-opentheso-") as node:
        for vocab in ("deno", "autr"):  # a vocabulary id is accepted where Opentheso's thNNN is
            for fmt in ("json", "rdf", "turtle", "jsonld"):
                times = []
                for _ in range(4):
                    started = time.perf_counter()
                    answer = node.get("/opentheso/api/all/theso", params={"id": vocab, "format": fmt})
                    times.append(time.perf_counter() - started)
                    assert answer.status_code == 200, answer.text[:200]
                out[f"{vocab}_{fmt}"] = {"first_s": round(times[0], 3), "cached_s": round(min(times[1:]), 3),
                                         "bytes": len(answer.content)}
                print(vocab, fmt, out[f"{vocab}_{fmt}"], flush=True)
    report(out, args.json)


if __name__ == "__main__":
    main()
