"""The label index's model: its constants, label kinds, query errors, hits and sorted parts (shared by the
index's modules: label_index builds, search ranks, alphabet lists, hierarchy walks, patch and holder change it)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import pyoxigraph as ox

from vocabserver.rdf.namespaces import PREFIXES

SKOS = PREFIXES["skos"]
OWL_DEPRECATED = ox.NamedNode(PREFIXES["owl"] + "deprecated")
RDF_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
CONCEPT = ox.NamedNode(SKOS + "Concept")
COLLECTION_MEMBER = ox.NamedNode(SKOS + "member")
BROADER = ox.NamedNode(SKOS + "broader")
NARROWER = ox.NamedNode(SKOS + "narrower")
TOP_CONCEPT_OF = ox.NamedNode(SKOS + "topConceptOf")
HAS_TOP_CONCEPT = ox.NamedNode(SKOS + "hasTopConcept")

# Label kinds, in rank order at equal position.
PREF, NOTATION, ALT, HIDDEN = 0, 1, 2, 3
KIND_NAMES = {PREF: "prefLabel", NOTATION: "notation", ALT: "altLabel", HIDDEN: "hiddenLabel"}
_WORD_CLASS = 4  # entries that start inside a label rank after every label-start entry
_EXACT = -(1 << 40)  # added to the rank of exact matches
_CACHED_RANGE = 20_000  # ranges larger than this (one- or two-letter prefixes) keep their best entries cached
_MASK_BUDGET = 64 << 20  # bytes of label bit sets kept for the commonest words (see _cached_mask)
_SPACING = 64  # label order values are spaced, so that a label added by a change fits between two
FORMAT_VERSION = 5



class QueryError(ValueError):
    """A query the index cannot answer as asked (the web layer turns it into a 400)."""


@dataclass
class Hit:
    concept: int
    label: int  # the matched label
    rank: int
    exact: bool


@dataclass
class Part:
    """The sorted entries of one vocabulary (or of all)."""
    keys: list[str]
    entry_label: np.ndarray  # int32, label of each entry
    entry_start: np.ndarray  # bool, the entry starts at the beginning of its label
    rank: np.ndarray  # int64, see module docstring

    def span(self, prefix: str) -> tuple[int, int]:
        lo = bisect.bisect_left(self.keys, prefix)
        hi = bisect.bisect_left(self.keys, prefix + "\U0010ffff", lo)
        return lo, hi
