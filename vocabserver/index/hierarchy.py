"""Hierarchy and display reads of the label index: narrower and broader walks, top concepts, paths to the
top, the record a list of results shows, the label of a concept in a language."""

from __future__ import annotations

import numpy as np

from vocabserver.index.folding import fold, primary_language


class HierarchyReads:
    """Mixed into LabelIndex (index/label_index.py), whose fields it reads."""

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


def _step(uri: str, label: str, lang: str) -> dict:
    return {"uri": uri, "prefLabel": label, "lang": lang}
