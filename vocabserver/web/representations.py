"""RDF representations shared by the linked-data and SPARQL blueprints."""

from __future__ import annotations

from flask import Response, render_template

from vocabserver.rdf.jsonld import to_jsonld
from vocabserver.rdf.namespaces import PREFIXES
from vocabserver.rdf.formats import format_by_name
from vocabserver.web.context import store
from vocabserver.web.negotiation import Offer

HTML = Offer("html", "text/html", ("application/xhtml+xml", "htm"))
RDF_OFFERS = [
    Offer("turtle", "text/turtle", ("ttl", "application/x-turtle", "n3", "text/n3", "text/rdf+n3")),
    Offer("rdfxml", "application/rdf+xml", ("rdf", "xml", "rdf+xml", "application/xml")),
    Offer("jsonld", "application/ld+json", ("json-ld", "json", "application/json")),
    Offer("ntriples", "application/n-triples", ("nt", "text/plain")),
]
SUFFIXES = {"ttl": "turtle", "rdf": "rdfxml", "jsonld": "jsonld", "nt": "ntriples", "html": "html"}
SUFFIX_OF = {v: k for k, v in SUFFIXES.items()}


def rdf_bytes(triples, offer: Offer) -> bytes:
    import pyoxigraph as ox

    if offer.name == "jsonld":
        return to_jsonld(triples)
    fmt = format_by_name(offer.name)
    kwargs = {"format": fmt.oxigraph}
    if fmt.oxigraph in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        kwargs["prefixes"] = PREFIXES
    return ox.serialize(list(triples), **kwargs)


def rdf_response(triples, offer: Offer) -> Response:
    mimetype = offer.media_type
    response = Response(rdf_bytes(triples, offer), mimetype=mimetype)
    if mimetype.startswith("text/"):
        response.charset = "utf-8"
    return response


def link_href(iri: str) -> str | None:
    """Where a link to an IRI may point: this server's own page of it, or the IRI itself when it is
    http(s). Any other scheme (javascript:, data:, urn:…) is shown as text, never as a link."""
    path = local_path(iri)
    if path is not None:
        return path
    return iri if iri[:7].lower() == "http://" or iri[:8].lower() == "https://" else None


def local_path(iri: str) -> str | None:
    """Where this server serves the description of an IRI it holds, or None."""
    base = store().base_uri
    if iri.startswith(base):
        return "/" + iri[len(base):]
    ark = "http://data.culture.fr/thesaurus/resource/"
    if iri.startswith(ark):
        return "/resource/" + iri[len(ark):]
    return None


def html_page(template: str, **context) -> Response:
    response = Response(render_template(template, local_path=local_path, **context), mimetype="text/html")
    response.charset = "utf-8"
    return response
