"""The alphabetical index of a vocabulary: its letters, and the preferred and alternative labels under one."""

from __future__ import annotations

import bisect

import numpy as np

from vocabserver.index.folding import fold, primary_language
from vocabserver.index.model import ALT, PREF, Part, QueryError


class AlphabeticalIndex:
    """Mixed into LabelIndex (index/label_index.py), whose fields it reads."""

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




def _first_keys(part: Part) -> list[str]:
    firsts, position, keys = [], 0, part.keys
    while position < len(keys):
        firsts.append(keys[position])
        position = bisect.bisect_left(keys, keys[position][0] + "\U0010ffff", position)
    return firsts



def _letter(first: str) -> str:
    if first.isdigit():
        return "0-9"
    if "a" <= first <= "z":
        return first.upper()
    return "#" if not first.isalpha() else first.upper()
