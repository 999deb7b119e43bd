"""The curators' editing pages: forms over the same operations as the JSON API (changes/editing.py,
changes/restructure.py), through the same write path.

    /edit?uri=URI            the concept's form (labels, relations, notes, notation, mappings)
    /new/{vocab}[?parent=]   a new concept
    /merge?uri=URI           merge into another concept
    /deprecate?uri=URI       deprecate, with a replacement
    /batch/{vocab}           new terms from a CSV
    /scheme/{vocab}          the vocabulary's title, description, rights

A GET needs a signed-in user who may edit the vocabulary (else the sign-in page, or 403); a POST needs
the session's CSRF token too (web/auth.py). A refused write shows the form again with the message and what
was typed; a write made against a version changed since shows the other change beside the user's (412).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from vocabserver.changes import editing, restructure
from vocabserver.changes.changeset import Stale, WriteError
from vocabserver.reading.concepts import concept_details
from vocabserver.web import forms, i18n
from vocabserver.web.auth import may_write, principal
from vocabserver.web.context import core, labels, store
from vocabserver.web.login import signed_in

blueprint = Blueprint("editor_pages", __name__)


def _render(template: str, status: int = 200, **context):
    from vocabserver.web.pages import render

    response = render(template, "", status=status, **context)
    response.headers["Cache-Control"] = "no-store"  # forms carry the session's CSRF token
    return response


class _SignIn(Exception):
    pass


def editor(vocab_id: str):
    """The user who edits `vocab_id`: on a GET, signed in with the right (else the sign-in page or 403); on a
    POST, checked with the CSRF token by principal()."""
    if request.method == "POST":
        who = principal()
        may_write(who, vocab_id, "edit")
        return who
    who = signed_in()
    if who is None:
        raise _SignIn()
    if not who.may_write(vocab_id):
        raise Forbidden(f"{who.name!r} ({who.role}) may not edit the vocabulary {vocab_id!r}")
    return who


@blueprint.errorhandler(_SignIn)
def _sign_in(_exc):
    return redirect("/login?next=" + request.full_path.rstrip("?"), 303)


def _concept(uri: str | None) -> dict:
    if not uri:
        raise BadRequest("parameter 'uri' is required: the concept's URI")
    details = concept_details(store(), labels(), uri, i18n.label_language())
    if details is None:
        raise NotFound(f"no concept {uri}")
    return details


def _vocabulary(vocab_id: str):
    info = store().vocabularies().get(vocab_id)
    if info is None or vocab_id == "catalogue":
        raise NotFound(f"no vocabulary {vocab_id!r}")
    return info


def _version(uri: str, vocab_id: str) -> str:
    return core().writer.concept_version(uri, store().graph_iri(vocab_id))


def _done(change, target: str):
    flash(i18n.translate("saved", n=change.number) if change is not None else i18n.translate("unchanged"))
    from vocabserver.web.pages import page_path, with_lang

    return redirect(with_lang(page_path(target)), 303)


def _last_change(uri: str, vocab_id: str):
    history = core().writer.history
    numbers = history.numbers(vocab_id, uri)
    return history.get(numbers[0]) if numbers else None


# -- the concept's form -----------------------------------------------------------------------------
def _form(details: dict | None, vocab_id: str, action: str, submitted: dict, status: int = 200, message: str = "",
          current: dict | None = None, other=None, version: str = "", title: str = ""):
    return _render("edit.html", status, c=details, v=store().vocabularies()[vocab_id], action=action,
                   fields=forms.layout(details), values=submitted, current=current, other=other,
                   message=message, version=version, title=title)


@blueprint.route("/edit", methods=["GET", "POST"])
def edit():
    details = _concept(request.values.get("uri"))
    uri, vocab_id = details["uri"], details["vocab"]
    who = editor(vocab_id)
    title = i18n.translate("edit_concept", label=details["label"])
    action = "/edit?uri=" + _quote(uri)
    if request.method == "GET":
        return _form(details, vocab_id, action, forms.values(details), version=_version(uri, vocab_id), title=title)
    submitted = request.form.to_dict()
    try:
        body = forms.body(request.form, labels(), vocab_id, details)
        changeset = editing.update(store(), vocab_id, uri, body, who.name, body.get("comment", ""))
        changeset.concept_versions = {uri: request.form.get("version", "")}
        change, _findings = core().writer.apply(changeset)
    except Stale:
        # Someone saved first: their version beside what this user typed, which is kept; saving again
        # from here is made against the version now shown.
        return _form(details, vocab_id, action, submitted, 412, i18n.translate("conflict"),
                     current=forms.values(details), other=_last_change(uri, vocab_id),
                     version=_version(uri, vocab_id), title=title)
    except WriteError as exc:
        return _form(details, vocab_id, action, submitted, exc.status, str(exc), version=request.form.get("version", ""),
                     title=title)
    return _done(change, uri)


@blueprint.route("/new/<vocab_id>", methods=["GET", "POST"])
def new(vocab_id: str):
    info = _vocabulary(vocab_id)
    who = editor(vocab_id)
    title = i18n.translate("new_concept_in", title=info.title(i18n.ui_language()))
    parent = request.values.get("parent", "")
    action = f"/new/{vocab_id}" + ("?parent=" + _quote(parent) if parent else "")
    if request.method == "GET":
        values = {}
        if parent:
            found = concept_details(store(), labels(), parent, i18n.label_language(), vocab_id)
            if found is not None:
                values["broader"] = forms.values(found | {"broader": [{"uri": parent, "prefLabel": found["label"]}]})["broader"]
        return _form(None, vocab_id, action, values, title=title)
    submitted = request.form.to_dict()
    try:
        body = forms.body(request.form, labels(), vocab_id, None)
        changeset, concept = editing.create(store(), vocab_id, body, who.name, body.get("comment", ""))
        change, _findings = core().writer.apply(changeset)
    except WriteError as exc:
        return _form(None, vocab_id, action, submitted, exc.status, str(exc), title=title)
    return _done(change, concept.value)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# -- merge, deprecate -------------------------------------------------------------------------------
def _operation(details: dict | None, vocab_id: str, title: str, help_text: str, fields: list[dict], submit: str,
               status: int = 200, message: str = "", version: str = ""):
    return _render("operation.html", status, c=details, v=store().vocabularies()[vocab_id], title=title,
                   help_text=help_text, fields=fields, submit=submit, message=message, version=version,
                   action=request.full_path.rstrip("?"))


def _restructure(kind: str):
    details = _concept(request.values.get("uri"))
    uri, vocab_id = details["uri"], details["vocab"]
    who = editor(vocab_id)
    target = "into" if kind == "merge" else "replacement"
    fields = [{"name": target, "key": "merge_into" if kind == "merge" else "replacement", "help": "concept_lines",
               "value": request.form.get(target, ""), "required": kind == "merge"},
              {"name": "comment", "key": "comment", "value": request.form.get("comment", "")}]
    title = i18n.translate(f"{kind}_title", label=details["label"])
    help_text = i18n.translate(f"{kind}_help")
    if request.method == "GET":
        return _operation(details, vocab_id, title, help_text, fields, kind, version=_version(uri, vocab_id))
    try:
        named = request.form.get(target, "").strip()
        other = forms.resolve(named, target, labels(), [vocab_id]) if named else None
        comment = request.form.get("comment", "")[:2000]
        if kind == "merge":
            changeset = restructure.merge(store(), vocab_id, uri, other, who.name, comment)
        else:
            changeset = restructure.deprecate(store(), vocab_id, uri, other, who.name, comment)
        changeset.concept_versions = {uri: request.form.get("version", "")}
        change, _findings = core().writer.apply(changeset)
    except WriteError as exc:
        message = i18n.translate("conflict") if isinstance(exc, Stale) else str(exc)
        return _operation(details, vocab_id, title, help_text, fields, kind, exc.status, message,
                          version=_version(uri, vocab_id))
    return _done(change, other if kind == "merge" else uri)


@blueprint.route("/merge", methods=["GET", "POST"])
def merge():
    return _restructure("merge")


@blueprint.route("/deprecate", methods=["GET", "POST"])
def deprecate():
    return _restructure("deprecate")


# -- the vocabulary: batch, scheme ----------------------------------------------------------------
@blueprint.route("/batch/<vocab_id>", methods=["GET", "POST"])
def batch(vocab_id: str):
    info = _vocabulary(vocab_id)
    who = editor(vocab_id)
    fields = [{"name": "parent", "key": "parent", "help": "concept_lines", "value": request.values.get("parent", "")},
              {"name": "file", "key": "batch_file", "type": "file"},
              {"name": "csv", "key": "batch_text", "lines": True, "value": request.form.get("csv", "")},
              {"name": "comment", "key": "comment", "value": request.form.get("comment", "")}]
    title = i18n.translate("batch_title", title=info.title(i18n.ui_language()))
    if request.method == "GET":
        return _operation(None, vocab_id, title, i18n.translate("batch_help"), fields, "batch")
    try:
        upload = request.files.get("file")
        raw = upload.read() if upload and upload.filename else request.form.get("csv", "").encode("utf-8")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequest("the CSV file is not UTF-8: save it as \"CSV UTF-8\" and send it again") from None
        named = request.form.get("parent", "").strip()
        parent = forms.resolve(named, "parent", labels(), [vocab_id]) if named else None
        changeset, concepts = restructure.batch(store(), vocab_id, text, parent, who.name,
                                                request.form.get("comment", "")[:2000])
        core().writer.apply(changeset)
    except WriteError as exc:
        return _operation(None, vocab_id, title, i18n.translate("batch_help"), fields, "batch", exc.status, str(exc))
    except BadRequest as exc:
        return _operation(None, vocab_id, title, i18n.translate("batch_help"), fields, "batch", 400, exc.description)
    flash(i18n.translate("created_n", n=len(concepts)))
    return redirect(f"/history/{vocab_id}", 303)


@blueprint.route("/scheme/<vocab_id>", methods=["GET", "POST"])
def scheme(vocab_id: str):
    info = _vocabulary(vocab_id)
    who = editor(vocab_id)
    current = _scheme_values(vocab_id)
    source = request.form if request.method == "POST" else current
    fields = [{"name": f"{name}-{lang}", "key": f"{name}_field", "lang": lang, "lines": name == "description",
               "value": source.get(f"{name}-{lang}", "")} for name in ("title", "description") for lang in ("fr", "en")]
    fields += [{"name": name, "key": name, "value": source.get(name, "")} for name in ("creator", "publisher", "rights")]
    fields += [{"name": "license", "key": "licence", "value": source.get("license", "")},
               {"name": "comment", "key": "comment", "value": request.form.get("comment", "")}]
    title = i18n.translate("scheme_title", title=info.title(i18n.ui_language()))
    if request.method == "GET":
        return _operation(None, vocab_id, title, "", fields, "save")
    body = {"title": {l: request.form[f"title-{l}"] for l in ("fr", "en") if request.form.get(f"title-{l}", "").strip()},
            "description": {l: request.form[f"description-{l}"] for l in ("fr", "en")
                            if request.form.get(f"description-{l}", "").strip()}}
    body |= {name: request.form.get(name, "").strip() for name in ("creator", "publisher", "rights", "license")}
    try:
        changeset = restructure.scheme_metadata(store(), vocab_id, body, who.name, request.form.get("comment", "")[:2000])
        change, _findings = core().writer.apply(changeset)
    except WriteError as exc:
        return _operation(None, vocab_id, title, "", fields, "save", exc.status, str(exc))
    flash(i18n.translate("saved", n=change.number) if change else i18n.translate("unchanged"))
    return redirect(f"/{vocab_id}", 303)


def _scheme_values(vocab_id: str) -> dict:
    import pyoxigraph as ox

    info = store().info(vocab_id)
    out: dict[str, str] = {}
    if not info.schemes:
        return out
    graph = store().graph_iri(vocab_id)
    for name, predicate in restructure.SCHEME_FIELDS.items():
        for quad in store().quads(ox.NamedNode(info.schemes[0]), ox.NamedNode(predicate), None, graph):
            lang = getattr(quad.object, "language", None)
            key = f"{name}-{lang or 'fr'}" if name in ("title", "description") else name
            out.setdefault(key, quad.object.value)
    return out
