"""The accounts database: a small SQLite file beside the store (`accounts.sqlite3`), never in the RDF store,
so that no SPARQL query and no dump can read a password hash or a token digest. Tokens, users, the
proposals of new terms (with their history) and which vocabularies are private share it; each table is
created on first use."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

ACCOUNTS_FILE = "accounts.sqlite3"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tokens (name TEXT PRIMARY KEY, digest TEXT UNIQUE NOT NULL, role TEXT NOT NULL, "
    "vocabularies TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, last_used TEXT, user TEXT)",
    "CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password TEXT NOT NULL, role TEXT NOT NULL, "
    "vocabularies TEXT NOT NULL DEFAULT '', created TEXT NOT NULL, last_login TEXT)",
    "CREATE TABLE IF NOT EXISTS proposals (id INTEGER PRIMARY KEY AUTOINCREMENT, vocab TEXT NOT NULL, "
    "label TEXT NOT NULL, lang TEXT NOT NULL, broader TEXT, note TEXT, record TEXT, museum TEXT, "
    "proposer TEXT NOT NULL, status TEXT NOT NULL, created TEXT NOT NULL, concept TEXT, change INTEGER, reason TEXT)",
    "CREATE TABLE IF NOT EXISTS proposal_events (proposal INTEGER NOT NULL, time TEXT NOT NULL, actor TEXT NOT NULL, "
    "action TEXT NOT NULL, detail TEXT)",
    "CREATE TABLE IF NOT EXISTS private_vocabularies (vocab TEXT PRIMARY KEY, since TEXT NOT NULL, actor TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sessions (digest TEXT PRIMARY KEY, user TEXT NOT NULL, created TEXT NOT NULL, "
    "expires REAL NOT NULL)",
)


class Database:
    def __init__(self, path: Path | None):
        """`path` None: in memory (tests, an in-memory store)."""
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._ready = False

    @contextmanager
    def connection(self):
        """The connection for a short unit of work, committed when it ends without an error. One connection,
        kept open and used by one thread at a time: every request checks a token, and opening the file costs
        more than the check. Each unit of work is its own transaction, so a token revoked by the command line
        in another process is refused at the next request."""
        with self._lock:
            if self._connection is None:
                self._connection = sqlite3.connect(":memory:" if self.path is None else self.path, timeout=5,
                                                   check_same_thread=False)
            connection = self._connection
            try:
                if not self._ready:
                    for statement in SCHEMA:
                        connection.execute(statement)
                    columns = {row[1] for row in connection.execute("PRAGMA table_info(tokens)")}
                    if "user" not in columns:  # a database from before users: tokens gain their owner
                        connection.execute("ALTER TABLE tokens ADD COLUMN user TEXT")
                    columns = {row[1] for row in connection.execute("PRAGMA table_info(proposals)")}
                    if "about" not in columns:  # from before proposals of changes: the concept one is about
                        connection.execute("ALTER TABLE proposals ADD COLUMN about TEXT")
                    self._ready = True
                yield connection
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
