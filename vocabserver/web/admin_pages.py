"""Administration of accounts in the pages (administrators only): users (create, set a password, delete)
and API tokens (create — shown once —, revoke), over the same tables as `vocabserver user` / `token`.

    GET  /admin
    POST /admin/users                   name, role, vocabularies, password
    POST /admin/users/{name}/password   password
    POST /admin/users/{name}/delete
    POST /admin/tokens                  name, role, vocabularies, user
    POST /admin/tokens/{name}/revoke
    POST /admin/private                 the vocabularies readable only with an account
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request
from werkzeug.exceptions import Forbidden

from vocabserver.auth.tokens import ROLES, TokenError
from vocabserver.auth.users import UserError
from vocabserver.web import i18n
from vocabserver.web.auth import principal
from vocabserver.web.context import core, store
from vocabserver.web.editor_pages import _SignIn
from vocabserver.web.login import signed_in

blueprint = Blueprint("admin_pages", __name__)


@blueprint.errorhandler(_SignIn)
def _sign_in(_exc):
    return redirect("/login?next=/admin", 303)


def _admin(write: bool = False):
    who = principal() if write else signed_in()
    if who is None:
        raise _SignIn()
    if who.role != "admin":
        raise Forbidden(f"{who.name!r} ({who.role}) may not administer accounts: administrators only")
    return who


def _page(status: int = 200, message: str = "", token: str = "", values: dict | None = None):
    from vocabserver.web.pages import render

    vocabularies = [v for v in store().vocabularies() if v != "catalogue"]
    response = render("admin.html", "", status=status, users=core().users.list(), tokens=core().tokens.list(),
                      roles=ROLES, vocabularies=vocabularies, message=message, token=token, values=values or {},
                      private=core().privacy.private())
    response.headers["Cache-Control"] = "no-store"  # a new token is shown once
    return response


def _chosen_vocabularies() -> list[str]:
    known = store().vocabularies()
    chosen = request.form.getlist("vocab")
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise UserError(f"unknown vocabularies: {', '.join(unknown)}")
    return chosen


@blueprint.get("/admin")
def admin():
    _admin()
    return _page()


@blueprint.post("/admin/users")
def create_user():
    _admin(write=True)
    name = request.form.get("name", "").strip()
    try:
        core().users.create(name, request.form.get("role", ""), request.form.get("password", ""), _chosen_vocabularies())
    except UserError as exc:
        return _page(400, str(exc), values={"name": name})
    flash(i18n.translate("user_created", name=name))
    return redirect("/admin", 303)


@blueprint.post("/admin/users/<name>/password")
def set_password(name: str):
    _admin(write=True)
    try:
        if core().users.get(name) is None:
            raise UserError(f"no user {name!r}")
        core().users.set_password(name, request.form.get("password", ""))
    except UserError as exc:
        return _page(400, str(exc))
    flash(i18n.translate("password_set", name=name))
    return redirect("/admin", 303)


@blueprint.post("/admin/users/<name>/sessions/end")
def end_sessions(name: str):
    """Sign a user out everywhere (a lost laptop, a cookie that may have been copied)."""
    _admin(write=True)
    if core().users.get(name) is None:
        return _page(404, f"no user {name!r}")
    flash(i18n.translate("sessions_ended", name=name, n=core().users.end_sessions(name)))
    return redirect("/admin", 303)


@blueprint.post("/admin/users/<name>/delete")
def delete_user(name: str):
    who = _admin(write=True)
    if name == who.name:
        return _page(409, "an administrator cannot delete their own account (another administrator can)")
    if not core().users.delete(name):
        return _page(404, f"no user {name!r}")
    flash(i18n.translate("user_deleted", name=name))
    return redirect("/admin", 303)


@blueprint.post("/admin/tokens")
def create_token():
    _admin(write=True)
    name = request.form.get("name", "").strip()
    try:
        token = core().tokens.create(name, request.form.get("role", ""), _chosen_vocabularies(),
                                     request.form.get("user", "").strip() or None)
    except (TokenError, UserError) as exc:
        return _page(400, str(exc), values={"token_name": name})
    return _page(201, token=token)


@blueprint.post("/admin/tokens/<name>/revoke")
def revoke_token(name: str):
    _admin(write=True)
    if not core().tokens.revoke(name):
        return _page(404, f"no token {name!r}")
    flash(i18n.translate("token_revoked", name=name))
    return redirect("/admin", 303)


@blueprint.post("/admin/private")
def set_private():
    who = _admin(write=True)
    try:
        chosen = set(_chosen_vocabularies())
    except UserError as exc:
        return _page(400, str(exc))
    for vocab_id in (v for v in store().vocabularies() if v != "catalogue"):
        core().privacy.set(vocab_id, vocab_id in chosen, who.name)
    flash(i18n.translate("private_set", names=", ".join(sorted(chosen)) or "—"))
    return redirect("/admin", 303)
