"""GET /health: is the store reachable, and what does it hold."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify, request

from vocabserver.web.privacy import hidden
from vocabserver.store.queries import query
from vocabserver.web.context import store

blueprint = Blueprint("health", __name__)


@blueprint.get("/ping")
def ping():
    """Liveness only (no store access): also the trivial baseline of the HTTP benchmarks."""
    return "pong\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@blueprint.get("/metrics")
def metrics_text():
    """Prometheus text format; an admin token unless VOCABSERVER_METRICS_PUBLIC (route names and volumes say
    what the server is used for: not for everyone by default)."""
    from flask import Response

    from vocabserver import metrics
    from vocabserver.web.auth import account
    from vocabserver.web.context import core

    if not core().settings.metrics_public:
        who = account() if request.headers.get("Authorization") else None
        if who is None or who.role != "admin":
            message = ("/metrics needs an admin token: Authorization: Bearer <token> (vocabserver token create "
                       "--name prometheus --role admin), or VOCABSERVER_METRICS_PUBLIC=1")
            status = 403 if who is not None else 401
            response = jsonify(error="Forbidden" if who else "Unauthorized", status=status, message=message)
            response.status_code = status
            if who is None:
                response.headers["WWW-Authenticate"] = 'Bearer realm="vocabserver"'
            return response
    return Response(metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def _labels_state() -> dict:
    holder = current_app.extensions["vocabserver.labels"]
    if not holder.ready:
        return {"ready": False}
    index = holder.current()
    return {"ready": True, "labels": len(index.label_text), "concepts": len(index.uris),
            "built_in_s": round(index.built_in, 3), "loaded_from": index.loaded_from,
            "rebuilds": holder.rebuilds}


def _following() -> dict:
    follower = current_app.extensions["vocabserver.core"].follower
    return {"last_change": follower.seen, "last_error": follower.last_error}


@blueprint.get("/health")
def health():
    vocab_store = store()
    pool = current_app.extensions["vocabserver.sparql"].pool
    started = time.perf_counter()
    try:
        reachable = bool(vocab_store.query(query("health/ping")))
        vocabularies = vocab_store.vocabularies()
    except (OSError, RuntimeError) as exc:  # StoreUnavailable (a remote store away) is a RuntimeError
        return jsonify(status="unavailable", store={"reachable": False, "message": str(exc)}), 503
    body = {
        "status": "ok" if vocabularies else "empty",
        "store": {
            "reachable": reachable,
            "path": str(vocab_store.path) if vocab_store.path else None,
            # A remote store: its query endpoint, and how this node follows the other nodes' commits.
            **({"remote": vocab_store.remote.describe(), "following": _following()} if vocab_store.shared else {}),
            "modified": vocab_store.modified() or None,
            "answered_in_ms": round((time.perf_counter() - started) * 1000, 3),
        },
        "accounts": current_app.extensions["vocabserver.core"].accounts.describe(),
        "base_uri": vocab_store.base_uri,
        "sparql": pool.state(),
        "labels": _labels_state(),
        "vocabularies": {
            vocab_id: {
                "concepts": info.concepts,
                "title": info.title("fr"),
                "fields": info.fields,
                "uri": info.schemes[0] if info.schemes else None,
                "triples": info.triples,
                "modified": info.modified,
            }
            for vocab_id, info in vocabularies.items() if vocab_id not in hidden()
        },
    }
    return jsonify(body), 200
