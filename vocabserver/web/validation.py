"""Record validation over HTTP (vocabserver/records/):

    POST /api/v1/validate   a JSON list of records (objects keyed by field code; `?fields=DENO,TECH` to
                            check only some) -> the JSON document `vocabserver validate --format json` prints

Synchronous, for the records a cataloguing tool sends while a record is typed or imported (the request body
is bounded by the server's request limit)."""

from __future__ import annotations

import io

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest

from vocabserver.records.formats import InputError, records_from_json
from vocabserver.records.reports import write_json
from vocabserver.records.validate import Validation
from vocabserver.records.verdicts import Checker
from vocabserver.web.context import labels, store
from vocabserver.web.privacy import hidden

blueprint = Blueprint("validation", __name__)


@blueprint.post("/api/v1/validate")
def validate():
    body = request.get_json(silent=True)
    if body is None:
        raise BadRequest("send the records as a JSON list of objects keyed by field code (Content-Type: "
                         'application/json), e.g. [{"REF": "000PE001", "DENO": "statuette"}]')
    fields = request.args.get("fields")
    try:
        validation = Validation(Checker(labels(), store()), fields.split(",") if fields else None)
        source, records = records_from_json(body)
    except (ValueError, InputError) as exc:
        raise BadRequest(str(exc)) from None
    if hidden():  # a private vocabulary controls a field: without an account, those fields are not checked
        validation.rules = {k: r for k, r in validation.rules.items() if not set(r.vocabularies) & hidden()}
    out = io.StringIO()
    write_json(out, validation, validation.run(records), source)
    response = Response(out.getvalue(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
