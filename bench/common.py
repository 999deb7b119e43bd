"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import json
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
