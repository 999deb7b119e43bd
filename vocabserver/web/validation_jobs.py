"""Large validations over HTTP, as jobs: the file is the request's body, checked in a background thread while
the client polls its progress, then its reports are downloaded.

    POST /api/v1/validate/jobs[?fields=DENO,TECH]   the file (field-code text, CSV or JSON; up to 50 MB)
        -> 202, Location: /api/v1/validate/jobs/{id}
    GET  /api/v1/validate/jobs/{id}                  status (running, done, failed), records and values so far,
                                                     counts, and the links to results.json, problems.csv,
                                                     report.html and the corrected copy once done

A job's files live an hour in the same folder as the upload page's reports (in the data directory); the input is
deleted as soon as it is read. Jobs run one at a time per node (a validation uses a core); others wait their turn.
A job's state is also written beside its files (`job.json`, at each step and every few seconds while it runs), so
that app nodes sharing the data directory answer for each other's jobs and count them in the bounds; a job whose
node stopped answers "failed" once its state is older than STALE_SECONDS."""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, NotFound, RequestEntityTooLarge, Unauthorized

from vocabserver.records.formats import InputError, open_records
from vocabserver.records.html import write_html
from vocabserver.records.reports import tee_csv, write_json
from vocabserver.records.validate import Validation
from vocabserver.web.answers import json_answer
from vocabserver.web.context import core
from vocabserver.web.validation import (_TOKEN, KEPT_SECONDS, UPLOAD_MAX, _reports, new_validation,
                                         write_corrected)

log = logging.getLogger(__name__)
blueprint = Blueprint("validation_jobs", __name__)
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="validation")
_jobs: dict[str, dict] = {}
_lock = threading.Lock()
STATE = "job.json"
HEARTBEAT = 2.0  # seconds between two writes of a running job's state
STALE_SECONDS = 60.0  # a queued or running job whose state is older: its node stopped


def _save(job: dict) -> None:
    """The job's state beside its files (atomic: a reader on another node never sees half of it)."""
    folder = job.get("folder")
    if folder is None:
        return
    job["saved"] = time.time()
    state = {k: v for k, v in dict(job).items() if k != "folder"}
    temporary = Path(folder) / f".{STATE}.{os.getpid()}.{threading.get_ident()}"
    try:
        temporary.write_text(json.dumps(state), encoding="utf-8")
        temporary.replace(Path(folder) / STATE)
    except OSError:
        log.warning("could not save the state of validation job %s", job.get("id"))


def _load(folder: Path) -> dict | None:
    try:
        job = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if job.get("status") in ("queued", "running") and time.time() - job.get("saved", 0) > STALE_SECONDS:
        job.update(status="failed", error="the node running this job stopped before it ended: start it again")
    return job


def _all_jobs() -> list[dict]:
    """Every job kept: this node's, and those of the other nodes sharing the data directory."""
    with _lock:
        found = {token: dict(job) for token, job in _jobs.items()}
    for folder in _reports().iterdir():
        if folder.name not in found and (folder / STATE).exists():
            job = _load(folder)
            if job is not None:
                found[folder.name] = job
    return list(found.values())


def _counting(records, job: dict):
    for record in records:
        job["records"] += 1
        yield record


_beating = threading.Event()


def _heartbeat() -> None:
    """This node's queued and running jobs saved every HEARTBEAT seconds: the other nodes see their progress,
    and see them stale once this node is gone."""
    while True:
        time.sleep(HEARTBEAT)
        with _lock:
            active = [job for job in _jobs.values() if job["status"] in ("queued", "running")]
        for job in active:
            _save(job)


def _run(job: dict, folder: Path, received: Path, name: str, validation: Validation) -> None:
    job["status"], job["started"] = "running", time.time()
    _save(job)
    try:
        source, records = open_records(received, name=name)
        with open(folder / "problems.csv", "w", encoding="utf-8", newline="") as problems, \
                open(folder / "results.json", "w", encoding="utf-8") as results:
            write_json(results, validation, tee_csv(validation.run(_counting(records, job)), problems), source)
        write_html(folder / "report.html", validation, source)
        corrected = write_corrected(received, source, validation, folder)
        job.update(status="done", summary=validation.summary.as_dict(), source=source.as_dict(), corrected=corrected)
    except (InputError, ValueError, LookupError, OSError) as exc:
        job.update(status="failed", error=str(exc))
    except Exception as exc:  # noqa: BLE001 - a job never stays "running": it ends failed, with the reason, logged
        log.exception("validation job %s failed", job.get("id"))
        job.update(status="failed", error=f"the check stopped on an unexpected error ({type(exc).__name__}); it is "
                                          "logged on the server")
    finally:
        received.unlink(missing_ok=True)
        job["finished"] = time.time()
        job["values"] = validation.summary.values
        _save(job)


