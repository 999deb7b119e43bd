"""Suggestions for a value no label matches: the closest labels of the field's vocabularies, typo-tolerant
(RapidFuzz,
ranked by score (0–100), the concept's preferred label and URI for each, at most five concepts.

Built once per label index (the labels of usable concepts of each vocabulary, folded as lookup folds them)
and kept with it; each distinct value is scored once per run (the checker caches verdicts)."""

from __future__ import annotations

import threading
import weakref

from rapidfuzz import fuzz, process

from vocabserver.index.folding import fold

SCORE_MIN = 70  # below this, a "suggestion" is noise (measured on injected typos: bench/bench_validate.py)
LIMIT = 5


def _key(folded: str) -> str:
    """The words in order: what is compared (word order does not count), and its first letter the bucket."""
    return " ".join(sorted(folded.split()))


class Suggester:
    """Per vocabulary, the usable labels' keys in buckets by their first two letters and by their first: a
    typo rarely touches the beginning of a word, so the small bucket is scored first, the larger one when it
    has nothing close (score < GOOD), and the whole vocabulary last."""
    GOOD = 85

    def __init__(self, index):
        self.index = index
        self._choices: dict[str, dict] = {}
        self._lock = threading.Lock()

    def _vocabulary(self, vocab_id: str) -> dict:
        if not self._choices:
            with self._lock:
                if not self._choices:
                    self._choices = self._build()
        return self._choices.get(vocab_id, {"all": ([], []), "buckets": {}})

    def _build(self) -> dict[str, dict]:
        """Every vocabulary's choices, in one pass over the labels."""
        index = self.index
        unusable = (index.guide | index.deprecated).tolist()
        concept_of = index.label_concept.tolist()
        vocab_of = index.vocab_of
        out: dict[str, dict] = {}
        seen = set()
        for label, text in enumerate(index.label_text):
            concept = concept_of[label]
            if unusable[concept]:
                continue
            key = _key(fold(text))
            if not key or (key, concept) in seen:
                continue
            seen.add((key, concept))
            choices = out.setdefault(vocab_of(concept), {"all": ([], []), "buckets": {}})
            choices["all"][0].append(key)
            choices["all"][1].append(concept)
            for prefix in (key[:1], key[:2]):
                bucket = choices["buckets"].setdefault(prefix, ([], []))
                bucket[0].append(key)
                bucket[1].append(concept)
        return out

    def _score(self, query: str, choices: tuple[list[str], list[int]], scored: dict[int, float]) -> float:
        keys, concepts = choices
        best = 0.0
        for _key_text, score, position in process.extract(query, keys, scorer=fuzz.ratio, processor=None,
                                                          limit=LIMIT * 3, score_cutoff=SCORE_MIN):
            concept = concepts[position]
            scored[concept] = max(score, scored.get(concept, 0.0))
            best = max(best, score)
        return best

    def suggest(self, value: str, vocabularies: tuple[str, ...]) -> list[dict]:
        query = _key(fold(value))
        if not query:
            return []
        scored: dict[int, float] = {}
        for vocab_id in vocabularies:
            choices = self._vocabulary(vocab_id)
            # The labels beginning as the value does (two letters, then one), then all of them.
            # The whole vocabulary only when the buckets gave nothing at all: a value far from every label
            # beginning as it does (a typo in its first letter, or no such term).
            for candidates in (choices["buckets"].get(query[:2]), choices["buckets"].get(query[:1])):
                if candidates is not None and self._score(query, candidates, scored) >= self.GOOD:
                    break
            else:
                if not scored:
                    self._score(query, choices["all"], scored)
        ranked = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:LIMIT]
        out = []
        for concept, score in ranked:
            record = self.index.record(concept, "fr", with_path=False)
            out.append({"label": record["prefLabel"], "uri": record["uri"], "vocab": record["vocab"],
                        "score": round(score, 1)})
        return out


_suggesters: dict[int, tuple[weakref.ref, Suggester]] = {}
_suggesters_lock = threading.Lock()


def suggester(index) -> Suggester:
    """The suggester of this label index (a new index, after a change, gets a new one; the old one goes with
    its index)."""
    with _suggesters_lock:
        found = _suggesters.get(id(index))
        if found is None or found[0]() is not index:
            for key in [k for k, (ref, _s) in _suggesters.items() if ref() is None]:
                del _suggesters[key]
            found = _suggesters[id(index)] = (weakref.ref(index), Suggester(index))
        return found[1]
