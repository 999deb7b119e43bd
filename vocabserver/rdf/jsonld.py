"""Compact JSON-LD for descriptions and CONSTRUCT results, with one published context."""

from __future__ import annotations

import orjson
from collections import defaultdict
from functools import lru_cache

import pyoxigraph as ox

from vocabserver.rdf.namespaces import PREFIXES

CONTEXT = dict(PREFIXES)
_RDF_TYPE = PREFIXES["rdf"] + "type"
_XSD_STRING = PREFIXES["xsd"] + "string"


@lru_cache(maxsize=4096)
def compact_iri(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns) and "/" not in iri[len(ns):] and "#" not in iri[len(ns):]:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _node_id(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


def _value(term) -> dict:
    if isinstance(term, ox.Literal):
        value: dict = {"@value": term.value}
        if term.language:
            value["@language"] = term.language
        elif term.datatype.value != _XSD_STRING:
            value["@type"] = compact_iri(term.datatype.value)
        return value
    return {"@id": _node_id(term)}


def to_jsonld(triples, context_url: str | None = None) -> bytes:
    """One node object per subject; the context is inlined (no fetch needed) and also published."""
    nodes: dict[str, dict] = {}
    props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        sid = _node_id(t.subject)
        nodes.setdefault(sid, {"@id": sid})
        if t.predicate.value == _RDF_TYPE and not isinstance(t.object, ox.Literal):
            nodes[sid].setdefault("@type", []).append(compact_iri(t.object.value))
        else:
            props[sid][compact_iri(t.predicate.value)].append(_value(t.object))
    graph = []
    for sid, node in nodes.items():
        node.update({p: values for p, values in sorted(props[sid].items())})
        graph.append(node)
    document = {"@context": CONTEXT, "@graph": graph}
    return orjson.dumps(document)  # compact UTF-8, several times faster than json
