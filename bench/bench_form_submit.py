"""The editing pages' server time at bundled size: a curator saves the concept form (POST /edit, CSRF token,
the version the form was made against) and the browser follows the redirect to the updated concept page —
the two requests a save costs — through the application's WSGI interface (werkzeug's test client: no network),
signed in as an editor of DENO. The form itself (GET /edit) is timed too.

    .venv/bin/python bench/bench_form_submit.py [--saves 200] [--json bench/results-form-submit.json]
"""

from __future__ import annotations

import argparse
import random
import re
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
PASSWORD = "bench-password-long"


def _form(html: str) -> dict:
    out = dict(re.findall(r'<input id="f-[^"]+" name="([^"]+)" value="([^"]*)"', html))
    out |= {m.group(1): m.group(2) for m in re.finditer(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html)}
    out |= dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return {k: v.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&")
            for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="vocabserver-bench-form-"))
    try:
        core = bundled_engine(work / "store", BASE)
        index = core.labels.current()
        index.warm()
        deno = [index.uris[c] for c in range(len(index.uris)) if index.vocab_of(c) == "deno" and len(index.children(c)) < 50]
        core.users.create("bench", "editor", PASSWORD, ["deno"])
        client = create_app(core).test_client()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        assert client.post("/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token}).status_code == 303
        opened, saved, shown = [], [], []
        for number in range(-5, args.saves):  # five untimed first
            uri = rng.choice(deno)
            started = time.perf_counter()
            page = client.get("/edit", query_string={"uri": uri})
            form_time = time.perf_counter() - started
            assert page.status_code == 200
            form = _form(page.get_data(as_text=True))
            form["altLabel-fr"] = (form.get("altLabel-fr", "") + f"\nforme d'essai {number}").strip()
            started = time.perf_counter()
            answer = client.post("/edit", query_string={"uri": uri}, data=form)
            save_time = time.perf_counter() - started
            assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
            started = time.perf_counter()
            updated = client.get(answer.headers["Location"], headers={"Accept": "text/html"})
            show_time = time.perf_counter() - started
            assert updated.status_code == 200 and f"forme d&#39;essai {number}" in updated.get_data(as_text=True)
            if number >= 0:
                opened.append(form_time)
                saved.append(save_time)
                shown.append(save_time + show_time)
        results = {"labels": len(index.label_text), "open_form": percentiles(opened), "save": percentiles(saved),
                   "save_to_updated_page": percentiles(shown)}
        core.store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
