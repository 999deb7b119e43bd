"""Signing in and out of the pages: a form with a CSRF token (Flask-WTF), the password checked by the users
table (Argon2id), a signed session cookie (HttpOnly, SameSite=Lax, Secure when the server is reached over
https), attempts limited per client address (Flask-Limiter, wired in web/__init__.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, request, session
from flask_wtf.csrf import CSRFProtect

from vocabserver.web import i18n
from vocabserver.web.context import core

blueprint = Blueprint("login", __name__)
csrf = CSRFProtect()  # checked by the form views themselves (WTF_CSRF_CHECK_DEFAULT off: the APIs use tokens)
LOGIN_LIMIT = "10 per minute;50 per hour"  # sign-in attempts per client address


def _next(target: str | None) -> str:
    """Where to go after signing in: a path of this server only (no open redirect)."""
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def signed_in():
    """The user of this session: None when signed out, or when the session was ended since on the server (signed
    out from another copy of the cookie, a new password or role, the account deleted, expired)."""
    name = session.get("user")
    if not name:
        return None
    found = core().users.session_user(name, session.get("sid", ""))
    if found is None:
        session.clear()
    return found


def _form(status: int = 200, message: str = "", name: str = ""):
    from vocabserver.web.pages import render  # the pages' renderer (layout, language, CSP)

    response = render("login.html", "", status=status, message=message, name=name,
                      next=_next(request.values.get("next")))
    response.headers["Cache-Control"] = "no-store"  # it carries this session's CSRF token
    return response


@blueprint.get("/login")
def login_form():
    return _form()


@blueprint.post("/login")
def login():
    csrf.protect()
    name = request.form.get("name", "")[:64]
    user = core().users.authenticate(name, request.form.get("password", "")[:1024])
    if user is None:
        return _form(401, i18n.translate("login_failed"), name)
    session.clear()  # a new session at sign-in: nothing from before carries over
    session["user"] = user.name
    session["sid"] = core().users.open_session(user.name, core().settings.session_hours * 3600)
    session.permanent = True
    return redirect(_next(request.form.get("next")), 303)


@blueprint.post("/logout")
def logout():
    csrf.protect()
    if session.get("sid"):
        core().users.close_session(session["sid"])  # ended on the server: a copy of the cookie opens nothing
    session.clear()
    return redirect("/", 303)
