"""History pages: the changes of the whole server, of a vocabulary, of a concept — who, when, why, and what
changed in words (reading/diff.py) — with a revert button for those who may edit the vocabulary.

    GET  /history                  recent changes of the server
    GET  /history/{vocab}          a vocabulary's
    GET  /history?uri=URI          a concept's
    POST /history/revert/{n}       revert change n (CSRF); refused with the reason when a later change conflicts
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, request
from werkzeug.exceptions import NotFound

from vocabserver.changes.changeset import WriteError
from vocabserver.reading.concepts import concept_details
from vocabserver.reading.diff import SHOWN_MAX, readable
from vocabserver.web import i18n
from vocabserver.web.auth import may_write, principal
from vocabserver.web.changes import change_or_404, visible_changes
from vocabserver.web.context import core, labels, store
from vocabserver.web.login import signed_in
from vocabserver.web.privacy import hidden

blueprint = Blueprint("history_pages", __name__)
PAGE = 50


def _page(vocab_id: str | None, uri: str | None, title: str, status: int = 200, message: str = ""):
    from vocabserver.web.pages import _pager, render

    log = core().writer.history
    numbers = visible_changes(vocab_id, uri)
    pager = _pager(len(numbers), PAGE)
    lang = i18n.label_language()
    user = signed_in()
    changes = []
    for number in numbers[pager["offset"]:pager["offset"] + PAGE]:
        change = log.get(number)
        if change is not None and change.added_count + change.removed_count <= SHOWN_MAX:
            change = log.get(number, with_triples=True)  # its triples, to be shown in words
        changes.append({"change": change, "subjects": readable(change, labels(), lang, hidden()),
                        "revertible": user is not None and not change.not_kept and user.may_write(change.vocabulary)})
    response = render("history.html", "", status=status, title=title, changes=changes, pager=pager,
                      total=len(numbers), message=message, back=request.full_path.rstrip("?"))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/history")
def recent():
    uri = request.args.get("uri")
    if uri:
        details = concept_details(store(), labels(), uri, i18n.label_language())
        if details is None:
            raise NotFound(f"no concept {uri}")
        return _page(details["vocab"], uri, i18n.translate("history_of", label=details["label"]))
    return _page(None, None, i18n.translate("recent_changes"))


@blueprint.get("/history/<vocab_id>")
def vocabulary(vocab_id: str):
    info = store().vocabularies().get(vocab_id)
    if info is None:
        raise NotFound(f"no vocabulary {vocab_id!r}")
    return _page(vocab_id, None, i18n.translate("history_vocab", title=info.title(i18n.ui_language())))


def _back(target: str) -> str:
    parts = urlsplit(target or "")
    return target if target.startswith("/history") and not parts.netloc else "/history"


@blueprint.post("/history/revert/<int:number>")
def revert(number: int):
    who = principal()
    change = change_or_404(number)
    may_write(who, change.vocabulary or None, "revert a change of")
    back = _back(request.form.get("back", ""))
    try:
        done, _findings = core().writer.revert(number, who.name, request.form.get("comment", "")[:2000])
    except WriteError as exc:
        title = i18n.translate("revert_refused")
        return _page(change.vocabulary or None, None, title, exc.status, str(exc))
    flash(i18n.translate("reverted", n=number, m=done.number) if done else i18n.translate("unchanged"))
    return redirect(back, 303)
