"""The W3C Reconciliation API (OpenRefine, Cocoda, Alma Refine…), versions 0.2 and 1.0-draft, over HTTP:

    GET  /reconcile[/{vocab}]                    the manifest (1.0-draft; ?version=0.2 for the 0.2 one)
    GET|POST /reconcile[/{vocab}]?queries=…      a 0.2 batch (form field or parameter `queries`), JSONP with `callback`
    GET|POST /reconcile[/{vocab}]?extend=…       0.2 data extension
    POST /reconcile[/{vocab}]/match              a 1.0-draft batch (JSON {"queries": [...]})
    GET  /reconcile[/{vocab}]/suggest/entity|type|property?prefix=…
    GET  /reconcile[/{vocab}]/preview?id=…       a small HTML card
    POST /reconcile[/{vocab}]/extend             1.0-draft data extension (JSON)
    GET  /reconcile[/{vocab}]/extend/propose, /propose_properties   the properties data extension offers

Every answer allows any origin (CORS). A bad batch is a 400 saying what is wrong. Private vocabularies are neither
types nor candidates for a caller without an account."""

from __future__ import annotations

import html
import re

import orjson
from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, NotFound

from vocabserver.reconcile.service import QUERY_PROPERTIES, Service, extension_row
from vocabserver.web import params
from vocabserver.web.context import labels, store
from vocabserver.web.pages import asset_version
from vocabserver.web.privacy import hidden

blueprint = Blueprint("reconcile", __name__)

MAX_BATCH = 1_000  # queries in one batch (OpenRefine sends 10 by default)
MAX_LIMIT = 100  # candidates per query
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")


def _service(vocab_id: str | None) -> Service:
    shown = {k: v for k, v in store().vocabularies().items() if k not in hidden()}
    if vocab_id is not None and vocab_id not in shown:
        raise NotFound(f"no vocabulary {vocab_id!r}: see /reconcile for the service of all of them")
    return Service(labels(), shown, store().base_uri, vocab_id, params.field_vocabularies())


def _json(body, status: int = 200) -> Response:
    callback = request.args.get("callback")
    if callback and request.method == "GET":
        if not _CALLBACK.match(callback):
            raise BadRequest("callback must be a JavaScript identifier")
        response = Response(f"{callback}({orjson.dumps(body).decode('utf-8')});", status=status,
                            mimetype="application/javascript")
    else:
        response = Response(orjson.dumps(body), status=status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.before_request
def _preflight():
    # A browser's CORS preflight (a page of another site posting JSON): allowed, nothing else to do.
    if request.method == "OPTIONS":
        return Response(status=204)
    return None


@blueprint.after_request
def _cors(response: Response) -> Response:
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    return response


def _field(name: str) -> str | None:
    return request.form.get(name) if request.method == "POST" and name in request.form else request.args.get(name)


def _body(field: str):
    """A 1.0-draft request's JSON: the body itself, or the form field `field` (as 0.2 clients send it)."""
    return request.get_json(silent=True) if request.is_json else _parse(_field(field) or "", field)


def _parse(text: str, what: str):
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"{what} is not JSON: {exc}") from None


@blueprint.route("/reconcile", methods=["GET", "POST", "OPTIONS"])
@blueprint.route("/reconcile/<vocab_id>", methods=["GET", "POST", "OPTIONS"])
def service(vocab_id: str | None = None):
    svc = _service(vocab_id)
    queries, extend = _field("queries"), _field("extend")
    if queries is not None:
        return _json(_batch_02(svc, _parse(queries, "queries")))
    if extend is not None:
        return _json(_extend(svc, _parse(extend, "extend"), "0.2"))
    if request.method == "POST" and request.is_json:
        return match(vocab_id)
    return _json(svc.manifest("0.2" if request.args.get("version") == "0.2" else "1.0-draft"))


