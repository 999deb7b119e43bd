"""The read calls of Opentheso's REST API (`/opentheso/api/…`), with its parameters and answer shapes, so that
tools built on Opentheso — where the Joconde thesauri live today, th284–th306 — switch by changing a base URL:

    all/theso?id=thNNN&format=rdf|jsonld|turtle|json     the whole thesaurus (json: RDF/JSON, as Opentheso writes it)
    {naan}/{ark}.rdf|.json|.jsonld|.ttl                    a concept by its ARK (or by Accept without a suffix)
    {thNNN}.{idConcept}.rdf|.json|.jsonld|.ttl             a concept by its identifier in the thesaurus
    preflabel.{lang}/{naan}/{ark}.json                     {"prefLabel": "…"}
    autocomplete/{value}?theso=&lang=[&format=full]        [{"uri", "label"[, "isAltLabel", "definition"]}]
    autocomplete?value=&theso=&lang=                       the same (the form Omeka S plugins call)
    search?theso=&q=&lang=&format=                         the matching concepts as RDF (q=notation:…, q=ark:/…)
    info/list?theso=all, info/lastupdate?theso=, info/listLang?theso=
    topterm?theso=&lang=, narrower?theso=&id=&lang=        [{"id", "label", "haveChildren"}]

A thesaurus id is the Opentheso id a vocabulary's scheme carries (`dct:identifier "th294"`), or the vocabulary's
own id. Differences, said in README: matching is by word beginnings, accents and case aside (Opentheso's by
substrings); an unknown thesaurus or concept is a 404 with a message (Opentheso answers 200 with an empty body).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import orjson
import pyoxigraph as ox
from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, NotFound

from vocabserver.index.folding import fold
from vocabserver.rdf.formats import format_by_name
from vocabserver.rdf.jsonld import to_jsonld
from vocabserver.rdf.namespaces import SKOS_PREFIXES
from vocabserver.web import params
from vocabserver.web.context import labels, store
from vocabserver.web.privacy import hidden

blueprint = Blueprint("opentheso", __name__, url_prefix="/opentheso/api")

ARK_NS = "http://data.culture.fr/thesaurus/resource/ark:/"
DCT_IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")
SKOS = "http://www.w3.org/2004/02/skos/core#"
MEDIA = {"rdf": "application/rdf+xml", "jsonld": "application/ld+json", "turtle": "text/turtle",
         "json": "application/json"}
SUFFIXES = {"rdf": "rdf", "json": "json", "jsonld": "jsonld", "ttl": "turtle"}
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_cache: OrderedDict = OrderedDict()  # (vocabulary, format, commit stamp) -> bytes: whole thesauri, a few kept
_cache_lock = threading.Lock()
_CACHED = 6


_ids: dict = {}  # commit stamp -> {Opentheso id or vocabulary id: vocabulary id}, every vocabulary


def _thesauri() -> dict[str, str]:
    """Opentheso id (and vocabulary id) -> vocabulary id, for the vocabularies this caller may see; the schemes'
    identifiers are read once per store version, not at each call."""
    stamp = store().modified()
    found = _ids.get(stamp)
    if found is None:
        found = {}
        for vocab_id, info in store().vocabularies().items():
            found[vocab_id] = vocab_id
            for scheme in info.schemes:
                for quad in store().quads(ox.NamedNode(scheme), DCT_IDENTIFIER, None, ox.NamedNode(info.graph)):
                    if re.fullmatch(r"th\d+", quad.object.value):
                        found[quad.object.value] = vocab_id
        _ids.clear()
        _ids[stamp] = found
    hide = hidden()
    return {key: vocab_id for key, vocab_id in found.items() if vocab_id not in hide}


def _vocabulary(theso: str | None) -> str:
    if not theso:
        raise BadRequest("give the thesaurus: theso=thNNN (or id=thNNN for all/theso)")
    found = _thesauri().get(theso.strip())
    if found is None:
        raise NotFound(f"no thesaurus {theso!r} here: /opentheso/api/info/list?theso=all lists them")
    return found




def _format(name: str | None, default: str = "rdf") -> str:
    wanted = (name or default).lower()
    if wanted not in MEDIA:
        raise BadRequest(f"format is one of {', '.join(MEDIA)}, not {wanted!r}")
    return wanted


def _json(body, status: int = 200) -> Response:
    response = Response(orjson.dumps(body), status=status, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def rdf_json(triples) -> bytes:
    """RDF/JSON (W3C RDF 1.1 JSON Alternate Serialization), the `json` format of Opentheso's exports."""
    out: dict = {}
    for triple in triples:
        subject = triple.subject.value if isinstance(triple.subject, ox.NamedNode) else "_:" + triple.subject.value
        value = triple.object
        if isinstance(value, ox.NamedNode):
            term = {"type": "uri", "value": value.value}
        elif isinstance(value, ox.BlankNode):
            term = {"type": "bnode", "value": "_:" + value.value}
        else:
            term = {"type": "literal", "value": value.value}
            if value.language:
                term["lang"] = value.language
            elif value.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
                term["datatype"] = value.datatype.value
        out.setdefault(subject, {}).setdefault(triple.predicate.value, []).append(term)
    return orjson.dumps(out)


