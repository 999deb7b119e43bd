"""The Flask application factory: one blueprint per interface over the core."""

from __future__ import annotations

import threading

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from vocabserver.config import Settings
from vocabserver.index.label_index import LabelIndexHolder, index_path
from vocabserver.resources import shipped
from vocabserver.sparql.service import Limits, SparqlService
from vocabserver.sparql.pool import EvaluatorPool, ThreadEvaluator, snapshot_factory, store_factory
from vocabserver.store.embedded import VocabStore
from vocabserver.web.caching import AnswerCache


def create_app(settings: Settings | None = None, store: VocabStore | None = None) -> Flask:
    """Build the application around an open store (or open the configured one)."""
    settings = settings or Settings.load()
    if store is None:
        store = VocabStore(settings.data_dir, settings.base_uri, read_only=settings.read_only,
                           default_base_uri=settings.default_base_uri)
    app = Flask("vocabserver", template_folder=str(shipped("templates")), static_folder=None)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.config["VOCABSERVER_CACHE_CONTROL"] = settings.cache_control
    # Bodies beyond this are refused with 413 before they are read (forms, POSTed queries).
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_request_bytes
    app.extensions["vocabserver.store"] = store
    holder = LabelIndexHolder(store, index_path(store))
    app.extensions["vocabserver.labels"] = holder
    app.extensions["vocabserver.answers"] = AnswerCache(settings.answer_cache)
    if not holder.open_saved():
        # No saved index of this state: built off the start-up path; a lookup arriving first waits for it.
        threading.Thread(target=holder.current, name="label-index", daemon=True).start()
    # (The saved index is read first, before the SPARQL workers start and compete for the CPU.)
    limits = Limits(settings.sparql_timeout, settings.sparql_max_rows, settings.sparql_workers,
                    settings.sparql_memory_mb, settings.sparql_max_query, settings.sparql_max_depth)
    if settings.sparql_isolation == "thread":
        evaluator = ThreadEvaluator(limits.workers, store)
    else:
        evaluator = EvaluatorPool(limits.workers, store_factory(store) if store.read_only else snapshot_factory(store),
                                  memory_mb=limits.memory_mb)
    app.extensions["vocabserver.sparql"] = SparqlService(store, evaluator, limits)

    from vocabserver.web.api import blueprint as api
    from vocabserver.web.health import blueprint as health
    from vocabserver.web.linkeddata import blueprint as linkeddata
    from vocabserver.web.pages import blueprint as pages
    from vocabserver.web.skosmos import blueprint as skosmos
    from vocabserver.web.sparql import blueprint as sparql

    for blueprint in (health, pages, api, skosmos, sparql, linkeddata):
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
        return jsonify(error=exc.name, status=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return jsonify(error="Internal Server Error", status=500,
                       message="the server failed to answer this request; it has been logged"), 500

    return app


def _wants_page() -> bool:
    if request.path.startswith(("/api/", "/rest/", "/sparql", "/dumps/")):
        return False
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("application/json")
