"""Editing concepts through the JSON API (the pages' forms use the same operations, changes/editing.py).

    POST  /api/v1/vocabularies/{id}/concepts          a new concept: 201, Location, ETag, the concept's JSON
    PATCH /api/v1/vocabularies/{id}/concepts?uri=URI  replace the fields given; If-Match: the concept's ETag

Who may: a bearer token or a signed-in user (with the session's CSRF token) whose role may change the
vocabulary. A write made against an old version gets 412 with the current one, and writes nothing.
"""

from __future__ import annotations

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, NotFound, PreconditionRequired

from vocabserver.changes import editing
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


@blueprint.patch("/api/v1/vocabularies/<vocab_id>/concepts")
def update(vocab_id: str):
    who = principal()
    may_write(who, _vocabulary(vocab_id), "edit")
    uri = params.uri()
    if not request.if_match:
        raise PreconditionRequired("send If-Match with the concept's ETag (from GET /api/v1/concept or the last "
                                   "write), so that a change made meanwhile is not overwritten")
    body = _body()
    changeset = editing.update(store(), vocab_id, uri, body, who.name, str(body.get("comment", ""))[:2000])
    if not request.if_match.star_tag:
        changeset.concept_versions = {uri: next(iter(request.if_match.as_set()), "")}
    change, findings = core().writer.apply(changeset)
    return _answer(uri, vocab_id, 200, change, findings)
