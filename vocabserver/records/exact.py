"""Which concepts have a label equal to a text (case, accents and punctuation aside): one dictionary from the
folded label to its labels, for validation's millions of exact questions. The label index answers them
too (`lookup`), by bisection in its sorted entries; a dictionary answers in one probe, and a value's
verdict needs nothing else. Built from the index's own arrays (its live labels), once per index."""

from __future__ import annotations

from vocabserver.index.folding import fold
from vocabserver.records.per_index import of_index


class ExactLabels:
    def __init__(self, index):
        count = len(index.label_concept)  # an index's lists may run past its own labels (shared with a later one)
        concepts = index.label_concept.tolist()
        kinds = index.label_kind.tolist()
        dead = index.label_dead.tolist() if index.label_dead is not None else [False] * count
        vocab_of, texts, folded = index.vocab_of, index.label_text, index.label_folded
        table: dict[str, list[tuple]] = {}
        for label in range(count):
            if dead[label]:
                continue
            concept = concepts[label]
            table.setdefault(folded[label], []).append((texts[label], kinds[label], label, concept, vocab_of(concept)))
        self.table = table

    def matches(self, text: str, vocabularies: tuple[str, ...]) -> list[tuple[int, int]]:
        """(concept, label) of the concepts with a label equal to `text` in `vocabularies`, one label per
        concept, best first as `LabelIndex.lookup` orders them: as typed, then prefLabel < altLabel < hidden,
        then the label's text."""
        found = self.table.get(fold(text))
        if not found:
            return []
        if len(found) == 1:  # most texts: one label
            entry = found[0]
            return [(entry[3], entry[2])] if entry[4] in vocabularies else []
        best: dict[int, tuple] = {}
        for label_text, kind, label, concept, vocab in found:
            if vocab not in vocabularies:
                continue
            rank = (label_text != text, kind, label_text, label)
            if concept not in best or rank < best[concept][0]:
                best[concept] = (rank, label)
        return [(concept, label) for concept, (_rank, label) in sorted(best.items(), key=lambda item: item[1][0])]


def exact_labels(index) -> ExactLabels:
    return of_index(index, ExactLabels)
