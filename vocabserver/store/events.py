"""Announcements of committed changes (edits, updates, reverts, loads): the write path publishes each change
after its commit. Subscribers: the SPARQL service (the workers' snapshot is rewritten in the background once
writes pause) and the answer cache (emptied). The label index is more than a subscriber: a follower of the
writer, it gets the change before the commit so that lookup never answers from the old state under the new
stamp (changes/writer.py). Caches of dumps and ETags key on the stamp of what they hold, which the commit
moves (web/caching.py)."""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger(__name__)


class Events:
    def __init__(self) -> None:
        self._subscribers: list[Callable] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callable) -> None:
        with self._lock:
            self._subscribers.append(callback)

    def publish(self, change) -> None:
        """Called after the commit: a subscriber that fails is logged, never undoes the change."""
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(change)
            except Exception:  # noqa: BLE001 - the change is committed whatever a subscriber does
                log.exception("a subscriber failed on change %s", getattr(change, "number", change))
