"""Private vocabularies over HTTP (auth/privacy.py keeps which they are): to a caller without an account
(no valid token, not signed in) a private vocabulary does not exist. One guard before every request answers
404 to any request that names one — by id in the path or a `vocab` parameter, by the IRI of one of its
concepts, its scheme or its graph in any parameter, through a dump of all graphs or the Graph Store's default
graph; the listings and the searches across vocabularies leave them out (`visible`, `searchable`), and SPARQL
runs on a dataset without their graphs (web/sparql.py). A server without private vocabularies pays one
cached read per request."""

from __future__ import annotations

import re

from flask import g, request
from werkzeug.exceptions import NotFound

from vocabserver.rdf.iri import is_iri
from vocabserver.web.context import core, labels, store

_VOCAB_KEYS = ("vocab", "vocabulary", "vocab_id")
_SEPARATORS = re.compile(r"[/.,;]")


def _has_account() -> bool:
    from vocabserver.web.auth import account

    return account() is not None


def hidden() -> frozenset[str]:
    """The private vocabularies this request may not see (empty for a caller with an account)."""
    found = g.get("vocabserver_hidden")
    if found is None:
        private = core().privacy.private()
        found = private if private and not _has_account() else frozenset()
        g.vocabserver_hidden = found
    return found


def hidden_graphs() -> set[str]:
    vocabularies = store().vocabularies()
    return {vocabularies[v].graph for v in hidden() if v in vocabularies}


def visible() -> dict:
    """The vocabularies this request may list (id -> info)."""
    hide = hidden()
    vocabularies = store().vocabularies()
    return {k: v for k, v in vocabularies.items() if k not in hide} if hide else vocabularies


def searchable(vocab_ids: list[str] | None) -> list[str] | None:
    """A search's vocabulary filter without the hidden ones (None: all, when nothing is hidden)."""
    hide = hidden()
    if not hide:
        return vocab_ids
    if vocab_ids is None:
        return [v for v in store().vocabularies() if v not in hide and v != "catalogue"]
    kept = [v for v in vocab_ids if v not in hide]
    if not kept:
        raise NotFound("not found (a private vocabulary needs an account: sign in or send a token)")
    return kept


def _vocabulary_of(iri: str) -> str | None:
    """The vocabulary a concept, scheme or graph IRI belongs to."""
    index = labels()
    found = index.concepts_of(iri)
    if found:
        return index.vocab_of(found[0])
    graphs = store().live_graphs()
    for graph, vocab_id in graphs.items():
        if graph.value == iri:
            return vocab_id
    for vocab_id, info in store().vocabularies().items():
        if iri in info.schemes:
            return vocab_id
    return None


def refuse() -> NotFound:
    return NotFound("not found (a private vocabulary needs an account: sign in or send a token)")


def check_iri(iri: str) -> None:
    """404 when `iri` belongs to a vocabulary this request may not see."""
    hide = hidden()
    if hide and _vocabulary_of(iri) in hide:
        raise refuse()


def guard() -> None:
    """Before every request (see the module's docstring)."""
    hide = hidden()
    if not hide:
        return
    if hide & set(_SEPARATORS.split(request.path)):
        raise refuse()
    if request.path.startswith("/dumps/all.") or (request.path == "/store" and not request.args.get("graph")):
        raise refuse()
    for key, values in request.args.lists():
        for value in values:
            if key in _VOCAB_KEYS and hide & set(_SEPARATORS.split(value)):
                raise refuse()
            if ":" in value and is_iri(value.strip()):
                check_iri(value.strip())


def marker() -> str:
    """What distinguishes an answer made without the hidden vocabularies, for cache keys and ETags: an
    answer computed for a caller with an account is never served from a cache to one without."""
    hide = hidden()
    return "\x1fhidden:" + ",".join(sorted(hide)) if hide else ""


def private_answers(response):
    """After every request: when private vocabularies exist, an answer to a caller with an account is theirs
    (never kept by a shared cache)."""
    if core().privacy.private() and not hidden() and response.headers.get("Cache-Control", "").startswith("public"):
        response.headers["Cache-Control"] = "private, no-cache"
    return response
