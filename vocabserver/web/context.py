"""Access to the core objects from inside a request."""

from __future__ import annotations

from flask import current_app

from vocabserver.core import Core
from vocabserver.index.label_index import LabelIndex
from vocabserver.store.embedded import VocabStore


def core() -> Core:
    return current_app.extensions["vocabserver.core"]


def store() -> VocabStore:
    return current_app.extensions["vocabserver.store"]


def labels() -> LabelIndex:
    """The label index of the store's current state (rebuilt after a change)."""
    return current_app.extensions["vocabserver.labels"].current()
