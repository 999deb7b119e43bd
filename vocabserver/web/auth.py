"""Bearer tokens on write routes: 401 (with WWW-Authenticate) without a valid token, 403 when its role may
not write where the request writes."""

from __future__ import annotations

from flask import request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from vocabserver.auth.tokens import Principal
from vocabserver.web.context import core


def _unauthorized(message: str, invalid: bool = False) -> Unauthorized:
    parameters = {"realm": "vocabserver"} | ({"error": "invalid_token"} if invalid else {})
    return Unauthorized(message, www_authenticate=WWWAuthenticate("Bearer", parameters))


def principal() -> Principal:
    """Who the request acts for, from `Authorization: Bearer <token>`."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("this write needs an API token: Authorization: Bearer <token> "
                            "(vocabserver token create --name NAME --role admin)")
    found = core().tokens.check(token.strip())
    if found is None:
        raise _unauthorized("invalid or revoked token", invalid=True)
    return found


def may_write(who: Principal, vocabulary: str | None, what: str) -> None:
    if not who.may_write(vocabulary):
        where = f"vocabulary {vocabulary!r}" if vocabulary else "a graph that is not a vocabulary"
        raise Forbidden(f"the token {who.name!r} ({who.role}) may not {what} {where}")
