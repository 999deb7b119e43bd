"""Record validation over HTTP (vocabserver/records/):

    POST /api/v1/validate   a JSON list of records (objects keyed by field code; `?fields=DENO,TECH` to
                            check only some) -> the JSON document `vocabserver validate --format json` prints
    GET/POST /validate      the upload page: a file checked, its report shown, CSV, JSON and the corrected
                            copy to download

Synchronous, for the records a cataloguing tool sends while a record is typed or imported (the request body
is bounded by the server's request limit)."""

from __future__ import annotations

import io
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from flask import Blueprint, Response, request, send_file
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge

from vocabserver.records.formats import InputError, open_records, records_from_json
from vocabserver.records.html import context as html_context
from vocabserver.records.reports import tee_csv, write_json
from vocabserver.records.validate import Validation
from vocabserver.records.verdicts import Checker
from vocabserver.web import i18n
from vocabserver.web.context import labels, store
from vocabserver.web.login import csrf
from vocabserver.web.privacy import hidden

blueprint = Blueprint("validation", __name__)


def new_validation(fields: str | None) -> Validation:
    """A validation for this request: `fields` (comma-separated codes) or all the controlled ones, without the
    fields of vocabularies the caller may not read. A bad field name is a 400."""
    try:
        return Validation(Checker(labels(), store()), fields.split(",") if fields else None, hidden())
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


def _json_document(validation: Validation, records, source) -> Response:
    out = io.StringIO()
    write_json(out, validation, validation.run(records), source)
    response = Response(out.getvalue(), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.post("/api/v1/validate")
def validate():
    if request.mimetype in ("text/csv", "text/plain", "application/x-ndjson"):
        return _validate_file()
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("the JSON is nested too deeply: send a list of records, each an object of fields") from None
    if body is None:
        raise BadRequest("send the records as a JSON list of objects keyed by field code (Content-Type: "
                         'application/json), e.g. [{"REF": "000PE001", "DENO": "statuette"}]')
    validation = new_validation(request.args.get("fields"))
    try:
        source, records = records_from_json(body)
    except InputError as exc:
        raise BadRequest(str(exc)) from None
    return _json_document(validation, records, source)


def _validate_file() -> Response:
    """A file as the body (field-code text, CSV, JSON lines; within the request limit: larger ones are jobs)."""
    validation = new_validation(request.args.get("fields"))
    with tempfile.TemporaryDirectory(prefix="vocabserver-validate-") as folder:
        received = Path(folder) / "input"
        received.write_bytes(request.get_data())
        try:
            source, records = open_records(received, name=request.args.get("name") or "request")
            return _json_document(validation, records, source)
        except (ValueError, InputError, LookupError) as exc:
            raise BadRequest(str(exc)) from None


# -- the upload page ------------------------------------------------------------------------------------
UPLOAD_MAX = 50 * 1024 * 1024  # a museum's export of a few tens of thousands of records
KEPT_SECONDS = 3600  # the reports of an upload, then deleted (the upload itself is deleted at once)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
DOWNLOADS = {"problems.csv": "text/csv", "results.json": "application/json", "report.html": "text/html",
             "corrected.txt": "text/plain", "corrected.csv": "text/csv", "corrected.json": "application/json"}
CORRECTED = {"notices": "corrected.txt", "csv": "corrected.csv", "json": "corrected.json"}


def write_corrected(received: Path, source, validation: Validation, folder: Path) -> dict | None:
    """The corrected copy of an upload beside its reports (kept as long as they are): its name and how many
    field values changed; None when the input cannot be read through to its end (the reports say where it
    stops), since a copy would then lose what follows."""
    import csv

    from vocabserver.records.fixes import write_fixed

    name = CORRECTED[source.format]
    try:
        return {"name": name, "changed": write_fixed(received, source, validation, folder / name)}
    except (csv.Error, InputError, ValueError, RecursionError):
        (folder / name).unlink(missing_ok=True)
        return None


def _reports() -> Path:
    """Where uploads' reports and validation jobs live an hour: in the data directory, which the app nodes over
    one remote store share (a job started on one node is followed and downloaded on any), else a temporary one."""
    from vocabserver.web.context import core

    local = core().store.local_dir
    folder = Path(local) / "validation" if local else Path(tempfile.gettempdir()) / "vocabserver-validation"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = time.time()
    for old in folder.iterdir():  # what is older than an hour goes
        if now - old.stat().st_mtime > KEPT_SECONDS:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def _page(status: int = 200, **context) -> Response:
    from vocabserver.web.pages import render

    response = render("validate.html", "", status=status, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.route("/validate", methods=["GET", "POST"])
def upload_page():
    if request.method == "GET":
        return _page()
    csrf.protect()
    request.max_content_length = UPLOAD_MAX
    fields = request.values.get("fields", "")[:200]
    try:
        upload = request.files.get("file")
    except RequestEntityTooLarge:
        return _page(413, message=i18n.translate("upload_too_large", max=UPLOAD_MAX // (1024 * 1024)))
    if upload is None or not upload.filename:
        return _page(400, message="choose a file of records", fields=fields)
    token = secrets.token_urlsafe(24)
    folder = _reports() / token
    folder.mkdir(mode=0o700)
    received = folder / "input"
    upload.save(received)
    try:
        validation = Validation(Checker(labels(), store()), fields.split(","), hidden())
        source, records = open_records(received, name=Path(upload.filename).name)
        with open(folder / "problems.csv", "w", encoding="utf-8", newline="") as problems, \
                open(folder / "results.json", "w", encoding="utf-8") as results:
            write_json(results, validation, tee_csv(validation.run(records), problems), source)
        corrected = write_corrected(received, source, validation, folder)
    except (ValueError, InputError, LookupError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return _page(400, message=str(exc), fields=fields)
    finally:
        received.unlink(missing_ok=True)  # the records as sent are not kept
    report = html_context(validation, source)
    from vocabserver.web.pages import page_path

    return _page(r=report, token=token, fields=fields, link=page_path, corrected=corrected)


@blueprint.get("/validate/<token>/<name>")
def download(token: str, name: str):
    if not _TOKEN.match(token) or name not in DOWNLOADS:
        raise NotFound("no such report")
    path = _reports() / token / name
    if not path.exists():
        raise NotFound("this report is no longer kept (an hour after the upload): check the file again")
    return send_file(path, mimetype=DOWNLOADS[name], as_attachment=True, download_name=name, max_age=0)
