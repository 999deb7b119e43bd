"""Writing SPARQL SELECT/ASK results in JSON, XML, CSV and TSV.

SELECT and ASK results are written as SPARQL JSON here (the rows were pulled
one by one to enforce the limits) and turned into the other formats by
pyoxigraph's own serializers, so that XML, CSV and TSV follow the specs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

from vocabserver.sparql.service import QueryResult


@dataclass(frozen=True)
class ResultFormat:
    name: str
    media_type: str
    oxigraph: ox.QueryResultsFormat


RESULT_FORMATS = (
    ResultFormat("json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ResultFormat("xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ResultFormat("csv", "text/csv", ox.QueryResultsFormat.CSV),
    ResultFormat("tsv", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
)


def _term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term(term.subject), "predicate": _term(term.predicate),
                                             "object": _term(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def to_json(result: QueryResult) -> bytes:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean}).encode()
    bindings = [{name: _term(value) for name, value in zip(result.variables, row) if value is not None}
                for row in result.rows]
    body = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def serialize_solutions(result: QueryResult, fmt: ResultFormat) -> bytes:
    data = result.raw_json or to_json(result)
    if fmt.oxigraph == ox.QueryResultsFormat.JSON:
        return data
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        # pyoxigraph writes booleans only in JSON/XML/TSV; CSV has no boolean form in the spec.
        if fmt.oxigraph == ox.QueryResultsFormat.CSV:
            return ("true" if result.boolean else "false").encode()
    return parsed.serialize(format=fmt.oxigraph)
