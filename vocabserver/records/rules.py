"""Which Joconde fields are controlled, by which vocabularies, and how a field's value is cut into the terms to
check: one table, `field_rules.csv` (README shows it), read here.

    split      semicolon-comma   values separated by ";" or "," (DOMN, DENO, TECH…), never inside brackets
               semicolon         by ";" only (AUTR, REPR, LIEUX: their terms hold commas)
               none              the whole value is one term (LOCA: "Autun ; musée Rolin")
    parts      plain             the term as written
               qualified         "term (qualifier, qualifier)": the term, then each qualifier, in the same
                                 vocabularies — unless the whole text is itself a label ("faux (affixe de typologie)")
               subject           as qualified, for REPR: the head may be one of the thesaurus's classes, guide
                                 terms not used alone ("figure", "représentation animalière") but written to
                                 head the subjects in brackets — "figure (femme, en buste)" is valid, "figure" alone
                                 is not
               head              "term (precision)": the term checked, the precision free ("inscription (latin)")
               author            "NAME (role, role)": the name in AUTR, each role in the author roles (autrole)
               place             "France, Saône-et-Loire, Autun (lieu de création)": the bracketed precision left
                                 out, the most precise place (the last) checked; a value that is only a bracket
                                 ("(1977, date de découverte)", in DECV) holds no term

A qualifier without a letter (a date "1871-1949", a count "16", a doubt "?") is a precision, not a term; a
qualifier "préhension : épée" is two terms. Every other field is free text, not checked.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

AUTHOR_ROLES = "autrole"


@dataclass(frozen=True)
class Rule:
    field: str
    vocabularies: tuple[str, ...]
    split: str
    parts: str
    example: str


@dataclass(frozen=True)
class Term:
    """One term to check: its text, its role in the value ("term", "qualifier", "role", "place"), where."""
    text: str
    part: str
    vocabularies: tuple[str, ...]
    heading: bool = False  # heads subjects in brackets: a guide term may (REPR's classes)


@lru_cache(maxsize=1)
def rules() -> dict[str, Rule]:
    with open(Path(__file__).with_name("field_rules.csv"), encoding="utf-8", newline="") as handle:
        return {row["field"]: Rule(row["field"], tuple(row["vocabularies"].split()), row["split"], row["parts"],
                                   row["example"]) for row in csv.DictReader(handle)}


_SEPARATORS = {";,": re.compile(r"[;,]"), ";": re.compile(r";")}


def split_top(text: str, separators: str) -> list[str]:
    """`text` cut at `separators` outside brackets, parts stripped, empty ones left out."""
    if "(" not in text and "[" not in text:  # the common case, without a loop over characters
        return [" ".join(p.split()) for p in _SEPARATORS[separators].split(text) if p.strip()]
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
        if depth == 0 and char in separators:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [" ".join(p.split()) for p in parts if p.strip()]


_LETTER = re.compile(r"[^\W\d_]")
_BRACKETS = re.compile(r"\([^()]*\)")
_QUALIFIED = re.compile(r"^(?P<head>[^()]*?)\s*\((?P<inner>[^()]*)\)\s*$")


def values(rule: Rule, text: str) -> list[str]:
    """The values a field holds."""
    text = " ".join(text.replace("\n", " ").split())
    if rule.split == "none":
        return [text] if text else []
    return split_top(text, ";," if rule.split == "semicolon-comma" else ";")


def terms(rule: Rule, value: str, is_label) -> list[Term]:
    """The terms of one value (`is_label(text, vocabularies)`: whether a text is a label as it stands)."""
    plain = Term(value, "term", rule.vocabularies)
    if rule.parts == "plain":
        return [plain]
    match = _QUALIFIED.match(value)
    if rule.parts == "place":
        head = _BRACKETS.sub(" ", value)  # every precision in brackets ("(lieu de découverte) (1982, date…)")
        places = [p.strip() for p in head.split(",") if p.strip()]
        return [Term(places[-1], "place", rule.vocabularies)] if places else []
    if match is None or is_label(value, rule.vocabularies):
        return [plain]
    head = match.group("head").strip()
    if rule.parts == "head":
        return [Term(head, "term", rule.vocabularies)] if head else []
    inner = [side.strip() for q in match.group("inner").split(",") for side in q.split(" : ")
             if _LETTER.search(side)]
    if rule.parts == "author":
        return ([Term(head, "term", rule.vocabularies)] if head else []) + \
            [Term(q, "role", (AUTHOR_ROLES,)) for q in inner]
    heading = rule.parts == "subject" and bool(inner)
    return ([Term(head, "term", rule.vocabularies, heading)] if head else []) + \
        [Term(q, "qualifier", rule.vocabularies) for q in inner]
