"""The verdict on one term of a record, from the label index (accent-, case- and punctuation-insensitive):

    valid          a preferred label (`asWritten` false when it differs in case or accents: `preferred` says how);
                   also a guide term heading subjects in brackets, as REPR writes them (`heading`)
    non-preferred  an alternative label: `preferred` is the form to write
    guide-term     a heading not used for indexing: `narrower` lists terms beneath it
    deprecated     a retired concept: `preferred` is its replacement when there is one
    ambiguous      several usable concepts share it: `candidates`
    unknown        no label: up to five `suggestions` — the closest labels (records/suggest.py), or when none is
                   close, what the value says (records/nearest.py: a museum's town, an author's surname, a term
                   the value contains)
    malformed      (a whole value, records/compound.py) not written in its field's syntax

Verdicts are cached per (vocabularies, text): a value met in 800 records is looked up once."""

from __future__ import annotations

from vocabserver.records.exact import exact_labels
from vocabserver.records.nearest import MUSEUMS, nearest
from vocabserver.records.suggest import suggester

VERDICTS = ("valid", "non-preferred", "guide-term", "deprecated", "ambiguous", "unknown", "malformed")
CACHE_MAX = 50_000  # distinct terms whose verdicts are kept (bounded memory on any input)
# The label index's lookup answers the first questions; past this many, the exact-label table (records/exact.py:
# 0.2 s to build once per index, then about 4 times faster a question: bench/bench_validate_parts.py) pays —
# a file, not the record a cataloguing tool sends.
EXACT_AFTER = 20_000


class Checker:
    def __init__(self, index, store=None):
        self.index = index
        self.store = store  # for deprecated concepts' replacements (dct:isReplacedBy)
        self._cache: dict[tuple, dict] = {}
        self._replacements: dict[str, dict] | None = None  # read ahead by `offline`
        self._exact = None  # the exact-label table, once enough questions were asked
        self._asked = 0

    def offline(self) -> None:
        """Read now what verdicts need of the store (the replacements of deprecated concepts), and no longer use
        it: worker processes forked after this never touch the store; the suggestions' tables are built now."""
        from vocabserver.reading.concepts import replacements

        found: dict[str, dict] = {}
        if self.store is not None:
            for concept in self.index.deprecated.nonzero()[0].tolist():
                uri = self.index.uris[concept]
                replaced = replacements(self.store, self.index, uri, "fr")
                if replaced:
                    found[uri] = replaced[0]
        self._replacements, self.store = found, None
        # Built once, before the fork: the workers share their arrays.
        self._exact = exact_labels(self.index)
        suggester(self.index).prepare()
        nearest(self.index)

    def _matches(self, text: str, vocabularies: tuple[str, ...]) -> list[tuple[int, int]]:
        """(concept, label) of the concepts with a label equal to `text` (case, accents aside), best first."""
        if self._exact is None:
            self._asked += 1
            if self._asked <= EXACT_AFTER:
                return [(hit.concept, hit.label)
                        for hit in self.index.lookup(text, vocabularies=list(vocabularies), deprecated=True)]
            self._exact = exact_labels(self.index)
        return self._exact.matches(text, vocabularies)

    def matches(self, text: str, vocabularies: tuple[str, ...]) -> list[tuple[int, int]]:
        return self._matches(text, vocabularies)

    def is_label(self, text: str, vocabularies: tuple[str, ...]) -> bool:
        return bool(self._matches(text, vocabularies))

    def check(self, text: str, vocabularies: tuple[str, ...], heading: bool = False) -> dict:
        """`heading`: the term heads subjects in brackets (REPR's "figure (femme)"), where a guide term is the
        thesaurus's own usage: valid."""
        key = (vocabularies, text, heading)
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) > CACHE_MAX:
                self._cache.clear()
            found = self._cache[key] = self._verdict(text, vocabularies, heading)
        return found

    def _records(self, text: str, vocabularies: tuple[str, ...]) -> list[dict]:
        index = self.index
        return [index.record(concept, "fr", label, with_path=False)
                for concept, label in self._matches(text, vocabularies)]

    def _verdict(self, text: str, vocabularies: tuple[str, ...], heading: bool = False) -> dict:
        matches = self._records(text, vocabularies)
        if len(matches) == 1 and not matches[0]["deprecated"] and not matches[0]["guideTerm"]:
            usable = matches  # most terms: one usable concept (what follows would choose it)
        else:
            usable = [m for m in matches if not m["deprecated"] and not m["guideTerm"]]
        if len(usable) > 1:
            # Accents and case are ignored to find a label, not to choose: "moulé" is the technique, not "moule".
            exact = [m for m in usable if m["matchedLabel"].casefold() == text.casefold()]
            usable = exact or usable
        concepts = list(dict.fromkeys(m["uri"] for m in usable))
        if len(concepts) > 1:
            preferred_hits = [m for m in usable if m["matchedKind"] == "prefLabel"]
            if len({m["uri"] for m in preferred_hits}) == 1:  # one concept has it as its preferred label
                usable, concepts = preferred_hits, [preferred_hits[0]["uri"]]
            else:
                return {"verdict": "ambiguous", "candidates": [
                    {"label": m["prefLabel"], "uri": m["uri"], "vocab": m["vocab"]}
                    for m in {m["uri"]: m for m in usable}.values()]}
        if usable:
            best = usable[0]
            out = {"uri": best["uri"], "vocab": best["vocab"], "preferred": best["prefLabel"]}
            if best["matchedKind"] == "prefLabel":
                return out | {"verdict": "valid", "asWritten": best["matchedLabel"] == text}
            return out | {"verdict": "non-preferred"}
        guides = [m for m in matches if m["guideTerm"] and not m["deprecated"]]
        if guides and heading:
            best = guides[0]
            out = {"uri": best["uri"], "vocab": best["vocab"], "preferred": best["prefLabel"], "heading": True}
            if best["matchedKind"] == "prefLabel":
                return out | {"verdict": "valid", "asWritten": best["matchedLabel"] == text}
            return out | {"verdict": "non-preferred"}
        if guides:
            concept = self.index.concepts_of(guides[0]["uri"])
            beneath = self.index.children(concept[0])[:10] if concept else []
            return {"verdict": "guide-term", "uri": guides[0]["uri"], "vocab": guides[0]["vocab"],
                    "narrower": [{"label": self.index.label_of(c, "fr")[0], "uri": self.index.uris[c]}
                                 for c in beneath]}
        if matches:
            retired = matches[0]
            out = {"verdict": "deprecated", "uri": retired["uri"], "vocab": retired["vocab"]}
            if self._replacements is not None:
                replaced = [self._replacements[retired["uri"]]] if retired["uri"] in self._replacements else []
            elif self.store is not None:
                from vocabserver.reading.concepts import replacements

                replaced = replacements(self.store, self.index, retired["uri"], "fr")
            else:
                replaced = []
            if replaced:
                out |= {"preferred": replaced[0]["prefLabel"], "replacement": replaced[0]["uri"]}
            return out
        return {"verdict": "unknown", "suggestions": self.suggestions(text, vocabularies)}

    def suggestions(self, text: str, vocabularies: tuple[str, ...]) -> list[dict]:
        close = suggester(self.index).suggest(text, vocabularies)
        if MUSEUMS in vocabularies:  # the museums of the value's town first, then names close to it anywhere
            by_town = nearest(self.index).suggest(text, vocabularies)
            seen = {s["uri"] for s in by_town}
            return by_town + [s for s in close if s["uri"] not in seen][:max(0, 5 - len(by_town))]
        return close or nearest(self.index).suggest(text, vocabularies)
