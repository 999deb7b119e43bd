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

The index is immutable: when the store changes, a new one is built and
swapped in (`LabelIndexHolder`), so readers never see it half built.
"""

from __future__ import annotations

import bisect
import copy
import gc
import os
import pickle
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyoxigraph as ox

from vocabserver.index.folding import fold, primary_language
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
REBUILD_AFTER_PATCHES = 200  # patched changes after which the holder rebuilds in the background…
REBUILD_WHEN_IDLE = 5.0  # …once no change has come for this many seconds
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
class _Part:
    """The sorted entries of one vocabulary (or of all)."""
    keys: list[str]
    entry_label: np.ndarray  # int32, label of each entry
    entry_start: np.ndarray  # bool, the entry starts at the beginning of its label
    rank: np.ndarray  # int64, see module docstring

    def span(self, prefix: str) -> tuple[int, int]:
        lo = bisect.bisect_left(self.keys, prefix)
        hi = bisect.bisect_left(self.keys, prefix + "\U0010ffff", lo)
        return lo, hi


@dataclass
class LabelIndex:
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
        for quad in store.store.quads_for_pattern(None, RDF_TYPE, CONCEPT, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None and type(quad.subject) is ox.NamedNode:
                concepts[(vocab, quad.subject.value)] = None
        labels = []
        for kind, local in KIND_NAMES.items():  # the kind's name is its SKOS property
            for quad in store.store.quads_for_pattern(None, ox.NamedNode(SKOS + local), None, None):
                vocab = graphs.get(quad.graph_name)
                if vocab is not None and type(quad.object) is ox.Literal:
                    labels.append((vocab, quad.subject.value, kind, quad.object.value, quad.object.language))
        links = []
        for predicate, upward in ((BROADER, True), (NARROWER, False)):
            for quad in store.store.quads_for_pattern(None, predicate, None, None):
                vocab = graphs.get(quad.graph_name)
                if vocab is not None and type(quad.object) is ox.NamedNode:
                    child, parent = (quad.subject.value, quad.object.value)
                    links.append((vocab, child, parent) if upward else (vocab, parent, child))
        flagged = {"deprecated": [], "guide": [], "tops": []}
        for quad in store.store.quads_for_pattern(None, TOP_CONCEPT_OF, None, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None:
                flagged["tops"].append((vocab, quad.subject.value))
        for quad in store.store.quads_for_pattern(None, HAS_TOP_CONCEPT, None, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None and type(quad.object) is ox.NamedNode:
                flagged["tops"].append((vocab, quad.object.value))
        for quad in store.store.quads_for_pattern(None, OWL_DEPRECATED, None, None):
            vocab = graphs.get(quad.graph_name)
            if vocab is not None and type(quad.object) is ox.Literal and quad.object.value in ("true", "1"):
                flagged["deprecated"].append((vocab, quad.subject.value))
        for quad in store.store.quads_for_pattern(None, COLLECTION_MEMBER, None, None):
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
    def open(cls, path: Path, stamp: str) -> "LabelIndex | None":
        """The index saved at `path` if it was built from the store state `stamp`."""
        started = time.perf_counter()
        try:
            with open(path, "rb") as stream:
                version, state = pickle.load(stream)
        except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
            return None
        if version != FORMAT_VERSION or state.get("stamp") != stamp:
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

    def narrower(self, concept: int) -> list[int]:
        if self._narrower is None:
            narrower: list[list[int]] = [[] for _ in range(len(self.concept_vocab))]
            for child, parents in enumerate(self.broaders):
                for parent in parents:
                    narrower[parent].append(child)
            self._narrower = narrower
        return self._narrower[concept]

    def descendants(self, concept: int) -> set[int]:
        seen: set[int] = set()
        stack = list(self.narrower(concept))
        while stack:
            child = stack.pop()
            if child not in seen:
                seen.add(child)
                stack.extend(self.narrower(child))
        return seen

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

    def top_concepts(self, vocab_id: str) -> list[int]:
        """Top concepts of a vocabulary, in alphabetical order of their French label (computed once)."""
        memo = self._tops
        if vocab_id not in memo:
            if vocab_id not in self.vocab_ids:
                return []
            vocab = self.vocab_ids.index(vocab_id)
            found = np.nonzero(self.top & (self.concept_vocab == vocab))[0].tolist()
            memo[vocab_id] = sorted(found, key=self.sort_key)
        return memo[vocab_id]

    def children(self, concept: int) -> list[int]:
        """Narrower concepts in alphabetical order (computed once per concept: some have 16,000)."""
        found = self._children.get(concept)
        if found is None:
            found = self._children[concept] = sorted(self.narrower(concept), key=self.sort_key)
        return found

    def sort_key(self, concept: int) -> tuple[str, str]:
        label = self.label_of(concept)[0]
        return fold(label), label

    def vocab_of(self, concept: int) -> str:
        return self._vocab_of[concept]

    def record(self, concept: int, lang: str = "fr", label: int | None = None, with_path: bool = True) -> dict:
        """What a client shows of a concept in a list of results (a new dict: callers may add to it)."""
        key = (concept, lang, label, with_path)
        memo = self._records
        found = memo.get(key)
        if found is None:
            if len(memo) > 200_000:
                memo.clear()  # bounded: the records of the concepts that were shown lately
            found = memo[key] = self._record(concept, lang, label, with_path)
        return dict(found)

    def _record(self, concept: int, lang: str, label: int | None, with_path: bool) -> dict:
        pref, pref_lang = self.label_of(concept, lang)
        uri = self.uris[concept]
        out = {"uri": uri, "id": uri[uri.rstrip("/").rfind("/") + 1:], "vocab": self._vocab_of[concept],
               "prefLabel": pref, "lang": pref_lang}
        if label is not None:
            out["matchedLabel"] = self.label_text[label]
            out["matchedKind"] = self._kind[label]
            out["matchedLang"] = self.label_lang[label]
        notation = self.notations[concept]
        if notation is not None:
            out["notation"] = notation
        out["guideTerm"] = self._guide[concept]
        out["deprecated"] = self._deprecated[concept]
        if with_path:
            out["path"] = self.path(concept, lang)
        return out

    def label_of(self, concept: int, lang: str = "fr") -> tuple[str, str]:
        """(prefLabel, its language) in `lang`, else French, else any."""
        labels = self.pref[concept]
        wanted = lang if lang == "fr" else primary_language(lang)
        if wanted in labels:
            return labels[wanted], wanted
        for language in ("fr", ""):
            if language in labels:
                return labels[language], language
        for language, text in labels.items():
            return text, language
        return self.uris[concept], ""

    def chain(self, concept: int) -> tuple[int, ...]:
        """Broader concepts from the top down to the direct parent, following the first broader at each
        level; computed once per concept (autocompletion shows it with every hit)."""
        memo = self._chains
        found = memo.get(concept)
        if found is None:
            steps, seen, current = [], {concept}, concept
            while self.broaders[current]:
                parent = next((b for b in self.broaders[current] if b not in seen), None)
                if parent is None:
                    break
                seen.add(parent)
                steps.append(parent)
                current = parent
            found = memo[concept] = tuple(reversed(steps))
        return found

    def path(self, concept: int, lang: str = "fr") -> list[dict]:
        """The chain of broader concepts with their labels, top first."""
        uris, label_of = self.uris, self.label_of
        return [_step(uris[c], *label_of(c, lang)) for c in self.chain(concept)]

    def paths(self, concept: int, lang: str = "fr", limit: int = 50) -> list[list[dict]]:
        """Every path to the top (polyhierarchy), top first, at most `limit`."""
        # Depth first with an explicit stack (a hierarchy may be thousands of levels deep) and one shared
        # trail of the parents walked, nearest first; a node with no parent left is a top: its trail is a path.
        results: list[list[int]] = []
        trail: list[int] = []
        on_trail = {concept}
        stack = [iter(self.broaders[concept])]
        climbed = [False]
        while stack and len(results) < limit:
            parent = next((b for b in stack[-1] if b not in on_trail), None)
            if parent is None:
                stack.pop()
                if not climbed.pop():
                    results.append(trail[::-1])
                if trail:
                    on_trail.discard(trail.pop())
                continue
            climbed[-1] = True
            trail.append(parent)
            on_trail.add(parent)
            stack.append(iter(self.broaders[parent]))
            climbed.append(False)
        return [[_step(self.uris[c], *self.label_of(c, lang)) for c in trail] for trail in results]

    # -- querying ------------------------------------------------------------
    def search(self, query: str, *, vocabularies: list[str] | None = None, lang: str | None = None,
               under: str | None = None, deprecated: bool = False, limit: int = 10,
               offset: int = 0, count: bool = False) -> tuple[list[Hit], int | None]:
        """Concepts whose labels match every word of `query` at a word start, best first.

        Returns (hits, total); total (distinct matching concepts) only when `count`.
        """
        tokens = fold(query).split()
        if not tokens:
            return [], 0 if count else None
        names = self._part_names(vocabularies)
        language = primary_language(lang) if lang else None
        allowed = None
        if under is not None:
            roots = self.concepts_of(under)
            if not roots:
                raise QueryError(f"unknown concept {under!r} in parameter 'under'")
            allowed = set().union(*(self.descendants(r) for r in roots))
        phrase = " ".join(tokens)
        want = offset + limit
        per_part = [self._search_part(part, tokens, phrase, want, language, allowed, deprecated)
                    for name in names for part in self._parts(name)]
        if len(per_part) == 1:
            merged = per_part[0]
        else:
            merged = sorted((hit for hits in per_part for hit in hits), key=lambda h: h.rank)
        total = None
        if count:
            total = sum(self._count_part(part, tokens, phrase, language, allowed, deprecated)
                        for name in names for part in self._parts(name))
        return merged[offset:offset + limit], total

    def _part_names(self, vocabularies: list[str] | None) -> list[str]:
        if not vocabularies:
            return ["*"]
        unknown = [v for v in vocabularies if v not in self.vocab_ids]
        if unknown:
            raise QueryError(f"unknown vocabulary {unknown[0]!r}; known: {', '.join(self.vocab_ids)}")
        # A vocabulary without any label has no part of its own.
        return [v for v in dict.fromkeys(vocabularies) if v in self.parts or v in self.deltas] or []

    def _parts(self, name: str) -> list[_Part]:
        """The sorted entries of a vocabulary (or "*"): its part from the last build, and what changes added."""
        return [part for part in (self.parts.get(name), self.deltas.get(name)) if part is not None]

    def _range_order(self, part: _Part, lo: int, hi: int, phrase: str, need: int) -> tuple[np.ndarray, np.ndarray]:
        """The best `need` entries of [lo, hi) (exact matches first): positions and ranks, in rank order."""
        key = ("order", id(part), lo, hi, need)
        if hi - lo > _CACHED_RANGE:
            with self._cache_lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
                    return cached
        ranks = part.rank[lo:hi]
        exact_hi = bisect.bisect_right(part.keys, phrase, lo, hi)
        if exact_hi > lo:
            ranks = ranks.copy()
            ranks[:exact_hi - lo][part.entry_start[lo:exact_hi]] += _EXACT
        if hi - lo > need:
            best = np.argpartition(ranks, need)[:need]
            best = best[np.argsort(ranks[best], kind="stable")]
        else:
            best = np.argsort(ranks, kind="stable")
        result = (lo + best, ranks[best])
        if hi - lo > _CACHED_RANGE:
            with self._cache_lock:
                self._cache[key] = result
                if len(self._cache) > 2048:
                    self._cache.popitem(last=False)
        return result

    def _search_part(self, part: _Part, tokens, phrase, want, language, allowed, deprecated) -> list[Hit]:
        hits = self._phrase_hits(part, phrase, want, language, allowed, deprecated)
        if len(tokens) == 1:
            return hits
        word_floor = _WORD_CLASS * self.rank_scale
        if len(hits) >= want and hits[want - 1].rank < word_floor:
            return hits  # matches of the whole phrase at the start of labels outrank any other
        return self._word_hits(part, tokens, phrase, want, hits, language, allowed, deprecated)

    def _phrase_hits(self, part: _Part, phrase, want, language, allowed, deprecated) -> list[Hit]:
        """Labels in which the query appears as typed (folded) from a word start."""
        lo, hi = part.span(phrase)
        if lo == hi:
            return []
        need = max(want * 4 + 16, 64)
        while True:
            positions, ranks = self._range_order(part, lo, hi, phrase, need)
            hits, complete = self._collect(part, positions, ranks, want, language, allowed, deprecated)
            if complete or need >= hi - lo:
                return hits
            need = min(need * 8, hi - lo)

    def _word_matches(self, part: _Part, tokens) -> tuple[np.ndarray, np.ndarray]:
        """Entries (positions, labels) of labels in which every query word starts a word, in any order.

        Vectorised: start from the rarest word's entries; keep those whose label is among another
        word's entries (a scatter into a boolean mask over all labels), or — when that other word is
        far more common than the candidates left — check each candidate label by substring search.
        """
        spans = sorted(((part.span(t), t) for t in dict.fromkeys(tokens)), key=lambda s: s[0][1] - s[0][0])
        (lo, hi), _rarest = spans[0]
        positions = np.arange(lo, hi)
        labels = part.entry_label[lo:hi]
        for (other_lo, other_hi), token in spans[1:]:
            if not len(labels):
                break
            if other_hi - other_lo > _CACHED_RANGE:
                keep = self._cached_mask(part, other_lo, other_hi, labels)
            elif other_hi - other_lo > 64 * len(labels):
                start = " " + token
                folded = self.label_folded
                keep = np.fromiter((start in " " + folded[label] for label in labels.tolist()), dtype=bool,
                                   count=len(labels))
            else:
                mask = self._mask()
                others = part.entry_label[other_lo:other_hi]
                mask[others] = True
                keep = mask[labels]
                mask[others] = False  # leave the shared buffer clean, cheaper than clearing it all
            positions, labels = positions[keep], labels[keep]
        return positions, labels

    def _cached_mask(self, part: _Part, lo: int, hi: int, labels: np.ndarray) -> np.ndarray:
        """Which of `labels` have an entry in [lo, hi).

        For the common words and letters ("de", "l", "s") that make most of the entries, the answer
        comes from a bit set over all labels, built once and kept (an eighth of a byte per label, within
        `_MASK_BUDGET`), so that a query of several such words costs a few operations per candidate
        instead of a scatter of hundreds of thousands of entries."""
        key = ("mask", id(part), lo, hi)
        with self._cache_lock:
            bits = self._cache.get(key)
            if bits is not None:
                self._cache.move_to_end(key)
        if bits is None:
            mask = np.zeros(max(len(self.label_text), 1), dtype=bool)
            mask[part.entry_label[lo:hi]] = True
            bits = np.packbits(mask)
            with self._cache_lock:
                self._cache[key] = bits
                masks = [k for k in self._cache if k[0] == "mask"]
                for oldest in masks[:max(0, len(masks) - max(8, _MASK_BUDGET // max(bits.nbytes, 1)))]:
                    del self._cache[oldest]
        return ((bits[labels >> 3] >> (7 - (labels & 7))) & 1).astype(bool)

    def _mask(self) -> np.ndarray:
        """A boolean buffer over all labels, one per thread (a scatter target, always left all False)."""
        local = self._local.__dict__
        mask = local.get("mask")
        if mask is None:
            mask = local["mask"] = np.zeros(max(len(self.label_text), 1), dtype=bool)
        return mask

    def _word_hits(self, part: _Part, tokens, phrase, want, hits, language, allowed, deprecated) -> list[Hit]:
        """`hits` (phrase matches) completed with matches of every word in any order ("huile toile")."""
        positions, labels = self._word_matches(part, tokens)
        if not len(positions):
            return hits
        scale = self.rank_scale
        # Rank as a word match; labels that start with the phrase are already among `hits`, better ranked.
        ranks = (self.label_kind[labels].astype(np.int64) + _WORD_CLASS) * scale + part.rank[positions] % scale
        need = min(len(ranks), max(want * 4 + 16, 64))
        while True:
            if need < len(ranks):
                order = np.argpartition(ranks, need)[:need]
                order = order[np.argsort(ranks[order], kind="stable")]
            else:
                order = np.argsort(ranks, kind="stable")
            more, complete = self._collect(part, positions[order], ranks[order], want, language, allowed,
                                           deprecated)
            if complete or need >= len(ranks):
                break
            need = min(need * 8, len(ranks))
        best = {h.concept: h for h in more}
        for hit in hits:
            if hit.concept not in best or hit.rank < best[hit.concept].rank:
                best[hit.concept] = hit
        return sorted(best.values(), key=lambda h: h.rank)[:want]

    def _passes(self, label: int, concept: int, language, allowed, deprecated) -> bool:
        """The filters of a query, on one label of one concept (labels without a language always pass)."""
        return ((not self.deltas or not self.label_dead[label]) and (language is None or self.label_lang[label] in (language, ""))
                and (allowed is None or concept in allowed)
                and (deprecated or not self._deprecated[concept]))

    def _collect(self, part, positions, ranks, want, language, allowed, deprecated) -> tuple[list[Hit], bool]:
        hits, seen = [], set()
        entry_label, label_concept = part.entry_label, self.label_concept
        for position, rank in zip(positions.tolist(), ranks.tolist()):
            label = int(entry_label[position])
            concept = int(label_concept[label])
            if concept in seen or not self._passes(label, concept, language, allowed, deprecated):
                continue
            seen.add(concept)
            hits.append(Hit(concept, label, rank, rank < 0))
            if len(hits) >= want:
                return hits, True
        return hits, False

    def _count_part(self, part, tokens, phrase, language, allowed, deprecated) -> int:
        lo, hi = part.span(phrase)
        labels = part.entry_label[lo:hi]
        concepts = self.label_concept[labels]
        mask = self._filter_mask(labels, language, allowed, deprecated)
        if len(tokens) > 1:
            positions, labels = self._word_matches(part, tokens)
            concepts = np.concatenate([concepts, self.label_concept[labels]])
            mask = np.concatenate([mask, self._filter_mask(labels, language, allowed, deprecated)])
        return int(len(np.unique(concepts[mask])))

    def _filter_mask(self, labels: np.ndarray, language, allowed, deprecated) -> np.ndarray:
        concepts = self.label_concept[labels]
        mask = ~self.label_dead[labels]
        if not deprecated:
            mask &= ~self.deprecated[concepts]
        if language is not None and len(labels):
            languages = np.array([self.label_lang[i] for i in labels.tolist()], dtype=object)
            mask &= (languages == language) | (languages == "")
        if allowed is not None:
            mask &= np.isin(concepts, np.fromiter(allowed, dtype=np.int32, count=len(allowed)))
        return mask

    def lookup(self, label: str, *, vocabularies: list[str] | None = None, lang: str | None = None,
               deprecated: bool = False) -> list[Hit]:
        """Concepts with a label equal to `label` (case, accents and punctuation aside): preferred first."""
        phrase = fold(label)
        if not phrase:
            return []
        language = primary_language(lang) if lang else None
        hits: dict[int, Hit] = {}
        for part in (part for name in self._part_names(vocabularies) for part in self._parts(name)):
            lo = bisect.bisect_left(part.keys, phrase)
            hi = bisect.bisect_right(part.keys, phrase, lo)
            for position in range(lo, hi):
                if not part.entry_start[position]:
                    continue
                index = int(part.entry_label[position])
                concept = int(self.label_concept[index])
                if not self._passes(index, concept, language, None, deprecated):
                    continue
                # As typed beats folded; a preferred label beats an alternative one.
                rank = int(part.rank[position]) - (1 << 39 if self.label_text[index] == label else 0)
                if concept not in hits or rank < hits[concept].rank:
                    hits[concept] = Hit(concept, index, rank, True)
        return sorted(hits.values(), key=lambda h: h.rank)

    def wildcard(self, pattern: str, *, vocabularies: list[str] | None = None, lang: str | None = None,
                 allowed: set[int] | None = None, deprecated: bool = False, limit: int = 100,
                 offset: int = 0) -> tuple[list[Hit], int]:
        """Skosmos search semantics on whole labels: `*` stands for any text ("vase*", "*vase",
        "*vase*"); without `*` the label must equal the query. Accents and case aside, here too."""
        pieces = [fold(piece) for piece in pattern.split("*")]
        if not any(pieces):
            raise QueryError("the query needs at least one character besides '*'")
        regex = re.compile("^" + ".*".join(re.escape(piece) for piece in pieces) + "$")
        language = primary_language(lang) if lang else None
        best: dict[int, Hit] = {}
        for part in (part for name in self._part_names(vocabularies) for part in self._parts(name)):
            if pieces[0]:
                lo, hi = part.span(pieces[0])
                positions = lo + np.nonzero(part.entry_start[lo:hi])[0]
            else:
                positions = np.nonzero(part.entry_start)[0]  # a leading '*': every label is a candidate
            for position in positions.tolist():
                label = int(part.entry_label[position])
                if not regex.match(self.label_folded[label]):
                    continue
                concept = int(self.label_concept[label])
                if not self._passes(label, concept, language, allowed, deprecated):
                    continue
                rank = int(part.rank[position])
                if concept not in best or rank < best[concept].rank:
                    best[concept] = Hit(concept, label, rank, "*" not in pattern)
        ordered = sorted(best.values(), key=lambda h: h.rank)
        return ordered[offset:offset + limit], len(ordered)

    # -- alphabetical index -------------------------------------------------
    def letters(self, vocab_id: str) -> list[str]:
        firsts = []
        for part in self._parts(vocab_id):
            position, keys = 0, part.keys
            while position < len(keys):
                firsts.append(keys[position][0])
                position = bisect.bisect_left(keys, keys[position][0] + "\U0010ffff", position)
        return list(dict.fromkeys(_letter(first) for first in sorted(firsts)))

    def index_entries(self, vocab_id: str, letter: str, lang: str | None = None, limit: int = 100,
                      offset: int = 0) -> tuple[list[int], int]:
        """Preferred and alternative labels (ids) starting with `letter`, alphabetical, and their total."""
        parts = self._parts(vocab_id)
        if not parts:
            return [], 0
        folded = fold(letter)
        if letter not in ("0-9", "#") and len(folded) != 1:
            raise QueryError(f"letter must be one letter, '0-9' or '#', not {letter!r}")
        chosen = []
        for part in parts:
            if letter in ("0-9", "#"):
                firsts = sorted({key[0] for key in _first_keys(part) if _letter(key[0]) == letter})
                spans = [part.span(first) for first in firsts]
            else:
                spans = [part.span(folded)]
            for lo, hi in spans:
                positions = lo + np.nonzero(part.entry_start[lo:hi])[0]
                found = part.entry_label[positions]
                kinds = self.label_kind[found]
                keep = (((kinds == PREF) | (kinds == ALT)) & ~self.deprecated[self.label_concept[found]]
                        & ~self.label_dead[found])
                chosen.extend((part.keys[p], label) for p, label in zip(positions[keep].tolist(), found[keep].tolist()))
        # Entries of the last build come in key order; a change's are merged in (a stable sort by key).
        chosen = [label for _key, label in sorted(chosen, key=lambda entry: entry[0])] if len(parts) > 1 else \
            [label for _key, label in chosen]
        if lang is not None:
            language = primary_language(lang)
            chosen = [label for label in chosen if self.label_lang[label] in (language, "")]
        return chosen[offset:offset + limit], len(chosen)



def _first_keys(part: _Part) -> list[str]:
    firsts, position, keys = [], 0, part.keys
    while position < len(keys):
        firsts.append(keys[position])
        position = bisect.bisect_left(keys, keys[position][0] + "\U0010ffff", position)
    return firsts


def _step(uri: str, label: str, lang: str) -> dict:
    return {"uri": uri, "prefLabel": label, "lang": lang}


def _letter(first: str) -> str:
    if first.isdigit():
        return "0-9"
    if "a" <= first <= "z":
        return first.upper()
    return "#" if not first.isalpha() else first.upper()


def index_path(store) -> Path | None:
    """Where the index of an on-disk store is saved: inside the store's folder (RocksDB ignores the file)."""
    return Path(store.path) / "label-index.pickle" if store.path else None


