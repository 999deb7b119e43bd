"""Reconciliation candidates for one cell of a table: the concepts a text may name, scored 0–100 with the
reasons (features) a person can read, from the label index (no store request).

Score of a candidate, from its best label:
- the text equals a preferred label: 100 as typed, 97 once case and accents are set aside;
- equals an alternative label: 92 / 90; a hidden label (a known misspelling): 86;
- the same words in another order: 88;
- the words begin labels' words (the autocompletion match): 50 + 35 × the edit ratio of the whole texts;
- a typo (no label begins so): 0.8 × the edit ratio of the closest labels (records/suggest.py), at most 80.
A cell written in Joconde's syntax of its field — the one its `field` property names, or the one field the
service's single vocabulary controls — ("MONET Claude (1840-1926) (peintre)", "vêtement : déportation") is also read as record validation reads it (records/syntax.py): the term it is about is
matched, and the candidates say so (feature `value_read`); less 15 when the value says more than that term (qualifiers).
Then properties tell homonyms apart (`broader`: a label or URI of a concept above it; `notation`; `field`: a Joconde
field code, whose vocabularies it must belong to): +5 each that holds, −25 each that does not. A guide term (not
to be used in records) or a deprecated concept loses 15.

`match` is true only when the best candidate is certain: an equal preferred or alternative label (90 or more) at
least 10 above the next one — never for a label two concepts share, unless a property told them apart; never for a
known misspelling, a word-order variant or a typo, which a person confirms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz

from vocabserver.index.folding import fold
from vocabserver.records.suggest import suggester

MATCH_SCORE = 90
MATCH_MARGIN = 10
QUALIFIED_PENALTY = 15  # a cell naming a term with qualifiers or further steps: never a certain match alone


@dataclass
class Candidate:
    concept: int
    score: float
    matched: str  # the label the text matched
    features: dict[str, float | bool] = field(default_factory=dict)
    match: bool = False


def _kind(index, label: int) -> str:
    return index._kind[label]


def _label_score(index, label: int, text: str, folded: str) -> tuple[float, str]:
    kind = _kind(index, label)
    typed = index.label_text[label] == text
    if kind == "prefLabel":
        return (100.0, "prefLabel_exact") if typed else (97.0, "prefLabel_folded")
    if kind == "altLabel":
        return (92.0, "altLabel_exact") if typed else (90.0, "altLabel_folded")
    return 86.0, "hiddenLabel"


def candidates(index, text: str, vocabularies: list[str] | None, properties: list[tuple[str, str]] = (),
               limit: int = 5, fields: dict[str, list[str]] | None = None, read_syntax: bool = True) -> list[Candidate]:
    """The best `limit` candidates for `text` in `vocabularies` (None: all), best first."""
    folded = fold(text)
    if not folded:
        return []
    found: dict[int, Candidate] = {}

    def offer(concept: int, score: float, matched: str, feature: str) -> None:
        best = found.get(concept)
        if best is None or score > best.score:
            found[concept] = Candidate(concept, score, matched, {feature: True, "label_score": round(score, 1)})

    for hit in index.lookup(text, vocabularies=vocabularies, deprecated=True):
        score, feature = _label_score(index, hit.label, text, folded)
        offer(hit.concept, score, index.label_text[hit.label], feature)
    hits, _total = index.search(text, vocabularies=vocabularies, limit=max(limit * 4, 20), deprecated=True)
    for hit in hits:
        label_folded = index.label_folded[hit.label]
        if label_folded == folded:
            continue  # already scored as an equal label
        if sorted(label_folded.split()) == sorted(folded.split()):
            offer(hit.concept, 88.0, index.label_text[hit.label], "word_order")
        else:
            ratio = fuzz.ratio(folded, label_folded)
            offer(hit.concept, 50.0 + 35.0 * ratio / 100.0, index.label_text[hit.label], "words_begin")
    if not found or max(c.score for c in found.values()) < 80:
        for suggestion in suggester(index).suggest(text, tuple(vocabularies or index.vocab_ids)):
            for concept in index.concepts_of(suggestion["uri"]):
                offer(concept, min(80.0, 0.8 * suggestion["score"]), suggestion["label"], "typo")
    head = _head_of_value(index, text, properties, vocabularies) if read_syntax else None
    if head is not None and (not found or max(c.score for c in found.values()) < MATCH_SCORE):
        name, others = head
        for candidate in candidates(index, name, vocabularies, (), limit, None, read_syntax=False):
            # The value says more than the concept (qualifiers, further steps): a person confirms.
            score = candidate.score - (QUALIFIED_PENALTY if others else 0)
            offer(candidate.concept, score, candidate.matched, "value_read")
    for candidate in found.values():
        _weigh(index, candidate, properties, fields or {})
    ranked = sorted(found.values(), key=lambda c: (-c.score, index.sort_key(c.concept)))[:limit]
    for candidate in ranked:
        candidate.score = round(max(0.0, min(100.0, candidate.score)), 1)
    if ranked:
        top = ranked[0]
        second = ranked[1].score if len(ranked) > 1 else 0.0
        top.match = (top.score >= MATCH_SCORE and top.score - second >= MATCH_MARGIN
                     and not index._guide[top.concept] and not index._deprecated[top.concept])
    return ranked


def _rule_of(properties, vocabularies: list[str] | None):
    """The Joconde field rule a query is written in: the field its `field` property names, or the one field a
    single vocabulary controls (a query to /reconcile/deno is a DENO value; PERI's three fields read alike)."""
    from vocabserver.records import rules

    table = rules.rules()
    codes = [str(value).strip().upper() for name, value in properties if name == "field"]
    if codes:
        return table.get(codes[0])
    if vocabularies and len(vocabularies) == 1:
        ruling = [rule for rule in table.values() if rule.vocabularies == (vocabularies[0],)]
        if ruling and len({(rule.split, rule.parts) for rule in ruling}) == 1:
            return ruling[0]
    return None


def _head_of_value(index, text: str, properties, vocabularies: list[str] | None) -> tuple[str, bool] | None:
    """A cell written in the syntax of its Joconde field (records/syntax.py, as record validation reads it): the
    term it is about — an author without dates and roles, the narrowest step of a path, a term without its
    qualifiers — and whether it says more than that term (qualifiers, other steps)."""
    from vocabserver.records import syntax

    rule = _rule_of(properties, vocabularies)
    if rule is None or rule.parts == "plain":
        return None

    def is_label(candidate: str, vocabularies) -> bool:
        return bool(index.lookup(candidate, vocabularies=list(vocabularies)))

    parsed = syntax.parse(rule.parts, " ".join(text.split()), rule.vocabularies, is_label)
    top = [part for part in parsed.parts if part.level == 0 and part.kind != "role"]
    if parsed.error or not top or top[-1].text == text.strip():
        return None
    others = [part for part in parsed.parts if part is not top[-1] and part.kind != "role"]
    return top[-1].text, bool(others)


def _weigh(index, candidate: Candidate, properties, fields: dict[str, list[str]]) -> None:
    concept = candidate.concept
    if index._guide[concept]:
        candidate.score -= 15
        candidate.features["guide_term"] = True
    if index._deprecated[concept]:
        candidate.score -= 15
        candidate.features["deprecated"] = True
    for name, value in properties:
        holds = _holds(index, concept, name, str(value), fields)
        if holds is None:
            continue  # a property this service does not know: no evidence either way
        candidate.score += 5 if holds else -25
        candidate.features[f"{name}_match"] = holds


def _holds(index, concept: int, name: str, value: str, fields: dict[str, list[str]]) -> bool | None:
    wanted = fold(value)
    if name == "broader":
        for above in index.chain(concept):
            if index.uris[above] == value.strip() or any(fold(text) == wanted for text in index.pref[above].values()):
                return True
        return False
    if name == "notation":
        return (index.notations[concept] or "").strip() == value.strip()
    if name == "field":
        vocabularies = fields.get(value.strip().upper())
        return None if vocabularies is None else index.vocab_of(concept) in vocabularies
    return None
