"""Proposals over HTTP (changes/proposals.py).

    POST /api/v1/proposals                 propose a term (a contributor's token or session; editors and admins too)
    GET  /api/v1/proposals?vocab=&status=  the proposals, newest first (open: the proposer follows theirs)
    GET  /api/v1/proposals/{id}            one, with its history
    POST /api/v1/proposals/{id}/accept     (the vocabulary's editors) as proposed, edited, or {"asAltLabelOf": URI}
    POST /api/v1/proposals/{id}/reject     (the vocabulary's editors) {"reason": "…"}
    GET  /api/v1/vocabularies/{id}/proposals.atom   the pending proposals of a vocabulary, for curators' readers
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from vocabserver.changes.proposals import STATUSES
from vocabserver.web import params
from vocabserver.web.answers import answer_refusals, json_answer
from vocabserver.web.auth import may_write, principal
from vocabserver.web.context import core, store
from vocabserver.web.privacy import hidden

blueprint = Blueprint("proposals", __name__)
answer_refusals(blueprint)
PROPOSERS = ("contributor", "editor", "admin")


def _body(required: bool = True) -> dict:
    body = request.get_json(silent=True)
    if body is None and not required and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise BadRequest("send a JSON object (Content-Type: application/json)")
    return body


@blueprint.post("/api/v1/proposals")
def propose():
    who = principal()
    if who.role not in PROPOSERS:
        raise Forbidden(f"{who.name!r} ({who.role}) may not propose terms: contributors, editors and admins may")
    return json_answer(core().proposals.propose(_body(), who.name).as_dict(), 201)


@blueprint.get("/api/v1/proposals")
def proposals():
    status = params.text("status")
    if status is not None and status not in STATUSES:
        raise BadRequest(f"status: one of {', '.join(STATUSES)}")
    limit, offset = params.integer("limit", 50, 1, 500), params.integer("offset", 0, 0, 10**9)
    found, total = core().proposals.list(params.text("vocab"), status, params.text("proposer"), limit, offset,
                                         exclude=hidden())
    return json_answer({"total": total, "offset": offset, "limit": limit, "proposals": [p.as_dict() for p in found]})


@blueprint.get("/api/v1/proposals/<int:number>")
def proposal(number: int):
    found = core().proposals.get(number)
    if found.vocab in hidden():
        raise NotFound(f"no proposal {number}")
    return json_answer(found.as_dict())


def _decider(number: int):
    who = principal()
    found = core().proposals.get(number)
    may_write(who, found.vocab, "decide on proposals of")
    return who


@blueprint.post("/api/v1/proposals/<int:number>/accept")
def accept(number: int):
    who = _decider(number)
    return json_answer(core().proposals.accept(number, who.name, _body(required=False)).as_dict())


@blueprint.post("/api/v1/proposals/<int:number>/reject")
def reject(number: int):
    who = _decider(number)
    return json_answer(core().proposals.reject(number, who.name, _body().get("reason")).as_dict())


@blueprint.get("/api/v1/vocabularies/<vocab_id>/proposals.atom")
def feed(vocab_id: str):
    if vocab_id not in store().vocabularies():
        raise NotFound(f"no vocabulary {vocab_id!r}")
    found, _total = core().proposals.list(vocab_id, "pending", limit=100)
    body = render_template("proposals.atom.xml", vocab=vocab_id, proposals=found, base=store().base_uri,
                           updated=found[0].created if found else store().modified())
    return Response(body, mimetype="application/atom+xml")