def _serialize(triples: list, fmt: str) -> Response:
    if fmt == "json":
        body = rdf_json(triples)
    elif fmt == "jsonld":
        body = to_jsonld(triples)
    else:
        body = ox.serialize(triples, format=format_by_name("rdfxml" if fmt == "rdf" else "turtle").oxigraph,
                            prefixes=SKOS_PREFIXES)
    response = Response(body, mimetype=MEDIA[fmt])
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- whole thesauri and the list ------------------------------------------------------------------------------
@blueprint.get("/all/theso")
def all_theso():
    vocab_id = _vocabulary(request.args.get("id"))
    fmt = _format(request.args.get("format"))
    key = (vocab_id, fmt, store().modified())
    with _cache_lock:
        body = _cache.get(key)
        if body is not None:
            _cache.move_to_end(key)
    if body is None:
        graph = ox.NamedNode(store().info(vocab_id).graph)
        triples = [q.triple for q in ox.parse(store().dump_graph(graph), format=ox.RdfFormat.N_TRIPLES)]
        body = _serialize(triples, fmt).get_data()
        with _cache_lock:
            _cache[key] = body
            while len(_cache) > _CACHED:
                _cache.popitem(last=False)
    response = Response(body, mimetype=MEDIA[fmt])
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.get("/info/list")
def info_list():
    vocabularies = store().vocabularies()
    if request.args.get("topconcept", "").lower() == "all":
        return topterm(request.args.get("theso"))
    # One entry a vocabulary, under its Opentheso id (under its own id when it has none).
    named: dict[str, str] = {}
    for key, vocab_id in _thesauri().items():
        if vocab_id not in named or key.startswith("th"):
            named[vocab_id] = key
    out = [{"idTheso": theso, "labels": [{"lang": lang, "title": vocabularies[vocab_id].title(lang)}
                                         for lang in ("fr", "en")]}
           for vocab_id, theso in sorted(named.items(), key=lambda item: item[1])]
    return _json(out)


@blueprint.get("/info/lastupdate")
def last_update():
    vocab_id = _vocabulary(request.args.get("theso"))
    return _json({"lastUpdate": (store().info(vocab_id).modified or "")[:10]})


@blueprint.get("/info/listLang")
def list_languages():
    vocab_id = _vocabulary(request.args.get("theso"))
    return _json([{"lang": lang} for lang in labels().languages(vocab_id)])


# -- one concept ----------------------------------------------------------------------------------------------
def _concept_triples(uri: str) -> list:
    index = labels()
    found = [c for c in index.concepts_of(uri) if index.vocab_of(c) not in hidden()]
    if not found:
        raise NotFound(f"no concept {uri}")
    return [q.triple for q in store().statements(uri)]


def _format_of(suffix: str | None) -> str:
    if suffix:
        return SUFFIXES[suffix]
    accept = request.headers.get("Accept", "")
    for fmt, media in (("jsonld", "application/ld+json"), ("json", "application/json"), ("turtle", "text/turtle")):
        if media in accept:
            return fmt
    return "rdf"


@blueprint.get("/<naan>/<ark>")
def concept_by_ark(naan: str, ark: str):
    if not naan.isdigit():
        raise NotFound("not an ARK: /opentheso/api/{naan}/{ark}.json")
    match = re.fullmatch(r"(.+?)(?:\.(rdf|json|jsonld|ttl))?", ark)
    return _serialize(_concept_triples(f"{ARK_NS}{naan}/{match.group(1)}"), _format_of(match.group(2)))


@blueprint.get("/<path:dotted>")
def concept_by_id(dotted: str):
    match = re.fullmatch(r"([A-Za-z0-9_-]+)\.([A-Za-z0-9_.-]+?)(?:\.(rdf|json|jsonld|ttl))?", dotted)
    if match is None:
        raise NotFound("not an Opentheso call: see README, Opentheso compatibility")
    vocab_id = _vocabulary(match.group(1))
    local = match.group(2)
    index = labels()
    # The identifier is the end of the concept's IRI: minted under this server's base, or an ARK.
    candidates = [f"{store().base_uri}{vocab_id}/{local}"] + [
        f"{ARK_NS}{local}" if local.startswith("67717/") else f"{ARK_NS}67717/{local}"]
    for uri in candidates:
        found = [c for c in index.concepts_of(uri) if index.vocab_of(c) == vocab_id]
        if found:
            return _serialize(_concept_triples(uri), _format_of(match.group(3)))
    raise NotFound(f"no concept {local!r} in {match.group(1)}")


