"""Suggestions for a value no label matches: the closest labels of the field's vocabularies, typo-tolerant
(RapidFuzz's `fuzz.ratio`, an edit-distance ratio, on the words in alphabetical order), ranked by score
(0–100), the concept's preferred label and URI for each, at most five concepts.

Built once per label index (the labels of usable concepts of each vocabulary, folded as lookup folds them)
and kept with it; each distinct value is scored once per run (the checker caches verdicts). Before a label
is scored, a bound rules most out at once: each insertion or deletion changes the count of one character
class by one, so the difference of two texts' character counts is at most their edit distance — a label
whose counts differ too much cannot reach the score wanted (compared for a whole bucket in one numpy
operation: a fifth of the labels are left to score)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from vocabserver.index.folding import fold
from vocabserver.records.per_index import of_index

SCORE_MIN = 70  # below this, a "suggestion" is noise (measured on injected typos: bench/bench_validate.py)
DISTANT_MIN = 50  # …unless nothing else is offered (records/nearest.py): then the closest labels, said distant
LIMIT = 5
CLASSES = 29  # a–z, digits, space, anything else
_ADD = np.add.reduce  # without `ndarray.sum`'s wrapper: called for every value scored


def _key(folded: str) -> str:
    """The words in order: what is compared (word order does not count), and its first letter the bucket."""
    return " ".join(sorted(folded.split()))


def _counts(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each key's count of each character class (a column per key: a bucket's bound is then a few sums over
    long rows) and its length."""
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int32, count=len(keys))
    codes = np.frombuffer("".join(keys).encode("utf-32-le"), dtype=np.uint32)
    classes = np.where((codes >= 97) & (codes <= 122), codes - 97,
                       np.where((codes >= 48) & (codes <= 57), 26, np.where(codes == 32, 27, 28)))
    columns = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    counts = np.bincount(classes * len(keys) + columns, minlength=len(keys) * CLASSES)
    # At most 255 of a class in a key (no label comes near): one byte each.
    return np.minimum(counts, 255).astype(np.uint8).reshape(CLASSES, len(keys)), lengths


_CLASS = {chr(c): c - 97 for c in range(97, 123)} | {str(d): 26 for d in range(10)} | {" ": 27}


def _query_counts(key: str) -> np.ndarray:
    """`_counts` of one key, as a column (a loop over its letters: cheaper than the arrays for one text)."""
    counts = [0] * CLASSES
    for char in key:
        counts[_CLASS.get(char, 28)] += 1
    # Clipped to uint8 like the labels' counts: the bound compares min(query, label) per class, and no label has
    # 255 characters of one class, so a pasted sentence (1,300 characters) bounds exactly as before.
    return np.array([min(count, 255) for count in counts], dtype=np.uint8).reshape(CLASSES, 1)


@dataclass(slots=True)
class _Bucket:
    """Labels of a vocabulary (their positions in its lists), with their character counts and lengths."""
    positions: list[int]
    counts: np.ndarray  # CLASSES × len(positions)
    reach: np.ndarray  # SCORE_MIN × the lengths: what the common characters must make up (see _score)


@dataclass(slots=True)
class _Choices:
    """A vocabulary's label keys and their concepts; buckets of them by first letters ("" for all)."""
    keys: list[str]
    concepts: list[int]
    buckets: dict[str, _Bucket]


_EMPTY = _Choices([], [], {})


