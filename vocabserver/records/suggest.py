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


class Suggester:
    def __init__(self, index):
        self.index = index
        self._choices: dict[str, tuple[list[str], list[int]]] = {}
        self._lock = threading.Lock()

    def _vocabulary(self, vocab_id: str) -> tuple[list[str], list[int]]:
        found = self._choices.get(vocab_id)
        if found is None:
            with self._lock:
                found = self._choices.get(vocab_id)
                if found is None:
                    found = self._choices[vocab_id] = self._build(vocab_id)
        return found

    def _build(self, vocab_id: str) -> tuple[list[str], list[int]]:
        index = self.index
        texts, concepts, seen = [], [], set()
        concept_of = index.label_concept
        for label, text in enumerate(index.label_text):
            concept = int(concept_of[label])
            if index.vocab_of(concept) != vocab_id:
                continue
            record = index.record(concept, "fr", with_path=False)
            if record["guideTerm"] or record["deprecated"]:
                continue
            folded = fold(text)
            if folded and (folded, concept) not in seen:
                seen.add((folded, concept))
                texts.append(folded)
                concepts.append(concept)
        return texts, concepts

    def suggest(self, value: str, vocabularies: tuple[str, ...]) -> list[dict]:
        query = fold(value)
        if not query:
            return []
        scored: dict[int, float] = {}
        for vocab_id in vocabularies:
            texts, concepts = self._vocabulary(vocab_id)
            for _text, score, position in process.extract(query, texts, scorer=fuzz.token_sort_ratio, processor=None,
                                                          limit=LIMIT * 3, score_cutoff=SCORE_MIN):
                concept = concepts[position]
                scored[concept] = max(score, scored.get(concept, 0.0))
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
