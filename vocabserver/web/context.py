"""Access to the core objects from inside a request."""

from __future__ import annotations

from flask import current_app

from vocabserver.index.label_index import LabelIndex
from vocabserver.store.embedded import VocabStore


def store() -> VocabStore:
    return current_app.extensions["vocabserver.store"]


def labels() -> LabelIndex:
    """The label index of the store's current state (rebuilt after a change)."""
    return current_app.extensions["vocabserver.labels"].current()
