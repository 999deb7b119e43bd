"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import json
import statistics
import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def report(results: dict, path: Path | None) -> None:
    """Print the results, and record them where asked (bench/results-*.json)."""
    text = json.dumps(results, indent=1)
    print(text)
    if path:
        path.write_text(text + "\n", encoding="utf-8")


def _tree_sum(pid: int, source: str, field: str) -> float:
    """A memory figure (kB lines of /proc/PID/`source`) summed over a process and its descendants, in MB."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/{source}") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith(field))
            with open(f"/proc/{current}/task/{current}/children") as children:
                todo += [int(c) for c in children.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (MB), from /proc."""
    return _tree_sum(pid, "status", "VmRSS")


def tree_pss_mb(pid: int) -> float:
    """Proportional memory of a process and its descendants (MB): pages shared by forked workers counted once
    in total, where the resident sizes of the processes would count them in each."""
    return _tree_sum(pid, "smaps_rollup", "Pss:")


def bundled_engine(folder: Path, base: str):
    """The 16 bundled vocabularies loaded into a real store in `folder` as `vocabserver load` does, and the
    engine over it (SPARQL in threads: the write benchmarks time the write path, not the workers)."""
    from vocabserver.changes.loading import load_bundled
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore

    store = VocabStore(folder, base)
    load_bundled(store)
    return Core(Settings(folder, base, base, sparql_isolation="thread", sparql_workers=1), store)


def percentiles(seconds: list[float], digits: int = 2) -> dict:
    """p50, p99 and max of timings in seconds, as milliseconds; with their count."""
    ordered = sorted(seconds)
    return {"p50_ms": round(statistics.median(ordered) * 1000, digits),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, digits),
            "max_ms": round(ordered[-1] * 1000, digits), "n": len(ordered)}


def loaded_store_with_token(store: Path, base: str, env: dict, name: str = "bench") -> str:
    """The bundled vocabularies loaded into `store` by `vocabserver load`, and an admin token for it."""
    import subprocess
    import sys

    command = Path(sys.executable).parent / "vocabserver"
    subprocess.run([command, "--data-dir", store, "--base-uri", base, "load"], check=True, env=env, capture_output=True)
    made = subprocess.run([command, "--data-dir", store, "--base-uri", base, "token", "create", "--name", name,
                           "--role", "admin"], check=True, env=env, capture_output=True, text=True)
    return made.stdout.strip().splitlines()[-1]


def stop_process(process, timeout: float = 30) -> None:
    """Ask a server to stop (SIGTERM), and kill it if it has not within `timeout` seconds."""
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
