"""The JSON API under /api/v1: vocabularies, autocompletion, search, exact lookup, concepts, hierarchy,
alphabetical index. Described by the OpenAPI document at /api/openapi.json (web/openapi.py)."""

from __future__ import annotations

import orjson

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import BadRequest, NotFound

from vocabserver.reading.concepts import concept_details, replacements
from vocabserver.index.label_index import QueryError
from vocabserver.changes.quality import quality_report
from vocabserver.web import params
from vocabserver.web.caching import AnswerCache, cacheable, not_modified
from vocabserver.web.context import core, labels, store
from vocabserver.web.openapi import openapi_document
from vocabserver.web.privacy import hidden, marker, visible
from vocabserver.web.representations import html_page

blueprint = Blueprint("api", __name__)

AUTOCOMPLETE_MAX = 100
SEARCH_MAX = 1000
INDEX_MAX = 1000


def json_response(body, variant: str | None = None, status: int = 200) -> Response:
    # orjson: the answers of autocompletion are encoded several times faster than with json.
    response = Response(orjson.dumps(body), status=status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    if variant is not None:
        cacheable(response, variant)
    return response


def _variant() -> str:
    # The raw path and query identify the answer (request.full_path would re-quote them on every call).
    environ = request.environ
    return f"api\x1f{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}{marker()}"


@blueprint.before_request
def _conditional():
    """A 304 before any work when the client's copy is current (every answer here depends only on the
    store's state and the request's path and query)."""
    cached = not_modified(_variant())
    if cached is not None:
        cached.headers["Access-Control-Allow-Origin"] = "*"
    return cached


def _vocabulary_or_404(vocab_id: str):
    vocabularies = store().vocabularies()
    if vocab_id not in vocabularies:
        raise NotFound(f"no vocabulary {vocab_id!r}; known: {', '.join(vocabularies)}")
    return vocabularies[vocab_id]


def _field_or_404(code: str) -> list[str]:
    fields = params.field_vocabularies()
    if code.upper() not in fields:
        raise NotFound(f"no Joconde field {code!r}; known: {', '.join(sorted(fields))}")
    return fields[code.upper()]


# -- vocabularies ------------------------------------------------------------------------------
def _vocabulary_json(info) -> dict:
    index = labels()
    body = info.as_dict()
    body["topConcepts"] = len(index.top_concepts(info.id))
    body["languages"] = index.languages(info.id)  # of its labels: what lang= and ?clang= can choose
    body["links"] = {"self": f"/api/v1/vocabularies/{info.id}", "top": f"/api/v1/vocabularies/{info.id}/top",
                     "index": f"/api/v1/vocabularies/{info.id}/index",
                     "dumps": {s: f"/dumps/{info.id}.{s}.gz" for s in ("ttl", "rdf", "nt", "jsonld")}}
    return body


@blueprint.get("/api/v1/vocabularies")
def vocabularies():
    return json_response({"vocabularies": [_vocabulary_json(i) for i in visible().values()]},
                         _variant())


@blueprint.get("/api/v1/vocabularies/<vocab_id>")
def vocabulary(vocab_id: str):
    info = _vocabulary_or_404(vocab_id)
    return json_response(_vocabulary_json(info), _variant())


@blueprint.get("/api/v1/vocabularies/<vocab_id>/quality")
def quality(vocab_id: str):
    _vocabulary_or_404(vocab_id)
    return json_response(quality_report(store(), vocab_id), _variant())


@blueprint.get("/api/v1/fields")
def fields():
    return json_response({"fields": params.field_vocabularies()}, _variant())


# -- autocompletion, search, lookup --------------------------------------------------------------
def _hits(vocab_ids: list[str] | None, maximum: int, default_limit: int, count: bool):
    query = params.text("q", aliases=("query",)) or ""
    lang = params.language(default=None)
    limit = params.integer("limit", default_limit, 1, maximum)
    offset = params.integer("offset", 0, 0, 100_000)
    under = params.text("under")
    include_deprecated = params.boolean("deprecated")
    index = labels()
    try:
        hits, total = index.search(query, vocabularies=vocab_ids, lang=lang, under=under, limit=limit,
                                   offset=offset, deprecated=include_deprecated, count=count)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    shown = params.language("labellang", default=None) or lang or "fr"  # how hits are shown, not matched
    results = [index.record(h.concept, shown, h.label) | {"exact": h.exact} for h in hits]
    return query, limit, offset, results, total


def _remembered(compute) -> Response:
    """The answer from the answer cache, or computed (and remembered)."""
    cache: AnswerCache = current_app.extensions["vocabserver.answers"]
    variant, stamp = _variant(), store().modified()
    body = cache.get(stamp, variant)
    if body is None:
        body = orjson.dumps(compute())
        cache.put(stamp, variant, body)
    response = Response(body, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return cacheable(response, variant)


def _autocomplete(vocab_ids: list[str] | None = None):
    def compute() -> dict:
        query, _limit, _offset, results, _ = _hits(params.vocabulary_filter(vocab_ids), AUTOCOMPLETE_MAX, 10, False)
        return {"q": query, "results": results}

    return _remembered(compute)


@blueprint.get("/api/v1/autocomplete")
def autocomplete():
    return _autocomplete()


@blueprint.get("/api/v1/vocabularies/<vocab_id>/autocomplete")
def vocabulary_autocomplete(vocab_id: str):
    _vocabulary_or_404(vocab_id)
    return _autocomplete([vocab_id])


@blueprint.get("/api/v1/fields/<code>/autocomplete")
def field_autocomplete(code: str):
    return _autocomplete(_field_or_404(code))


@blueprint.get("/api/v1/search")
def search():
    def compute() -> dict:
        if not (params.text("q", aliases=("query",)) or "").strip():
            raise BadRequest("parameter 'q' is required: the words to search for")
        query, limit, offset, results, total = _hits(params.vocabulary_filter(), SEARCH_MAX, 20, True)
        return {"q": query, "total": total, "offset": offset, "limit": limit, "results": results}

    return _remembered(compute)


def _lookup(vocab_ids: list[str] | None):
    def compute() -> dict:
        label = params.text("label", required=True)
        if not label.strip():
            raise BadRequest("parameter 'label' is empty")
        lang = params.language(default=None)
        index = labels()
        with_deprecated = params.boolean("deprecated")
        # Deprecated concepts are read always: a label only a retired concept has answers its replacement.
        hits = index.lookup(label, vocabularies=params.vocabulary_filter(vocab_ids), lang=lang, deprecated=True)
        matches, retired = [], []
        for hit in hits:
            record = index.record(hit.concept, lang or "fr", hit.label)
            # What a validator needs: is the value the preferred form as written, or what should replace it.
            record["preferredAsWritten"] = record["matchedKind"] == "prefLabel" and record["matchedLabel"] == label
            (retired if record["deprecated"] else matches).append(record)
        usable = [m for m in matches if not m["guideTerm"]]
        if not usable:
            for record in retired:
                record["replacedBy"] = replacements(store(), index, record["uri"], lang or "fr")
                usable += record["replacedBy"]
        if with_deprecated or not matches:
            matches += retired
        return {"label": label, "found": bool(matches), "usable": bool(usable),
                "preferred": usable[0]["prefLabel"] if usable else None, "matches": matches}

    return _remembered(compute)


@blueprint.get("/api/v1/lookup")
def lookup():
    return _lookup(None)


@blueprint.get("/api/v1/vocabularies/<vocab_id>/lookup")
def vocabulary_lookup(vocab_id: str):
    _vocabulary_or_404(vocab_id)
    return _lookup([vocab_id])


@blueprint.get("/api/v1/fields/<code>/lookup")
def field_lookup(code: str):
    return _lookup(_field_or_404(code))


# -- concepts and hierarchy ---------------------------------------------------------------------
@blueprint.get("/api/v1/concept")
def concept():
    uri = params.uri()
    lang = params.language(default="fr")
    details = concept_details(store(), labels(), uri, lang, params.text("vocab"),
                              narrower_offset=params.integer("narrower_offset", 0, 0, 10_000_000),
                              narrower_limit=params.integer("narrower_limit", 1000, 0, 100_000), hidden=hidden())
    if details is None:
        raise NotFound(f"no concept {uri}")
    # The version a write about this concept sends back (`versions` of POST /api/v1/changes): 412 if stale.
    details["version"] = core().writer.concept_version(uri, store().graph_iri(details["vocab"]))
    response = json_response(details, _variant())
    # The ETag begins with the concept's version — what If-Match of a write about it expects — and ends with the
    # answer's own validator (the labels of its neighbours may change while the concept does not).
    tag = f'{details["version"]}.{response.headers["ETag"].strip(chr(34))}'
    if request.if_none_match and request.if_none_match.contains(tag):
        response = Response(status=304)
        response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["ETag"] = f'"{tag}"'
    return response


@blueprint.get("/api/v1/vocabularies/<vocab_id>/top")
def top_concepts(vocab_id: str):
    _vocabulary_or_404(vocab_id)
    lang = params.language(default="fr")
    limit = params.integer("limit", 1000, 1, 100_000)
    offset = params.integer("offset", 0, 0, 10_000_000)
    index = labels()
    tops = index.top_concepts(vocab_id)
    results = [index.record(c, lang, with_path=False) | {"hasChildren": bool(index.narrower(c))}
               for c in tops[offset:offset + limit]]
    return json_response({"vocab": vocab_id, "total": len(tops), "offset": offset, "limit": limit,
                          "results": results}, _variant())


@blueprint.get("/api/v1/children")
def children():
    uri = params.uri()
    lang = params.language(default="fr")
    limit = params.integer("limit", 1000, 1, 100_000)
    offset = params.integer("offset", 0, 0, 10_000_000)
    index = labels()
    concept_id = params.concept_or_404(uri, params.text("vocab"))
    found = index.children(concept_id)
    results = [index.record(c, lang, with_path=False) | {"hasChildren": bool(index.narrower(c))}
               for c in found[offset:offset + limit]]
    return json_response({"uri": uri, "total": len(found), "offset": offset, "limit": limit,
                          "results": results}, _variant())


@blueprint.get("/api/v1/hierarchy")
def hierarchy():
    uri = params.uri()
    lang = params.language(default="fr")
    index = labels()
    concept_id = params.concept_or_404(uri, params.text("vocab"))
    return json_response({"uri": uri, "prefLabel": index.label_of(concept_id, lang)[0],
                          "vocab": index.vocab_of(concept_id), "paths": index.paths(concept_id, lang)},
                         _variant())


# -- alphabetical index ------------------------------------------------------------------------------
@blueprint.get("/api/v1/vocabularies/<vocab_id>/index")
def index_letters(vocab_id: str):
    _vocabulary_or_404(vocab_id)
    return json_response({"vocab": vocab_id, "letters": labels().letters(vocab_id)}, _variant())


@blueprint.get("/api/v1/vocabularies/<vocab_id>/index/<letter>")
def index_entries(vocab_id: str, letter: str):
    _vocabulary_or_404(vocab_id)
    lang = params.language(default=None)
    limit = params.integer("limit", 100, 1, INDEX_MAX)
    offset = params.integer("offset", 0, 0, 10_000_000)
    index = labels()
    found, total = params.index_entries(vocab_id, letter, lang, limit, offset)
    entries = [index.record(int(index.label_concept[label]), lang or "fr", label, with_path=False)
               for label in found]
    return json_response({"vocab": vocab_id, "letter": letter, "total": total, "offset": offset, "limit": limit,
                          "entries": entries}, _variant())


# -- description ---------------------------------------------------------------------------------
@blueprint.get("/api/openapi.json")
def openapi():
    return json_response(openapi_document(store().base_uri), _variant())


@blueprint.get("/api/")
@blueprint.get("/api")
def documentation():
    return html_page("api.html", spec=openapi_document(store().base_uri))
