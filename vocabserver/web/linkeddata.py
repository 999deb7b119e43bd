"""Dereferenceable URIs, dumps, the VoID/DCAT catalogue and the JSON-LD context.

URI policy (Cool URIs, "hash-less with content negotiation"): a resource URI
answers 200 directly with the representation chosen by Accept, `Vary: Accept`
and `Content-Location` naming the format-specific document (`…/abc.ttl`),
which can be requested directly, as can `?format=`. One round trip for every
client, and each document has a stable URL of its own. ARK URIs of
data.culture.fr that the store holds resolve under /resource/ark:/…; any held
IRI resolves at /resource?uri=….
"""

from __future__ import annotations

import gzip
import json
import threading
from collections import OrderedDict

import pyoxigraph as ox
from flask import Blueprint, Response, abort, redirect, request, url_for
from werkzeug.exceptions import NotFound

from vocabserver.reading.describe import describe
from vocabserver.rdf.iri import is_iri
from vocabserver.rdf.jsonld import CONTEXT, to_jsonld
from vocabserver.rdf.formats import FORMATS, format_by_name
from vocabserver.web import pages, params
from vocabserver.web.caching import cacheable, not_modified, vocabulary_stamp
from vocabserver.web.context import store
from vocabserver.web.i18n import ui_language
from vocabserver.web.negotiation import negotiate
from vocabserver.web.privacy import check_iri, hidden, hidden_graphs, visible
from vocabserver.web.representations import (HTML, RDF_OFFERS, SUFFIX_OF, SUFFIXES, html_page, local_path, rdf_response)

blueprint = Blueprint("linkeddata", __name__)
ARK_NS = "http://data.culture.fr/thesaurus/resource/"


def _split_suffix(path: str) -> tuple[str, str | None]:
    head, dot, suffix = path.rpartition(".")
    if dot and suffix in SUFFIXES and "/" not in suffix:
        return head, SUFFIXES[suffix]
    return path, None


def _links(response, document_base: str, offer) -> None:
    response.headers["Content-Location"] = f"{document_base}.{SUFFIX_OF[offer.name]}"
    response.headers["Link"] = ", ".join(
        f'<{document_base}.{SUFFIX_OF[o.name]}>; rel="alternate"; type="{o.media_type}"' for o in RDF_OFFERS)


def _serve(iri: str, explicit: str | None, document_base: str):
    if not is_iri(iri):  # a path that makes no IRI (a space, "<", "%ff"…) names nothing here
        raise NotFound(f"{document_base[:200]} names no resource of this server")
    check_iri(iri)
    offers = [HTML, *RDF_OFFERS]
    offer = negotiate(offers, explicit)
    if offer is HTML:
        # Schemes and concepts have pages of the browsing interface; other resources a table of statements.
        vocab_id = pages.scheme_vocabulary(iri)
        if vocab_id is not None:
            return pages.vocabulary_page(vocab_id)
        alternates = [(o, f"{document_base}.{SUFFIX_OF[o.name]}") for o in RDF_OFFERS]
        page = pages.concept_page(iri, alternates)
        if page is not None:
            _links(page, document_base, offer)
            return page
    variant = f"describe\x1f{iri}\x1f{offer.name}" + (f"\x1f{ui_language()}" if offer is HTML else "")
    cached = not_modified(variant)
    if cached is not None:
        return cached
    description = describe(store(), iri, skip_graphs=hidden_graphs())
    if description is None:
        raise NotFound(f"{iri} is not described here")
    if offer is HTML:
        labels = description.labels()
        response = html_page("resource.html", description=description, labels=labels,
                             alternates=[(o, f"{document_base}.{SUFFIX_OF[o.name]}") for o in RDF_OFFERS])
    else:
        response = rdf_response(description.triples, offer)
    _links(response, document_base, offer)
    if description.truncated:
        response.headers["X-Description-Truncated"] = json.dumps(description.truncated)
    return cacheable(response, variant)


@blueprint.get("/<vocab_id>")
def minted_scheme(vocab_id: str):
    path, explicit = _split_suffix(vocab_id)
    vocabularies = store().vocabularies()
    iri = store().base_uri + path
    if path in vocabularies and iri not in vocabularies[path].schemes:
        # /deno names the vocabulary; its scheme has a URI of its own (a data.culture.fr ARK): the
        # vocabulary page for a browser, else 303 to the scheme's description (Cool URIs).
        offer = negotiate([HTML, *RDF_OFFERS], explicit)
        if offer is HTML:
            return pages.vocabulary_page(path)
        scheme = vocabularies[path].schemes[0] if vocabularies[path].schemes else None
        target = local_path(scheme) if scheme else None
        if target is None:
            raise NotFound(f"vocabulary {path!r} has no concept scheme")
        return redirect(f"{target}.{SUFFIX_OF[offer.name]}", code=303)
    return _serve(iri, explicit, "/" + path)


@blueprint.get("/<vocab_id>/<path:local>")
def minted_resource(vocab_id: str, local: str):
    path, explicit = _split_suffix(f"{vocab_id}/{local}")
    return _serve(store().base_uri + path, explicit, "/" + path)


