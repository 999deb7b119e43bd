"""Joconde's value syntax, read: one value of a controlled field cut into the parts each vocabulary checks.

What the fields write (the field rules table, docs/curators/validation.md, gives each field's form):

    qualified   "support (technique (modifiers))": a term, then its qualifiers in brackets, separated by commas,
                each of which may have its own (TECH "papier (lithographie (crayon, colorié au pochoir))",
                DENO "bottine (paire)"); every level in the field's vocabulary
    subject     the same for REPR: the head may be a guide term heading subjects ("figure (femme, en buste)"),
                the inner terms are subjects or persons represented
    path        "accessoire du vêtement : ceinture": steps from broad to narrow (UTIL, DOMN; also inside
                brackets: "préhension : épée"), each a term
    author      "NAME Firstname (1831-1879) (imprimeur, éditeur)": the name, then bracket groups of life dates
                (not checked: the vocabulary holds none) or of roles, each role in the author roles
    head        "inscription (latin)": the term, the bracket a free precision
    place       "France, Saône-et-Loire, Autun (lieu de création)": the most precise place checked, the
                precision left out

A bracketed item without a letter ("?", "16", "1871-1949") is a precision, not a term. A value whose brackets do
not balance, with an empty item or step, or text after a closing bracket, is malformed: `Parsed.error` says where
(a 0-based offset in the value) and why, and no part is checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

AUTHOR_ROLES = "autrole"
_LETTER = re.compile(r"[^\W\d_]")
# A group of life or activity dates: digits with the words dates are written with ("vers 1850", "actif en 1880",
# "1831-1879", "18e siècle", "?-1654", "née en 1901") — anything with a digit and no role word.
_DATES = re.compile(r"^(?=.*\d)[\d\s?.,/\-–]*(?:(?:vers|v\.|actif|active|actifs|actives|en|né|née|mort|morte|"
                    r"après|avant|entre|et|à|au|ca|circa|siècle|e|er|ème|s\.|fl\.)[\d\s?.,/\-–]*)*$", re.I)


@dataclass(frozen=True, slots=True)
class Part:
    """One part to check: its text, what it is in the value, how deep, where it stands in the value."""
    text: str
    kind: str  # "term" (the head), "qualifier", "step", "role", "place"
    level: int  # 0: the head; 1: in the first brackets; 2: in brackets inside those…
    start: int  # offsets of the text in the value (the preferred form replaces exactly this span)
    end: int
    vocabularies: tuple[str, ...]
    heading: bool = False  # heads subjects in brackets: a guide term may (REPR)
    also: tuple[str, ...] = ()  # vocabularies asked when the first know nothing of it (REPR: persons in AUTR)


@dataclass(slots=True)
class Parsed:
    value: str
    parts: list[Part] = field(default_factory=list)
    precisions: list[str] = field(default_factory=list)  # dates, counts, doubts: read, not checked
    error: Malformed | None = None

    @property
    def compound(self) -> bool:
        return len(self.parts) > 1 or bool(self.precisions) or (
            len(self.parts) == 1 and (self.parts[0].start, self.parts[0].end) != (0, len(self.value)))


class Malformed(Exception):
    """Where the syntax breaks (0-based offset), a code saying how (the report's message), and in words."""
    def __init__(self, position: int, code: str, reason: str):
        super().__init__(reason)
        self.position, self.code, self.reason = position, code, reason


@dataclass(slots=True)
class _Node:
    """A term as written, with the bracket groups after it (each a list of nodes)."""
    start: int
    end: int
    groups: list[list["_Node"]] = field(default_factory=list)
    group_spans: list[tuple[int, int]] = field(default_factory=list)


def _tree(value: str) -> list[_Node]:
    """The value read as nodes: at the top, one node (commas there belong to the text: "DUPONT, Jean"); inside
    brackets, nodes separated by commas. Raises Malformed."""
    nodes, position = _items(value, 0, top=True)
    if position < len(value):  # only a ")" stops the top level early
        raise Malformed(position, "unopened", f"')' at {position + 1} closes no bracket")
    return nodes


def _items(value: str, position: int, top: bool) -> tuple[list[_Node], int]:
    out = []
    while True:
        node, position = _item(value, position, top)
        out.append(node)
        if not top and position < len(value) and value[position] == ",":
            position += 1
            continue
        return out, position


def _item(value: str, position: int, top: bool) -> tuple[_Node, int]:
    length = len(value)
    start = position
    stops = "()[]" if top else "()[],;"
    while position < length and value[position] not in stops:
        position += 1
    if position < length and value[position] == ";":  # the values' separator, inside brackets
        raise Malformed(position, "semicolon", f"';' inside brackets at {position + 1}: items in brackets are "
                                               f"separated by ','")
    text_end = position
    while text_end > start and value[text_end - 1] == " ":
        text_end -= 1
    while start < text_end and value[start] == " ":
        start += 1
    node = _Node(start, text_end)
    while position < length and value[position] in "([":
        opening = value[position]
        closing = ")" if opening == "(" else "]"
        if opening == "[":  # an editor's addition, "[sic]", "[?]": kept as a precision, never checked
            end = value.find("]", position)
            if end < 0:
                raise Malformed(position, "unclosed", f"'[' at {position + 1} is not closed")
            node.group_spans.append((position, end + 1))
            node.groups.append([])
            position = end + 1
        else:
            inner, after = _items(value, position + 1, top=False)
            if after >= length or value[after] != closing:
                raise Malformed(position, "unclosed", f"'(' at {position + 1} is not closed")
            node.groups.append(inner)
            node.group_spans.append((position, after + 1))
            position = after + 1
        while position < length and value[position] == " ":
            position += 1
        if position < length and value[position] not in "()" and not (not top and value[position] == ","):
            if value[position] == "[":
                continue
            raise Malformed(position, "text-after", f"text after a closing bracket at {position + 1}: "
                                      f"{value[position:position + 20]!r}")
    if position < length and value[position] == "]":
        raise Malformed(position, "unopened", f"']' at {position + 1} closes no bracket")
    if start == text_end and not node.groups:
        where = "brackets" if not top else "the value"
        raise Malformed(start, "empty-item", f"empty item in {where} at {start + 1}")
    if not top and start == text_end:  # "(( x ))": a bracket with no term before it
        raise Malformed(start, "no-head", f"a bracket without a term before it at {start + 1}")
    return node, position


def _steps(value: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans of the steps of a path ("a : b : c") within [start, end); the whole span when it is not one."""
    text = value[start:end]
    if " : " not in text and not text.endswith(" :") and not text.startswith(": "):
        return [(start, end)]
    out, offset = [], start
    for piece in text.split(":"):
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right <= left:
            raise Malformed(offset, "empty-step", f"empty step in the path at {offset + 1}")
        out.append((offset + left, offset + right))
        offset += len(piece) + 1
    return out


def parse(style: str, value: str, vocabularies: tuple[str, ...], is_label) -> Parsed:
    """`value` (one value, spaces normalised) of a field written in `style` (the rule's `parts`); `is_label(text,
    vocabularies)`: whether a text is a label as it stands — a value that is one ("faux (affixe de typologie)",
    "objet du culte : pèlerinage" if the thesaurus has it) is one term."""
    parsed = Parsed(value)
    if not value:
        return parsed
    try:
        nodes = _tree(value)
    except Malformed as exc:
        parsed.error = exc
        return parsed
    if style == "plain":
        parsed.parts.append(Part(value, "term", 0, 0, len(value), vocabularies))
        return parsed
    if style == "place":
        head = re.sub(r"\([^()]*\)|\[[^\]]*\]", " ", value)
        places = [p.strip() for p in head.split(",") if p.strip()]
        if places:
            start = value.rfind(places[-1])
            parsed.parts.append(Part(places[-1], "place", 0, start, start + len(places[-1]), vocabularies))
        return parsed
    if is_label(value, vocabularies):
        parsed.parts.append(Part(value, "term", 0, 0, len(value), vocabularies))
        return parsed
    node = nodes[0]
    if style == "head" and node.end == node.start:
        parsed.error = Malformed(0, "no-head", f"no term before the bracket at {node.start + 1}: what does it qualify?")
        return parsed
    if style == "head":
        if node.end > node.start:
            parsed.parts.append(Part(value[node.start:node.end], "term", 0, node.start, node.end, vocabularies))
        parsed.precisions += [value[a + 1:b - 1].strip() for a, b in node.group_spans]
        return parsed
    try:
        if style == "author":
            _author(parsed, node, vocabularies)
        else:
            _qualified(parsed, node, 0, vocabularies, style == "subject", is_label)
    except Malformed as exc:
        parsed.parts, parsed.error = [], exc
    return parsed


def _qualified(parsed: Parsed, node: _Node, level: int, vocabularies, subject: bool, is_label) -> None:
    value = parsed.value
    text = value[node.start:node.end]
    inner = [n for group in node.groups for n in group]
    if level == 0 and not text:
        raise Malformed(node.start, "no-head", f"no term before the bracket at {node.start + 1}: what does it qualify?")
    if text:
        if level > 0 and not _LETTER.search(text):  # a date, a count, a doubt; a head is checked whatever it is
            parsed.precisions.append(text)
        else:
            kind = "term" if level == 0 else "qualifier"
            also = ("autr",) if subject and level > 0 else ()
            spans = [(node.start, node.end)] if is_label(text, vocabularies) else _steps(value, node.start, node.end)
            for a, b in spans:
                parsed.parts.append(Part(value[a:b], kind if len(spans) == 1 else "step", level, a, b, vocabularies,
                                         heading=subject and level == 0 and bool(inner), also=also))
    for start, end in (span for span, group in zip(node.group_spans, node.groups) if not group):
        parsed.precisions.append(value[start:end])  # "[sic]"
    for child in inner:
        _qualified(parsed, child, level + 1, vocabularies, subject, is_label)


def _author(parsed: Parsed, node: _Node, vocabularies) -> None:
    value = parsed.value
    if node.end == node.start:
        raise Malformed(node.start, "no-head", f"no name before the bracket at {node.start + 1}")
    if node.end > node.start:
        parsed.parts.append(Part(value[node.start:node.end], "term", 0, node.start, node.end, vocabularies))
    for (start, end), group in zip(node.group_spans, node.groups):
        inside = value[start + 1:end - 1].strip()
        if not group or _DATES.match(inside) or not _LETTER.search(inside):
            parsed.precisions.append(inside)  # "(1831-1879)", "(?)", "[sic]"
            continue
        for child in group:
            if child.groups:
                raise Malformed(child.group_spans[0][0], "role-brackets", f"a role does not take brackets (at "
                                                         f"{child.group_spans[0][0] + 1})")
            text = value[child.start:child.end]
            if _DATES.match(text) or not _LETTER.search(text):
                parsed.precisions.append(text)
            else:
                parsed.parts.append(Part(text, "role", 1, child.start, child.end, (AUTHOR_ROLES,)))


def rewritten(value: str, replacements: list[tuple[int, int, str]]) -> str:
    """`value` with the spans (start, end, text) replaced: the syntax as written, the parts in their preferred
    form."""
    out, position = [], 0
    for start, end, text in sorted(replacements):
        out.append(value[position:start])
        out.append(text)
        position = end
    out.append(value[position:])
    return "".join(out)
