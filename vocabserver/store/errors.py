"""The store's errors and the rule for vocabulary ids (shared by reads and writes)."""

from __future__ import annotations

import re
from typing import Iterable

VOCAB_ID = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
RESERVED_IDS = {"catalogue", "graph", "dataset", "dumps", "sparql", "api", "rest", "health",
                "static", "resource", "about", "search", "ns", "well-known", "quality", "login", "logout",
                "admin", "proposals", "history", "validate", "store", "changes", "none", "all"}


class StoreError(RuntimeError):
    pass


class StoreLocked(StoreError):
    pass


class BaseMismatch(StoreError):
    pass


class UnknownVocabulary(KeyError):
    def __init__(self, vocab_id: str, known: Iterable[str]):
        self.vocab_id = vocab_id
        super().__init__(f"unknown vocabulary {vocab_id!r}; known: {', '.join(sorted(known)) or 'none'}")

    def __str__(self) -> str:
        return self.args[0]


def validate_id(vocab_id: str) -> str:
    if not VOCAB_ID.match(vocab_id or "") or vocab_id in RESERVED_IDS:
        raise ValueError(
            f"invalid vocabulary id {vocab_id!r}: use 1-40 lower-case letters, digits, '-' or '_', "
            f"starting with a letter, and none of {', '.join(sorted(RESERVED_IDS))}")
    return vocab_id
