"""API tokens for tools that write (SPARQL Update, Graph Store, the changes API).

A token is 32 random bytes (`secrets`), shown once when created; only its SHA-256 digest is kept. A digest
without a salt or a slow hash is the right tool here (as GitHub's and PyPI's tokens): a token is not a
password a person chose, guessing one is hopeless, and every request must check it in microseconds.
Kept in a small SQLite database beside the store (`accounts.sqlite3`), never in the RDF store, so no SPARQL
query and no dump can read a digest.

Roles: *admin* (every write), *editor* of given vocabularies, *contributor* (may propose only), *reader*.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROLES = ("admin", "editor", "contributor", "reader")
PREFIX = "vst_"  # recognisable in logs and by secret scanners


class TokenError(ValueError):
    pass


@dataclass(frozen=True)
class Principal:
    """Who a request acts for."""
    name: str
    role: str
    vocabularies: tuple[str, ...] = ()

    def may_write(self, vocabulary: str | None) -> bool:
        """Admins write anything; editors their vocabularies; a graph that is no vocabulary: admins only."""
        if self.role == "admin":
            return True
        return self.role == "editor" and vocabulary is not None and vocabulary in self.vocabularies


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tokens:
    def __init__(self, path: Path | None):
        self.path = path
        self._lock = threading.Lock()
        self._memory = sqlite3.connect(":memory:", check_same_thread=False) if path is None else None
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if self._memory is not None:
            connection = self._memory
        else:
            connection = sqlite3.connect(self.path, timeout=5)
        if not self._ready:
            connection.execute("CREATE TABLE IF NOT EXISTS tokens (name TEXT PRIMARY KEY, digest TEXT UNIQUE NOT NULL, "
                               "role TEXT NOT NULL, vocabularies TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, "
                               "last_used TEXT)")
            connection.commit()
            self._ready = True
        return connection

    def _close(self, connection: sqlite3.Connection) -> None:
        if connection is not self._memory:
            connection.close()

    def create(self, name: str, role: str, vocabularies: list[str] | None = None) -> str:
        """A new token (returned once; only its digest is kept)."""
        if role not in ROLES:
            raise TokenError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        if not name or len(name) > 100 or not name.isprintable():
            raise TokenError("a token needs a name of 1 to 100 printable characters")
        if role == "editor" and not vocabularies:
            raise TokenError("an editor token names the vocabularies it may change (--vocab ID, repeatable)")
        token = PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            connection = self._connect()
            try:
                connection.execute("INSERT INTO tokens (name, digest, role, vocabularies, created) VALUES (?, ?, ?, ?, ?)",
                                   (name, _digest(token), role, ",".join(vocabularies or []),
                                    datetime.now(timezone.utc).isoformat(timespec="seconds")))
                connection.commit()
            except sqlite3.IntegrityError:
                raise TokenError(f"a token named {name!r} exists: revoke it first, or choose another name") from None
            finally:
                self._close(connection)
        return token

    def check(self, token: str) -> Principal | None:
        if not token.startswith(PREFIX) or len(token) > 200:
            return None
        with self._lock:
            connection = self._connect()
            try:
                row = connection.execute("SELECT name, role, vocabularies FROM tokens WHERE digest = ?",
                                         (_digest(token),)).fetchone()
            finally:
                self._close(connection)
        if row is None:
            return None
        return Principal(row[0], row[1], tuple(v for v in row[2].split(",") if v))

    def list(self) -> list[dict]:
        with self._lock:
            connection = self._connect()
            try:
                rows = connection.execute("SELECT name, role, vocabularies, created FROM tokens ORDER BY name").fetchall()
            finally:
                self._close(connection)
        return [{"name": r[0], "role": r[1], "vocabularies": [v for v in r[2].split(",") if v], "created": r[3]}
                for r in rows]

    def revoke(self, name: str) -> bool:
        with self._lock:
            connection = self._connect()
            try:
                gone = connection.execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount
                connection.commit()
            finally:
                self._close(connection)
        return gone > 0
