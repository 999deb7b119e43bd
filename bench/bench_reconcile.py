"""Reconciliation batches through a real server (issue 23): `vocabserver serve` on the bundled vocabularies, a
batch of 100 queries (0.2, form field `queries`, the shape OpenRefine sends) to the whole service and to DENO's,
repeated; client-side time per batch over a kept-alive connection.

    .venv/bin/python bench/bench_reconcile.py --json bench/results-reconcile.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_remote import BASE, bundled_node  # noqa: E402
from bench.common import percentiles, report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with bundled_node("bench-reconcile-") as node:
        labels = []
        for vocab in ("deno", "tech", "loca", "domn"):
            rows = node.get("/sparql", params={"query": f"SELECT ?l WHERE {{ GRAPH <{BASE}graph/{vocab}> {{ "
                                                        "?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } }"},
                            headers={"Accept": "application/sparql-results+json"}).json()["results"]["bindings"]
            labels += [(vocab, r["l"]["value"]) for r in rows]
        random.seed(11)
        out = {}
        for service in ("/reconcile", "/reconcile/deno"):
            pool = [text for vocab, text in labels if service == "/reconcile" or vocab == "deno"]
            times, matched = [], 0
            for _ in range(args.batches):
                # Cells as exports hold them: some as in the vocabulary, some in capitals, some without accents.
                texts = [random.choice((str.upper, str.lower, lambda t: t))(random.choice(pool)) for _ in range(100)]
                body = {"queries": json.dumps({f"q{i}": {"query": t} for i, t in enumerate(texts)})}
                started = time.perf_counter()
                answer = node.session.post(node.url + service, data=body, timeout=60)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text[:300]
                matched += sum(1 for r in answer.json().values() if r["result"] and r["result"][0]["match"])
            out[service] = {"batch_of_100": percentiles(times), "matched_share": round(matched / (100 * args.batches), 3)}
            print(service, out[service], flush=True)
    report(out, args.json)


if __name__ == "__main__":
    main()
