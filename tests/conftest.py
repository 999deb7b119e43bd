"""Shared fixtures: real stores in temporary folders, the real CLI, a real server process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "data"
BASE = "http://vocab.test/"


def cli(*args: str, data_dir: Path | None = None, base_uri: str = BASE, timeout: int = 300,
        env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real `vocabserver` command; returns the completed process (never raises on exit code)."""
    command = [sys.executable, "-m", "vocabserver"]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    if base_uri:
        command += ["--base-uri", base_uri]
    full_env = {**os.environ, **(env or {})}
    full_env.pop("VOCABSERVER_DATA_DIR", None)
    full_env.pop("VOCABSERVER_BASE_URI", None)
    return subprocess.run(command + list(args), capture_output=True, text=True, timeout=timeout, env=full_env,
                          cwd=ROOT)


@pytest.fixture(scope="session")
def loaded_dir(tmp_path_factory) -> Path:
    """A store holding the bundled vocabularies, loaded once through the CLI (read-only users only)."""
    path = tmp_path_factory.mktemp("bundled") / "store"
    result = cli("load", data_dir=path)
    assert result.returncode == 0, result.stderr
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, data_dir: Path, base_uri: str | None = None, env: dict | None = None,
                 serve_args: tuple[str, ...] = ()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        args = [sys.executable, "-m", "vocabserver", "--data-dir", str(data_dir)]
        if base_uri:
            args += ["--base-uri", base_uri]
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}, **(env or {})}
        self.started = time.perf_counter()
        # Its output (one log line per request) goes to a file: a pipe nobody reads would stop the server once full.
        self.log_path = Path(data_dir).parent / f"server-{self.port}.log"
        self.log = open(self.log_path, "w+", encoding="utf-8")
        self.process = subprocess.Popen(args + ["serve", "--port", str(self.port), *serve_args], cwd=ROOT, env=env,
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)
        self.ready_after = self._wait()

    def _wait(self, timeout: float = 90) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.output()}")
            try:
                response = requests.get(self.url + "/health", timeout=2)
                # Ready for the tests once the SPARQL worker processes have loaded the store too.
                if response.status_code == 200 and response.json()["sparql"]["ready"] > 0:
                    return time.perf_counter() - self.started
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or busy loading
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("server not ready in time")

    def wait_labels(self, timeout: float = 120) -> None:
        """Until the label index of the served state is built (a first build takes seconds at bundled size):
        timings of writes made visible to lookup start from a server that is ready."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.get("/health").json()["labels"]["ready"]:
                return
            time.sleep(0.2)
        raise RuntimeError("label index not ready in time")

    def output(self) -> str:
        self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=30, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """`vocabserver serve` on an empty store: it loads the bundled vocabularies, then serves."""
    srv = Server(tmp_path_factory.mktemp("served") / "store")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def engines():
    """The SPARQL engines started for the remote-store tests (tests/engines.py), by name; stopped at the end."""
    started: dict = {}
    yield started
    for engine in started.values():
        engine.stop()


def stats_json(data_dir: Path, base_uri: str = BASE) -> list[dict]:
    result = cli("stats", "--json", data_dir=data_dir, base_uri=base_uri)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
