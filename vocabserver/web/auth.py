"""Who may write: bearer tokens (tools) or the signed-in user with the session's CSRF token (pages) on every
write route; 401 (with WWW-Authenticate) without either, 403 when the role may not write where the request
writes or the CSRF token is missing."""

from __future__ import annotations

from flask import request, session
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from vocabserver.auth.tokens import Principal
from vocabserver.web.context import core
from vocabserver.web.login import signed_in


def _unauthorized(message: str, invalid: bool = False) -> Unauthorized:
    parameters = {"realm": "vocabserver"} | ({"error": "invalid_token"} if invalid else {})
    return Unauthorized(message, www_authenticate=WWWAuthenticate("Bearer", parameters))


def account() -> Principal | None:
    """Who the request is when it has an account — a valid bearer token, else the signed-in user of the pages'
    session — or None; never a refusal (for what an account changes: private vocabularies, job bounds)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return core().tokens.check(token.strip())
    return signed_in()


def principal() -> Principal:
    """Who the request acts for: `Authorization: Bearer <token>` (tools), or the signed-in user of the pages'
    session when the request carries the session's CSRF token (X-CSRFToken header or csrf_token field), so that
    another site cannot write with a curator's cookie."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header and session.get("user"):
        user = signed_in()
        if user is not None:
            try:
                validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
            except ValidationError as exc:
                raise Forbidden(f"CSRF token missing or wrong ({exc}): reload the page and try again") from None
            return user
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
        raise Forbidden(f"{who.name!r} ({who.role}) may not {what} {where}")
