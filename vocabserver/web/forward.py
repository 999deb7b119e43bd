"""How writes reach the writer under `vocabserver serve --workers N` (embedded store).

pyoxigraph lets one process write an embedded store. The command's own process holds it and serves the whole
application on a Unix socket in the data directory (only its owner may connect); the N worker processes open
the store read-only (the view the writer publishes after each commit: store/reader_views.py) and answer every
read themselves. A request that may write — any method other than GET, HEAD and OPTIONS, except the POSTs
that only read (SPARQL queries, reconciliation, synchronous record validation) — is passed on to the writer as
it came, and its answer passed back. The writer publishes the new state before it answers, and each worker
follows the commit file before each request, so the next read sees the write whatever worker answers it.
"""

from __future__ import annotations

import http.client
import io
import socket
from urllib.parse import parse_qs

# Reads sent as POST: answered by the worker itself.
_READ_POSTS = ("/reconcile", "/api/v1/validate", "/validate")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
_MAX_PEEK = 16 * 1024 * 1024  # a SPARQL POST larger than this is refused by the writer's own limit anyway


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class ForwardWrites:
    def __init__(self, app, socket_path: str, timeout: float = 600.0):
        self.app = app
        self.socket_path = socket_path
        self.timeout = timeout  # a large load through the Graph Store takes minutes

    def __call__(self, environ: dict, start_response):
        method = environ["REQUEST_METHOD"]
        if method in ("GET", "HEAD", "OPTIONS"):
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        if method == "POST" and path.startswith(_READ_POSTS) and not path.startswith("/api/v1/validate/jobs"):
            return self.app(environ, start_response)
        body = None
        if method == "POST" and path == "/sparql":
            body = _read_body(environ)
            if not _is_update(environ, body):
                environ["wsgi.input"] = io.BytesIO(body)
                return self.app(environ, start_response)
        return self._forward(environ, start_response, body)

    def _forward(self, environ: dict, start_response, body: bytes | None):
        from vocabserver.web.front_cache import ROUTE_KEY

        environ[ROUTE_KEY] = "forwarded-to-writer"
        target = environ.get("PATH_INFO", "")
        target = _quote_path(target)
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        headers = {}
        for key, value in environ.items():
            if key.startswith("HTTP_") and key not in ("HTTP_CONNECTION", "HTTP_X_FORWARDED_FOR",
                                                       "HTTP_TRANSFER_ENCODING"):
                headers[key[5:].replace("_", "-").title()] = value
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        headers["X-Forwarded-For"] = environ.get("REMOTE_ADDR", "")
        headers["X-Forwarded-Proto"] = environ.get("wsgi.url_scheme", "http")
        from vocabserver.web.observe import REQUEST_ID_KEY

        if REQUEST_ID_KEY in environ:
            headers["X-Request-Id"] = environ[REQUEST_ID_KEY]
        if body is None:
            body = _read_body(environ)
        headers["Content-Length"] = str(len(body))
        connection = _UnixConnection(self.socket_path, self.timeout)
        try:
            connection.request(environ["REQUEST_METHOD"], target, body=body, headers=headers)
            answer = connection.getresponse()
        except OSError as exc:
            connection.close()
            message = (b'{"error":"Service Unavailable","status":503,"message":"the writer process does not answer: '
                       + str(exc).encode("utf-8", "replace").replace(b'"', b"'") + b'"}')
            start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "application/json"),
                                                       ("Content-Length", str(len(message))), ("Retry-After", "2")])
            return [message]
        kept = [(name, value) for name, value in answer.getheaders()
                if name.lower() not in _HOP_BY_HOP and name.lower() != "x-request-id"]
        start_response(f"{answer.status} {answer.reason}", kept)
        return _Streamed(answer, connection)


class _Streamed:
    def __init__(self, answer, connection):
        self._answer, self._connection = answer, connection

    def __iter__(self):
        while True:
            chunk = self._answer.read(65536)
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        self._connection.close()


def _read_body(environ: dict) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    return stream.read(length) if length >= 0 else stream.read()


def _is_update(environ: dict, body: bytes) -> bool:
    kind = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if kind == "application/sparql-update":
        return True
    if kind == "application/x-www-form-urlencoded":
        return "update" in parse_qs(body[:_MAX_PEEK].decode("utf-8", "replace"))
    return False


def _quote_path(path: str) -> str:
    # PATH_INFO is decoded (latin-1 code points of the UTF-8 bytes): send it back as it came.
    from urllib.parse import quote

    return quote(path.encode("latin-1", "replace"), safe="/:@!$&'()*+,;=-._~")


def trust_forwarded(app):
    """The writer behind the workers: the client's address is the one the worker saw (only the workers can
    reach the writer's socket), so that sign-in attempts are counted per client, not per worker."""
    def wrapped(environ, start_response):
        forwarded = environ.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            environ["REMOTE_ADDR"] = forwarded.split(",")[-1].strip()
        environ["wsgi.url_scheme"] = environ.get("HTTP_X_FORWARDED_PROTO", environ.get("wsgi.url_scheme", "http"))
        return app(environ, start_response)
    return wrapped
