"""Namespace prefixes used when writing RDF (Turtle, RDF/XML, the JSON-LD context)."""

PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "skosxl": "http://www.w3.org/2008/05/skos-xl#",
    "dct": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "isothes": "http://purl.org/iso25964/skos-thes#",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "schema": "https://schema.org/",
}
# What the vocabulary files themselves use.
SKOS_PREFIXES = {k: PREFIXES[k] for k in ("rdf", "rdfs", "xsd", "owl", "skos", "dct")}
# What the builder may write besides (declared only in the files that use them).
BUILD_PREFIXES = {**SKOS_PREFIXES, **{k: PREFIXES[k] for k in ("foaf", "geo", "schema")}}
