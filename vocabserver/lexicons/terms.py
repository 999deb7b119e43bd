"""From lexicon entries to a consistent set of terms (one per concept).

Rules (README "How the lexicons become SKOS" explains them with numbers):
- a line's parent is the nearest line above it with a smaller depth;
- the same label under the same parent again is a repeated line: dropped;
- the same label under other parents is one term with several broaders
  (TECH repeats each technique under every family of material);
- except that "affixe" sections list qualifiers combined with a term
  (DENO "faux" the affix = fake, not the scythe): a label both there and in
  the list proper gives two terms, the affix one qualified "(its parent)";
- an equivalent form that is another term's label is dropped (it would make
  that label ambiguous); a form equal to the term's own label is dropped;
- a broader link that would close a cycle is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vocabserver.lexicons.lexicon import Entry, Lexicon


@dataclass
class Term:
    label: str
    alts: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)  # keys of broader terms
    lines: list[tuple[str, int]] = field(default_factory=list)
    guide: bool = False  # a heading, not to use for indexing
    uri: str | None = None  # set where the source gives a real identifier
    notation: str | None = None
    # Further statements about the concept (predicate IRI, rdflib object): Muséofile's data.
    properties: list[tuple] = field(default_factory=list)


@dataclass
class Report:
    lines: int = 0
    entries: int = 0
    repeated: int = 0  # same label, same parent
    polyhierarchy: int = 0  # extra broader links from repeated labels
    homonyms: int = 0  # affix terms split from a list term of the same label
    alts_dropped: int = 0
    cycles_broken: int = 0
    guide_terms: int = 0
    source_date: str = ""  # as the source states it ("" when it states none)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "notes"}


def is_affix_heading(label: str) -> bool:
    return label.lower().startswith("affixe")


def assemble(sources: list[tuple[Lexicon, set[str]]]) -> tuple[dict[str, Term], Report]:
    """Terms keyed by a stable key (label, or label + qualifier for affix homonyms)."""
    report = Report()
    occurrences: list[tuple[Entry, str | None, bool, bool, str]] = []
    for lexicon, guide_texts in sources:
        report.lines += lexicon.line_count
        report.entries += len(lexicon.entries)
        stack: list[tuple[int, str, bool, bool]] = []  # depth, label, in_affix, guide
        for entry in lexicon.entries:
            while stack and stack[-1][0] >= entry.depth:
                stack.pop()
            parent = stack[-1][1] if stack else None
            guide = entry.text in guide_texts or entry.forms[0] in guide_texts
            in_affix = (bool(stack) and stack[-1][2]) or (guide and is_affix_heading(entry.forms[0]))
            occurrences.append((entry, parent, in_affix, guide, lexicon.name))
            stack.append((entry.depth, entry.forms[0], in_affix, guide))

    plain_labels = {e.forms[0] for e, _, affix, _, _ in occurrences if not affix}
    terms: dict[str, Term] = {}
    key_of: dict[tuple[str, bool], str] = {}
    seen_links: set[tuple[str, str | None]] = set()
    for entry, parent, in_affix, guide, source in occurrences:
        label = entry.forms[0]
        split = in_affix and label in plain_labels
        key = f"{label} ({parent})" if split else label
        term = terms.get(key)
        if term is None:
            term = terms[key] = Term(key, guide=guide)
            if split:
                report.homonyms += 1
        key_of[(label, in_affix)] = key
        term.guide = term.guide or guide
        term.lines.append((source, entry.line))
        for alt in entry.forms[1:]:
            if alt not in term.alts:
                term.alts.append(alt)
        parent_key = key_of.get((parent, in_affix)) or key_of.get((parent, False)) if parent else None
        link = (key, parent_key)
        if link in seen_links:
            report.repeated += 1
            continue
        seen_links.add(link)
        if len(term.lines) > 1:
            report.polyhierarchy += 1
        if parent_key and parent_key != key:
            if _reaches(terms, parent_key, key):
                # The lexicon already put `parent` below this term: keep the link read first.
                report.cycles_broken += 1
                report.notes.append(f"cycle avoided: {key} -> {parent_key} (line {entry.line})")
            else:
                term.broader.append(parent_key)

    _drop_clashing_alts(terms, report)
    report.guide_terms = sum(t.guide for t in terms.values())
    return terms, report


def _drop_clashing_alts(terms: dict[str, Term], report: Report) -> None:
    labels = set(terms)
    for term in terms.values():
        kept = [a for a in term.alts if a != term.label and a not in labels]
        report.alts_dropped += len(term.alts) - len(kept)
        term.alts = kept


def _reaches(terms: dict[str, Term], start: str, target: str) -> bool:
    """Does `target` stand above `start` (following broader links)?"""
    stack, seen = [start], set()
    while stack:
        key = stack.pop()
        if key == target:
            return True
        if key not in seen:
            seen.add(key)
            stack.extend(terms[key].broader)
    return False
