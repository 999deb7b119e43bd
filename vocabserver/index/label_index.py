"""The in-memory label index: autocompletion, search and exact lookup in microseconds.

Built from the store (prefLabel, altLabel, hiddenLabel, notation of every
concept), it holds for each vocabulary — and for all of them together — a
sorted list of *entries*: one per label and word start, keyed by the folded
label from that word on ("huile sur toile" gives "huile sur toile",
"sur toile", "toile"). A prefix query is then two bisections; the entries
of that range are ordered by a rank computed once:

    exact match  <  prefLabel prefix  <  altLabel prefix  <  word prefix,
    then shorter labels, then alphabetical order of the folded label, then
    of the label itself (accents and case break ties, as a collation does).

Ranks are integers in a numpy array, so the best k of a range of 100,000
entries is one `argpartition`. Queries of several words ("huile toile")
start from the entries of the rarest word and keep those whose label also
has the other words (see `_word_matches`). Results are one per concept, the
best-ranked label.

The index is immutable: when the store changes, a new one is built, or patched from the current one by
the write path (index/patch.py), and swapped in (index/holder.py), so readers never see it half made.
The class is split by job: building and persistence here, search (index/search.py), hierarchy and display
reads (index/hierarchy.py), the alphabetical index (index/alphabet.py).
"""

from __future__ import annotations

import os
import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyoxigraph as ox

from vocabserver.index.alphabet import AlphabeticalIndex
from vocabserver.index.folding import fold, primary_language
from vocabserver.index.hierarchy import HierarchyReads
from vocabserver.index.model import (_SPACING, _WORD_CLASS, ALT, BROADER, COLLECTION_MEMBER, CONCEPT,  # noqa: F401
                                     FORMAT_VERSION, HAS_TOP_CONCEPT, HIDDEN, KIND_NAMES, NARROWER, NOTATION,
                                     OWL_DEPRECATED, PREF, RDF_TYPE, SKOS, TOP_CONCEPT_OF, Hit, Part, QueryError)
from vocabserver.index.search import LabelSearch

_Part = Part  # the name saved indexes were pickled with

