"""Private vocabularies: read only by callers with an account (a token or a signed-in user, whatever its
role); everyone else is told they do not exist. Which vocabularies are private is access control, kept with
the accounts (auth/database.py), not in the RDF store: no SPARQL query can change it.

Read on every request of a server that has private vocabularies, so it is cached for a second: a vocabulary
made private by the command line in another process is hidden within that second."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone


class Privacy:
    TTL = 1.0

    def __init__(self, database):
        self.database = database
        self._lock = threading.Lock()
        self._cached: tuple[float, frozenset[str]] | None = None

    def private(self) -> frozenset[str]:
        now = time.monotonic()
        cached = self._cached
        if cached is not None and now - cached[0] < self.TTL:
            return cached[1]
        with self.database.connection() as connection:
            found = frozenset(row[0] for row in connection.execute("SELECT vocab FROM private_vocabularies"))
        with self._lock:
            self._cached = (now, found)
        return found

    def set(self, vocab_id: str, private: bool, actor: str) -> bool:
        """Mark `vocab_id` private (or public again); True when that changed something."""
        with self.database.connection() as connection:
            if private:
                changed = connection.execute(
                    "INSERT OR IGNORE INTO private_vocabularies VALUES (?, ?, ?)",
                    (vocab_id, datetime.now(timezone.utc).isoformat(timespec="seconds"), actor)).rowcount > 0
            else:
                changed = connection.execute("DELETE FROM private_vocabularies WHERE vocab = ?",
                                             (vocab_id,)).rowcount > 0
        self._cached = None
        return changed
