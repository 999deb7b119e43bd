"""Proposals in the pages: a contributor proposes a term and follows its status; the curators of a vocabulary
review the pending ones — accept as proposed, edited, or as an altLabel of an existing concept, or reject with
a reason — through the same operations as the API (changes/proposals.py).

    GET  /proposals[?vocab=]        my proposals, and the review queue of the vocabularies I edit
    GET  /propose, POST /propose    the proposal form
    POST /proposals/{n}/decide      action = accept | alt | pref | reject (CSRF; the vocabulary's editors)
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request
from werkzeug.exceptions import BadRequest, Forbidden

from vocabserver.changes.changeset import WriteError
from vocabserver.web import forms, i18n
from vocabserver.web.auth import may_write, principal
from vocabserver.web.context import core, labels, store
from vocabserver.web.editor_pages import _SignIn
from vocabserver.web.login import signed_in
from vocabserver.web.proposals import PROPOSERS

blueprint = Blueprint("proposal_pages", __name__)


@blueprint.errorhandler(_SignIn)
def _sign_in(_exc):
    return redirect("/login?next=" + request.full_path.rstrip("?"), 303)


def _user():
    who = signed_in()
    if who is None:
        raise _SignIn()
    return who


def _vocabularies() -> list:
    return [info for vocab_id, info in store().vocabularies().items() if vocab_id != "catalogue"]


def _render(template: str, status: int = 200, **context):
    from vocabserver.web.pages import render

    response = render(template, "", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _list_page(status: int = 200, message: str = ""):
    who = _user()
    vocab = request.args.get("vocab") or None
    mine, _ = core().proposals.list(vocab, None, who.name, limit=200)
    queue = []
    if who.role in ("admin", "editor"):
        pending, _ = core().proposals.list(vocab, "pending", limit=500)
        queue = [p for p in pending if who.may_write(p.vocab)]
    titles = {info.id: info.title(i18n.ui_language()) for info in _vocabularies()}
    return _render("proposals.html", status, mine=mine, queue=queue, titles=titles, message=message,
                   may_propose=who.role in PROPOSERS, vocab=vocab)


@blueprint.get("/proposals")
def proposals():
    return _list_page()


@blueprint.route("/propose", methods=["GET", "POST"])
def propose():
    who = principal() if request.method == "POST" else _user()  # a POST: with the session's CSRF token
    if who.role not in PROPOSERS:
        raise Forbidden(f"{who.name!r} ({who.role}) may not propose terms: contributors, editors and admins may")
    values = request.form.to_dict() if request.method == "POST" else {"vocab": request.args.get("vocab", "")}
    message, status = "", 200
    if request.method == "POST":
        try:
            vocab = values.get("vocab", "")
            if vocab not in store().vocabularies():
                raise BadRequest(f"vocabulary: choose one of the list, not {vocab!r}")
            parent, about = values.get("broader", "").strip(), values.get("about", "").strip()
            body = {"vocab": vocab, "prefLabel": values.get("prefLabel", ""),
                    "broader": forms.resolve(parent, "broader", labels(), [vocab]) if parent else None,
                    "about": forms.resolve(about, "about", labels(), [vocab]) if about else None,
                    "note": values.get("note") or None, "record": values.get("record") or None,
                    "museum": values.get("museum") or None}
            made = core().proposals.propose(body, who.name)
        except WriteError as exc:
            message, status = str(exc), exc.status
        except BadRequest as exc:
            message, status = exc.description, 400
        else:
            flash(i18n.translate("proposal_sent", n=made.id))
            return redirect("/proposals", 303)
    return _render("propose.html", status, values=values, vocabularies=_vocabularies(), message=message)


@blueprint.post("/proposals/<int:number>/decide")
def decide(number: int):
    who = principal()
    found = core().proposals.get(number)
    may_write(who, found.vocab, "decide on proposals of")
    action = request.form.get("action")
    try:
        if action == "reject":
            done = core().proposals.reject(number, who.name, request.form.get("reason", ""))
        elif action in ("alt", "pref"):
            target = forms.resolve(request.form.get(action, "").strip(), action, labels(), [found.vocab])
            key = "asAltLabelOf" if action == "alt" else "asPrefLabelOf"
            done = core().proposals.accept(number, who.name, {key: target})
        elif action == "accept":
            body = {"prefLabel": request.form.get("prefLabel", "").strip() or None,
                    "note": request.form.get("note", "").strip() or None}
            parent = request.form.get("broader", "").strip()
            if parent:
                body["broader"] = forms.resolve(parent, "broader", labels(), [found.vocab])
            done = core().proposals.accept(number, who.name, {k: v for k, v in body.items() if v})
        else:
            raise BadRequest("action: accept, alt, pref or reject")
    except WriteError as exc:
        return _list_page(exc.status, f"{i18n.translate('proposals')} {number}: {exc}")
    except BadRequest as exc:
        return _list_page(400, f"{i18n.translate('proposals')} {number}: {exc.description}")
    flash(i18n.translate("decided", n=number, status=i18n.translate("status_" + done.status)))
    return redirect(request.form.get("back") if request.form.get("back", "").startswith("/proposals") else "/proposals",
                    303)
