"""Writes that are safe between several app nodes over one remote store: a write lease taken in the store, so that
one node writes at a time (`WriteLease`), and every commit one SPARQL update that only applies when the store is
still in the state the writer read. The lease is needed because an engine may run two update transactions at once
on one snapshot (Oxigraph server does: two compare-and-swaps alone could both apply).

The catalogue root carries a commit token (`<ns#commit>`, a fresh random string at each commit). A commit's
update starts with a compare-and-swap of that token — delete the token the writer read, insert its own, only
where the token read is still there — and each of its other operations is rewritten to apply only where the
writer's own token now stands (`DELETE DATA {X}` becomes `DELETE {X} WHERE {token}`, and so on). The engine
runs the update as one transaction, so either every operation applies or, when another node committed first,
none does; the writer reads the token back to know which (`applied`), catches up and tries again, checking
its versions anew (a stale If-Match is then a 412, never an overwrite).
"""

from __future__ import annotations

import re
import uuid

import pyoxigraph as ox

_HEAD = re.compile(
    r"^(?P<prologue>(?:\s*(?:PREFIX\s+[^\s:]*:\s*<[^>]*>|BASE\s*<[^>]*>))*)\s*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)


class Contended(Exception):
    """Another node committed since this one read the store: nothing was written; catch up and try again."""


def new_token() -> str:
    return uuid.uuid4().hex


def split_operations(update: str) -> list[str]:
    """The operations of an update (separated by ';' outside brackets, IRIs and strings)."""
    out, depth, start, i, n = [], 0, 0, 0, len(update)
    while i < n:
        c = update[i]
        if c in "\"'":
            long = update.startswith(c * 3, i)
            end_mark = c * 3 if long else c
            i += len(end_mark)
            while i < n and not update.startswith(end_mark, i):
                i += 2 if update[i] == "\\" else 1
            i += len(end_mark)
            continue
        if c == "<" and depth >= 0:
            close = update.find(">", i)
            if close != -1 and not any(ch in update[i + 1:close] for ch in " \n\t{}\"<"):
                i = close + 1
                continue
        if c == "#":  # a comment to the end of the line (our texts have none inside terms)
            end = update.find("\n", i)
            i = n if end == -1 else end
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == ";" and depth == 0:
            out.append(update[start:i])
            start = i + 1
        i += 1
    out.append(update[start:])
    return [op for op in out if op.strip()]


def _guarded(operation: str, condition: str) -> list[str]:
    head = _HEAD.match(operation)
    prologue, rest = head.group("prologue"), head.group("rest").strip()
    upper = rest.upper()
    match = re.match(r"(DELETE|INSERT)\s+DATA\s*\{", rest, re.IGNORECASE)
    if match:
        body = rest[match.end() - 1:]
        if not re.sub(r"GRAPH\s*<[^>]*>|[{}\s]", "", body):
            return []  # nothing to delete or insert (Virtuoso refuses an empty template)
        return [f"{prologue}\n{match.group(1).upper()} {body} WHERE {{ {condition} }}"]
    match = re.match(r"DELETE\s+WHERE\s*\{", rest, re.IGNORECASE)
    if match:
        body = rest[match.end() - 1:]
        return [f"{prologue}\nDELETE {body} WHERE {{ {condition} {body} }}"]
    match = re.match(r"(MOVE|COPY|ADD)\s+(SILENT\s+)?GRAPH\s+(<[^>]*>)\s+TO\s+(GRAPH\s+)?(<[^>]*>)\s*$", rest,
                     re.IGNORECASE)
    if match:
        kind, source, target = match.group(1).upper(), match.group(3), match.group(5)
        ops = []
        if kind in ("MOVE", "COPY"):
            ops.append(_clear(prologue, target, condition))
        ops.append(f"{prologue}\nINSERT {{ GRAPH {target} {{ ?s ?p ?o }} }} "
                   f"WHERE {{ {condition} GRAPH {source} {{ ?s ?p ?o }} }}")
        if kind == "MOVE":
            ops.append(_clear(prologue, source, condition))
        return ops
    match = re.match(r"(DROP|CLEAR)\s+(SILENT\s+)?GRAPH\s+(<[^>]*>)\s*$", rest, re.IGNORECASE)
    if match:
        return [_clear(prologue, match.group(3), condition)]
    if upper.startswith(("DELETE", "INSERT", "WITH")):
        where = re.search(r"\bWHERE\s*\{", rest, re.IGNORECASE)
        if where is not None:
            return [f"{prologue}\n{rest[:where.end()]} {condition} {rest[where.end():]}"]
    raise ValueError(f"no conditional form for this operation: {rest[:80]!r}")


def _clear(prologue: str, graph: str, condition: str) -> str:
    return f"{prologue}\nDELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ {condition} GRAPH {graph} {{ ?s ?p ?o }} }}"


def conditional(update: str, catalogue: ox.NamedNode, root: ox.NamedNode, predicate: ox.NamedNode,
                expected: str, token: str, fresh=(), history: ox.NamedNode | None = None) -> str:
    """`update` made to apply only when the root's commit token is still `expected` ("": none yet) and none of
    the `fresh` resources (the change-log entries it records) is described in `history` yet; the update then
    leaves `token` there. The second condition keeps change numbers unique even if a node's idea of the last
    number were behind."""
    mine = ox.Literal(token)
    unused = "".join(f" FILTER NOT EXISTS {{ GRAPH {history} {{ {entry} ?p ?o }} }}" for entry in fresh)
    if expected:
        # Every token goes, not only the one read: a store holding two (left by an engine that once let two swaps
        # through) is mended by the next commit.
        swap = (f"DELETE {{ GRAPH {catalogue} {{ {root} {predicate} ?token }} }} "
                f"INSERT {{ GRAPH {catalogue} {{ {root} {predicate} {mine} }} }} "
                f"WHERE {{ GRAPH {catalogue} {{ {root} {predicate} {ox.Literal(expected)} . {root} {predicate} ?token }}"
                f"{unused} }}")
    else:
        swap = (f"INSERT {{ GRAPH {catalogue} {{ {root} {predicate} {mine} }} }} "
                f"WHERE {{ FILTER NOT EXISTS {{ GRAPH {catalogue} {{ {root} {predicate} ?any }} }}{unused} }}")
    condition = f"GRAPH {catalogue} {{ {root} {predicate} {mine} }}"
    operations = [swap]
    for operation in split_operations(update):
        operations += _guarded(operation, condition)
    return " ;\n".join(operations)


LEASE_SECONDS = 120.0  # a write lease older than this is void (its node died, or its clock is far behind)
LEASE_WAIT = 60.0  # how long a writer waits for the lease before answering busy


class LeaseUnavailable(Contended):
    """Other nodes held the write lease for longer than LEASE_WAIT."""


class WriteLease:
    """Mutual exclusion between the nodes that write one store, through the store itself (needed because an
    engine may run two update transactions at once on the same snapshot: Oxigraph server does, so two compare-and-
    swaps of the commit token could both apply).

    A writer adds its lease (`<root> <ns#writeLease> "expiry token"`), then reads all leases: it holds the lock only
    when its own is the only live one; otherwise it removes its own and tries again after a random pause. Two
    writers cannot both hold it: the one that read first did not see the other's lease, so the other added it after
    that read, hence after the first one's lease, which the second then sees. Every step is one request that sees
    all the earlier committed ones, which a single SPARQL engine (Oxigraph server, Virtuoso) gives."""

    def __init__(self, store, catalogue: ox.NamedNode, root: ox.NamedNode, predicate: ox.NamedNode):
        self.store, self.catalogue, self.root, self.predicate = store, catalogue, root, predicate
        self.mine: ox.Literal | None = None

    def _quad(self, lease: ox.Literal) -> str:
        return f"GRAPH {self.catalogue} {{ {self.root} {self.predicate} {lease} }}"

    def acquire(self) -> None:
        import random
        import time

        deadline = time.monotonic() + LEASE_WAIT
        pause = 0.01
        while True:
            lease = ox.Literal(f"{time.time() + LEASE_SECONDS:.3f} {uuid.uuid4().hex}")
            self.store.update(f"INSERT DATA {{ {self._quad(lease)} }}")
            rows = self.store.query(f"SELECT ?lease WHERE {{ GRAPH {self.catalogue} {{ {self.root} {self.predicate} "
                                    "?lease } }")
            leases = [row["lease"] for row in rows]
            now = time.time()
            expired = [old for old in leases if float(old.value.split()[0]) < now]
            if expired:
                self.store.update("DELETE DATA { " + " ".join(self._quad(old) for old in expired) + " }")
            live = [other for other in leases if other not in expired]
            if live == [lease]:
                self.mine = lease
                return
            self.store.update(f"DELETE DATA {{ {self._quad(lease)} }}")
            if time.monotonic() > deadline:
                raise LeaseUnavailable(f"other nodes held the store's write lease for {LEASE_WAIT:g} s")
            time.sleep(random.uniform(pause, pause * 3))
            pause = min(pause * 2, 0.5)

    def release(self) -> None:
        if self.mine is not None:
            self.store.update(f"DELETE DATA {{ {self._quad(self.mine)} }}")
            self.mine = None

    def __enter__(self) -> "WriteLease":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
