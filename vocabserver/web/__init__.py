"""The Flask application factory: one blueprint per interface over the core."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from ..config import Settings
from ..store import VocabStore


def create_app(settings: Settings | None = None, store: VocabStore | None = None) -> Flask:
    """Build the application around an open store (or open the configured one)."""
    if store is None:
        settings = settings or Settings.load()
        store = VocabStore(settings.data_dir, settings.base_uri, default_base_uri=settings.default_base_uri)
    app = Flask("vocabserver")
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["vocabserver.store"] = store

    from .health import blueprint as health

    app.register_blueprint(health)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # Every error is JSON with a message; no HTML error pages, no tracebacks.
        return jsonify(error=exc.name, status=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error")
        return jsonify(error="Internal Server Error", status=500,
                       message="the server failed to answer this request; it has been logged"), 500

    return app
