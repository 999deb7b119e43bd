"""Record validation under ordinary mistakes and hostile cells (issue 21, cases 4 and 6), through a real server
process: a pasted sentence, a huge CSV cell, JSON nested 100,000 deep — each a report or a 400 naming the limit,
never a 500, and a job that cannot finish ends `failed` with its reason; formula-leading cells of the problems
CSV are neutralised."""

from __future__ import annotations

import csv
import io
import time

import requests

SENTENCE = ("Ce vase a été trouvé dans la réserve du musée lors du récolement de 2019, sans numéro d'inventaire, "
            "et il porte une étiquette ancienne presque effacée que personne n'a encore su lire entièrement. ") * 7


def _job(server, body: bytes, name: str, kind: str) -> dict:
    started = requests.post(f"{server.url}/api/v1/validate/jobs?name={name}", data=body, timeout=60,
                            headers={"Content-Type": kind})
    assert started.status_code == 202, started.text
    for _ in range(600):
        job = requests.get(server.url + started.headers["Location"], timeout=30).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"the job is still {job['status']}")


def test_a_pasted_sentence_gets_a_verdict(server):
    assert len(SENTENCE) > 1300
    answer = requests.post(server.url + "/api/v1/validate", json=[{"REF": "S1", "DENO": SENTENCE}], timeout=60)
    assert answer.status_code == 200, answer.text
    verdicts = {r["verdict"] for r in answer.json()["results"] if r["field"] == "DENO"}
    assert verdicts and verdicts <= {"unknown", "valid", "non-preferred", "ambiguous"}  # split at its commas
    job = _job(server, ("REF;DENO\nS1;" + SENTENCE + "\n").encode("utf-8"), "phrase.csv", "text/csv")
    assert job["status"] == "done", job


def test_a_huge_csv_cell_is_reported_with_the_limit_and_its_line(server):
    body = ("REF;DENO\nA1;vase\nA2;" + "x" * 200_000 + "\n").encode("utf-8")
    answer = requests.post(server.url + "/api/v1/validate?name=big.csv", data=body, timeout=60,
                           headers={"Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["records"] == 1 and report["errors"][0]["line"] == 3
    assert "131,072 characters" in report["errors"][0]["message"]
    job = _job(server, body, "big.csv", "text/csv")
    assert job["status"] == "done" and "131,072 characters" in str(job["summary"]["errors"]), job
    assert "corrected" not in job  # no copy of a file that cannot be read to its end: it would lose the rest


def test_json_nested_100000_deep_is_refused_or_reported(server):
    deep = "[" * 100_000 + "]" * 100_000
    answer = requests.post(server.url + "/api/v1/validate", data=deep, timeout=60,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "nested" in answer.text
    inside = '[{"REF": "N1", "DENO": ' + "[" * 50 + '"vase"' + "]" * 50 + "}]"
    answer = requests.post(server.url + "/api/v1/validate", data=inside, timeout=60,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 200 and "nested lists" in answer.text
    job = _job(server, deep.encode("utf-8"), "deep.json", "application/x-ndjson")
    # As a file, the reader reports where it stops (the report's errors), as for any unreadable input.
    assert job["status"] == "done" and "nested deeper" in str(job["summary"]["errors"]), job


def test_formula_cells_are_neutralised_in_the_problems_csv(server):
    hostile = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd",
               "\t=1+1"]
    rows = "REF;DENO\n" + "".join(f"F{n};{value}\n" for n, value in enumerate(hostile))
    job = _job(server, rows.encode("utf-8"), "formules.csv", "text/csv")
    assert job["status"] == "done", job
    problems = requests.get(server.url + job["problems"], timeout=30)
    assert problems.status_code == 200
    table = list(csv.reader(io.StringIO(problems.text)))
    values = [row[table[0].index("value")] for row in table[1:]]
    assert len(values) >= len(hostile)  # a value with commas is several terms
    for cell in (c for row in table[1:] for c in row):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    for value in hostile:
        assert any(v.startswith("'" + value.strip()[:4]) for v in values), (value, values)