class LabelIndexHolder:
    """The current index of a store, rebuilt when the store changes; persisted beside the store."""

    def __init__(self, store, cache_path: Path | None = None):
        self.store = store
        self.cache_path = cache_path
        self._index: LabelIndex | None = None
        self._lock = threading.Lock()
        self._patches = 0  # changes patched in since the last full build
        self._rebuilding = False
        self._last_patch = 0.0

    @property
    def ready(self) -> bool:
        return self._index is not None and self._index.stamp == self.store.modified()

    def prepare(self, stamp: str, parts: list):
        """Before a change commits: the index of the state after it (index/patch.py: each part is (vocabulary,
        touched URIs, would-be view)), and the function that installs it — called by the write path once the
        change is committed and before the new state's stamp is visible, so no reader pairs the new stamp with
        the old index. None when the current index is not of the state the change applies to, or when only a
        rebuild will do (then the next read rebuilds)."""
        from vocabserver.index.patch import patched  # imports this module

        index = self._index
        if index is None or index.stamp != self.store.modified():
            return None
        index.concepts_of("")  # built on the installed index, so that every patch of it shares them
        if len(index.concept_vocab):
            index.narrower(0)
        new = copy.copy(index)  # a graph that is no vocabulary: the same labels, the new state's stamp
        new.stamp = stamp
        for vocab_id, uris, view in parts:
            new = patched(new, stamp, vocab_id, uris, view)
            if new is None:
                return None

        def install() -> None:
            with self._lock:
                self._index = new
                self._patches += 1
                self._last_patch = time.monotonic()
            if self._patches >= REBUILD_AFTER_PATCHES:
                self._rebuild_soon()
        return install

    def _rebuild_soon(self) -> None:
        """After many patches, rebuild in the background (exact ranking again, no dead entries) once writes
        pause for REBUILD_WHEN_IDLE seconds — a rebuild competes with writes for the interpreter — the patched
        index answering meanwhile. A rebuild overtaken by a change is dropped, and tried again later."""
        if self._rebuilding:
            return
        self._rebuilding = True

        def run() -> None:
            try:
                while True:
                    time.sleep(REBUILD_WHEN_IDLE)
                    if time.monotonic() - self._last_patch < REBUILD_WHEN_IDLE:
                        continue
                    stamp = self.store.modified()
                    index = LabelIndex.build(self.store)
                    with self._lock:
                        if self.store.modified() != stamp or index.stamp != stamp:
                            continue
                        self._install(index)
                        self._patches = 0
                    self._save(index)
                    return
            finally:
                self._rebuilding = False
        threading.Thread(target=run, name="label-index-rebuild", daemon=True).start()

    def _save(self, index: LabelIndex) -> None:
        if self.cache_path is not None:
            try:
                self.cache_path.parent.mkdir(parents=True, exist_ok=True)
                index.save(self.cache_path)
            except OSError:
                pass  # a read-only deployment builds in memory each start

    def open_saved(self) -> bool:
        """Read the saved index of the store's current state, if there is one (0.2 s at bundled size)."""
        if self.cache_path is None:
            return False
        with self._lock:
            index = LabelIndex.open(self.cache_path, self.store.modified())
            if index is not None:
                self._install(index)
        return index is not None

    def _install(self, index: LabelIndex) -> None:
        # The index lives until the next change: keep the collector from walking its millions of
        # objects (a full pass costs hundreds of milliseconds at 1.5 million labels).
        gc.freeze()
        self._index = index
        threading.Thread(target=index.warm, name="label-index-warm", daemon=True).start()

    def current(self) -> LabelIndex:
        stamp = self.store.modified()
        index = self._index
        if index is not None and index.stamp == stamp:
            return index
        with self._lock:  # one build at a time; the others wait for it rather than build it again
            index = self._index
            if index is None or index.stamp != stamp:
                index = None
                if self.cache_path is not None:
                    index = LabelIndex.open(self.cache_path, stamp)
                if index is None:
                    index = LabelIndex.build(self.store)
                    self._save(index)
                self._install(index)
                self._patches = 0
            return index
