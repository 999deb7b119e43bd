"""HTTP caching from the store's state: ETag, Last-Modified, 304, Cache-Control.

The store changes only by committed loads, each of which stamps the
catalogue (dct:modified): that stamp, plus what distinguishes the
representation, is the validator.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import lru_cache

from flask import Response, current_app, request

from .context import store


def _etag(variant: str) -> str:
    return hashlib.blake2b(f"{store().modified()}\x1f{variant}".encode(), digest_size=10).hexdigest()


def _last_modified() -> datetime | None:
    return _parse_stamp(store().modified())


@lru_cache(maxsize=8)
def _parse_stamp(stamp: str) -> datetime | None:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).replace(microsecond=0) if stamp else None
    except ValueError:
        return None


def not_modified(variant: str) -> Response | None:
    """A 304 when the client's copy is current, before any work is done."""
    etag = _etag(variant)
    if request.if_none_match and request.if_none_match.contains(etag):
        return _finish(Response(status=304), etag)
    if not request.if_none_match and request.if_modified_since:
        modified = _last_modified()
        if modified and modified <= request.if_modified_since:
            return _finish(Response(status=304), etag)
    return None


def cacheable(response: Response, variant: str) -> Response:
    return _finish(response, _etag(variant))


def _finish(response: Response, etag: str) -> Response:
    response.set_etag(etag)
    modified = _last_modified()
    if modified:
        response.last_modified = modified
    response.headers["Cache-Control"] = current_app.config["VOCABSERVER_CACHE_CONTROL"]
    response.vary.add("Accept")
    return response
