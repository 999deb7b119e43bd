"""Announcements of committed changes: the write path publishes, the label index, answer caches and dumps
subscribe, so that invalidation belongs to the write path and not to each reader (no polling)."""

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
