"""The Flask application factory: wires one blueprint per interface over the engine (core.Core); it starts
nothing itself beyond what `Core.start()` does."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from vocabserver.config import Settings
from vocabserver.core import Core
from vocabserver.resources import shipped
from vocabserver.store.embedded import VocabStore
from vocabserver.web.caching import AnswerCache


def create_app(settings: Settings | Core | None = None, store: VocabStore | None = None) -> Flask:
    """The application over an engine (or over one built from `settings` and an open `store`)."""
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
    app.extensions["vocabserver.core"] = core
    app.extensions["vocabserver.store"] = store
    app.extensions["vocabserver.labels"] = core.labels
    answers = app.extensions["vocabserver.answers"] = AnswerCache(settings.answer_cache)
    core.events.subscribe(answers.clear)
    app.extensions["vocabserver.sparql"] = core.sparql

    from vocabserver.web.api import blueprint as api
    from vocabserver.web.changes import blueprint as changes
    from vocabserver.web.graph_store import blueprint as graph_store
    from vocabserver.web.health import blueprint as health
    from vocabserver.web.linkeddata import blueprint as linkeddata
    from vocabserver.web.pages import blueprint as pages
    from vocabserver.web.compat.skosmos import blueprint as skosmos
    from vocabserver.web.compat.skosmos_changes import blueprint as skosmos_changes
    from vocabserver.web.compat.skosmos_hierarchy import blueprint as skosmos_hierarchy
    from vocabserver.web.sparql import blueprint as sparql

    for blueprint in (health, pages, api, changes, graph_store, skosmos, skosmos_hierarchy, skosmos_changes, sparql,
                      linkeddata):
        app.register_blueprint(blueprint)

    @app.before_request
    def follow_commits():
        # A read-only server reopens its view when a writer has committed (one stat a second at most).
        store.follow_commits()

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
