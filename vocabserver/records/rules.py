"""Which Joconde fields are controlled, by which vocabularies, and how a field's text is cut into values: one
table, `field_rules.csv` (docs/curators/validation.md shows it), read here.

    split      semicolon-comma   values separated by ";" or "," (DOMN, DENO, TECH…), never inside brackets
               semicolon         by ";" only (AUTR, REPR, LIEUX: their terms hold commas)
               none              the whole text is one value (LOCA: "Autun ; musée Rolin")
    parts      how a value is written — plain, qualified, subject, head, author, place — read by records/syntax.py
               into the parts each vocabulary checks
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

@dataclass(frozen=True)
class Rule:
    field: str
    vocabularies: tuple[str, ...]
    split: str
    parts: str
    example: str


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


def values(rule: Rule, text: str) -> list[str]:
    """The values a field holds, spaces normalised."""
    text = " ".join(text.replace("\n", " ").split())
    if rule.split == "none":
        return [text] if text else []
    return split_top(text, ";," if rule.split == "semicolon-comma" else ";")
