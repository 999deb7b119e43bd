"""OpenRefine itself (Debian's `openrefine` 3.6.2, installed by `make test`) reconciles a real table against the
server, as a data preparer does: a project made from the Paris sample of Joconde records (569 records, in
../shared), its DENO, TECH, LOCA and DOMN columns reconciled against each vocabulary's service with automatic
matching, through OpenRefine's own HTTP API; the matches read back and compared, cell by cell, with what
`vocabserver validate` says of the same values. Skipped, saying why, where OpenRefine or the sample is missing."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import SHARED, Server, cli
from tests.engines import free_port

SAMPLE = SHARED / "joconde-records-sample" / "BaseJoconde_Paris_Reconc.csv"
COLUMNS = {"Denomination": "deno", "Materiaux_techniques": "tech", "Localisation": "loca", "Domaine": "domn"}
FIELDS = {"Denomination": "DENO", "Materiaux_techniques": "TECH", "Localisation": "LOCA", "Domaine": "DOMN"}
ENGINE = json.dumps({"facets": [], "mode": "row-based"})


class OpenRefine:
    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="vocabserver-openrefine-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # A session of its own: Debian's `openrefine` is a shell script whose Java child a signal to the script
        # would not reach; the whole group is stopped at the end.
        self.process = subprocess.Popen([shutil.which("openrefine"), "-i", "127.0.0.1", "-p", str(self.port),
                                         "-d", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        self.session = requests.Session()
        deadline = time.monotonic() + 120
        while True:
            try:
                if self.session.get(self.url + "/command/core/get-version", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("OpenRefine did not start")
            time.sleep(0.5)

    def token(self) -> str:
        return self.session.get(self.url + "/command/core/get-csrf-token", timeout=30).json()["token"]

    def create_project(self, path: Path) -> str:
        options = {"separator": ",", "headerLines": 1, "encoding": "UTF-8", "guessCellValueTypes": False,
                   "processQuotes": True, "storeBlankCellsAsNulls": True}
        with path.open("rb") as data:
            answer = self.session.post(self.url + "/command/core/create-project-from-upload",
                                       params={"csrf_token": self.token()}, allow_redirects=False, timeout=120,
                                       files={"project-file": (path.name, data, "text/csv")},
                                       data={"project-name": "paris", "format": "text/line-based/*sv",
                                             "options": json.dumps(options)})
        assert answer.status_code == 302, answer.text[:300]
        return re.search(r"project=(\d+)", answer.headers["Location"]).group(1)

    def reconcile(self, project: str, column: str, service: str, manifest: dict, vocab: str) -> None:
        config = {"mode": "standard-service", "service": service, "identifierSpace": manifest["identifierSpace"],
                  "schemaSpace": manifest["schemaSpace"], "type": {"id": vocab, "name": vocab}, "autoMatch": True,
                  "columnDetails": [], "limit": 0}
        answer = self.session.post(self.url + "/command/core/reconcile", timeout=60,
                                   params={"project": project, "csrf_token": self.token()},
                                   data={"columnName": column, "config": json.dumps(config), "engine": ENGINE})
        assert answer.status_code == 200 and "error" not in answer.text, answer.text[:300]
        deadline = time.monotonic() + 300
        while self.session.get(self.url + "/command/core/get-processes", params={"project": project},
                               timeout=30).json().get("processes"):
            assert time.monotonic() < deadline, "reconciliation did not end"
            time.sleep(0.5)

    def rows(self, project: str) -> tuple[list, dict, dict]:
        answer = self.session.post(self.url + "/command/core/get-rows", timeout=60,
                                   params={"project": project, "start": 0, "limit": 10_000, "csrf_token": self.token()},
                                   data={"engine": ENGINE}).json()
        columns = self.session.get(self.url + "/command/core/get-models", params={"project": project},
                                   timeout=30).json()["columnModel"]["columns"]
        return answer["rows"], answer["pool"]["recons"], {c["name"]: c["cellIndex"] for c in columns}

    def stop(self) -> None:
        for signal_number, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.process.pid, signal_number)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
                time.sleep(1)  # the Java child leaves after the script
            except subprocess.TimeoutExpired:
                continue
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def refine():
    if shutil.which("openrefine") is None:
        pytest.skip("OpenRefine is not installed (`make test` installs Debian's openrefine: see the Makefile)")
    if not SAMPLE.exists():
        pytest.skip(f"the Paris sample of Joconde records is not here ({SAMPLE}): it comes from ../shared")
    started = OpenRefine()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def served(loaded_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("openrefine") / "store"
    shutil.copytree(loaded_dir, folder)
    server = Server(folder, "http://vocab.test/")
    server.wait_labels()
    yield server
    server.stop()


def _first_candidate(served, vocab: str, text: str) -> str | None:
    """The first candidate the service proposes for a cell OpenRefine did not match automatically (OpenRefine keeps
    the candidates in its project but does not give them back through get-rows)."""
    answer = requests.post(f"{served.url}/reconcile/{vocab}", data={"queries": json.dumps({"q": {"query": text}})},
                           timeout=30).json()
    found = answer["q"]["result"]
    return found[0]["id"] if found else None


def test_openrefine_reconciles_the_paris_sample_as_validation_reads_it(refine, served):
    project = refine.create_project(SAMPLE)
    for column, vocab in COLUMNS.items():
        service = f"{served.url}/reconcile/{vocab}?version=0.2"
        manifest = requests.get(service, timeout=30).json()
        refine.reconcile(project, column, service, manifest, vocab)
    rows, recons, index = refine.rows(project)
    assert len(rows) == 569
    checked = cli("validate", "--format", "json", "--fields", ",".join(FIELDS.values()), str(SAMPLE),
                  data_dir=served.data_dir)
    assert checked.returncode in (0, 1), checked.stderr
    verdicts: dict[tuple[int, str], list[dict]] = {}
    for result in json.loads(checked.stdout)["results"]:
        verdicts.setdefault((result["line"], result["field"]), []).append(result)
    with SAMPLE.open(encoding="utf-8") as source:
        table = list(csv.DictReader(source))
    stats = {column: {"cells": 0, "single": 0, "known": 0, "matched": 0, "agree": 0, "first_right": 0}
             for column in COLUMNS}
    for number, row in enumerate(rows):
        line = number + 2  # the header is line 1
        for column in COLUMNS:
            cell = row["cells"][index[column]] if index[column] < len(row["cells"]) else None
            if not cell or not cell.get("v"):
                continue
            assert cell["v"] == table[number][column]
            count = stats[column]
            count["cells"] += 1
            recon = recons.get(str(cell.get("r"))) if cell.get("r") is not None else None
            matched = recon is not None and recon.get("j") == "matched"
            count["matched"] += matched
            values = verdicts.get((line, FIELDS[column]), [])
            if len(values) != 1:
                continue  # a multi-valued cell: validation splits it, OpenRefine reconciles it whole
            count["single"] += 1
            verdict = values[0]
            if verdict["verdict"] in ("valid", "non-preferred") and verdict.get("uri"):
                count["known"] += 1
                first = recon["m"]["id"] if matched else _first_candidate(served, COLUMNS[column], cell["v"])
                count["first_right"] += first == verdict["uri"]
                if matched:
                    assert recon["m"]["id"] == verdict["uri"], (column, line, cell["v"], recon["m"], verdict)
                    count["agree"] += 1
            else:
                # What validation does not accept is never matched automatically.
                assert not matched, (column, line, cell["v"], recon, verdict)
    print(json.dumps(stats, indent=1))
    for column, count in stats.items():
        assert count["cells"] > 0
        # Every single value validation knows is matched to the same concept, or at least proposed first.
        assert count["first_right"] >= count["known"] * 0.98, (column, count)
    assert sum(c["agree"] for c in stats.values()) >= 0.9 * sum(c["known"] for c in stats.values())