@blueprint.get("/preflabel.<lang>/<naan>/<ark>")
def pref_label(lang: str, naan: str, ark: str):
    uri = f"{ARK_NS}{naan}/{ark[:-5] if ark.endswith('.json') else ark}"
    index = labels()
    found = [c for c in index.concepts_of(uri) if index.vocab_of(c) not in hidden()]
    if not found:
        raise NotFound(f"no concept {uri}")
    text = index.pref[found[0]].get(lang.lower().split("-")[0])
    if text is None:
        raise NotFound(f"{uri} has no preferred label in {lang!r}")
    return _json({"prefLabel": text})


# -- finding --------------------------------------------------------------------------------------------------
def _matches(value: str, vocab_id: str, lang: str | None, limit: int = 100) -> list[tuple[int, int]]:
    """(concept, matched label) pairs: the preferred labels first, then the alternative ones, an equal label
    first of all (Opentheso's order)."""
    index = labels()
    hits, _ = index.search(value, vocabularies=[vocab_id], lang=lang, limit=limit)
    wanted = fold(value)
    return sorted(((h.concept, h.label) for h in hits),
                  key=lambda pair: (index.label_folded[pair[1]] != wanted, index._kind[pair[1]] != "prefLabel"))


def _autocomplete(value: str | None):
    if not value or not value.strip():
        raise BadRequest("give the text to complete")
    vocab_id = _vocabulary(request.args.get("theso"))
    lang = params.language("lang")
    full = (request.args.get("format") or "").lower() == "full"
    index = labels()
    out = []
    for concept, label in _matches(value, vocab_id, lang):
        kind = index._kind[label]
        item = {"uri": index.uris[concept],
                "label": index.label_text[label] if kind == "prefLabel" else index.label_of(concept, lang or "fr")[0]}
        if full:
            definitions = [q.object.value for q in store().quads(ox.NamedNode(index.uris[concept]),
                                                                 ox.NamedNode(SKOS + "definition"), None, None)]
            item |= {"isAltLabel": kind != "prefLabel", "definition": definitions[0] if definitions else ""}
        out.append(item)
    return _json(out)


@blueprint.get("/autocomplete/<value>")
def autocomplete(value: str):
    return _autocomplete(value)


@blueprint.get("/autocomplete")
def autocomplete_by_parameter():
    return _autocomplete(request.args.get("value"))


@blueprint.get("/search")
def search():
    vocab_id = _vocabulary(request.args.get("theso"))
    query = params.text("q", required=True) or ""
    accept = request.headers.get("Accept", "")
    fmt = _format(request.args.get("format") or next(
        (f for f, media in (("jsonld", "application/ld+json"), ("json", "application/json"),
                            ("turtle", "text/turtle")) if media in accept), "rdf"))
    index = labels()
    if "ark:/" in query:
        concepts = [c for c in index.concepts_of(ARK_NS + query.split("ark:/", 1)[1]) if index.vocab_of(c) == vocab_id]
    elif query.startswith("notation:"):
        code = query.split(":", 1)[1].strip()
        part = [c for c in range(len(index.uris)) if index.vocab_of(c) == vocab_id and index.notations[c] == code]
        concepts = part[:100]
    else:
        exact = (request.args.get("match") or "").lower() in ("exact", "exactone")
        pairs = _matches(query, vocab_id, params.language("lang"))
        if exact:
            pairs = [p for p in pairs if index.label_folded[p[1]] == fold(query)]
        concepts = list(dict.fromkeys(c for c, _label in pairs))
    triples = [q.triple for c in concepts for q in store().statements(index.uris[c])]
    return _serialize(triples, fmt)


def _tree_items(concepts: list[int], lang: str) -> list[dict]:
    index = labels()
    items = [{"id": index.uris[c].rsplit("/", 1)[-1], "label": index.label_of(c, lang)[0],
              "haveChildren": bool(index.narrower(c))} for c in concepts]
    return sorted(items, key=lambda item: fold(item["label"]))


@blueprint.get("/topterm")
def topterm(theso: str | None = None):
    vocab_id = _vocabulary(theso or request.args.get("theso"))
    return _json(_tree_items(labels().top_concepts(vocab_id), params.language("lang") or "fr"))


@blueprint.get("/narrower")
def narrower():
    vocab_id = _vocabulary(request.args.get("theso"))
    local = params.text("id", required=True) or ""
    if not _ID.match(local):
        raise BadRequest("id is a concept's identifier in the thesaurus")
    index = labels()
    concept = next((c for uri in (f"{store().base_uri}{vocab_id}/{local}", f"{ARK_NS}67717/{local}")
                    for c in index.concepts_of(uri) if index.vocab_of(c) == vocab_id), None)
    if concept is None:
        raise NotFound(f"no concept {local!r} in {request.args.get('theso')}")
    return _json(_tree_items(index.narrower(concept), params.language("lang") or "fr"))