@dataclass
class LabelIndex(HierarchyReads, LabelSearch, AlphabeticalIndex):
    stamp: str  # the store state it was built from
    vocab_ids: list[str]
    # Concepts.
    uris: list[str]
    concept_vocab: np.ndarray  # int16 index into vocab_ids
    deprecated: np.ndarray  # bool
    guide: np.ndarray  # bool: member of a "guide-terms" collection (not for indexing)
    top: np.ndarray  # bool: top concept of its scheme
    pref: list[dict[str, str]]  # language (primary subtag) -> prefLabel
    notations: list[str | None]
    broaders: list[tuple[int, ...]]
    # Labels.
    label_text: list[str]
    label_folded: list[str]
    label_lang: list[str]
    label_kind: np.ndarray  # int8
    label_concept: np.ndarray  # int32
    parts: dict[str, _Part] = field(default_factory=dict)  # vocabulary id or "*" -> entries
    # Ranks are klass * rank_scale + order (see _build_parts); fixed at build, so a patch (index/patch.py)
    # can add labels without renumbering the others.
    rank_scale: int = 1
    length_start: list[int] = field(default_factory=list)  # folded length -> first order value of that length
    label_dead: np.ndarray | None = None  # bool: labels a change removed (their entries stay, never shown)
    # Entries of labels added by changes since the last full build (index/patch.py): small sorted parts
    # searched beside `parts`, so a change never re-sorts millions of entries.
    deltas: dict[str, _Part] = field(default_factory=dict)
    built_in: float = 0.0
    loaded_from: str = "store"  # or "file": read back from where it was saved
    _by_uri: dict[str, list[int]] | None = None
    _by_uri_extra: dict[str, list[int]] = field(default_factory=dict)  # concepts a patch added
    _narrower: list[list[int]] | None = None
    _chains: dict = field(default_factory=dict)
    _records: dict = field(default_factory=dict)
    _tops: dict = field(default_factory=dict)
    _children: dict = field(default_factory=dict)
    _cache: OrderedDict = field(default_factory=OrderedDict)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)

    def __post_init__(self) -> None:
        # Plain lists beside the numpy arrays: reading one element of a list is several times cheaper,
        # and every hit shown reads a few.
        self._vocab_of = [self.vocab_ids[v] for v in self.concept_vocab.tolist()]
        self._guide = self.guide.tolist()
        self._deprecated = self.deprecated.tolist()
        self._kind = [KIND_NAMES[k] for k in self.label_kind.tolist()]
        if self.label_dead is None:
            self.label_dead = np.zeros(len(self.label_text), dtype=bool)

    # -- building ---------------------------------------------------------
    @classmethod
    def build(cls, store) -> "LabelIndex":
        """Read the concepts, labels and broader links of every live vocabulary from the store."""
        started = time.perf_counter()
        live = store.live_graphs()
        vocab_ids = sorted(v for v in live.values() if v != "catalogue")
        graphs = {g: vocab_ids.index(v) for g, v in live.items() if v != "catalogue"}
        concepts: dict[tuple[int, str], None] = {}
        for quad in store.quads(None, RDF_TYPE, CONCEPT, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None and type(quad.subject) is ox.NamedNode:
                concepts[(vocab, quad.subject.value)] = None
        labels = []
        for kind, local in KIND_NAMES.items():  # the kind's name is its SKOS property
            for quad in store.quads(None, ox.NamedNode(SKOS + local), None, None):
                vocab = graphs.get(quad.graph_name)
                if vocab is not None and type(quad.object) is ox.Literal:
                    labels.append((vocab, quad.subject.value, kind, quad.object.value, quad.object.language))
        links = []
        for predicate, upward in ((BROADER, True), (NARROWER, False)):
            for quad in store.quads(None, predicate, None, None):
                vocab = graphs.get(quad.graph_name)
                if vocab is not None and type(quad.object) is ox.NamedNode:
                    child, parent = (quad.subject.value, quad.object.value)
                    links.append((vocab, child, parent) if upward else (vocab, parent, child))
        flagged = {"deprecated": [], "guide": [], "tops": []}
        for quad in store.quads(None, TOP_CONCEPT_OF, None, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None:
                flagged["tops"].append((vocab, quad.subject.value))
        for quad in store.quads(None, HAS_TOP_CONCEPT, None, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None and type(quad.object) is ox.NamedNode:
                flagged["tops"].append((vocab, quad.object.value))
        for quad in store.quads(None, OWL_DEPRECATED, None, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None and type(quad.object) is ox.Literal and quad.object.value in ("true", "1"):
                flagged["deprecated"].append((vocab, quad.subject.value))
        for quad in store.quads(None, COLLECTION_MEMBER, None, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None and type(quad.subject) is ox.NamedNode and quad.subject.value.endswith(
                    "/guide-terms"):
                flagged["guide"].append((vocab, quad.object.value))
        index = cls.from_records(store.modified(), vocab_ids, list(concepts), labels, links, **flagged)
        index.built_in = time.perf_counter() - started
        return index

    @classmethod
    def from_records(cls, stamp: str, vocab_ids: list[str], concepts: list[tuple[int, str]],
                     labels: list[tuple[int, str, int, str, str | None]], links: list[tuple[int, str, str]],
                     deprecated: list[tuple[int, str]] = (), guide: list[tuple[int, str]] = (),
                     tops: list[tuple[int, str]] = ()) -> "LabelIndex":
        """Build from plain records: concepts (vocab, uri); labels (vocab, uri, kind, text, language);
        links (vocab, narrower uri, broader uri). Records about unknown concepts are ignored."""
        concept_of = {key: number for number, key in enumerate(concepts)}
        n = len(concepts)
        pref: list[dict[str, str]] = [{} for _ in range(n)]
        notations: list[str | None] = [None] * n
        label_text, label_folded, label_lang, label_kind, label_concept = [], [], [], [], []
        for vocab, uri, kind, text, language in labels:
            concept = concept_of.get((vocab, uri))
            if concept is None:
                continue
            language = primary_language(language)
            if kind == PREF:
                pref[concept].setdefault(language, text)
            elif kind == NOTATION and notations[concept] is None:
                notations[concept] = text
            folded = fold(text)
            if not folded:
                continue  # a label of punctuation only cannot be typed
            label_text.append(text)
            label_folded.append(folded)
            label_lang.append(language)
            label_kind.append(kind)
            label_concept.append(concept)
        broaders: list[set[int]] = [set() for _ in range(n)]
        for vocab, child_uri, parent_uri in links:
            child, parent = concept_of.get((vocab, child_uri)), concept_of.get((vocab, parent_uri))
            if child is not None and parent is not None and child != parent:
                broaders[child].add(parent)
        flags = {}
        for name, records in (("deprecated", deprecated), ("guide", guide), ("top", tops)):
            flags[name] = np.zeros(n, dtype=bool)
            for key in records:
                if key in concept_of:
                    flags[name][concept_of[key]] = True

        def first_label(c: int) -> str:
            return pref[c].get("fr") or next(iter(pref[c].values()), concepts[c][1])

        index = cls(
            stamp=stamp, vocab_ids=vocab_ids, uris=[uri for _vocab, uri in concepts],
            concept_vocab=np.array([vocab for vocab, _uri in concepts], dtype=np.int16), pref=pref,
            notations=notations,
            # Sorted by label: the first broader is the one paths follow, the same on every build.
            broaders=[tuple(sorted(b, key=first_label)) for b in broaders],
            label_text=label_text, label_folded=label_folded, label_lang=label_lang,
            label_kind=np.array(label_kind, dtype=np.int8), label_concept=np.array(label_concept, dtype=np.int32),
            **flags)
        index._build_parts()
        return index

    def _build_parts(self) -> None:
        count = len(self.label_text)
        # Label order: shorter first, then folded, then as written (accents and case as tie-breakers).
        order = sorted(range(count), key=lambda i: (len(self.label_folded[i]), self.label_folded[i],
                                                    self.label_text[i]))
        label_order = np.empty(count, dtype=np.int64)
        label_order[np.array(order, dtype=np.int64)] = np.arange(count, dtype=np.int64) * _SPACING
        self.rank_scale = max(count, 1) * _SPACING
        starts: list[int] = []
        for position, label in enumerate(order):
            length = len(self.label_folded[label])
            while len(starts) <= length:
                starts.append(position * _SPACING)
        self.length_start = starts
        kinds = self.label_kind.astype(np.int64)
        entries_by_vocab: dict[int, list[tuple[str, int, bool]]] = {}
        label_vocab = self.concept_vocab[self.label_concept] if count else np.zeros(0, dtype=np.int16)
        for label, folded in enumerate(self.label_folded):
            bucket = entries_by_vocab.setdefault(int(label_vocab[label]), [])
            bucket.append((folded, label, True))
            position = folded.find(" ")
            while position != -1:
                bucket.append((folded[position + 1:], label, False))
                position = folded.find(" ", position + 1)
        everything = []
        for vocab, bucket in entries_by_vocab.items():
            self.parts[self.vocab_ids[vocab]] = self._part(bucket, kinds, label_order, self.rank_scale)
            everything.extend(bucket)
        self.parts["*"] = self._part(everything, kinds, label_order, self.rank_scale)

    @staticmethod
    def _part(entries, kinds, label_order, scale) -> _Part:
        entries.sort(key=lambda e: e[0])
        labels = np.fromiter((e[1] for e in entries), dtype=np.int32, count=len(entries))
        start = np.fromiter((e[2] for e in entries), dtype=bool, count=len(entries))
        klass = kinds[labels] + np.where(start, 0, _WORD_CLASS)
        rank = klass * scale + label_order[labels]
        return _Part([e[0] for e in entries], labels, start, rank)

    # -- persistence --------------------------------------------------------
    def save(self, path: Path) -> None:
        state = {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # several workers may save at once
        with open(temporary, "wb") as out:
            pickle.dump((FORMAT_VERSION, state), out, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(path)  # atomic: a reader never sees half a file

    @classmethod
    def open(cls, path: Path, stamp: str | None) -> "LabelIndex | None":
        """The index saved at `path` if it was built from the store state `stamp` (None: whatever its state)."""
        started = time.perf_counter()
        try:
            with open(path, "rb") as stream:
                version, state = pickle.load(stream)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            return None
        if version != FORMAT_VERSION or (stamp is not None and state.get("stamp") != stamp):
            return None
        index = cls(**state)
        index.loaded_from, index.built_in = "file", time.perf_counter() - started
        return index

    # -- concepts ------------------------------------------------------------
    def concepts_of(self, uri: str) -> list[int]:
        if self._by_uri is None:
            by_uri: dict[str, list[int]] = {}
            for concept, iri in enumerate(self.uris[:len(self.concept_vocab)]):  # a patch may share a longer list
                by_uri.setdefault(iri, []).append(concept)
            self._by_uri = by_uri
        return self._by_uri_extra.get(uri) or self._by_uri.get(uri, [])

    def warm(self) -> None:
        """Compute what pages ask for first (narrower lists, sorted top concepts), and the URI table a first
        change patches, off the request path."""
        self.concepts_of("")
        if self.uris:
            self.narrower(0)
        for vocab_id in self.vocab_ids:
            self.top_concepts(vocab_id)

    def labels_of(self, concept: int) -> list[int]:
        return np.nonzero(self.label_concept == concept)[0].tolist()

    def languages(self, vocab_id: str) -> list[str]:
        """Languages of the labels of a vocabulary (primary subtags; labels without one do not count)."""
        if vocab_id not in self.vocab_ids:
            return []
        memo = self._tops  # computed once per vocabulary, beside its top concepts
        key = ("languages", vocab_id)
        if key not in memo:
            in_vocab = ((self.concept_vocab[self.label_concept] == self.vocab_ids.index(vocab_id))
                        & ~self.label_dead)
            memo[key] = sorted({primary_language(self.label_lang[i]) for i in np.nonzero(in_vocab)[0].tolist()} - {""})
        return memo[key]
