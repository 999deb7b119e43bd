"""Reading the 2014 Joconde lexicons (plain-text versions).

A lexicon is a header (title, "Mise à jour ..." line, notes) followed by one
term a line. Depth is the number of leading TABs; the spaces that lexrepr mixes
in (" \\t") carry no meaning, while a "- " bullet after the TABs (how the RTF
originals' list markers survived in the TXT export) stands for one more level.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

_INDENT = re.compile(r"^[\t ]*(?:-[\t ]+)?")
_BULLET = re.compile(r"-[\t ]+")
_SPACES = re.compile(r"\s+")
# Notes that follow the date line in some headers (lexautr, lexdomn).
_NOTE = re.compile(r"^(Les termes entre|Important|Ex :|Liste de tous|Un intervenant|\()")
_UPDATE = re.compile(r"^Mise à jour\s+(\w+)\s+(\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    line: int  # 1-based line number in the source file
    depth: int
    forms: tuple[str, ...]  # the first is the preferred form

    @property
    def text(self) -> str:
        return " = ".join(self.forms)


@dataclass
class Lexicon:
    name: str
    title: str
    updated: str  # "mai 2014"
    notes: list[str]
    entries: list[Entry]
    line_count: int


def clean(text: str) -> str:
    """Unescape the odd HTML entity (lexepoq has "&apos;") and fold white space."""
    return _SPACES.sub(" ", html.unescape(text)).strip()


def split_forms(text: str) -> tuple[str, ...]:
    forms = []
    for form in text.split("="):
        form = clean(form)
        if form and form not in forms:
            forms.append(form)
    return tuple(forms)


def parse_lexicon(path: Path) -> Lexicon:
    raw = path.read_text(encoding="utf-8")
    lines = raw.split("\n")
    title_parts: list[str] = []
    notes: list[str] = []
    updated = ""
    i = 0
    # Title lines up to the "Mise à jour" line.
    while i < len(lines):
        text = clean(lines[i])
        i += 1
        match = _UPDATE.match(text)
        if match:
            updated = f"{match.group(1)} {match.group(2)}"
            break
        if text:
            title_parts.append(text)
    else:
        raise ValueError(f"{path}: no 'Mise à jour' line in the header")
    # Notes: lines of known note shapes, possibly separated by blank lines.
    while i < len(lines):
        text = clean(lines[i])
        if text and not _NOTE.match(text):
            break
        if text:
            notes.append(text)
        i += 1
    entries = []
    for number in range(i, len(lines)):
        line = lines[number].rstrip("\r")
        if not line.strip():
            continue
        indent = _INDENT.match(line).group(0)
        depth = indent.count("\t") + (1 if _BULLET.search(indent) else 0)
        forms = split_forms(line[len(indent):])
        if forms:
            entries.append(Entry(number + 1, depth, forms))
    line_count = len(lines) - (1 if raw.endswith("\n") else 0)
    return Lexicon(path.stem, " ".join(title_parts), updated, notes, entries, line_count)
