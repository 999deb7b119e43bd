"""Editing concepts through the JSON API (the pages' forms use the same operations, changes/editing.py).

    POST  /api/v1/vocabularies/{id}/concepts                     a new concept: 201, Location, ETag, its JSON
    PATCH /api/v1/vocabularies/{id}/concepts?uri=URI             replace the fields given (If-Match: its ETag)
    POST  /api/v1/vocabularies/{id}/concepts/merge?uri=URI       {"into": URI}: merged into it (If-Match)
    POST  /api/v1/vocabularies/{id}/concepts/deprecate?uri=URI   {"replacement": URI} (If-Match)
    POST  /api/v1/vocabularies/{id}/concepts/batch[?parent=URI]  a CSV of new terms: all of them or none
    PATCH /api/v1/vocabularies/{id}                              the scheme's title, description, licence…

Who may: a bearer token or a signed-in user (with the session's CSRF token) whose role may change the
vocabulary. A write made against an old version gets 412 with the current one, and writes nothing.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, NotFound, PreconditionRequired

from vocabserver.changes import editing, restructure
from vocabserver.reading.concepts import concept_details
from vocabserver.web import params
from vocabserver.web.answers import answer_refusals, json_answer
from vocabserver.web.auth import may_write, principal
from vocabserver.web.context import core, labels, store

blueprint = Blueprint("editing", __name__)
answer_refusals(blueprint)


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("send the concept as a JSON object (Content-Type: application/json)")
    return body


def _vocabulary(vocab_id: str) -> str:
    if vocab_id not in store().vocabularies():
        raise NotFound(f"no vocabulary {vocab_id!r}")
    return vocab_id


def _answer(uri: str, vocab_id: str, status: int, change, findings) -> Response:
    details = concept_details(store(), labels(), uri, params.language(default="fr"), vocab_id)
    version = core().writer.concept_version(uri, store().graph_iri(vocab_id))
    details["version"] = version
    body = details | {"change": change.as_dict() if change is not None else None,
                      "findings": [f.as_dict() for f in findings]}
    response = json_answer(body, status)
    response.headers["ETag"] = f'"{version}"'
    response.headers["Location"] = f"/api/v1/concept?uri={uri}"
    return response


@blueprint.post("/api/v1/vocabularies/<vocab_id>/concepts")
def create(vocab_id: str):
    who = principal()
    may_write(who, _vocabulary(vocab_id), "edit")
    body = _body()
    changeset, concept = editing.create(store(), vocab_id, body, who.name, str(body.get("comment", ""))[:2000])
    if request.if_match and not request.if_match.star_tag:  # the vocabulary's version the client saw
        changeset.vocabulary_version = next(iter(request.if_match.as_set()), None)
    change, findings = core().writer.apply(changeset)
    return _answer(concept.value, vocab_id, 201, change, findings)


def _comment(body: dict) -> str:
    return str(body.get("comment", ""))[:2000]


def _versioned(changeset, uri: str):
    """The concept's version the client read (If-Match, required): a change made meanwhile gets 412."""
    if not request.if_match:
        raise PreconditionRequired("send If-Match with the concept's ETag (from GET /api/v1/concept or the last "
                                   "write), so that a change made meanwhile is not overwritten")
    if not request.if_match.star_tag:
        # GET /api/v1/concept's ETag is "<version>.<validator of that answer>": the version is what is compared.
        changeset.concept_versions = {uri: next(iter(request.if_match.as_set()), "").split(".", 1)[0]}
    return changeset


@blueprint.patch("/api/v1/vocabularies/<vocab_id>/concepts")
def update(vocab_id: str):
    who = principal()
    may_write(who, _vocabulary(vocab_id), "edit")
    uri = params.uri()
    body = _body()
    changeset = _versioned(editing.update(store(), vocab_id, uri, body, who.name, _comment(body)), uri)
    change, findings = core().writer.apply(changeset)
    return _answer(uri, vocab_id, 200, change, findings)


def _retire(vocab_id: str, operation, other: str, answer_other: bool) -> Response:
    """Merge or deprecate the concept `?uri=` (If-Match) with the concept the body names under `other`;
    answered with the concept kept (a merge) or the one retired."""
    who = principal()
    may_write(who, _vocabulary(vocab_id), "edit")
    uri, body = params.uri(), _body()
    changeset = _versioned(operation(store(), vocab_id, uri, body.get(other), who.name, _comment(body)), uri)
    change, findings = core().writer.apply(changeset)
    return _answer(body[other] if answer_other else uri, vocab_id, 200, change, findings)


@blueprint.post("/api/v1/vocabularies/<vocab_id>/concepts/merge")
def merge(vocab_id: str):
    return _retire(vocab_id, restructure.merge, "into", answer_other=True)


@blueprint.post("/api/v1/vocabularies/<vocab_id>/concepts/deprecate")
def deprecate(vocab_id: str):
    return _retire(vocab_id, restructure.deprecate, "replacement", answer_other=False)


@blueprint.post("/api/v1/vocabularies/<vocab_id>/concepts/batch")
def batch(vocab_id: str):
    who = principal()
    may_write(who, _vocabulary(vocab_id), "edit")
    if request.mimetype not in ("text/csv", "text/plain"):
        raise BadRequest("send the terms as CSV (Content-Type: text/csv): a header line naming prefLabel and any of "
                         + ", ".join(restructure.BATCH_COLUMNS[1:]))
    text = request.get_data(as_text=True)
    changeset, concepts = restructure.batch(store(), vocab_id, text, params.uri("parent", required=False), who.name,
                                            request.args.get("comment", "")[:2000],
                                            params.language(default="fr"))
    change, findings = core().writer.apply(changeset)
    body = {"created": [c.value for c in concepts], "change": change.as_dict() if change else None,
            "findings": [f.as_dict() for f in findings]}
    return json_answer(body, 201)


@blueprint.patch("/api/v1/vocabularies/<vocab_id>")
def scheme(vocab_id: str):
    who = principal()
    may_write(who, _vocabulary(vocab_id), "edit")
    body = _body()
    changeset = restructure.scheme_metadata(store(), vocab_id, body, who.name, _comment(body))
    if request.if_match and not request.if_match.star_tag:  # the vocabulary's version the client saw
        changeset.vocabulary_version = next(iter(request.if_match.as_set()), None)
    change, findings = core().writer.apply(changeset)
    info = store().info(vocab_id)
    response = json_answer({"id": vocab_id, "title": info.titles, "version": info.modified,
                            "change": change.as_dict() if change else None,
                            "findings": [f.as_dict() for f in findings]})
    response.headers["ETag"] = f'"{info.modified}"'
    return response