class Suggester:
    """Per vocabulary, the usable labels' keys in buckets by their first two letters and by their first: a
    typo rarely touches the beginning of a word, so the small bucket is scored first, the larger one when it
    has nothing close (score < GOOD), and the whole vocabulary last."""
    GOOD = 85

    def __init__(self, index):
        self.index = index
        self._choices: dict[str, _Choices] = {}
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """The tables, built now (else when the first suggestion is asked for)."""
        if not self._choices:
            with self._lock:
                if not self._choices:
                    self._choices = self._build()

    def _vocabulary(self, vocab_id: str) -> _Choices:
        self.prepare()
        return self._choices.get(vocab_id, _EMPTY)

    def _build(self) -> dict[str, _Choices]:
        """Every vocabulary's choices, in one pass over the labels."""
        index = self.index
        unusable = (index.guide | index.deprecated).tolist()
        concept_of = index.label_concept.tolist()
        vocab_of = index.vocab_of
        dead = index.label_dead.tolist() if index.label_dead is not None else None
        folded = index.label_folded
        found: dict[str, tuple[list[str], list[int]]] = {}
        seen = set()
        # The index's own labels (its lists may run past them, shared with a later index), live ones.
        for label in range(len(concept_of)):
            concept = concept_of[label]
            if unusable[concept] or (dead is not None and dead[label]):
                continue
            key = folded[label]
            if " " in key:
                key = _key(key)
            if not key or (key, concept) in seen:
                continue
            seen.add((key, concept))
            keys, concepts = found.setdefault(vocab_of(concept), ([], []))
            keys.append(key)
            concepts.append(concept)
        out = {}
        for vocab_id, (keys, concepts) in found.items():
            grouped: dict[str, list[int]] = {"": list(range(len(keys)))}
            for position, key in enumerate(keys):
                grouped.setdefault(key[:1], []).append(position)
                grouped.setdefault(key[:2], []).append(position)
            counts, lengths = _counts(keys)
            buckets = {}
            for prefix, positions in grouped.items():
                taken = np.array(positions, dtype=np.int64)
                buckets[prefix] = _Bucket(positions, np.ascontiguousarray(counts[:, taken]), SCORE_MIN * lengths[taken])
            out[vocab_id] = _Choices(keys, concepts, buckets)
        return out

    def _score(self, query: str, query_counts: np.ndarray, choices: _Choices, bucket: _Bucket,
               scored: dict[int, float]) -> float:
        """Scores of the bucket's labels that can reach SCORE_MIN, into `scored`; the best."""
        # ratio = 100·(1 − d / (len₁ + len₂)) with d the insertions and deletions, and d ≥ the difference of the
        # character counts = len₁ + len₂ − 2·common: SCORE_MIN is out of reach unless
        # (100 − SCORE_MIN)·(len₁ + len₂) ≥ 100·(len₁ + len₂ − 2·common).
        common = _ADD(np.minimum(bucket.counts, query_counts), axis=0, dtype=np.int32)
        kept = (bucket.reach + SCORE_MIN * len(query) <= 200 * common).nonzero()[0].tolist()
        positions, keys, concepts = bucket.positions, choices.keys, choices.concepts
        ratio = fuzz.ratio
        found = []
        for k in kept:  # few (a tenth of a bucket): scored one by one
            position = positions[k]
            score = ratio(query, keys[position], score_cutoff=SCORE_MIN)
            if score:
                found.append((score, position))
        best = 0.0
        # The best LIMIT × 3 labels (several can be one concept's), the first in the vocabulary's order on a tie.
        for score, position in sorted(found, key=lambda item: (-item[0], item[1]))[:LIMIT * 3]:
            concept = concepts[position]
            scored[concept] = max(score, scored.get(concept, 0.0))
            best = max(best, score)
        return best

    def suggest(self, value: str, vocabularies: tuple[str, ...]) -> list[dict]:
        query = _key(fold(value))
        if not query:
            return []
        query_counts = _query_counts(query)
        scored: dict[int, float] = {}
        for vocab_id in vocabularies:
            choices = self._vocabulary(vocab_id)
            # The labels beginning as the value does (two letters, then one), then all of them.
            # The whole vocabulary only when the buckets gave nothing at all: a value far from every label
            # beginning as it does (a typo in its first letter, or no such term).
            for prefix in (query[:2], query[:1]):
                bucket = choices.buckets.get(prefix)
                if bucket is not None and self._score(query, query_counts, choices, bucket, scored) >= self.GOOD:
                    break
            else:
                if not scored and "" in choices.buckets:
                    self._score(query, query_counts, choices, choices.buckets[""], scored)
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:LIMIT]
        return [self._entry(concept, score) for concept, score in ranked]


    def distant(self, value: str, vocabularies: tuple[str, ...], cutoff: float = DISTANT_MIN) -> list[dict]:
        """The closest labels however far (down to `cutoff`), for a value nothing else came near: every label
        of the vocabularies scored (RapidFuzz's batch scorer, a few milliseconds for the largest)."""
        query = _key(fold(value))
        if not query:
            return []
        scored: dict[int, float] = {}
        for vocab_id in vocabularies:
            choices = self._vocabulary(vocab_id)
            for _key_text, score, position in process.extract(query, choices.keys, scorer=fuzz.ratio,
                                                              limit=LIMIT * 3, score_cutoff=cutoff):
                concept = choices.concepts[position]
                scored[concept] = max(score, scored.get(concept, 0.0))
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:LIMIT]
        return [self._entry(concept, score) for concept, score in ranked]

    def _entry(self, concept: int, score: float) -> dict:
        record = self.index.record(concept, "fr", with_path=False)
        return {"label": record["prefLabel"], "uri": record["uri"], "vocab": record["vocab"], "score": round(score, 1)}


def suggester(index) -> Suggester:
    """The suggester of this label index (a new index, after a change, gets a new one; the old one goes with
    its index)."""
    return of_index(index, Suggester)
