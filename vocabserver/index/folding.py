"""Folding French labels into match keys: "Œuvre", "oeuvre" and "œuvre" meet.

A key is lower case, without accents, ligatures spelt out (œ→oe, æ→ae,
ß→ss), and with every apostrophe, hyphen and punctuation mark turned into a
space, spaces collapsed: "L’Arc-en-ciel" → "l arc en ciel". Words are what
the spaces separate, so "ciel" is a word of that label.

Folding runs over every label when the index is built and over every query:
one `str.translate` with a table computed once for the Basic Multilingual
Plane, instead of a Unicode decomposition per call.
"""

from __future__ import annotations

import unicodedata

# Spelt-out letters that Unicode decomposition leaves alone.
_SPELT = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d",
          "ł": "l", "Ł": "l", "ı": "i", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d",
          "ʼ": " ", "ʻ": " ", "ʹ": " ", "ˈ": " "}  # modifier-letter apostrophes are letters to Unicode
# Scripts of the labels (Latin, Greek, Cyrillic…), punctuation, presentation forms (ﬁ) and full-width forms.
_RANGES = (range(0x3000), range(0xFB00, 0xFB50), range(0xFE30, 0xFE70), range(0xFF00, 0xFFF0))


def _fold_char(char: str) -> str:
    if char in _SPELT:
        return _SPELT[char]
    category = unicodedata.category(char)
    if category[0] in "PSZC":
        return " "  # punctuation (apostrophes, hyphens…), symbols, separators, controls
    if category == "Mn":
        return ""  # a combining accent typed on its own
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(_SPELT.get(c, c) for c in base).casefold()


_TABLE = {code: folded for block in _RANGES for code in block
          if (folded := _fold_char(chr(code))) != chr(code)}


def fold(text: str) -> str:
    """The match key of a label or a query."""
    return " ".join(text.translate(_TABLE).split())


def primary_language(tag: str | None) -> str:
    """`fr`, `fr-FR` and `FR` are one language for matching and choosing labels."""
    return (tag or "").split("-", 1)[0].lower()
