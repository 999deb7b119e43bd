"""Server-side render time of the browsing interface's pages (issue 5).

    .venv/bin/python bench/bench_pages.py [--rounds 300] [--json bench/results-pages.json]

The bundled vocabularies are loaded into a temp store; the application renders each page `--rounds` times
through its WSGI interface (werkzeug's test client: no network, no browser), after 10 warm-up renders, with
no conditional request (every render is complete). The pages: the home; a vocabulary page (DENO, its first
200 of 1,789 top concepts); the same for AUTR (32,344 top concepts); a concept with many narrower concepts
("Personnes représentées", REPR: 16,401, first page of 200); an AUTR alphabetical index page (letter B,
page 2); a search results page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import report  # noqa: E402

BASE = "http://localhost:8080/"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ["VOCABSERVER_SPARQL_ISOLATION"] = "thread"  # no SPARQL worker processes: not measured here
    from vocabserver.config import Settings
    from vocabserver.changes.loading import load_bundled
    from vocabserver.store.embedded import VocabStore
    from vocabserver.web import create_app

    work = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        store = VocabStore(work / "store", BASE)
        load_bundled(store)
        app = create_app(Settings(work / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1),
                         store=store)
        client = app.test_client()
        persons = client.get("/api/v1/vocabularies/repr/lookup?label=Personnes%20repr%C3%A9sent%C3%A9es").get_json()
        persons_path = "/" + persons["matches"][0]["uri"][len(BASE):]
        pages = {"home": "/", "vocabulary_deno": "/deno", "vocabulary_autr": "/autr",
                 "concept_16401_narrower": persons_path, "autr_index_b_page_2": "/autr?letter=B&page=2",
                 "search_epee": "/search?q=epee"}
        results: dict = {"rounds": args.rounds}
        for name, path in pages.items():
            for _ in range(10):
                assert client.get(path, headers={"Accept": "text/html"}).status_code == 200
            seconds = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                response = client.get(path, headers={"Accept": "text/html"})
                seconds.append(time.perf_counter() - started)
                assert response.status_code == 200
            seconds.sort()
            results[name] = {"path": path, "bytes": len(response.data),
                             "p50_ms": round(statistics.median(seconds) * 1000, 2),
                             "p99_ms": round(seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))] * 1000, 2)}
        report(results, args.json)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
