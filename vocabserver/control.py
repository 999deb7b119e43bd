"""The running server's control socket: how commands on the same machine ask the process holding the store to do
what only that process can do (a consistent backup: a checkpoint of the open store).

The socket lives in a folder only the server's account can enter (0700) and its path is written in the data
directory (`.vocabserver-control`): whoever may read the data directory may ask, nobody else. One request per
connection, one JSON line each way.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import socketserver
import tempfile
import threading
from pathlib import Path

CONTROL_FILE = ".vocabserver-control"


class ControlServer:
    def __init__(self, core):
        self.core = core
        self.folder = Path(tempfile.mkdtemp(prefix="vocabserver-control-"))
        self.socket_path = self.folder / "control.sock"
        self.marker = Path(core.store.local_dir) / CONTROL_FILE
        control = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                try:
                    request = json.loads(self.rfile.readline(65536) or b"{}")
                    answer = control.answer(request)
                except Exception as exc:  # noqa: BLE001 - said to the command, which prints it
                    answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                self.wfile.write(json.dumps(answer, ensure_ascii=False).encode("utf-8") + b"\n")

        self._server = socketserver.ThreadingUnixStreamServer(str(self.socket_path), Handler)
        self._server.daemon_threads = True
        os.chmod(self.socket_path, 0o600)

    def start(self) -> "ControlServer":
        threading.Thread(target=self._server.serve_forever, name="control", daemon=True).start()
        self.marker.write_text(str(self.socket_path) + "\n", encoding="utf-8")
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        try:
            if self.marker.read_text(encoding="utf-8").strip() == str(self.socket_path):
                self.marker.unlink()
        except OSError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def answer(self, request: dict) -> dict:
        from vocabserver.backup import BackupError, make_backup

        if request.get("op") == "backup":
            try:
                result = make_backup(self.core, Path(request["target"]))
            except BackupError as exc:
                return {"ok": False, "error": str(exc)}
            return {"ok": True, "folder": str(result.folder), "manifest": result.manifest}
        if request.get("op") == "ping":
            return {"ok": True, "pid": os.getpid()}
        return {"ok": False, "error": f"unknown operation {request.get('op')!r}"}


def ask(data_dir: Path, request: dict, timeout: float = 3600.0) -> dict | None:
    """Send `request` to the server holding `data_dir`; None when no server answers there."""
    try:
        path = (Path(data_dir) / CONTROL_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None  # a server that stopped without removing its marker
    with sock, sock.makefile("rwb") as stream:
        stream.write(json.dumps(request).encode("utf-8") + b"\n")
        stream.flush()
        line = stream.readline()
    return json.loads(line) if line else {"ok": False, "error": "the server closed the connection"}
