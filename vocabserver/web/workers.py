"""`vocabserver serve --workers N`: N worker processes under granian answer on the public port; this process
holds the embedded store and answers the writes they pass on (web/forward.py) on a private Unix socket.

Why granian: measured on this 2-core machine with wrk (bench/README.md, "Production serving"), a trivial WSGI
answer costs granian a fraction of what it costs gunicorn's sync workers or waitress, and the answers kept
encoded (web/front_cache.py) make most reads trivial. Why one writer: pyoxigraph lets one process write an
embedded store; the workers read the checkpoint it publishes after each commit (store/reader_views.py).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import click


def serve_with_workers(settings, store, host: str, port: int, workers: int, threads: int) -> None:
    from waitress import create_server

    private = Path(tempfile.mkdtemp(prefix="vocabserver-"))  # 0700: only this account reaches the socket
    metrics_dir = private / "metrics"
    metrics_dir.mkdir()
    # Before the first count (vocabserver/metrics.py): every process of this server counts in these files.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    socket_path = private / "writer.sock"
    from vocabserver.core import Core
    from vocabserver.web import create_app

    # The writer answers no SPARQL query (the workers do): one evaluator process is enough for its own needs.
    core = Core(dataclasses.replace(settings, sparql_workers=1), store).start()
    core.labels.current()  # built (or read) and saved now, so that each worker starts by reading it
    store.publish_views = True
    store.publish_view()
    app = create_app(core, behind_workers=True)
    from vocabserver.memory import keep_trimming

    keep_trimming()
    from vocabserver.control import ControlServer

    control = ControlServer(core).start()  # `vocabserver backup` asks this process: it holds the store
    writer = create_server(app, unix_socket=str(socket_path), unix_socket_perms="600", threads=threads,
                           ident="vocabserver-writer")
    env = {**os.environ, "VOCABSERVER_DATA_DIR": str(settings.data_dir), "VOCABSERVER_BASE_URI": store.base_uri,
           "VOCABSERVER_READ_ONLY": "1", "VOCABSERVER_WRITER_SOCKET": str(socket_path),
           "VOCABSERVER_WORKERS": str(workers),
           # glibc gives each thread that allocates its own heap (up to 8 per core); the freed space of one is
           # not reused by the others, and a worker's resident size crept up under a mixed load (bench_soak.py).
           "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2"),
           # Python's own allocator returns a 1 MB arena only once every object in it is freed: the label index
           # a rebuild replaces (a million small objects) left arenas pinned by the few answers allocated among
           # them, and each rebuild raised a worker's size for good. glibc's malloc, trimmed after a rebuild
           # (index/holder.py), gives every free page back (bench/README.md, "Soak").
           "PYTHONMALLOC": os.environ.get("PYTHONMALLOC", "malloc")}
    command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--host", host, "--port", str(port),
               "--workers", str(workers), "--blocking-threads", str(threads), "--backpressure", str(threads),
               "--respawn-failed-workers",
               "--no-access-log", "--log-level", "warning", "--workers-kill-timeout", "10",
               "vocabserver.wsgi:app"]
    granian = subprocess.Popen(command, env=env)
    click.echo(f"vocabserver on http://{host}:{port}/ (base URI {store.base_uri}, store {store.path}; "
               f"{workers} worker processes, writes through this process)", err=True)
    stopping, crashed = threading.Event(), threading.Event()

    def stop(*_):
        stopping.set()
        writer.close()

    def watch():
        code = granian.wait()
        if not stopping.is_set():
            click.echo(f"the worker processes' server exited ({code}): stopping", err=True)
            crashed.set()
            stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=watch, name="workers-watch", daemon=True).start()
    try:
        writer.run()
    except (OSError, ValueError):
        pass  # closed by stop()
    finally:
        stopping.set()
        control.stop()
        if granian.poll() is None:
            granian.terminate()
            try:
                granian.wait(timeout=15)
            except subprocess.TimeoutExpired:
                granian.kill()
        shutil.rmtree(private, ignore_errors=True)
    if crashed.is_set():
        sys.exit(1)
