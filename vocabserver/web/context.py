"""Access to the core objects from inside a request."""

from __future__ import annotations

from flask import current_app

from ..store import VocabStore


def store() -> VocabStore:
    return current_app.extensions["vocabserver.store"]
