"""IRIs taken from requests: checked where they enter, with the store's own parser."""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox


@lru_cache(maxsize=4096)
def iri_problem(value: str) -> str | None:
    """Why `value` is not an IRI the store can hold (pyoxigraph's words), or None when it is one."""
    if not value or len(value) > 4096:
        return "empty" if not value else "longer than 4096 characters"
    try:
        ox.NamedNode(value)
    except ValueError as exc:
        return str(exc) or "not an absolute IRI"
    return None


def is_iri(value: str) -> bool:
    return iri_problem(value) is None
