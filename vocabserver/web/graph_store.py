"""The SPARQL 1.1 Graph Store HTTP Protocol at /store (?graph=IRI, ?default): GET and HEAD for everyone,
PUT, POST and DELETE with a bearer token, each write a changeset through the one write path — validated,
recorded, revertible; a refusal changes nothing.

The default graph holds nothing here (every vocabulary has its own named graph): it reads as empty and is
not written. A vocabulary's graph always exists (its catalogue entry says so); another graph exists while it
holds triples.
"""

from __future__ import annotations

import orjson
import pyoxigraph as ox
from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, NotFound, UnsupportedMediaType

from vocabserver.changes.changeset import ChangeSet, WriteError
from vocabserver.rdf.formats import FORMATS
from vocabserver.rdf.iri import iri_problem
from vocabserver.web.auth import may_write, principal
from vocabserver.web.context import core, store
from vocabserver.web.negotiation import negotiate
from vocabserver.web.representations import RDF_OFFERS, rdf_bytes
from vocabserver.web.privacy import hidden, hidden_graphs

blueprint = Blueprint("graph_store", __name__)
_GRAPH_FORMATS = {f.media_type: f for f in FORMATS if f.name in ("turtle", "rdfxml", "ntriples", "jsonld")}
_GRAPH_FORMATS["application/x-turtle"] = _GRAPH_FORMATS["text/turtle"]
_GRAPH_FORMATS["text/plain"] = _GRAPH_FORMATS["application/n-triples"]


@blueprint.before_request
def _graph_sized_bodies():
    # A graph is a file, not a form: bounded by the load limits (VOCABSERVER_MAX_LOAD_BYTES), not the form cap.
    request.max_content_length = core().settings.load_limits.max_bytes


@blueprint.errorhandler(WriteError)
def _refused(exc: WriteError):
    return Response(orjson.dumps(exc.as_dict()), status=exc.status, mimetype="application/json")


def _target() -> ox.NamedNode | None:
    """The graph named by ?graph=, or None for ?default (exactly one of them)."""
    graph, default = request.args.get("graph"), "default" in request.args
    if (graph is None) == (not default):
        raise BadRequest("name the graph: ?graph=IRI, or ?default (SPARQL 1.1 Graph Store Protocol)")
    if graph is None:
        return None
    problem = iri_problem(graph) if ":" in graph else "not an absolute IRI"
    if problem:
        raise BadRequest(f"parameter 'graph' must be an absolute IRI, not {graph[:80]!r} ({problem})")
    return ox.NamedNode(graph)


def _exists(graph: ox.NamedNode) -> bool:
    return graph in store().live_graphs() or any(True for _ in store().quads(None, None, None, graph))


@blueprint.route("/store", methods=["GET", "HEAD"])
def read_graph():
    graph = _target()
    offer = negotiate(RDF_OFFERS, lenient=True)
    if graph is None:
        triples = []
    elif graph in (store().catalogue.graph, store().history_graph) or _exists(graph):
        triples = _readable_triples(graph)
    else:
        raise NotFound(f"no graph {graph.value}")
    response = Response(rdf_bytes(triples, offer), mimetype=offer.media_type)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _readable_triples(graph: ox.NamedNode) -> list[ox.Triple]:
    """The graph as this caller may read it: the change log and the catalogue without what concerns a private
    vocabulary the caller may not see (its changes, their triples and comments; its catalogue entry)."""
    quads = store().quads(None, None, None, graph)
    private = hidden()
    if not private or graph not in (store().catalogue.graph, store().history_graph):
        return [q.triple for q in quads]
    if graph == store().history_graph:
        vocabulary = ox.NamedNode(store().base_uri + "ns#vocabulary")
        secret = {q.subject for q in store().quads(None, vocabulary, None, graph) if q.object.value in private}
        return [q.triple for q in quads if q.subject not in secret]
    datasets = [store().catalogue.dataset(v).value for v in private]
    graphs = hidden_graphs()

    def secret(term) -> bool:
        return isinstance(term, ox.NamedNode) and (term.value in graphs or any(
            term.value == d or term.value.startswith(d + "#") for d in datasets))

    return [q.triple for q in quads if not secret(q.subject) and not secret(q.object)]


def _payload(graph: ox.NamedNode) -> list[ox.Triple]:
    mimetype = request.mimetype
    fmt = _GRAPH_FORMATS.get(mimetype)
    if fmt is None:
        raise UnsupportedMediaType(f"send the graph as {', '.join(sorted(_GRAPH_FORMATS))}, not "
                                   f"{mimetype or 'no Content-Type'}")
    try:
        return [q.triple for q in ox.parse(request.get_data(), format=fmt.oxigraph, base_iri=graph.value)]
    except SyntaxError as exc:
        raise BadRequest(f"the {fmt.label} body does not parse: {exc}") from None


def _named_target() -> ox.NamedNode:
    graph = _target()
    if graph is None:
        raise BadRequest("the default graph is not written here: each vocabulary lives in its own named graph "
                         "(?graph=IRI)")
    return graph


def _allowed(graph: ox.NamedNode, what: str):
    """Who writes, checked before the body is read or the graph looked at: 401/403 come first."""
    who = principal()
    may_write(who, store().live_graphs().get(graph), what)
    return who


def _write(who, graph: ox.NamedNode, removed, added):
    vocabulary = store().live_graphs().get(graph)
    changeset = ChangeSet(graph, removed, added, who.name, request.headers.get("X-Comment", "")[:2000],
                          "graph-store")
    match = request.headers.get("If-Match")
    if match and match != "*" and vocabulary:
        changeset.vocabulary_version = match.strip('"')
    return core().writer.apply(changeset)


def _answer(change, findings, created: bool) -> Response:
    body = {"change": change.as_dict() if change else None, "findings": [f.as_dict() for f in findings]}
    return Response(orjson.dumps(body), status=201 if created else 200, mimetype="application/json")


@blueprint.put("/store")
def put_graph():
    graph = _named_target()
    who = _allowed(graph, "replace")
    added = _payload(graph)
    with core().writer.exclusive():
        existed = _exists(graph)
        change, findings = _write(who, graph, [q.triple for q in store().quads(None, None, None, graph)], added)
    return _answer(change, findings, created=not existed)


@blueprint.post("/store")
def post_graph():
    graph = _named_target()
    who = _allowed(graph, "add to")
    added = _payload(graph)
    existed = _exists(graph)
    change, findings = _write(who, graph, [], added)
    return _answer(change, findings, created=not existed)


@blueprint.delete("/store")
def delete_graph():
    graph = _named_target()
    who = _allowed(graph, "clear")
    with core().writer.exclusive():
        if not _exists(graph):
            raise NotFound(f"no graph {graph.value}")
        change, findings = _write(who, graph, [q.triple for q in store().quads(None, None, None, graph)], [])
    return _answer(change, findings, created=False)
