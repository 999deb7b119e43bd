"""The Flask application factory: wires one blueprint per interface over the engine (core.Core); it starts
nothing itself beyond what `Core.start()` does."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from flask import Flask, jsonify, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from vocabserver.auth.secret import session_key
from vocabserver.config import Settings
from vocabserver.core import Core
from vocabserver.resources import shipped
from vocabserver.store.embedded import VocabStore
from vocabserver import metrics
from vocabserver.web.caching import AnswerCache
from vocabserver.web.front_cache import ROUTE_KEY, FrontCache
from vocabserver.web.observe import Observe, log_target


def create_app(settings: Settings | Core | None = None, store: VocabStore | None = None,
               behind_workers: bool = False) -> Flask:
    """The application over an engine (or over one built from `settings` and an open `store`). `behind_workers`:
    the writer of `serve --workers N`, reached only through its workers (web/forward.py)."""
    if isinstance(settings, Core):
        core = settings
    else:
        core = Core(settings or Settings.load(), store).start()
    settings, store = core.settings, core.store
    app = Flask("vocabserver", template_folder=str(shipped("templates")), static_folder=None)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.config["VOCABSERVER_CACHE_CONTROL"] = settings.cache_control
    # Bodies beyond this are refused with 413 before they are read (forms, POSTed queries).
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_request_bytes
    # Sessions of the pages: a signed cookie, HttpOnly, SameSite=Lax, Secure when served over https.
    # Signed sessions must verify on every node: the key lives in the shared accounts database when it is
    # PostgreSQL (nodes on several machines), else beside the store in the data directory.
    app.secret_key = session_key(Path(store.local_dir) if store.local_dir else None, core.accounts)
    app.config.update(SESSION_COOKIE_NAME="vocabserver_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=store.base_uri.startswith("https:"),
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
                      # CSRF is checked by each form view (login.csrf.protect()); the APIs take bearer tokens.
                      WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    app.extensions["vocabserver.core"] = core
    app.extensions["vocabserver.store"] = store
    app.extensions["vocabserver.labels"] = core.labels
    answers = app.extensions["vocabserver.answers"] = AnswerCache(settings.answer_cache)
    core.events.subscribe(answers.clear)
    app.extensions["vocabserver.sparql"] = core.sparql

    from vocabserver.web.api import blueprint as api
    from vocabserver.web.changes import blueprint as changes
    from vocabserver.web.editing import blueprint as editing
    from vocabserver.web.editor_pages import blueprint as editor_pages
    from vocabserver.web.history_pages import blueprint as history_pages
    from vocabserver.web.proposal_pages import blueprint as proposal_pages
    from vocabserver.web.admin_pages import blueprint as admin_pages
    from vocabserver.web.validation import blueprint as validation
    from vocabserver.web.validation_jobs import blueprint as validation_jobs
    from vocabserver.web.proposals import blueprint as proposals
    from vocabserver.web.graph_store import blueprint as graph_store
    from vocabserver.web.health import blueprint as health
    from vocabserver.web.linkeddata import blueprint as linkeddata
    from vocabserver.web.login import LOGIN_LIMIT, csrf
    from vocabserver.web.login import blueprint as login
    from vocabserver.web.pages import blueprint as pages
    from vocabserver.web.compat.skosmos import blueprint as skosmos
    from vocabserver.web.compat.skosmos_changes import blueprint as skosmos_changes
    from vocabserver.web.compat.opentheso import blueprint as opentheso
    from vocabserver.web.compat.reconcile import blueprint as reconcile
    from vocabserver.web.compat.skosmos_groups import blueprint as skosmos_groups
    from vocabserver.web.compat.skosmos_hierarchy import blueprint as skosmos_hierarchy
    from vocabserver.web.compat.skosmos_statistics import blueprint as skosmos_statistics
    from vocabserver.web.sparql import blueprint as sparql

    for blueprint in (health, pages, login, editor_pages, history_pages, proposal_pages, admin_pages, validation, validation_jobs, api,
                      changes, editing, proposals, graph_store, skosmos, skosmos_hierarchy, skosmos_changes,
                      skosmos_statistics, skosmos_groups, reconcile, opentheso, sparql,
                      linkeddata):
        app.register_blueprint(blueprint)
    csrf.init_app(app)
    # Sign-in attempts per client address, counted in this process (Flask-Limiter); beyond: 429.
    limiter = Limiter(get_remote_address, app=app, storage_uri="memory://", default_limits=[],
                      headers_enabled=True)
    app.view_functions["login.login"] = limiter.limit(LOGIN_LIMIT)(app.view_functions["login.login"])

    @app.before_request
    def name_the_route():
        # For the metrics and the log line (web/observe.py): the endpoint, a bounded set of names.
        request.environ[ROUTE_KEY] = request.endpoint or "unmatched"

    # Outside Flask: every request first follows the writer's commits (a read-only process), then a repeated
    # read is answered from the encoded answers; the outermost layer names, logs and counts each request.
    # The state answers are kept for: the store's, and which vocabularies are private (the accounts database's:
    # an anonymous answer of a vocabulary made private is dropped within Privacy.TTL, as every other cache).
    front = FrontCache(app.wsgi_app, lambda: (core.current_stamp(), core.privacy.private()),
                       settings.front_cache_mb * 1024 * 1024)
    app.extensions["vocabserver.front_cache"] = front
    inner = front
    if settings.writer_socket:
        from vocabserver.web.forward import ForwardWrites

        inner = ForwardWrites(front, settings.writer_socket)
    app.wsgi_app = Observe(inner, log_target(settings.access_log))
    if behind_workers:
        from vocabserver.web.forward import trust_forwarded

        app.wsgi_app = trust_forwarded(app.wsgi_app)
    metrics.process_started()
    metrics.report_state(lambda: _state_metrics(core, front))

    from vocabserver.web.privacy import guard, private_answers

    app.before_request(guard)  # private vocabularies: 404 to callers without an account
    app.after_request(private_answers)

    @app.after_request
    def no_sniffing(response):
        # Every answer is what its Content-Type says: browsers must not guess (a JSON error is not a page).
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Errors are JSON with a message — an HTML page for a browser on the pages; never a traceback.
        if _wants_page():
            from vocabserver.web.pages import error_page

            return error_page(exc)
        response = jsonify(error=exc.name, status=exc.code, message=exc.description)
        response.status_code = exc.code
        for name, value in exc.get_headers():  # WWW-Authenticate of a 401, Allow of a 405…
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return jsonify(error="Internal Server Error", status=500,
                       message="the server failed to answer this request; it has been logged"), 500

    return app


def _wants_page() -> bool:
    if request.path.startswith(("/api/", "/rest/", "/sparql", "/dumps/", "/store")):
        return False
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("application/json")


def _state_metrics(core: Core, front: FrontCache) -> list:
    """This process's state, read when /metrics is asked."""
    index = core.labels._index
    rows = [("vocabserver_answer_cache_bytes", "Bytes of encoded answers kept by the answering process.",
             front.state()["bytes"])]
    if index is not None:
        rows.append(("vocabserver_label_index_age_seconds", "Seconds since the answering process's label index "
                     "was built or patched.", time.time() - core.labels.installed_at))
        rows.append(("vocabserver_label_index_current", "1 when the label index is of the served state.",
                     1.0 if core.labels.ready else 0.0))
    return rows
