"""The accounts database: a small SQLite file beside the store (`accounts.sqlite3`), or PostgreSQL when
VOCABSERVER_DATABASE_URL names one (app nodes on several machines), never in the RDF store, so that no SPARQL
query and no dump can read a password hash or a token digest. Tokens, users, sessions, the proposals of new
terms (with their history), which vocabularies are private and the session-signing key share it; each table is
created on first use.

The statements are written once, in SQLite's dialect; `_PostgresConnection` says them in PostgreSQL's (`%s`
placeholders, `"user"` quoted, `ON CONFLICT DO NOTHING`, the new proposal's id by `RETURNING`)."""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

try:  # PostgreSQL is optional: only a deployment that names one needs the driver
    import psycopg
except ImportError:  # pragma: no cover - the test extra installs it
    psycopg = None

ACCOUNTS_FILE = "accounts.sqlite3"
# What a unique key refused: the callers say "exists already" (a token name, a user).
IntegrityError: tuple = (sqlite3.IntegrityError,) + ((psycopg.IntegrityError,) if psycopg else ())
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


POSTGRES_SCHEMA = (
    'CREATE TABLE IF NOT EXISTS tokens (name TEXT PRIMARY KEY, digest TEXT UNIQUE NOT NULL, role TEXT NOT NULL, '
    'vocabularies TEXT NOT NULL DEFAULT \'\', created TEXT NOT NULL, last_used TEXT, "user" TEXT)',
    'CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, password TEXT NOT NULL, role TEXT NOT NULL, '
    'vocabularies TEXT NOT NULL DEFAULT \'\', created TEXT NOT NULL, last_login TEXT)',
    "CREATE TABLE IF NOT EXISTS proposals (id BIGSERIAL PRIMARY KEY, vocab TEXT NOT NULL, "
    "label TEXT NOT NULL, lang TEXT NOT NULL, broader TEXT, note TEXT, record TEXT, museum TEXT, "
    "proposer TEXT NOT NULL, status TEXT NOT NULL, created TEXT NOT NULL, concept TEXT, change INTEGER, reason TEXT, "
    "about TEXT)",
    # seq: the events' order (SQLite's rowid); last, so that an insert of the five values fills the others.
    "CREATE TABLE IF NOT EXISTS proposal_events (proposal INTEGER NOT NULL, time TEXT NOT NULL, actor TEXT NOT NULL, "
    "action TEXT NOT NULL, detail TEXT, seq BIGSERIAL)",
    "CREATE TABLE IF NOT EXISTS private_vocabularies (vocab TEXT PRIMARY KEY, since TEXT NOT NULL, actor TEXT NOT NULL)",
    'CREATE TABLE IF NOT EXISTS sessions (digest TEXT PRIMARY KEY, "user" TEXT NOT NULL, created TEXT NOT NULL, '
    "expires DOUBLE PRECISION NOT NULL)",
    "CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_USER = re.compile(r'(?<!")\buser\b(?!")')  # the column, not yet quoted


class _Cursor:
    def __init__(self, cursor, lastrowid=None):
        self._cursor, self.lastrowid = cursor, lastrowid
        self.rowcount = cursor.rowcount

    def fetchone(self):
        return self._cursor.fetchone()

    def fetchall(self):
        return self._cursor.fetchall()

    def __iter__(self):
        return iter(self._cursor.fetchall())


class _PostgresConnection:
    """A psycopg connection that takes the statements as written for SQLite."""

    def __init__(self, connection):
        self._connection = connection

    def execute(self, sql: str, params=()):
        text = _USER.sub('"user"', sql).replace("?", "%s").replace("ORDER BY rowid", "ORDER BY seq")
        if text.startswith("INSERT OR IGNORE INTO"):
            text = "INSERT INTO" + text[len("INSERT OR IGNORE INTO"):] + " ON CONFLICT DO NOTHING"
        returning = text.startswith("INSERT INTO proposals ")
        if returning:
            text += " RETURNING id"
        cursor = self._connection.execute(text, tuple(params))
        return _Cursor(cursor, cursor.fetchone()[0] if returning else None)

    def commit(self):
        self._connection.commit()

    def rollback(self):
        self._connection.rollback()


class Database:
    def __init__(self, path: Path | None, url: str | None = None):
        """`path` None: in memory (tests, an in-memory store). `url`: a PostgreSQL database instead (postgresql://…)."""
        self.path = path
        self.url = url or None
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
                self._connection = self._connect()
            connection = self._connection
            try:
                if not self._ready and self.url:
                    for statement in POSTGRES_SCHEMA:
                        connection.execute(statement)
                    self._ready = True
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
                if self.url and self._connection is not None and self._connection._connection.closed:
                    self._connection = None  # the server went away: a new connection at the next unit of work
                raise

    def _connect(self):
        if self.url:
            if psycopg is None:
                raise RuntimeError("VOCABSERVER_DATABASE_URL names PostgreSQL but psycopg is not installed "
                                   "(pip install 'psycopg[binary]')")
            return _PostgresConnection(psycopg.connect(self.url, connect_timeout=10))
        return sqlite3.connect(":memory:" if self.path is None else self.path, timeout=5, check_same_thread=False)

    def describe(self) -> str:
        if self.url:
            return "postgresql (" + re.sub(r"//[^@/]*@", "//…@", self.url) + ")"  # never the password
        return str(self.path) if self.path else "memory"

    def shared_secret(self, name: str) -> str:
        """A random secret kept in the database (PostgreSQL: the session-signing key of every node), made once."""
        with self.connection() as connection:
            connection.execute("CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            connection.execute("INSERT OR IGNORE INTO secrets (name, value) VALUES (?, ?)", (name, secrets.token_hex(32)))
            return connection.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()[0]
