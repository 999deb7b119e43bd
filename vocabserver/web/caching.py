"""HTTP caching from the store's state: ETag, Last-Modified, 304, Cache-Control.

Every commit stamps the catalogue (dct:modified), and each vocabulary's entry
(its own dct:modified): the stamp an answer depends on, plus what distinguishes
the representation, is the validator. An answer made of one vocabulary only (its
dumps) uses that vocabulary's stamp, so an edit of DENO leaves AUTR's dumps
valid in clients' caches; the others use the store's.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from datetime import datetime
from functools import lru_cache

from flask import Response, current_app, request
from werkzeug.http import http_date

from vocabserver.web.context import store
from vocabserver.web.front_cache import SHARE_KEY


class AnswerCache:
    """Encoded answers by request, for the current store state only.

    Autocompletion traffic repeats itself: every user typing "épée" sends "e", "ep", "epe"… The answer
    to a request depends only on the store's state and the request, so it is kept, encoded, in a bounded
    LRU; a commit changes the state and empties it. Only answers that were computed successfully are
    stored, so a bad request is refused every time.
    """

    def __init__(self, size: int):
        self.size = size
        self._answers: OrderedDict[str, bytes] = OrderedDict()
        self._stamp = ""
        self._lock = threading.Lock()

    def clear(self, _change=None) -> None:
        """Subscribed to the announced commits: the answers of the old state go at once (memory), not at
        the next lookup."""
        with self._lock:
            self._answers.clear()

    def get(self, stamp: str, key: str) -> bytes | None:
        if not self.size:
            return None
        with self._lock:
            if stamp != self._stamp:
                self._answers.clear()
                self._stamp = stamp
                return None
            body = self._answers.get(key)
            if body is not None:
                self._answers.move_to_end(key)
            return body

    def put(self, stamp: str, key: str, body: bytes) -> None:
        if not self.size:
            return
        with self._lock:
            if stamp != self._stamp:
                self._answers.clear()
                self._stamp = stamp
            self._answers[key] = body
            if len(self._answers) > self.size:
                self._answers.popitem(last=False)


def _etag(variant: str, stamp: str | None = None) -> str:
    from vocabserver.web.privacy import marker

    return _validator(stamp or store().modified(), variant + marker())


def vocabulary_stamp(vocab_id: str) -> str:
    """The last commit that changed one vocabulary (or the store's, for a name that is none)."""
    info = store().vocabularies().get(vocab_id)
    return info.modified if info is not None and info.modified else store().modified()


@lru_cache(maxsize=8192)
def _validator(stamp: str, variant: str) -> str:
    # Cached: the same answer is revalidated often, and the stamp changes only with a commit.
    return hashlib.blake2b(f"{stamp}\x1f{variant}".encode(), digest_size=10).hexdigest()


def _last_modified(stamp: str | None = None) -> datetime | None:
    return _parse_stamp(stamp or store().modified())


@lru_cache(maxsize=8)
def _parse_stamp(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(microsecond=0) if stamp else None
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _http_date(stamp: str) -> str | None:
    moment = _parse_stamp(stamp)
    return http_date(moment) if moment else None


def not_modified(variant: str, stamp: str | None = None) -> Response | None:
    """A 304 when the client's copy is current, before any work is done (`stamp`: what the answer depends on,
    the store's by default)."""
    environ = request.environ
    if "HTTP_IF_NONE_MATCH" not in environ and "HTTP_IF_MODIFIED_SINCE" not in environ:
        return None  # the common case, decided without parsing anything
    etag = _etag(variant, stamp)
    if request.if_none_match and request.if_none_match.contains(etag):
        return _finish(Response(status=304), etag, stamp)
    if not request.if_none_match and request.if_modified_since:
        modified = _last_modified(stamp)
        if modified and modified <= request.if_modified_since:
            return _finish(Response(status=304), etag, stamp)
    return None


def cacheable(response: Response, variant: str, stamp: str | None = None) -> Response:
    """Validators and cache headers for an answer that depends only on the store's state and the request's
    path, query and Accept: such an answer, already in memory, may also be kept encoded (web/front_cache.py)."""
    if response.status_code == 200 and response.is_sequence:
        request.environ[SHARE_KEY] = True
    return _finish(response, _etag(variant, stamp), stamp)


def _finish(response: Response, etag: str, stamp: str | None = None) -> Response:
    headers = response.headers
    headers["ETag"] = f'"{etag}"'
    modified = _http_date(stamp or store().modified())
    if modified:
        headers["Last-Modified"] = modified
    headers["Cache-Control"] = current_app.config["VOCABSERVER_CACHE_CONTROL"]
    headers["Vary"] = "Accept"
    return response
