"""JSON answers of the write blueprints (changes, editing, proposals): a refused write is its WriteError as JSON
with the error's status (the rule and the resources named), and no answer of a write is cached."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response

from vocabserver.changes.changeset import WriteError


def json_answer(body, status: int = 200, cors: bool = False) -> Response:
    response = Response(orjson.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    if cors:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def answer_refusals(blueprint: Blueprint) -> None:
    """A WriteError raised by a view of `blueprint` becomes its JSON answer."""
    blueprint.register_error_handler(WriteError, lambda exc: json_answer(exc.as_dict(), exc.status))
