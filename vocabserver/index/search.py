"""Search in the label index: prefix and word matching over the sorted parts, ranking, filters, exact lookup
and Skosmos' wildcard search (see the ranking in index/label_index.py's docstring)."""

from __future__ import annotations

import bisect
import re

import numpy as np

from vocabserver.index.folding import fold, primary_language
from vocabserver.index.model import _CACHED_RANGE, _EXACT, _MASK_BUDGET, _WORD_CLASS, Hit, Part, QueryError


class LabelSearch:
    """Mixed into LabelIndex (index/label_index.py), whose fields it reads."""

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

    def _parts(self, name: str) -> list[Part]:
        """The sorted entries of a vocabulary (or "*"): its part from the last build, and what changes added."""
        return [part for part in (self.parts.get(name), self.deltas.get(name)) if part is not None]

    def _range_order(self, part: Part, lo: int, hi: int, phrase: str, need: int) -> tuple[np.ndarray, np.ndarray]:
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

    def _search_part(self, part: Part, tokens, phrase, want, language, allowed, deprecated) -> list[Hit]:
        hits = self._phrase_hits(part, phrase, want, language, allowed, deprecated)
        if len(tokens) == 1:
            return hits
        word_floor = _WORD_CLASS * self.rank_scale
        if len(hits) >= want and hits[want - 1].rank < word_floor:
            return hits  # matches of the whole phrase at the start of labels outrank any other
        return self._word_hits(part, tokens, phrase, want, hits, language, allowed, deprecated)

    def _phrase_hits(self, part: Part, phrase, want, language, allowed, deprecated) -> list[Hit]:
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

    def _word_matches(self, part: Part, tokens) -> tuple[np.ndarray, np.ndarray]:
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

    def _cached_mask(self, part: Part, lo: int, hi: int, labels: np.ndarray) -> np.ndarray:
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

    def _word_hits(self, part: Part, tokens, phrase, want, hits, language, allowed, deprecated) -> list[Hit]:
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
