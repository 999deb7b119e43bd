"""Validation jobs are bounded (issue 21, case 5), through a real server process: per client (429), in all (503),
each with Retry-After; and jobs of callers without an account can be switched off."""

from __future__ import annotations

import shutil

import pytest
import requests

from .conftest import Server, cli

# Distinct unknown values: each gets suggestions (≈150 µs), so a job runs for many seconds.
ROWS = "REF;DENO\n" + "".join(f"R{n};statuetteq{n}\n" for n in range(100_000))


@pytest.fixture(scope="module")
def served(loaded_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("jobs") / "store"
    shutil.copytree(loaded_dir, folder)
    tokens = []
    for name in ("musee-a", "musee-b"):
        made = cli("token", "create", "--name", name, "--role", "reader", data_dir=folder)
        assert made.returncode == 0, made.stderr
        tokens.append(made.stdout.strip().splitlines()[-1])
    server = Server(folder, base_uri="http://vocab.test/",
                    env={"VOCABSERVER_JOBS_PER_CLIENT": "1", "VOCABSERVER_JOBS_MAX": "2"})
    server.tokens = tokens
    yield server
    server.stop()


def _post(server, headers: dict | None = None) -> requests.Response:
    return requests.post(server.url + "/api/v1/validate/jobs?name=export.csv", data=ROWS.encode("utf-8"), timeout=60,
                         headers={"Content-Type": "text/csv"} | (headers or {}))


def test_jobs_are_bounded_per_client_and_in_all(served):
    first = _post(served)  # anonymous: by address
    assert first.status_code == 202, first.text
    again = _post(served)
    assert again.status_code == 429 and again.headers["Retry-After"].isdigit(), again.text
    assert "at most 1" in again.json()["message"]
    other = _post(served, {"Authorization": f"Bearer {served.tokens[0]}"})  # another client
    assert other.status_code == 202, other.text
    full = _post(served, {"Authorization": f"Bearer {served.tokens[1]}"})
    assert full.status_code == 503 and full.headers["Retry-After"].isdigit(), full.text
    assert "at most 2" in full.json()["message"]
    # What was refused left nothing behind: only the two accepted jobs exist.
    for started in (first, other):
        assert requests.get(served.url + started.headers["Location"], timeout=30).status_code == 200


def test_jobs_without_an_account_can_be_switched_off(loaded_dir, tmp_path):
    folder = tmp_path / "store"
    shutil.copytree(loaded_dir, folder)
    made = cli("token", "create", "--name", "musee", "--role", "reader", data_dir=folder)
    token = made.stdout.strip().splitlines()[-1]
    server = Server(folder, base_uri="http://vocab.test/", env={"VOCABSERVER_JOBS_ANONYMOUS": "0"})
    try:
        small = "REF;DENO\nR1;statuette\n".encode("utf-8")
        anonymous = requests.post(server.url + "/api/v1/validate/jobs?name=a.csv", data=small, timeout=30,
                                  headers={"Content-Type": "text/csv"})
        assert anonymous.status_code == 401 and "account" in anonymous.text
        signed = requests.post(server.url + "/api/v1/validate/jobs?name=a.csv", data=small, timeout=30,
                               headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"})
        assert signed.status_code == 202, signed.text
        # Checking a small file at once needs no account.
        assert requests.post(server.url + "/api/v1/validate?name=a.csv", data=small, timeout=30,
                             headers={"Content-Type": "text/csv"}).status_code == 200
    finally:
        server.stop()
