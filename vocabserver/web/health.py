"""GET /health: is the store reachable, and what does it hold."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, jsonify

from vocabserver.web.privacy import hidden
from vocabserver.store.queries import query
from vocabserver.web.context import store

blueprint = Blueprint("health", __name__)


@blueprint.get("/ping")
def ping():
    """Liveness only (no store access): also the trivial baseline of the HTTP benchmarks."""
    return "pong\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def _labels_state() -> dict:
    holder = current_app.extensions["vocabserver.labels"]
    if not holder.ready:
        return {"ready": False}
    index = holder.current()
    return {"ready": True, "labels": len(index.label_text), "concepts": len(index.uris),
            "built_in_s": round(index.built_in, 3), "loaded_from": index.loaded_from}


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
