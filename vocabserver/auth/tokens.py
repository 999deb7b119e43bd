"""API tokens for tools that write (SPARQL Update, Graph Store, the changes API).

A token is 32 random bytes (`secrets`), shown once when created; only its SHA-256 digest is kept. A digest
without a salt or a slow hash is the right tool here (as GitHub's and PyPI's tokens): a token is not a
password a person chose, guessing one is hopeless, and every request must check it in microseconds.
Kept in the accounts database beside the store (auth/database.py).

Roles: *admin* (every write), *editor* of given vocabularies, *contributor* (may propose only), *reader*.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from vocabserver.auth.database import Database, IntegrityError

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


def _within(role: str, vocabularies: list[str], user_role: str, user_vocabularies: list[str], user: str) -> None:
    """A user's token never has more rights than the user."""
    rank = {name: len(ROLES) - i for i, name in enumerate(ROLES)}
    wider = rank[role] > rank[user_role] or (
        role == "editor" and user_role == "editor" and not set(vocabularies) <= set(user_vocabularies))
    if wider:
        raise TokenError(f"user {user!r} is {user_role}"
                         + (f" of {', '.join(user_vocabularies)}" if user_vocabularies else "")
                         + f": their token cannot be {role}" + (f" of {', '.join(vocabularies)}" if vocabularies else ""))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tokens:
    def __init__(self, database: Database):
        self.database = database

    def create(self, name: str, role: str, vocabularies: list[str] | None = None, user: str | None = None) -> str:
        """A new token (returned once; only its digest is kept), for `user` when given (revoked with them)."""
        if role not in ROLES:
            raise TokenError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
        if not name or len(name) > 100 or not name.isprintable():
            raise TokenError("a token needs a name of 1 to 100 printable characters")
        if role == "editor" and not vocabularies:
            raise TokenError("an editor token names the vocabularies it may change (--vocab ID, repeatable)")
        token = PREFIX + secrets.token_urlsafe(32)
        try:
            with self.database.connection() as connection:
                if user is not None:
                    owner = connection.execute("SELECT role, vocabularies FROM users WHERE name = ?", (user,)).fetchone()
                    if owner is None:
                        raise TokenError(f"no user named {user!r} (vocabserver user create)")
                    _within(role, vocabularies or [], owner[0], [v for v in owner[1].split(",") if v], user)
                connection.execute("INSERT INTO tokens (name, digest, role, vocabularies, created, user) "
                                   "VALUES (?, ?, ?, ?, ?, ?)",
                                   (name, _digest(token), role, ",".join(vocabularies or []),
                                    datetime.now(timezone.utc).isoformat(timespec="seconds"), user))
        except IntegrityError:
            raise TokenError(f"a token named {name!r} exists: revoke it first, or choose another name") from None
        return token

    def check(self, token: str) -> Principal | None:
        if not token.startswith(PREFIX) or len(token) > 200:
            return None
        with self.database.connection() as connection:
            row = connection.execute("SELECT name, role, vocabularies FROM tokens WHERE digest = ?",
                                     (_digest(token),)).fetchone()
        if row is None:
            return None
        return Principal(row[0], row[1], tuple(v for v in row[2].split(",") if v))

    def list(self) -> list[dict]:
        with self.database.connection() as connection:
            rows = connection.execute("SELECT name, role, vocabularies, created, user FROM tokens ORDER BY name").fetchall()
        return [{"name": r[0], "role": r[1], "vocabularies": [v for v in r[2].split(",") if v], "created": r[3],
                 "user": r[4]} for r in rows]

    def revoke(self, name: str) -> bool:
        with self.database.connection() as connection:
            return connection.execute("DELETE FROM tokens WHERE name = ?", (name,)).rowcount > 0