@blueprint.get("/resource/<path:rest>")
def ark_resource(rest: str):
    # Werkzeug folds "//" in paths: "ark:/67717/T51" arrives intact, the scheme-style "http://" never appears here.
    path, explicit = _split_suffix(rest)
    return _serve(ARK_NS + path, explicit, "/resource/" + path)


@blueprint.get("/resource")
def any_resource():
    if not request.args.get("uri", "").strip():
        abort(400, "give the IRI to describe as ?uri=")
    iri = params.uri()
    path = local_path(iri)
    if path is None:
        # An IRI of another namespace that the store holds (e.g. from a loaded vocabulary).
        return _serve(iri, None, url_for("linkeddata.any_resource", uri=iri))
    return _serve(iri, None, path)


@blueprint.get("/context.jsonld")
def jsonld_context():
    response = Response(json.dumps({"@context": CONTEXT}, indent=1), mimetype="application/ld+json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.get("/.well-known/void")
def void():
    offer = negotiate([*RDF_OFFERS, HTML])
    variant = f"void\x1f{offer.name}"
    cached = not_modified(variant)
    if cached is not None:
        return cached
    vocab_store = store()
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in vocab_store.quads(None, None, None, vocab_store.catalogue.graph)]
    hide = {vocab_store.vocabularies()[v].dataset for v in hidden() if v in vocab_store.vocabularies()}
    if hide:  # the hidden vocabularies' datasets, their partitions and distributions, and the links to them
        triples = [t for t in triples if t.subject.value.split("#")[0] not in hide and t.object.value not in hide]
    if offer is HTML:
        response = html_page("catalogue.html", vocabularies=visible(), formats=RDF_OFFERS)
    else:
        response = rdf_response(triples, offer)
    return cacheable(response, variant)


# -- dumps ------------------------------------------------------------------
_DUMP_FORMATS = {f.suffix: f for f in FORMATS}
_QUAD_SUFFIXES = {"nq", "trig"}  # only for the whole set, which keeps each vocabulary's graph
_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_ENTRIES = 24  # generated dumps kept in memory, plain and gzipped (AUTR in Turtle is about 9 MB)


_making: dict[tuple, threading.Lock] = {}


def _dump_bytes(name: str, suffix: str, compressed: bool = False) -> bytes:
    """A dump, generated (and gzipped) once per version of what it holds (one vocabulary, or the store for
    all): concurrent requests for the same one wait for the first instead of each serialising it again."""
    key = (vocabulary_stamp(name), name, suffix, compressed)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        making = _making.setdefault(key, threading.Lock())
    try:
        with making:
            with _cache_lock:
                if key in _cache:
                    return _cache[key]
            if compressed:
                data = gzip.compress(_dump_bytes(name, suffix), compresslevel=6, mtime=0)
            else:
                data = _serialise_dump(name, suffix)
            with _cache_lock:
                _cache[key] = data
                while len(_cache) > _CACHE_ENTRIES:
                    _cache.popitem(last=False)
    finally:
        with _cache_lock:
            _making.pop(key, None)
    return data


def _serialise_dump(name: str, suffix: str) -> bytes:
    vocab_store = store()
    fmt = _DUMP_FORMATS[suffix]
    if name == "all":
        graphs = list(vocab_store.live_graphs())
        graphs = [g for g in graphs if g != vocab_store.catalogue.graph]
        if suffix in _QUAD_SUFFIXES:
            quads = [q for g in graphs for q in vocab_store.quads(None, None, None, g)]
            data = ox.serialize(quads, format=fmt.oxigraph)
        else:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for g in graphs for q in vocab_store.quads(None, None, None, g)]
            data = _triples_bytes(triples, suffix)
    else:
        if name not in vocab_store.vocabularies() or suffix in _QUAD_SUFFIXES:
            raise NotFound(f"no dump {name}.{suffix}")
        if suffix == "jsonld":
            graph = ox.NamedNode(vocab_store.info(name).graph)
            data = _triples_bytes([ox.Triple(q.subject, q.predicate, q.object)
                                   for q in vocab_store.quads(None, None, None, graph)], suffix)
        else:
            data = vocab_store.export(name, fmt)
    return data


def _triples_bytes(triples, suffix: str) -> bytes:
    if suffix == "jsonld":
        return to_jsonld(triples)
    fmt = format_by_name(suffix)
    return ox.serialize(triples, format=fmt.oxigraph)


@blueprint.get("/dumps/<filename>")
def dump(filename: str):
    compressed = filename.endswith(".gz")
    stem = filename[:-3] if compressed else filename
    name, _, suffix = stem.rpartition(".")
    if suffix not in _DUMP_FORMATS or not name:
        raise NotFound(f"no dump {filename}: ask for ID.ttl, .rdf, .nt, .jsonld (or all.nq, all.trig), optionally .gz")
    variant, stamp = f"dump\x1f{filename}", vocabulary_stamp(name)
    cached = not_modified(variant, stamp)
    if cached is not None:
        return cached
    data = _dump_bytes(name, suffix, compressed)
    response = Response(data, mimetype="application/gzip" if compressed else _DUMP_FORMATS[suffix].media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"
    return cacheable(response, variant, stamp)