def _properties(query: dict, version: str) -> list[tuple[str, str]]:
    out = []
    if version == "0.2":
        for prop in query.get("properties") or []:
            if not isinstance(prop, dict) or "pid" not in prop or "v" not in prop:
                raise BadRequest("each property of a query is {\"pid\": …, \"v\": …}")
            values = prop["v"] if isinstance(prop["v"], list) else [prop["v"]]
            out += [(str(prop["pid"]), v.get("id", "") if isinstance(v, dict) else str(v)) for v in values]
        return out
    for condition in query.get("conditions") or []:
        if condition.get("matchType") == "property":
            value = condition.get("propertyValue")
            out.append((str(condition.get("propertyId", "")), value.get("id", "") if isinstance(value, dict) else str(value)))
    return out


def _limit(query: dict) -> int:
    limit = query.get("limit", 5)
    if not isinstance(limit, (int, float)) or isinstance(limit, bool) or limit < 1:
        raise BadRequest("limit must be a positive number")
    return min(int(limit), MAX_LIMIT)


def _type(query: dict) -> str | None:
    wanted = query.get("type")
    if isinstance(wanted, list):  # 0.2 allows a list of types: the first that is a vocabulary here
        wanted = next((t for t in wanted if isinstance(t, str)), None)
    if wanted is not None and not isinstance(wanted, str):
        raise BadRequest("type must be a string (a vocabulary id)")
    return wanted or None


def _batch_02(svc: Service, batch) -> dict:
    if not isinstance(batch, dict) or not batch:
        raise BadRequest('queries is a JSON object of queries: {"q0": {"query": "vase"}, …}')
    if len(batch) > MAX_BATCH:
        raise BadRequest(f"at most {MAX_BATCH} queries in one batch")
    out = {}
    for key, query in batch.items():
        if not isinstance(query, dict) or not isinstance(query.get("query"), str):
            raise BadRequest(f"query {key!r} needs a text in \"query\"")
        found = svc.candidates(query["query"], _type(query), _properties(query, "0.2"), _limit(query))
        out[key] = {"result": [svc.candidate(c, "0.2") for c in found]}
    return out


@blueprint.route("/reconcile/match", methods=["POST", "OPTIONS"])
@blueprint.route("/reconcile/<vocab_id>/match", methods=["POST", "OPTIONS"])
def match(vocab_id: str | None = None):
    svc = _service(vocab_id)
    batch = _body("queries")
    if not isinstance(batch, dict) or not isinstance(batch.get("queries"), list) or not batch["queries"]:
        raise BadRequest('the body is {"queries": [{"conditions": [{"matchType": "name", "propertyValue": "vase"}]}]}')
    if len(batch["queries"]) > MAX_BATCH:
        raise BadRequest(f"at most {MAX_BATCH} queries in one batch")
    results = []
    for number, query in enumerate(batch["queries"]):
        conditions = query.get("conditions") if isinstance(query, dict) else None
        if not isinstance(conditions, list) or not conditions:
            raise BadRequest(f"query {number} needs a non-empty list of conditions")
        names = [c.get("propertyValue") for c in conditions if isinstance(c, dict) and c.get("matchType") == "name"]
        if len(names) != 1 or not isinstance(names[0], str):
            raise BadRequest(f"query {number} needs exactly one condition of matchType \"name\" with a text value")
        found = svc.candidates(names[0], _type(query), _properties(query, "1.0"), _limit(query))
        results.append({"candidates": [svc.candidate(c, "1.0-draft") for c in found]})
    return _json({"results": results})


# -- suggest, preview ---------------------------------------------------------------------------------------
@blueprint.get("/reconcile/suggest/<kind>")
@blueprint.get("/reconcile/<vocab_id>/suggest/<kind>")
def suggest(kind: str, vocab_id: str | None = None):
    svc = _service(vocab_id)
    prefix = params.text("prefix") or ""
    limit = params.integer("limit", 10, 1, MAX_LIMIT)
    if kind == "entity":
        found = svc.suggest_entities(prefix, request.args.get("type") or None, limit)
    elif kind == "type":
        found = svc.suggest_types(prefix)[:limit]
    elif kind == "property":
        found = svc.suggest_properties(prefix)[:limit]
    else:
        raise NotFound("suggest is for entity, type or property")
    return _json({"result": found})