def _client() -> tuple[str, bool]:
    """Who starts a job, for its bounds: an account (a token or a signed-in user), or else an address; and
    whether they have an account."""
    from vocabserver.web.auth import account

    found = account()
    if found is not None:
        return f"account:{found.name}", True
    return f"address:{request.remote_addr or '?'}", False


def _refused(status: int, message: str, retry_after: int) -> Response:
    response = json_answer({"error": "Too Many Requests" if status == 429 else "Service Unavailable",
                            "status": status, "message": message}, status)
    response.headers["Retry-After"] = str(retry_after)
    return response


def _admit(client: str, has_account: bool, size: int | None) -> Response | None:
    """A refusal when this job would pass a bound (per client, in all, bytes waiting), else None: jobs run one
    after another, so an unbounded queue is hours of work and gigabytes of files for anyone who posts."""
    settings = core().settings
    if not has_account and not settings.jobs_anonymous:
        raise Unauthorized("validation jobs need an account here (a token, or sign in); POST /api/v1/validate "
                           "checks a small file at once without one")
    active = [j for j in _all_jobs() if j["status"] in ("queued", "running")]
    waiting = sum(j.get("bytes", 0) for j in active if j["status"] == "queued")
    mine = sum(1 for j in active if j.get("client") == client)
    if mine >= settings.jobs_per_client:
        return _refused(429, f"{mine} of your jobs are queued or running (at most {settings.jobs_per_client}): "
                             "wait for one to end", 30)
    if len(active) >= settings.jobs_max:
        return _refused(503, f"{len(active)} validation jobs are queued or running (at most {settings.jobs_max}): "
                             "try again in a minute", 60)
    if size is not None and waiting + size > settings.jobs_queue_mb * 1024 * 1024:
        return _refused(503, f"{(waiting + size) // (1024 * 1024)} MB of files would wait to be checked (at most "
                             f"{settings.jobs_queue_mb} MB): try again in a minute", 60)
    return None


@blueprint.post("/api/v1/validate/jobs")
def start():
    request.max_content_length = UPLOAD_MAX
    client, has_account = _client()
    refused = _admit(client, has_account, request.content_length)
    if refused is not None:
        return refused
    validation = new_validation(request.args.get("fields"))
    token = secrets.token_urlsafe(24)
    folder = _reports() / token
    folder.mkdir(mode=0o700)
    received = folder / "input"
    try:
        with open(received, "wb") as out:
            while chunk := request.stream.read(1 << 20):
                out.write(chunk)
                if out.tell() > UPLOAD_MAX:
                    raise RequestEntityTooLarge(f"at most {UPLOAD_MAX // (1024 * 1024)} MB")
    except RequestEntityTooLarge:
        received.unlink(missing_ok=True)
        raise
    if received.stat().st_size == 0:
        received.unlink()
        raise BadRequest("send the file of records as the request's body")
    job = {"id": token, "status": "queued", "records": 0, "values": 0, "created": time.time(), "client": client,
           "bytes": received.stat().st_size, "folder": str(folder)}
    with _lock:
        for key in [k for k, j in _jobs.items() if time.time() - j["created"] > KEPT_SECONDS]:
            del _jobs[key]
        _jobs[token] = job
        if not _beating.is_set():
            _beating.set()
            threading.Thread(target=_heartbeat, name="validation-jobs-heartbeat", daemon=True).start()
    _save(job)
    name = request.args.get("name") or "upload"
    _executor.submit(_run, job, folder, received, name, validation)
    response = json_answer(_view(job), 202)
    response.headers["Location"] = f"/api/v1/validate/jobs/{token}"
    return response


def _view(job: dict) -> dict:
    out = {k: job[k] for k in ("id", "status", "records", "values") if k in job}
    if "started" in job:
        out["seconds"] = round((job.get("finished") or time.time()) - job["started"], 2)
    if job["status"] == "done":
        out |= {"summary": job["summary"], "source": job["source"],
                "results": f"/validate/{job['id']}/results.json", "problems": f"/validate/{job['id']}/problems.csv",
                "report": f"/validate/{job['id']}/report.html"}
        if job["corrected"] is not None:
            out |= {"corrected": f"/validate/{job['id']}/{job['corrected']['name']}",
                    "correctedValues": job["corrected"]["changed"]}
    if job["status"] == "failed":
        out["error"] = job["error"]
    return out


@blueprint.get("/api/v1/validate/jobs/<token>")
def status(token: str):
    job = None
    if _TOKEN.match(token):
        job = _jobs.get(token) or _load(_reports() / token)  # this node's, or another's (a shared data directory)
    if job is None:
        raise NotFound("no such job (jobs are kept an hour)")
    return json_answer(_view(job))
