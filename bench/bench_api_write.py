"""The editing API's server time at bundled size: a concept created under a random DENO parent
(POST /api/v1/vocabularies/deno/concepts) and a concept edited with its ETag (PATCH … If-Match), each from the
request to the response with the concept's JSON — validated with the strict policy, committed with its history
record, the label index patched — through the application's WSGI interface (werkzeug's test client: no network).

    .venv/bin/python bench/bench_api_write.py [--writes 200] [--json bench/results-api-write.json]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bundled_engine, percentiles, report  # noqa: E402
from vocabserver.web import create_app  # noqa: E402

BASE = "http://localhost:8080/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(5)
    work = Path(tempfile.mkdtemp(prefix="vocabserver-bench-api-"))
    try:
        core = bundled_engine(work / "store", BASE)
        index = core.labels.current()
        index.warm()
        deno = [index.uris[c] for c in range(len(index.uris)) if index.vocab_of(c) == "deno"]
        client = create_app(core).test_client()
        auth = {"Authorization": "Bearer " + core.tokens.create("bench", "editor", ["deno"])}
        created, edited = [], []
        for number in range(-5, args.writes):  # five untimed of each first
            started = time.perf_counter()
            answer = client.post("/api/v1/vocabularies/deno/concepts", headers=auth, json={
                "prefLabel": {"fr": f"terme d'essai {number}"}, "broader": [rng.choice(deno)]})
            elapsed = time.perf_counter() - started
            assert answer.status_code == 201, answer.get_json()
            uri, etag = answer.get_json()["uri"], answer.headers["ETag"]
            started = time.perf_counter()
            patched = client.patch(f"/api/v1/vocabularies/deno/concepts?uri={uri}", headers=auth | {"If-Match": etag},
                                   json={"altLabel": {"fr": [f"forme d'essai {number}"]}})
            patch_elapsed = time.perf_counter() - started
            assert patched.status_code == 200, patched.get_json()
            if number >= 0:
                created.append(elapsed)
                edited.append(patch_elapsed)
        hits = client.get("/api/v1/autocomplete", query_string={"q": f"forme d'essai {args.writes - 1}"}).get_json()
        results = {"labels": len(index.label_text), "create": percentiles(created), "edit": percentiles(edited),
                   "last_edit_found_by_autocomplete": bool(hits["results"])}
        core.store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
