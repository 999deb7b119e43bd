"""The change log over HTTP: list and read changes, write a changeset, revert a change, Atom feeds.

Reads are open (what changed in a public vocabulary is public); writes need a bearer token whose role may
change that vocabulary. Every write goes through the engine's one write path (changes/writer.py).
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from vocabserver.changes.changeset import ChangeSet, parse_triples
from vocabserver.web import params
from vocabserver.web.answers import answer_refusals, json_answer
from vocabserver.web.auth import may_write, principal
from vocabserver.web.context import core, store
from vocabserver.web.privacy import hidden

blueprint = Blueprint("changes", __name__)
PAGE_MAX = 500


answer_refusals(blueprint)


def _json(body, status: int = 200) -> Response:
    return json_answer(body, status, cors=True)  # the change log is public: readable from any page


def _page(vocabulary: str | None, concept: str | None, limit: int, offset: int) -> tuple[list, int]:
    numbers = visible_changes(vocabulary, concept)
    return numbers[offset:offset + limit], len(numbers)


def visible_changes(vocabulary: str | None, concept: str | None) -> list[int]:
    """The changes' numbers, newest first, without those of vocabularies this request may not see."""
    log = core().writer.history
    numbers = log.numbers(vocabulary, concept)
    hide = hidden()
    if hide and vocabulary is None:
        numbers = [n for n in numbers if log.get(n).vocabulary not in hide]
    return numbers


def change_or_404(number: int, with_triples: bool = False):
    change = core().writer.history.get(number, with_triples=with_triples)
    if change is None or change.vocabulary in hidden():
        raise NotFound(f"no change {number}")
    return change


def _vocabulary_param() -> str | None:
    vocabulary = params.text("vocab")
    if vocabulary and vocabulary not in store().vocabularies():
        raise NotFound(f"no vocabulary {vocabulary!r}; known: {', '.join(store().vocabularies())}")
    return vocabulary


@blueprint.get("/api/v1/changes")
def list_changes():
    vocabulary = _vocabulary_param()
    concept = params.uri("concept", required=False)
    limit = params.integer("limit", 50, 1, PAGE_MAX)
    offset = params.integer("offset", 0, 0, 10**9)
    with_triples = params.boolean("triples")
    numbers, total = _page(vocabulary, concept, limit, offset)
    log = core().writer.history
    changes = [log.get(n, with_triples=with_triples).as_dict(with_triples) for n in numbers]
    return _json({"total": total, "offset": offset, "limit": limit, "changes": changes})


@blueprint.get("/api/v1/changes/<int:number>")
def one_change(number: int):
    return _json(change_or_404(number, with_triples=True).as_dict(with_triples=True))


def _body() -> dict:
    if not request.is_json:
        raise BadRequest("send the changeset as JSON (Content-Type: application/json)")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object: {\"vocab\": ID, \"removed\": [...], \"added\": [...], "
                         "\"comment\": TEXT}")
    return body


def _triples(body: dict, key: str) -> list[ox.Triple]:
    value = body.get(key, [])
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(line, str) for line in value):
        raise BadRequest(f"{key!r} must be a list of N-Triples lines")
    try:
        return parse_triples("\n".join(value))
    except ValueError as exc:
        raise BadRequest(f"{key!r}: {exc}") from None


@blueprint.post("/api/v1/changes")
def write_change():
    """Apply a changeset to one vocabulary: triples removed and added (N-Triples lines), a comment; the
    versions it was made against in `versions` ({concept URI: version}) and/or If-Match (the vocabulary's)."""
    who = principal()
    body = _body()
    vocabulary = body.get("vocab")
    if not isinstance(vocabulary, str) or vocabulary not in store().vocabularies():
        raise BadRequest(f"'vocab' must name a vocabulary: one of {', '.join(store().vocabularies())}")
    may_write(who, vocabulary, "change")
    versions = body.get("versions", {})
    if not isinstance(versions, dict) or not all(isinstance(v, str) for v in versions.values()):
        raise BadRequest("'versions' must map concept URIs to the versions you read ({uri: version})")
    comment = body.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 2000:
        raise BadRequest("'comment' must be a text of at most 2,000 characters")
    across = body.get("acrossVocabularies", False)
    if across is not False and (across is not True or who.role != "admin"):
        raise Forbidden("'acrossVocabularies': true (triples about another vocabulary's resources) is an "
                        "administrator's explicit choice")
    match = request.headers.get("If-Match")
    changeset = ChangeSet(store().graph_iri(vocabulary), _triples(body, "removed"), _triples(body, "added"),
                          who.name, comment, "edit", match.strip('"') if match and match != "*" else None,
                          dict(versions), across_vocabularies=across)
    change, findings = core().writer.apply(changeset)
    if change is None:
        return _json({"status": "unchanged", "message": "the store already holds this state: nothing recorded"})
    out = change.as_dict(with_triples=True) | {"findings": [f.as_dict() for f in findings]}
    response = _json(out, 201)
    response.headers["Location"] = f"/api/v1/changes/{change.number}"
    response.headers["ETag"] = f'"{store().info(vocabulary).modified}"'
    return response


@blueprint.post("/api/v1/changes/<int:number>/revert")
def revert_change(number: int):
    who = principal()
    change = change_or_404(number)
    may_write(who, change.vocabulary or None, "revert a change of")
    body = request.get_json(silent=True) if request.is_json else None
    comment = body.get("comment", "") if isinstance(body, dict) else ""
    done, findings = core().writer.revert(number, who.name, comment if isinstance(comment, str) else "")
    if done is None:
        return _json({"status": "unchanged", "message": f"change {number} left nothing to undo"})
    response = _json(done.as_dict(with_triples=True) | {"findings": [f.as_dict() for f in findings]}, 201)
    response.headers["Location"] = f"/api/v1/changes/{done.number}"
    return response


@blueprint.get("/api/v1/vocabularies/<vocab_id>/changes.atom")
def atom(vocab_id: str):
    info = store().vocabularies().get(vocab_id)
    if info is None:
        raise NotFound(f"no vocabulary {vocab_id!r}")
    numbers, _total = _page(vocab_id, None, 50, 0)
    log = core().writer.history
    changes = [log.get(n, with_triples=True) for n in numbers]
    body = render_template("changes.atom.xml", info=info, changes=changes, base=store().base_uri,
                           updated=changes[0].time if changes else info.modified, title=info.title("fr"))
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/changes/<int:number>")
def change_uri(number: int):
    """A change's URI (as the change log names it) dereferences to its description."""
    change_or_404(number)
    return redirect(f"/api/v1/changes/{number}", 303)
