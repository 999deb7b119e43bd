"""Real SPARQL engines for the remote-store tests and benchmarks, started from what the project's setup installs:
Oxigraph server (the `oxigraph` package on PyPI, in the virtual environment) and OpenLink Virtuoso 7.2 (Debian's
`virtuoso-opensource-7-bin`, installed by `make test`). Each runs in a folder of its own on free ports and is
stopped at the end; `clear()` empties it between tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from requests.auth import HTTPDigestAuth

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = {sql_port}
NumberOfBuffers = 100000
MaxDirtyBuffers = 60000
CheckpointInterval = 60
DirsAllowed = ., {dir}
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = {http_port}
ServerRoot = {dir}
MaxClientConnections = 16
ServerThreads = 16
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 120
DeferInferenceRulesInit = 0
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


class Engine:
    name = ""
    auth = None

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix=f"vocabserver-{self.name}-"))
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        out = {"VOCABSERVER_STORE_QUERY_URL": self.query_url, "VOCABSERVER_STORE_UPDATE_URL": self.update_url,
               "VOCABSERVER_STORE_GSP_URL": self.gsp_url}
        if self.user:
            out |= {"VOCABSERVER_STORE_USER": self.user, "VOCABSERVER_STORE_PASSWORD": self.password}
        return out

    def settings(self):
        from vocabserver.store.remote import RemoteSettings

        return RemoteSettings(self.query_url, self.update_url, self.gsp_url, self.user, self.password)

    def _wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self._log()}")
            try:
                if requests.post(self.query_url, data={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not start in {timeout} s: {self._log()}")

    def _log(self) -> str:
        return ""

    def update(self, text: str) -> None:
        response = requests.post(self.update_url, data={"update": text}, auth=self.auth, timeout=120)
        assert response.status_code in (200, 204), response.text[:500]

    def graphs(self) -> list[str]:
        response = requests.post(self.query_url, data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
                                 headers={"Accept": "application/sparql-results+json"}, timeout=60)
        return [b["g"]["value"] for b in response.json()["results"]["bindings"]]

    def count(self, graph: str) -> int:
        response = requests.post(self.query_url, data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                                                                 "{ ?s ?p ?o } }"},
                                 headers={"Accept": "application/sparql-results+json"}, timeout=60)
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    def clear(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


class OxigraphServer(Engine):
    name = "oxigraph"
    user = password = ""

    def __init__(self):
        super().__init__()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        self.query_url, self.update_url, self.gsp_url = base + "/query", base + "/update", base + "/store"
        self.process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(self.folder / "data"),
                                         "--bind", f"127.0.0.1:{port}", "--timeout-s", "30"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait()

    def clear(self) -> None:
        self.update("CLEAR ALL")


class Virtuoso(Engine):
    name = "virtuoso"
    user = password = "dba"  # the account a new database has; the engine's own, in a folder of the test's

    def __init__(self):
        super().__init__()
        self.auth = HTTPDigestAuth(self.user, self.password)
        http_port, sql_port = free_port(), free_port()
        self.sql_port = sql_port
        (self.folder / "virtuoso.ini").write_text(
            VIRTUOSO_INI.format(dir=self.folder, http_port=http_port, sql_port=sql_port), encoding="utf-8")
        base = f"http://127.0.0.1:{http_port}"
        self.query_url, self.update_url = base + "/sparql", base + "/sparql-auth"
        self.gsp_url = base + "/sparql-graph-crud-auth"
        self.process = subprocess.Popen([virtuoso_binary(), "-c", "virtuoso.ini", "+foreground"], cwd=self.folder,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait(120)

    def _log(self) -> str:
        log = self.folder / "virtuoso.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def clear(self) -> None:
        """Every quad but Virtuoso's own quad-map graph, by SQL (isql-vt, beside virtuoso-t in the Debian package):
        listing the graphs through SPARQL reads every quad, a minute once the 16 vocabularies are loaded."""
        done = subprocess.run([shutil.which("isql-vt") or "isql-vt", str(self.sql_port), "dba", "dba",
                               "exec=DELETE FROM DB.DBA.RDF_QUAD WHERE G <> "
                               "iri_to_id('http://www.openlinksw.com/schemas/virtrdf#');"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and "Error" not in done.stdout, done.stdout[-500:] + done.stderr[-500:]


ENGINES = {"oxigraph": (OxigraphServer, oxigraph_binary), "virtuoso": (Virtuoso, virtuoso_binary)}


def started(engines: dict, name: str):
    """The engine `name`, started once a session (`engines`: the conftest fixture) and emptied for the caller;
    the test is skipped, saying why, where the engine is not installed."""
    import pytest

    kind, binary = ENGINES[name]
    if binary() is None:
        pytest.skip(f"{name} is not installed (`make test` installs it: see the Makefile)")
    if name not in engines:
        engines[name] = kind()
    engine = engines[name]
    engine.clear()
    return engine


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL server programs (initdb, postgres), installed by `make test`."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


class Postgres(Engine):
    """A PostgreSQL server of the test's own (Debian's `postgresql`), trust authentication on loopback. PostgreSQL
    refuses to run as root: as root it runs as the `postgres` account the package creates."""

    def __init__(self):
        import os
        import pwd

        binaries = postgres_bin()
        self.name = "postgres"
        super().__init__()
        data = self.folder / "data"
        self.port = free_port()
        prefix: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            prefix = ["runuser", "-u", "postgres", "--"]
        subprocess.run(prefix + [str(binaries / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres",
                                 "--encoding=UTF8"], check=True, capture_output=True)
        self.process = subprocess.Popen(prefix + [str(binaries / "postgres"), "-D", str(data), "-p", str(self.port),
                                                  "-h", "127.0.0.1", "-k", str(self.folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        import psycopg

        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("PostgreSQL did not start") from None
                time.sleep(0.2)

    def database(self) -> str:
        """A new, empty database; its URL."""
        import uuid

        import psycopg

        name = "v" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name