@blueprint.get("/reconcile/preview")
@blueprint.get("/reconcile/<vocab_id>/preview")
def preview(vocab_id: str | None = None):
    svc = _service(vocab_id)
    uri = params.uri("id")
    index = labels()
    found = [c for c in index.concepts_of(uri) if index.vocab_of(c) in svc.vocabularies
             and (vocab_id is None or index.vocab_of(c) == vocab_id)]
    if not found:
        raise NotFound(f"no concept {uri}")
    concept = found[0]
    name, _lang = index.label_of(concept, "fr")
    alternatives = [index.label_text[label] for label in index.labels_of(concept)
                    if index._kind[label] == "altLabel" and not index.label_dead[label]][:6]
    notation = index.notations[concept]
    body = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>' + html.escape(name) + "</title>"
        f'<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/preview.css?v={asset_version()}">'
        "</head><body>"
        f"<h1>{html.escape(name)}{' <span class=v>(' + html.escape(notation) + ')</span>' if notation else ''}</h1>"
        f"<p class=v>{html.escape(svc.describe(concept))}</p>"
        + (f"<p class=a>aussi : {html.escape(', '.join(alternatives))}</p>" if alternatives else "")
        + f"<p class=v>{html.escape(uri)}</p></body></html>")
    response = Response(body, mimetype="text/html")
    response.headers["Access-Control-Allow-Origin"] = "*"
    # Shown in a frame of another site (OpenRefine): any ancestor may frame it; nothing but our stylesheet loads.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'self'; img-src data:; frame-ancestors *"
    return response


# -- data extension --------------------------------------------------------------------------------------------
@blueprint.get("/reconcile/propose_properties")
@blueprint.get("/reconcile/<vocab_id>/propose_properties")
@blueprint.get("/reconcile/extend/propose")
@blueprint.get("/reconcile/<vocab_id>/extend/propose")
def propose(vocab_id: str | None = None):
    svc = _service(vocab_id)
    wanted = request.args.get("type") or vocab_id or ""
    limit = params.integer("limit", 50, 1, 500)
    return _json({"type": wanted, "properties": svc.proposed_properties()[:limit]})


@blueprint.route("/reconcile/extend", methods=["POST", "OPTIONS"])
@blueprint.route("/reconcile/<vocab_id>/extend", methods=["POST", "OPTIONS"])
def extend(vocab_id: str | None = None):
    return _json(_extend(_service(vocab_id), _body("extend"), "1.0-draft"))


def _extend(svc: Service, body, version: str) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("ids"), list) or not isinstance(body.get("properties"), list):
        raise BadRequest('extend is {"ids": [IRI…], "properties": [{"id": "broader"}…]}')
    if len(body["ids"]) > MAX_BATCH:
        raise BadRequest(f"at most {MAX_BATCH} ids in one extension")
    names = dict(p for p in (*[(pid, name) for pid, name in QUERY_PROPERTIES], *[(p["id"], p["name"])
                                                                            for p in svc.proposed_properties()]))
    asked = []
    for prop in body["properties"]:
        if not isinstance(prop, dict) or not isinstance(prop.get("id"), str):
            raise BadRequest('each property is {"id": …}')
        asked.append(prop["id"])
    meta = [{"id": pid, "name": names.get(pid, pid)} for pid in asked]
    visible = svc.vocabularies
    index = svc.index
    rows_by_id = {}
    for uri in body["ids"]:
        if not isinstance(uri, str):
            raise BadRequest("ids are strings (the concepts' IRIs)")
        found = [c for c in index.concepts_of(uri) if index.vocab_of(c) in visible]
        rows_by_id[uri] = extension_row(store(), index, visible, uri, asked) if found else {pid: [] for pid in asked}
    if version == "0.2":
        return {"meta": meta, "rows": rows_by_id}
    return {"meta": meta, "rows": [{"id": uri, "properties": [{"id": pid, "values": values}
                                                               for pid, values in row.items()]}
                                   for uri, row in rows_by_id.items()]}
