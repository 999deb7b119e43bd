"""The current Opentheso content beside the 2014 lexicon: what changed, and what the lexicon still adds.

A 2014 term is matched to the current concepts by its preferred form, then its equivalent forms,
exactly and then ignoring case, accents and ligatures. Each 2014 term ends in one class:
- same: the current concept has the same prefLabel;
- swapped: the 2014 prefLabel is now an altLabel and the current prefLabel was a 2014 equivalent form
  ("Chine = époque chinoise" became "époque chinoise", altLabel "Chine");
- renamed: found otherwise (spelling, "Afrique sub-saharienne" → "Afrique subsaharienne"; or the old
  form kept as an altLabel of a new prefLabel);
- removed: no current concept carries any of its forms.
Current concepts no 2014 term reaches are *added*. The guide-term marking (bold in the RTF) moves to the
current concept when the 2014 guide term maps to exactly one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from vocabserver.index.folding import fold
from vocabserver.lexicons.terms import Term

# Section numbers the lexicon puts before its headings ("I. domaine par …"); Opentheso has none.
_ROMAN = re.compile(r"^[IVX]+\.?\s+")


def _keys(text: str) -> set[str]:
    return {fold(text), fold(_ROMAN.sub("", text))} - {""}


@dataclass
class Comparison:
    same: int = 0
    swapped: list[tuple[str, str]] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    guides_kept: int = 0
    guides_unmatched: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "same": self.same, "added": len(self.added), "removed": len(self.removed),
            "renamed": len(self.renamed), "swapped": len(self.swapped),
            "added_terms": sorted(self.added), "removed_terms": sorted(self.removed),
            "renamed_terms": sorted(f"{a} → {b}" for a, b in self.renamed),
            "swapped_terms": sorted(f"{a} → {b}" for a, b in self.swapped),
            "guide_terms_from_2014": self.guides_kept, "guide_terms_not_found": sorted(self.guides_unmatched),
        }


def compare(current: dict[str, Term], lexicon: dict[str, Term]) -> Comparison:
    """Classify every 2014 term; mark guide terms on `current` (modified in place)."""
    by_pref: dict[str, list[str]] = defaultdict(list)
    by_alt: dict[str, list[str]] = defaultdict(list)
    by_pref_folded: dict[str, list[str]] = defaultdict(list)
    by_alt_folded: dict[str, list[str]] = defaultdict(list)
    for key, term in current.items():
        by_pref[term.label].append(key)
        for k in _keys(term.label):
            by_pref_folded[k].append(key)
        for alt in term.alts:
            by_alt[alt].append(key)
            for k in _keys(alt):
                by_alt_folded[k].append(key)

    result = Comparison()
    reached: set[str] = set()
    for old in lexicon.values():
        forms = [old.label, *old.alts]
        target, kind = None, "removed"
        if len(by_pref.get(old.label, [])) == 1:
            target, kind = by_pref[old.label][0], "same"
        else:
            candidates = _unique(by_alt.get(old.label, []))
            if candidates:
                target = candidates
                new = current[target].label
                # Swapped: the new prefLabel was one of the term's own 2014 forms, not a respelling of it.
                kind = "swapped" if new in old.alts and fold(new) != fold(old.label) else "renamed"
            else:
                for lookup in (by_pref_folded, by_alt_folded):
                    hits = {k for form in forms for f in _keys(form) for k in lookup.get(f, [])}
                    if len(hits) == 1:
                        target, kind = hits.pop(), "renamed"
                        break
                if target is None:
                    exact = {k for form in old.alts for k in by_pref.get(form, [])}
                    if len(exact) == 1:
                        target, kind = exact.pop(), "swapped"
        if target is None:
            result.removed.append(old.label)
            if old.guide:
                result.guides_unmatched.append(old.label)
            continue
        reached.add(target)
        new_label = current[target].label
        if kind == "same":
            result.same += 1
        elif kind == "swapped":
            result.swapped.append((old.label, new_label))
        elif new_label != old.label:
            result.renamed.append((old.label, new_label))
        else:
            result.same += 1
        if old.guide:
            current[target].guide = True
            result.guides_kept += 1
    result.added = [current[k].label for k in current if k not in reached]
    return result


def _unique(keys: list[str]) -> str | None:
    distinct = set(keys)
    return distinct.pop() if len(distinct) == 1 else None
