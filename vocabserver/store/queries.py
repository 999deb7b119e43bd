"""Named SPARQL queries and updates, read from the `queries/` folder.

Updates take parameters as `{{name}}` placeholders; values are RDF terms
(or N-Triples text made by pyoxigraph), so they arrive correctly escaped.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vocabserver.resources import shipped

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@lru_cache(maxsize=None)
def query(name: str) -> str:
    """The text of queries/<name>.rq (or .ru for updates)."""
    folder = shipped("queries")
    for suffix in (".rq", ".ru"):
        path = folder / f"{name}{suffix}"
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise KeyError(f"no query named {name!r} in {folder}")


def render(name: str, **values) -> str:
    # Comment lines go first: they document the placeholders and must not receive values.
    text = "\n".join(line for line in query(name).splitlines() if not line.lstrip().startswith("#"))

    def substitute(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"query {name!r} needs a value for {key!r}")
        return str(values[key])

    return _PLACEHOLDER.sub(substitute, text)
