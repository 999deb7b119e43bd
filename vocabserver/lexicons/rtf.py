"""Finding the bold paragraphs of the RTF originals.

The TXT lexicons lose the one mark that matters: terms set in bold are
headings "not to use" for indexing. Only that is needed from the RTF, so this
is a small tokenizer tracking the \\b state per group, not a general RTF reader.
"""

from __future__ import annotations

import re
from pathlib import Path

from vocabserver.lexicons.lexicon import clean

_TOKEN = re.compile(
    r"\\([a-zA-Z]+)(-?\d+)? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+"
)
# Destinations whose text is not document text.
_SKIPPED = {
    "fonttbl", "colortbl", "stylesheet", "info", "pict", "header", "footer",
    "headerl", "headerr", "footerl", "footerr", "listtable", "listoverridetable",
    "pntext", "pntxta", "pntxtb", "pnseclvl", "object", "fldinst", "xmlnstbl",
}
_BULLETS = re.compile(r"^[\s\-]+")


def paragraphs(data: str) -> list[list[tuple[str, bool]]]:
    """Each paragraph as (text, bold) runs."""
    stack: list[tuple[bool, bool]] = []
    bold = skip = False
    current: list[tuple[str, bool]] = []
    result = [current]
    for match in _TOKEN.finditer(data):
        word, arg, hexcode, symbol, brace, text = match.groups()
        if brace == "{":
            stack.append((bold, skip))
        elif brace == "}":
            bold, skip = stack.pop() if stack else (False, False)
        elif word:
            if word in _SKIPPED:
                skip = True
            if skip:
                continue
            if word == "b":
                bold = arg != "0"
            elif word == "plain":
                bold = False
            elif word in ("par", "line"):
                current = []
                result.append(current)
            elif word == "tab":
                current.append(("\t", bold))
            elif word == "u" and arg:
                current.append((chr(int(arg) % 65536), bold))
        elif symbol:
            if symbol == "*":
                skip = True
            elif not skip and symbol in "\\{}":
                current.append((symbol, bold))
        elif skip:
            continue
        elif hexcode:
            current.append((bytes([int(hexcode, 16)]).decode("cp1252", "replace"), bold))
        elif text:
            current.append((text, bold))
    return result


def bold_lines(path: Path) -> set[str]:
    """The cleaned text of every paragraph set entirely in bold."""
    found = set()
    for runs in paragraphs(path.read_text(encoding="latin-1")):
        whole = "".join(t for t, _ in runs)
        bold = "".join(t for t, b in runs if b)
        whole = clean(_BULLETS.sub("", whole))
        if whole and clean(_BULLETS.sub("", bold)) == whole:
            found.add(whole)
    return found
