"""The SPARQL 1.1 Protocol endpoint at /sparql (query only), its service description and query page."""

from __future__ import annotations

from functools import lru_cache
import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

import orjson

from vocabserver.changes.changeset import WriteError
from vocabserver.resources import shipped
from vocabserver.sparql.update import UpdateRefused, run_update
from vocabserver.sparql.service import QueryLimitExceeded, QueryRefused, QuerySyntaxError, SparqlService
from vocabserver.sparql.results import RESULT_FORMATS, serialize_solutions
from vocabserver import metrics
from vocabserver.web.caching import cacheable, not_modified
from vocabserver.web.auth import may_write, principal
from vocabserver.web.context import core, store
from vocabserver.web.negotiation import Offer, negotiate
from vocabserver.web.privacy import hidden_graphs, visible
from vocabserver.web.representations import HTML, RDF_OFFERS, html_page, rdf_bytes

blueprint = Blueprint("sparql", __name__)
SOLUTION_OFFERS = [Offer(f.name, f.media_type, ("application/json",) if f.name == "json" else
                         ("application/xml",) if f.name == "xml" else ()) for f in RESULT_FORMATS]


def service() -> SparqlService:
    return current_app.extensions["vocabserver.sparql"]


class _Update(Exception):
    """A request that is an update, not a query (answered by `_update`)."""

    def __init__(self, text: str, using: list[str], using_named: list[str]):
        self.text, self.using, self.using_named = text, using, using_named


def _protocol_request() -> tuple[str | None, list[str], list[str]]:
    """The query and dataset of a SPARQL Protocol request (GET, POST form, POST direct); raises _Update for
    an update (POST form update=, or application/sparql-update)."""
    default_graphs = request.args.getlist("default-graph-uri")
    named_graphs = request.args.getlist("named-graph-uri")
    using, using_named = request.args.getlist("using-graph-uri"), request.args.getlist("using-named-graph-uri")
    if request.method in ("GET", "HEAD"):
        queries = request.args.getlist("query")
        if request.args.get("update") is not None:
            raise QueryRefused("an update is sent with POST (SPARQL 1.1 Protocol), not GET", 405)
    else:
        # A body too large for a query under the cap is refused before it is decoded (decoding a large form
        # costs the server process CPU): 6 bytes a character is two-byte UTF-8 (accented letters) throughout,
        # all percent-encoded; real queries are mostly ASCII, at most 3 bytes a character encoded.
        limit = service().limits.max_query
        if (request.content_length or 0) > 6 * limit + 16_384:
            raise QueryRefused(f"the request body is {request.content_length} bytes: too large for a query of at "
                               f"most {limit} characters (VOCABSERVER_SPARQL_MAX_QUERY)", 413)
        mimetype = request.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            updates = request.form.getlist("update")
            if updates:
                if len(updates) > 1 or request.form.get("query") is not None:
                    raise BadRequest("give exactly one update parameter, and no query")
                raise _Update(updates[0], using + request.form.getlist("using-graph-uri"),
                              using_named + request.form.getlist("using-named-graph-uri"))
            queries = request.form.getlist("query")
            default_graphs += request.form.getlist("default-graph-uri")
            named_graphs += request.form.getlist("named-graph-uri")
        elif mimetype == "application/sparql-query":
            queries = [_utf8_body("a query")]
        elif mimetype == "application/sparql-update":
            raise _Update(_utf8_body("an update"), using, using_named)
        else:
            raise UnsupportedMediaType(
                f"POST a query as application/x-www-form-urlencoded (query=… or update=…), application/sparql-query "
                f"or application/sparql-update, not {mimetype or 'no Content-Type'}")
    if len(queries) > 1:
        raise BadRequest("give exactly one query parameter")
    return (queries[0] if queries else None), default_graphs, named_graphs


def _utf8_body(what: str) -> str:
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"{what} is sent in UTF-8, not {charset}")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(f"{what} is not valid UTF-8") from None


def _update(update: _Update) -> Response:
    """An update through the write path: who may write each graph it changes is checked, it is validated,
    recorded and revertible like any change; a refusal changes nothing."""
    who = principal()
    try:
        changes, findings = run_update(core().writer, update.text, who.name, request.headers.get("X-Comment", "")[:2000],
                                       service().limits.guard, update.using, update.using_named,
                                       lambda vocabulary: may_write(who, vocabulary, "update"))
    except UpdateRefused as exc:
        return _error(exc.status, str(exc), "")
    except WriteError as exc:
        return Response(orjson.dumps(exc.as_dict()), status=exc.status, mimetype="application/json")
    body = {"changes": [c.as_dict() for c in changes], "findings": [f.as_dict() for f in findings]}
    if not changes:
        body["status"] = "unchanged"
    return Response(orjson.dumps(body), status=200, mimetype="application/json")


