"""Tables that validation derives from a label index, built once per index and dropped with it: a change
installs a new index (index/holder.py), whose tables are built anew when first asked for."""

from __future__ import annotations

import threading
import weakref
from typing import Callable, TypeVar

T = TypeVar("T")

_tables: dict[tuple[str, int], tuple[weakref.ref, object]] = {}
_lock = threading.Lock()


def of_index(index, build: Callable[[object], T]) -> T:
    """`build(index)`, once per (index, build)."""
    key = (build.__qualname__, id(index))
    with _lock:
        found = _tables.get(key)
        if found is None or found[0]() is not index:
            for stale in [k for k, (ref, _t) in _tables.items() if ref() is None]:
                del _tables[stale]
            found = _tables[key] = (weakref.ref(index), build(index))
        return found[1]
