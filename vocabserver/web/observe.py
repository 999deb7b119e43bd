"""The outermost WSGI layer: a request id, one structured log line per request, and the request metrics.

The id is the client's `X-Request-ID` when it is a plausible one (letters, digits, `-._:`, at most 128), else a
new one; it is sent back in the answer's `X-Request-ID` and written in the log line, so that an operator can
follow one request from a proxy's log to ours. The line is JSON (one object per line: time, request id,
method, path, route, status, milliseconds, whether the encoded-answer cache answered, client address), written
with one system call, so lines of several worker processes never interleave.
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timezone

import orjson

from vocabserver import metrics
from vocabserver.web.front_cache import HIT_KEY, ROUTE_KEY

REQUEST_ID_KEY = "vocabserver.request_id"
_PLAUSIBLE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


class Observe:
    def __init__(self, app, log_fd: int | None):
        self.app = app
        self.log_fd = log_fd  # None: no access log
        self._children: dict[tuple, tuple] = {}  # (route, method, status) -> metric children (labels() is slow)

    def __call__(self, environ: dict, start_response):
        started = time.perf_counter()
        given = environ.get("HTTP_X_REQUEST_ID")
        request_id = given if given and _PLAUSIBLE.fullmatch(given) else os.urandom(8).hex()
        environ[REQUEST_ID_KEY] = request_id
        seen: list = []

        def answer(status, headers, exc_info=None):
            seen.append(status)
            # A new list: the headers may be an encoded answer's, kept for the next request.
            return start_response(status, [*headers, ("X-Request-ID", request_id)], exc_info)

        body = self.app(environ, answer)
        if isinstance(body, list):
            self._done(environ, seen, started)
            return body
        return _Finishing(body, lambda: self._done(environ, seen, started))

    def _done(self, environ: dict, seen: list, started: float) -> None:
        seconds = time.perf_counter() - started
        status = seen[0][:3] if seen else "500"
        route = environ.get(ROUTE_KEY) or "unmatched"
        method = environ.get("REQUEST_METHOD", "")
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = metrics.request_children(route, method, status)
        children[0].inc()
        children[1].observe(seconds)
        hit = environ.get(HIT_KEY, False)
        if hit:
            metrics.cache_hit()
        if self.log_fd is not None:
            line = orjson.dumps({
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "event": "request", "request_id": environ[REQUEST_ID_KEY], "method": method,
                "path": environ.get("PATH_INFO", ""), "route": route, "status": int(status),
                "ms": round(seconds * 1000, 3), "cache": hit, "client": environ.get("REMOTE_ADDR", ""),
            }) + b"\n"
            try:
                os.write(self.log_fd, line)
            except OSError:
                pass  # a closed log never fails a request


class _Finishing:
    """A streamed body (a dump): the request is counted when the server closes it, once it is sent."""

    def __init__(self, body, finish):
        self._body, self._finish = body, finish

    def __iter__(self):
        return iter(self._body)

    def close(self):
        try:
            if hasattr(self._body, "close"):
                self._body.close()
        finally:
            self._finish()


def log_target(setting: str) -> int | None:
    """VOCABSERVER_ACCESS_LOG: `-` (standard error, the default), `off`, or a file appended to."""
    if setting in ("", "-", "stderr"):
        return 2
    if setting.lower() in ("off", "0", "no", "false"):
        return None
    return os.open(setting, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