@lru_cache(maxsize=1)
def _examples() -> tuple[dict, ...]:
    """The documented example queries of queries/examples/ (shipped files: read once)."""
    examples = []
    for path in sorted((shipped("queries") / "examples").glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        doc = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")]
        examples.append({"name": path.stem, "title": doc[0] if doc else path.stem,
                         "doc": " ".join(doc[1:]), "query": text})
    return tuple(examples)


def _service_description(offer: Offer) -> Response:
    vocab_store = store()
    text = render_template("service-description.ttl", base=vocab_store.base_uri,
                           vocabularies=visible().values(),
                           catalogue=vocab_store.catalogue.graph.value, limits=service().limits)
    triples = list(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    return Response(rdf_bytes(triples, offer), mimetype=offer.media_type)


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def endpoint():
    if request.method == "OPTIONS":
        return Response(status=204)
    try:
        query, default_graphs, named_graphs = _protocol_request()
    except QueryRefused as exc:
        return _error(exc.status, str(exc), "")
    except _Update as update:
        return _update(update)
    if query is None:
        offer = negotiate([HTML, *RDF_OFFERS])
        if offer is HTML:
            examples = _examples()
            return html_page("sparql.html", examples=examples, query=examples[0]["query"] if examples else "",
                             result=None, error=None, limits=service().limits)
        return _service_description(offer)
    try:
        checked = service().check(query)
        offers = ([*RDF_OFFERS, HTML] if checked.graph_form else [*SOLUTION_OFFERS, HTML])
        offer = negotiate(offers, lenient=True)
        variant = f"sparql\x1f{query}\x1f{default_graphs}\x1f{named_graphs}\x1f{offer.name}"
        if request.method in ("GET", "HEAD"):
            cached = not_modified(variant)
            if cached is not None:
                return cached
        result = service().run(query, default_graphs or None, named_graphs or None, checked, hidden_graphs())
    except QuerySyntaxError as exc:
        metrics.sparql_outcome("syntax")
        return _error(400, f"syntax error: {exc}", query)
    except QueryRefused as exc:
        metrics.sparql_outcome("refused")
        return _error(exc.status, str(exc), query)
    except QueryLimitExceeded as exc:
        metrics.sparql_outcome("timeout" if exc.status == 503 and "time" in str(exc).lower() else
                               "unavailable" if exc.status == 503 else "limit")
        response = _error(exc.status, str(exc), query)
        if exc.status == 503:
            response.headers["Retry-After"] = "2"
        return response
    metrics.sparql_outcome("ok")
    if offer is HTML:
        response = html_page("sparql.html", examples=_examples(), query=query, result=result, error=None,
                             limits=service().limits)
    elif result.kind == "graph":
        fmt_offer = offer if offer in RDF_OFFERS else RDF_OFFERS[0]
        response = Response(rdf_bytes(result.triples, fmt_offer), mimetype=fmt_offer.media_type)
    else:
        if offer not in SOLUTION_OFFERS:
            offer = SOLUTION_OFFERS[0]
        fmt = next(f for f in RESULT_FORMATS if f.name == offer.name)
        response = Response(serialize_solutions(result, fmt), mimetype=fmt.media_type)
    response.headers["X-Query-Seconds"] = f"{result.seconds:.6f}"
    return cacheable(response, variant) if request.method in ("GET", "HEAD") else response


def _error(status: int, message: str, query: str) -> Response:
    if request.accept_mimetypes.best == "text/html" and request.method in ("GET", "HEAD"):
        response = html_page("sparql.html", examples=_examples(), query=query, result=None, error=message,
                             limits=service().limits)
        response.status_code = status
        return response
    response = Response(message + "\n", status=status, mimetype="text/plain")
    response.charset = "utf-8"
    return response


@blueprint.after_app_request
def cors(response: Response) -> Response:
    # Read endpoints are open to every origin; there are no credentials to protect.
    if request.path == "/sparql" or request.method in ("GET", "HEAD"):
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response
