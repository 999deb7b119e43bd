"""skosify normalisation, made safe to call from a server or a CLI.

skosify reports what it changes through the logging module and calls
sys.exit() when it cannot go on (no concept to guess a namespace from, for
instance): both are captured here and turned into a list and an exception.
"""

from __future__ import annotations

import logging

import skosify
from rdflib import Graph


class NormalisationError(ValueError):
    pass


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.INFO:
            self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def normalise(graph: Graph, default_language: str | None = None) -> tuple[Graph, list[str]]:
    """Return skosify's normalised graph and what it said about the input."""
    handler = _Collect()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # skosify's own handlers would print to stderr: keep only ours for the call.
    try:
        result = skosify.skosify(
            graph,
            mark_top_concepts=True,
            narrower=True,
            enrich_mappings=True,
            eliminate_redundancy=False,
            break_cycles=False,
            keep_related=True,  # related+broader clashes are reported by our checks, not silently removed
            preflabel_policy="shortest",
            default_language=default_language,
        )
    except SystemExit:
        raise NormalisationError(
            "skosify could not normalise this vocabulary: "
            + ("; ".join(m for m in handler.messages if m.startswith(("critical", "error")))
               or "it found no skos:Concept to work on")
        ) from None
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    return result, handler.messages
