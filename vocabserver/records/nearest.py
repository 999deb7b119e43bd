"""Suggestions for a value no typo is close to (records/suggest.py found nothing), by what the value says:

- a museum (LOCA, "Town ; name"): every museum of that town, the closest name first — a town holds one to a
  few dozen museums, and a record often writes an older or shorter name than Muséofile's; a Muséofile code
  ("M0810") written as the value, or carried by the record's MUSEO field (records/validate.py), gives its museum;
- an author (AUTR, "SURNAME Firstname"): the authors with that surname, the closest full name first (the
  vocabulary records no life dates, so the dates a record writes cannot be compared);
- anything else: the longest term of the vocabulary the value contains, as words — "vase à parfum en forme de
  poisson" contains "vase à parfum", the broader notion the value narrows — its head words first; else the
  terms beginning as the value's first word does; else the closest labels however distant (an edit ratio from
  50, where typos stop at 70); else the vocabulary's broadest terms (its top concepts) — never nothing. A museum no town or name is close to
  gets the museums whose names share the most words with it.

Each table is built once per label index (records/per_index.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from vocabserver.index.folding import fold
from vocabserver.records.per_index import of_index
from vocabserver.records.suggest import suggester

MUSEUMS = "loca"
AUTHORS = "autr"
LIMIT = 5
TOWN_LIMIT = 10  # a town's museums: Paris has dozens, most towns one to five
BROADEST_MAX = 30  # top concepts a vocabulary may have for them to be offered as its broadest terms
WORDS_MAX = 8  # longest term looked for inside a value, in words
_CODE = re.compile(r"^[A-Z]\d{4}$")


@dataclass(slots=True)
class _Tables:
    towns: dict[str, list[int]]  # folded town -> museums (concepts)
    codes: dict[str, int]  # Muséofile code -> museum
    surnames: dict[str, list[int]]  # folded surname -> authors
    terms: dict[tuple[str, str], int]  # (vocabulary, folded label) -> concept (usable concepts only)


def _build(index) -> _Tables:
    towns: dict[str, list[int]] = {}
    codes: dict[str, int] = {}
    surnames: dict[str, list[int]] = {}
    terms: dict[tuple[str, str], int] = {}
    unusable = (index.guide | index.deprecated).tolist()
    concepts = index.label_concept.tolist()
    dead = index.label_dead.tolist() if index.label_dead is not None else [False] * len(concepts)
    folded, vocab_of = index.label_folded, index.vocab_of
    for label, concept in enumerate(concepts):
        if dead[label] or unusable[concept]:
            continue
        vocab = vocab_of(concept)
        key = folded[label]
        terms.setdefault((vocab, key), concept)
        if vocab == MUSEUMS:
            town = index.label_text[label].split(" ; ")[0]
            found = towns.setdefault(fold(town), [])
            if concept not in found:
                found.append(concept)
        elif vocab == AUTHORS and key:
            found = surnames.setdefault(key.split()[0], [])
            if concept not in found:
                found.append(concept)
    for concept, notation in enumerate(index.notations[:len(index.concept_vocab)]):
        if notation and vocab_of(concept) == MUSEUMS and not unusable[concept]:
            codes[notation] = concept
    return _Tables(towns, codes, surnames, terms)


class Nearest:
    def __init__(self, index):
        self.index = index
        self.tables = _build(index)

    def _entry(self, concept: int, why: str, score: float | None = None) -> dict:
        record = self.index.record(concept, "fr", with_path=False)
        out = {"label": record["prefLabel"], "uri": record["uri"], "vocab": record["vocab"], "why": why}
        if score is not None:
            out["score"] = round(score, 1)
        return out

    def museum_of_code(self, code: str) -> dict | None:
        concept = self.tables.codes.get(code.strip().upper())
        return None if concept is None else self._entry(concept, "code")

    def suggest(self, text: str, vocabularies: tuple[str, ...]) -> list[dict]:
        out: list[dict] = []
        if MUSEUMS in vocabularies:
            out += self._museums(text)
        if AUTHORS in vocabularies and not out:
            out += self._authors(text)
        if MUSEUMS in vocabularies and not out:
            out += self._museum_names(text)
        if not out:
            out += self._contained(text, vocabularies)
        if not out:
            out += self._beginning(text, vocabularies)
        if not out:
            out += [s | {"why": "distant"} for s in suggester(self.index).distant(text, vocabularies)]
        if not out:
            out += self._broadest(vocabularies)
        return out[:TOWN_LIMIT if out and out[0]["why"] == "town" else LIMIT]

    def _museum_names(self, text: str) -> list[dict]:
        wanted = fold(text.partition(";")[2] or text)
        scored = []
        for concept in dict.fromkeys(c for concepts in self.tables.towns.values() for c in concepts):
            name = fold(self.index.label_of(concept, "fr")[0].partition(" ; ")[2])
            score = fuzz.token_sort_ratio(wanted, name)
            if score >= 50:
                scored.append((score, concept))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [self._entry(concept, "name", score) for score, concept in scored[:LIMIT]]

    def _beginning(self, text: str, vocabularies: tuple[str, ...]) -> list[dict]:
        """The terms whose words begin as the value's first word does, its first four letters at least."""
        words = fold(text).replace("-", " ").split()
        if not words or len(words[0]) < 4:
            return []
        for size in range(len(words[0]), 3, -1):
            hits, _total = self.index.search(words[0][:size], vocabularies=list(vocabularies), limit=LIMIT)
            if hits:
                return [self._entry(hit.concept, "begins") for hit in hits]
        return []

    def _broadest(self, vocabularies: tuple[str, ...]) -> list[dict]:
        """The top concepts, when the vocabulary has a hierarchy (a flat list's "top" is every term)."""
        out = []
        for vocab in vocabularies:
            tops = self.index.top_concepts(vocab)
            if len(tops) > BROADEST_MAX:
                continue
            for concept in tops[:LIMIT]:
                if not self.index._guide[concept] and not self.index._deprecated[concept]:
                    out.append(self._entry(concept, "broadest"))
        return out[:LIMIT]

    def _museums(self, text: str) -> list[dict]:
        code = text.strip().upper()
        if _CODE.match(code):
            found = self.museum_of_code(code)
            return [found] if found else []
        town, _, name = text.partition(";")
        candidates = self.tables.towns.get(fold(town), [])
        if not candidates and not name:  # "musée Rolin, Autun": no town first; try each word run as one
            words = fold(text).split()
            for size in range(min(3, len(words)), 0, -1):
                for start in range(len(words) - size + 1):
                    candidates = self.tables.towns.get(" ".join(words[start:start + size]), [])
                    if candidates:
                        break
                if candidates:
                    break
        wanted = fold(name or text)
        scored = []
        for concept in candidates:
            official = self.index.label_of(concept, "fr")[0].partition(" ; ")[2]
            scored.append((fuzz.token_set_ratio(wanted, fold(official)), concept))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [self._entry(concept, "town", score) for score, concept in scored[:TOWN_LIMIT]]

    def _authors(self, text: str) -> list[dict]:
        words = fold(text).split()
        if not words:
            return []
        candidates = self.tables.surnames.get(words[0], [])
        wanted = " ".join(words)
        scored = sorted(((fuzz.token_sort_ratio(wanted, fold(self.index.label_of(c, "fr")[0])), c)
                         for c in candidates), key=lambda item: (-item[0], item[1]))
        return [self._entry(concept, "surname", score) for score, concept in scored[:LIMIT]]

    def _contained(self, text: str, vocabularies: tuple[str, ...]) -> list[dict]:
        """The longest terms found inside the value as whole words, those nearest its start first."""
        words = fold(text).split()
        terms = self.tables.terms
        found: dict[int, tuple] = {}
        for size in range(min(WORDS_MAX, len(words) - 1), 0, -1):
            for start in range(len(words) - size + 1):
                key = " ".join(words[start:start + size])
                for vocab in vocabularies:
                    concept = terms.get((vocab, key))
                    if concept is not None and concept not in found:
                        found[concept] = (-size, start)
            if len(found) >= LIMIT:
                break
        ranked = sorted(found, key=lambda concept: found[concept])
        return [self._entry(concept, "contained") for concept in ranked[:LIMIT]]


def nearest(index) -> Nearest:
    return of_index(index, Nearest)
