"""People who sign in to the pages: a name, a role (as tokens: admin, editor of given vocabularies,
contributor, reader) and a password hashed with Argon2id (argon2-cffi, the OWASP recommendation; parameters
its own defaults, rehashed on sign-in when they change). No default account and no default password: the
first administrator is created with `vocabserver user create NAME --role admin`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from vocabserver.auth.database import Database, IntegrityError
from vocabserver.auth.tokens import ROLES, Principal

NAME = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 10


class UserError(ValueError):
    pass


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Users:
    def __init__(self, database: Database):
        self.database = database
        self._hasher = PasswordHasher()
        # Verified against when the name is unknown, so that a wrong name costs what a wrong password costs
        # (no timing oracle telling which names exist).
        self._decoy = self._hasher.hash("decoy password, never matched")

    @staticmethod
    def _check(name: str, role: str, vocabularies: list[str]) -> None:
        if not NAME.match(name or ""):
            raise UserError(f"invalid user name {name!r}: 1 to 64 letters, digits, '.', '@', '-' or '_'")
        if role not in ROLES:
            raise UserError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        if role == "editor" and not vocabularies:
            raise UserError("an editor names the vocabularies they may change (--vocab ID, repeatable)")

    def _hash(self, password: str) -> str:
        if len(password or "") < MIN_PASSWORD:
            raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
        if len(password) > 1024:
            raise UserError("the password is longer than 1024 characters")
        return self._hasher.hash(password)

    def create(self, name: str, role: str, password: str, vocabularies: list[str] | None = None) -> None:
        vocabularies = list(vocabularies or [])
        self._check(name, role, vocabularies)
        digest = self._hash(password)
        try:
            with self.database.connection() as connection:
                connection.execute("INSERT INTO users (name, password, role, vocabularies, created) VALUES (?, ?, ?, ?, ?)",
                                   (name, digest, role, ",".join(vocabularies), _now()))
        except IntegrityError:
            raise UserError(f"a user named {name!r} exists") from None

    def authenticate(self, name: str, password: str) -> Principal | None:
        """The user when the password is theirs, else None (same cost either way)."""
        with self.database.connection() as connection:
            row = connection.execute("SELECT password, role, vocabularies FROM users WHERE name = ?",
                                     (name,)).fetchone()
        stored = row[0] if row else self._decoy
        try:
            self._hasher.verify(stored, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        with self.database.connection() as connection:
            fields = {"last_login": _now()}
            if self._hasher.check_needs_rehash(stored):
                fields["password"] = self._hasher.hash(password)
            connection.execute(f"UPDATE users SET {', '.join(k + ' = ?' for k in fields)} WHERE name = ?",
                               (*fields.values(), name))
        return Principal(name, row[1], tuple(v for v in row[2].split(",") if v))

    def get(self, name: str) -> Principal | None:
        with self.database.connection() as connection:
            row = connection.execute("SELECT role, vocabularies FROM users WHERE name = ?", (name,)).fetchone()
        return Principal(name, row[0], tuple(v for v in row[1].split(",") if v)) if row else None

    def list(self) -> list[dict]:
        with self.database.connection() as connection:
            rows = connection.execute("SELECT name, role, vocabularies, created, last_login FROM users "
                                      "ORDER BY name").fetchall()
        return [{"name": r[0], "role": r[1], "vocabularies": [v for v in r[2].split(",") if v], "created": r[3],
                 "lastLogin": r[4]} for r in rows]

    def set_password(self, name: str, password: str) -> bool:
        """A new password; every session of the user ends (a stolen cookie stops working with the old password)."""
        digest = self._hash(password)
        with self.database.connection() as connection:
            connection.execute("DELETE FROM sessions WHERE user = ?", (name,))
            return connection.execute("UPDATE users SET password = ? WHERE name = ?", (digest, name)).rowcount > 0

    def set_role(self, name: str, role: str, vocabularies: list[str] | None = None) -> bool:
        """A new role; every session of the user ends (they sign in again with the new rights)."""
        vocabularies = list(vocabularies or [])
        self._check(name, role, vocabularies)
        with self.database.connection() as connection:
            connection.execute("DELETE FROM sessions WHERE user = ?", (name,))
            return connection.execute("UPDATE users SET role = ?, vocabularies = ? WHERE name = ?",
                                      (role, ",".join(vocabularies), name)).rowcount > 0

    def delete(self, name: str) -> bool:
        """Remove the user, their sessions and the tokens made for them."""
        with self.database.connection() as connection:
            connection.execute("DELETE FROM tokens WHERE user = ?", (name,))
            connection.execute("DELETE FROM sessions WHERE user = ?", (name,))
            return connection.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0

    # -- sessions of the pages: kept here, so that signing out ends them for real ----------------------------
    # The cookie is signed but holds only the user's name and a random session id; the id's digest is kept
    # here with its expiry, and checked at each request. Signing out, a new password, a new role, the user's
    # deletion or "sign out everywhere" delete the rows: a copy of the cookie then opens nothing.
    @staticmethod
    def _session_digest(session_id: str) -> str:
        return hashlib.sha256(session_id.encode("utf-8")).hexdigest()

    def open_session(self, name: str, lifetime_s: float) -> str:
        """A new session of `name` for `lifetime_s` seconds; its id, for the cookie."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with self.database.connection() as connection:
            connection.execute("DELETE FROM sessions WHERE expires < ?", (now,))  # keep the table small
            connection.execute("INSERT INTO sessions (digest, user, created, expires) VALUES (?, ?, ?, ?)",
                               (self._session_digest(session_id), name, _now(), now + lifetime_s))
        return session_id

    def session_user(self, name: str, session_id: str) -> Principal | None:
        """The user of a live session (its id held by `name`, not expired), else None."""
        with self.database.connection() as connection:
            row = connection.execute(
                "SELECT u.role, u.vocabularies FROM sessions s JOIN users u ON u.name = s.user "
                "WHERE s.digest = ? AND s.user = ? AND s.expires >= ?",
                (self._session_digest(session_id or ""), name, time.time())).fetchone()
        return Principal(name, row[0], tuple(v for v in row[1].split(",") if v)) if row else None

    def close_session(self, session_id: str) -> None:
        with self.database.connection() as connection:
            connection.execute("DELETE FROM sessions WHERE digest = ?", (self._session_digest(session_id or ""),))

    def end_sessions(self, name: str) -> int:
        """Sign `name` out everywhere; how many sessions ended."""
        with self.database.connection() as connection:
            return connection.execute("DELETE FROM sessions WHERE user = ?", (name,)).rowcount
