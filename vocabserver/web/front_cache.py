"""Encoded answers served before Flask: a repeated read costs a lookup and a write.

A view that answers only from the store's state and the request (concept data in every syntax, concept JSON,
Skosmos, autocompletion, SPARQL results of GET queries, the pages) marks its answer shareable
(`caching.cacheable`). This WSGI layer keeps such answers — status, headers and body, already encoded — per
store state and per request key (path, query, and the headers answers vary on), bounded in bytes; the next
identical request is answered from it without entering Flask, and a conditional request whose validator
matches gets its 304 without rendering. A commit moves the store's stamp, which empties the cache.

Only anonymous GETs are served or kept: a request with a cookie or an Authorization header may see private
vocabularies or carry a session, so it always goes through the application. An answer that sets a cookie is
never kept. Answers are kept per process (each worker of `vocabserver serve --workers N` has its own).
"""

from __future__ import annotations

import threading
from typing import Callable

SHARE_KEY = "vocabserver.share"  # set by caching._finish on an answer that depends only on the key and the state
ROUTE_KEY = "vocabserver.route"  # the matched route, for metrics and logs (web/observe.py)
HIT_KEY = "vocabserver.cache_hit"
MAX_ENTRY = 512 * 1024  # a larger answer (a dump) is not kept: it is rare and already cached by clients


class FrontCache:
    def __init__(self, app: Callable, stamp: Callable[[], object], max_bytes: int):
        self.app = app
        self.stamp = stamp  # the store state answers are kept for (moved by commits, followed by readers)
        self.max_bytes = max_bytes
        self._answers: dict[tuple, tuple] = {}
        self._bytes = 0
        self._state = None
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._answers = {}
            self._bytes = 0

    def state(self) -> dict:
        return {"answers": len(self._answers), "bytes": self._bytes, "max_bytes": self.max_bytes}

    def __call__(self, environ: dict, start_response):
        stamp = self.stamp()  # first, for every request: a worker follows the writer's commits here
        if (not self.max_bytes or environ["REQUEST_METHOD"] != "GET" or "HTTP_COOKIE" in environ
                or "HTTP_AUTHORIZATION" in environ
                or ("HTTP_IF_MODIFIED_SINCE" in environ and "HTTP_IF_NONE_MATCH" not in environ)):
            return self.app(environ, start_response)
        key = (environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT", ""),
               environ.get("HTTP_ACCEPT_LANGUAGE", ""), environ.get("HTTP_ORIGIN", ""), environ.get("HTTP_HOST", ""))
        if stamp != self._state:
            with self._lock:
                if stamp != self._state:
                    self._answers = {}
                    self._bytes = 0
                    self._state = stamp
        entry = self._answers.get(key)
        if entry is not None:
            status, headers, body, etag, route = entry
            environ[ROUTE_KEY] = route
            environ[HIT_KEY] = True
            match = environ.get("HTTP_IF_NONE_MATCH")
            if match is not None and etag and (etag in match or match.strip() == "*"):
                start_response("304 NOT MODIFIED", [h for h in headers if h[0] != "Content-Length"
                                                    and h[0] != "Content-Type"])
                return [b""]
            start_response(status, headers)
            return [body]
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured.append((status, headers))
            return start_response(status, headers, exc_info)

        answer = self.app(environ, capture)
        if not environ.get(SHARE_KEY) or not captured or not captured[0][0].startswith("200"):
            return answer
        status, headers = captured[0]
        if any(name.lower() == "set-cookie" for name, _ in headers):
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        if len(body) <= MAX_ENTRY and self.stamp() == stamp:
            # Kept only if no commit came while it was computed (it would be an answer of the old state).
            etag = next((value for name, value in headers if name == "ETag"), "")
            self._keep(stamp, key, (status, list(headers), body, etag, environ.get(ROUTE_KEY, "")))
        return [body]

    def _keep(self, stamp, key: tuple, entry: tuple) -> None:
        size = len(entry[2]) + 200 + sum(len(k) for k in key[:2])
        with self._lock:
            if stamp != self._state or key in self._answers:
                return
            while self._answers and self._bytes + size > self.max_bytes:
                # The oldest first: an answer that keeps being asked for is kept again at once.
                oldest = next(iter(self._answers))
                old = self._answers.pop(oldest)
                self._bytes -= len(old[2]) + 200 + sum(len(k) for k in oldest[:2])
            if size <= self.max_bytes:
                self._answers[key] = entry
                self._bytes += size
