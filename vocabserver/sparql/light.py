"""Recognising SPARQL queries whose cost is bounded, so they can be evaluated inline.

The typical queries of SKOS clients — the labels of a concept, its narrower
concepts with their labels, "is this a concept?" — cost microseconds; sending
them to a worker process costs more than evaluating them. A query is *light*
when its work is provably bounded by the row cap plus the size of a few
index lookups, which holds for this shape (anything else is not light):

- SELECT (variables or *) or ASK; PREFIX/BASE allowed; LIMIT allowed; no
  DISTINCT/REDUCED, OFFSET, ORDER BY, GROUP BY, HAVING, FROM, VALUES;
- WHERE is one basic graph pattern: triple patterns only (no FILTER,
  OPTIONAL, UNION, MINUS, GRAPH, BIND, subquery, property path, blank node);
- every predicate is a constant;
- at most two patterns with a variable object ("fan-outs"): the first from a
  constant subject, the second from the first one's object (C p ?a . ?a q ?b);
  every other pattern has a constant object and a constant or bound subject.

Why that bounds the work: the partial solutions are at most the values of C
for p plus, for each of them, its values for q — at most the store's triples,
one index scan's worth — and never a product of two fan-outs (which a check
rejecting everything could make silent and quadratic: 30,000 × 30,000 through
a scheme node). Without ordering or DISTINCT the rows stream out under the
row cap.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r"""\s+|\#[^\n]*
    |(?P<iri><[^<>"{}|^`\\\s]*>)
    |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:<[^<>"{}|^`\\\s]*>|(?:[A-Za-z][\w.-]*+)?:(?:[\w-][\w.-]*+)?))?
    |(?P<var>[?$][A-Za-z_][\w]*)
    |(?P<number>[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
    |(?P<name>[A-Za-z][\w.-]*+(?::(?:[\w-][\w.-]*+)?)?|:(?:[\w-][\w.-]*+)?)
    |(?P<punct>[{}.;,*])
    """, re.X)
_ALLOWED_WORDS = {"PREFIX", "BASE", "SELECT", "ASK", "WHERE", "LIMIT", "a", "true", "false"}


def _tokens(query: str) -> list[tuple[str, str]] | None:
    """The query's tokens, or None when it holds anything this recogniser does not know. Linear: each
    alternative of _TOKEN either fails at once or consumes what it scanned (possessive names)."""
    tokens, position = [], 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if not match:
            return None  # a character this recogniser does not know: not light
        position = match.end()
        kind = match.lastgroup
        if kind is None:
            continue  # white space or comment
        value = match.group(kind) if kind != "string" else match.group(0)
        if kind == "name":  # one alternative for keywords and prefixed names: each run is scanned once
            if ":" in value:
                kind = "pname"
            elif value.isascii() and value.isalpha():
                kind = "word"
            else:
                return None
        if "." in value and kind in ("pname", "string"):
            # Names are matched possessively (no backtracking: linear on any input); a prefix may not end
            # with a dot, and a local name's trailing dots are the triple terminator: give them back.
            prefix, _, local = value.rpartition(":") if kind == "pname" else ("", "", "")
            if prefix.endswith(".") or (kind == "string" and value.endswith(".")):
                return None
            if local.endswith("."):
                value = value.rstrip(".")
                position = match.start() + len(value)
        if kind == "word" and value.upper() not in _ALLOWED_WORDS and value not in ("a", "true", "false"):
            return None
        tokens.append((kind, value))
    return tokens


def is_light(query: str) -> bool:
    tokens = _tokens(query)
    if not tokens:
        return False
    i = 0

    def word(at: int) -> str:
        return tokens[at][1].upper() if at < len(tokens) and tokens[at][0] == "word" else ""

    # Prologue.
    while word(i) in ("PREFIX", "BASE"):
        i += 3 if word(i) == "PREFIX" else 2
        if i > len(tokens):
            return False
    # Query form.
    if word(i) == "SELECT":
        i += 1
        if i < len(tokens) and tokens[i] == ("punct", "*"):
            i += 1
        else:
            start = i
            while i < len(tokens) and tokens[i][0] == "var":
                i += 1
            if i == start:
                return False
    elif word(i) == "ASK":
        i += 1
    else:
        return False
    if word(i) == "WHERE":
        i += 1
    if i >= len(tokens) or tokens[i] != ("punct", "{"):
        return False
    i += 1
    # Triple patterns up to the closing brace, with ';' and ',' abbreviations.
    patterns: list[tuple[tuple[str, str], tuple[str, str], tuple[str, str]]] = []
    while i < len(tokens) and tokens[i] != ("punct", "}"):
        subject = tokens[i]
        i += 1
        while True:
            if i + 1 >= len(tokens):
                return False
            predicate = tokens[i]
            i += 1
            while True:
                obj = tokens[i]
                i += 1
                patterns.append((subject, predicate, obj))
                if i < len(tokens) and tokens[i] == ("punct", ","):
                    i += 1
                    continue
                break
            if i < len(tokens) and tokens[i] == ("punct", ";"):
                i += 1
                if i < len(tokens) and tokens[i] in (("punct", "."), ("punct", "}")):
                    break
                continue
            break
        if i < len(tokens) and tokens[i] == ("punct", "."):
            i += 1
    if i >= len(tokens) or not patterns:
        return False
    i += 1  # the closing brace
    # Solution modifiers: LIMIT only.
    if word(i) == "LIMIT":
        if i + 1 >= len(tokens) or tokens[i + 1][0] != "number":
            return False
        i += 2
    if i != len(tokens):
        return False
    return _anchored(patterns)


def _constant(token: tuple[str, str]) -> bool:
    return token[0] in ("iri", "pname", "string", "number") or token == ("word", "true") or token == (
        "word", "false")


def _anchored(patterns) -> bool:
    # Patterns with a constant object only check a partial solution (one index lookup each). Patterns with
    # a variable object fan out: at most two, the second starting where the first ends (C p ?a . ?a q ?b).
    # Then the partial solutions number at most deg(C, p) + sum over ?a of deg(?a, q) <= the triples of
    # the store — never a product of two fan-outs, which a rejecting check could make silent and huge.
    fan_outs = []
    for subject, predicate, obj in patterns:
        if not (predicate[0] in ("iri", "pname") or predicate == ("word", "a")):
            return False
        if subject[0] not in ("iri", "pname", "var"):
            return False
        if obj[0] == "var":
            fan_outs.append((subject, obj))
        elif not _constant(obj):
            return False
    if len(fan_outs) > 2:
        return False
    first_object = None
    if fan_outs:
        subject, first_object = fan_outs[0]
        if not _constant(subject):
            return False
        if len(fan_outs) == 2:
            subject, obj = fan_outs[1]
            if subject != first_object or obj == first_object:
                return False
    bound = {first_object} if first_object else set()
    if len(fan_outs) == 2:
        bound.add(fan_outs[1][1])
    # A check's subject is a constant or a variable some fan-out binds.
    return all(_constant(s) or s in bound for s, _p, o in patterns if o[0] != "var")
