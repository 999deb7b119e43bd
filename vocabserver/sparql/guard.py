"""What the server process checks in a SPARQL request before any parser sees it: linear work only.

One pass over the text (each character looked at a bounded number of times,
whatever the input: no backtracking regex over untrusted text) gives:
- the query's *skeleton*: the text with strings, IRIs and comments blanked (as many spaces: every keyword
  is at the same position in the skeleton and in the text), so
  that keywords (SERVICE, FROM, the query form) are found only where they are
  operators, not inside a literal or an IRI;
- its bracket nesting depth, capped, because pyoxigraph's parser and evaluator
  recurse and a deep enough query overflows their stack;
- its size, capped likewise (a long chain of OPTIONAL or MINUS recurses too).
An unterminated string blanks the rest of its line: the parser refuses it anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STARTS = re.compile(r"[\"'<#{}()\[\]]")  # where a string, IRI or comment may begin, and brackets
_IRI_BODY = re.compile(r"[^<>\"{}|^`\\\s]*")
_OPEN, _CLOSE = "{([", "})]"
_KEYWORDS = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|SERVICE|FROM)\b", re.I)


class GuardRefused(ValueError):
    """The request text is refused before parsing; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class GuardLimits:
    max_length: int = 65_536  # characters of query (or update) text
    max_depth: int = 128  # nested { ( [


@dataclass(frozen=True)
class Scan:
    skeleton: str
    depth: int
    form: str | None  # SELECT, ASK, CONSTRUCT or DESCRIBE: the first one that appears
    service: bool
    has_from: bool

    @property
    def graph_form(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def _string_end(text: str, start: int) -> int:
    """Index after the string literal starting at `start` (a quote), or the end of its line if unterminated."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        closing, body = quote * 3, start + 3
        while True:
            stop = text.find(closing, body)
            if stop < 0:
                return len(text)
            backslashes = 0
            while stop - 1 - backslashes >= body and text[stop - 1 - backslashes] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                return stop + 3
            body = stop + 1
    # One-line string: an anchored match of its body (each character looked at once, in C), then the quote.
    body = _ONE_LINE[quote].match(text, start + 1)
    end = body.end()
    if end < len(text) and text[end] == quote:
        return end + 1
    newline = text.find("\n", end)  # unterminated: the parser refuses it; skip the rest of its line
    return len(text) if newline < 0 else newline


# The body of a one-line string: ordinary characters, or a backslash and the character it escapes
# (the "unrolled loop" form, whose alternatives never overlap, so a failed match never backtracks).
_ONE_LINE = {'"': re.compile(r'[^"\\\n]*(?:\\.[^"\\\n]*)*'), "'": re.compile(r"[^'\\\n]*(?:\\.[^'\\\n]*)*")}


def scan(text: str, limits: GuardLimits) -> Scan:
    """The skeleton and depth of a query, refusing what is too long or too deep."""
    if len(text) > limits.max_length:
        raise GuardRefused(f"the query is {len(text)} characters long; the limit is {limits.max_length} "
                           "(VOCABSERVER_SPARQL_MAX_QUERY)", 413)
    parts: list[str] = []
    position = depth = deepest = 0
    while True:
        match = _STARTS.search(text, position)
        if match is None:
            parts.append(text[position:])
            break
        at = match.start()
        char = text[at]
        if char in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limits.max_depth:
                    line = text.count("\n", 0, at) + 1
                    raise GuardRefused(f"the query is nested too deeply (more than {limits.max_depth} levels of "
                                       f"brackets, at line {line}; VOCABSERVER_SPARQL_MAX_DEPTH)")
            parts.append(text[position:at + 1])
            position = at + 1
        elif char in _CLOSE:
            depth = max(0, depth - 1)
            parts.append(text[position:at + 1])
            position = at + 1
        elif char == "#":
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            parts.append(text[position:at])
            parts.append(" " * (end - at))
            position = end
        elif char == "<":
            body = _IRI_BODY.match(text, at + 1)
            end = body.end()
            if end < len(text) and text[end] == ">":
                parts.append(text[position:at])
                parts.append(" " * (end + 1 - at))
                position = end + 1
            else:  # the less-than operator
                parts.append(text[position:at + 1])
                position = at + 1
        else:  # a string
            parts.append(text[position:at])
            end = _string_end(text, at)
            parts.append(" " * (end - at))
            position = end
    skeleton = "".join(parts)
    form, service, has_from = None, False, False
    for keyword in _KEYWORDS.finditer(skeleton):
        word = keyword.group(1).upper()
        if word == "SERVICE":
            service = True
        elif word == "FROM":
            has_from = True
        elif form is None:
            form = word
    return Scan(skeleton, deepest, form, service, has_from)
