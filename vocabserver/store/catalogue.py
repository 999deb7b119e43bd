"""The catalogue graph: a VoID/DCAT description of each vocabulary in the store.

It is also the store's commit record: a vocabulary exists once its catalogue
entry is written, in the same transaction that makes its graph live.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyoxigraph as ox

from vocabserver.rdf.formats import EXPORT_FORMATS

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def now_literal() -> ox.Literal:
    """The commit stamp, in xsd:dateTime's canonical form (no trailing zero in the fraction): a remote engine
    gives back the form it keeps (Oxigraph server writes "…34.51204Z" for "…34.512040Z"), and every node must
    read the same stamp — the base of caches and ETags — as the one that wrote it."""
    now = datetime.now(timezone.utc)
    fraction = f"{now.microsecond:06d}".rstrip("0")
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"
    return ox.Literal(stamp, datatype=XSD_DATETIME)


# Class and property partitions recorded for each vocabulary: stats key -> IRI.
CLASS_PARTITIONS = {"concepts": SKOS + "Concept", "collections": SKOS + "Collection",
                    "schemes": SKOS + "ConceptScheme"}
PROPERTY_PARTITIONS = {"prefLabels": SKOS + "prefLabel", "altLabels": SKOS + "altLabel",
                       "hiddenLabels": SKOS + "hiddenLabel", "topConcepts": SKOS + "topConceptOf"}


@dataclass
class VocabularyInfo:
    id: str
    dataset: str
    graph: str
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    schemes: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # Joconde field codes (skos:notation of the scheme)
    license: str | None = None
    source: str = ""
    version: str = ""  # "sha256:…" of the loaded file: reloading the same bytes is skipped
    policy: str = "lenient"  # "strict": findings that refuse a change (checks.Policy)
    modified: str = ""
    triples: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)  # every property used: its triples

    @property
    def concepts(self) -> int:
        return self.counts.get("concepts", 0)

    def title(self, lang: str = "fr") -> str:
        return self.titles.get(lang) or self.titles.get("fr") or next(iter(self.titles.values()), self.id)

    def as_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title("fr"), "titles": self.titles,
            "descriptions": self.descriptions, "uri": self.schemes[0] if self.schemes else None,
            "schemes": self.schemes, "fields": self.fields, "graph": self.graph,
            "license": self.license, "source": self.source, "version": self.version, "modified": self.modified,
            "policy": self.policy,
            "triples": self.triples, **self.counts,
        }


class Catalogue:
    """IRIs of the catalogue and the quads describing one vocabulary."""

    def __init__(self, base_uri: str):
        self.base = base_uri
        self.graph = n(base_uri + "graph/catalogue")
        self.root = n(base_uri + "dataset")
        self.sparql = n(base_uri + "sparql")
        self.policy = n(base_uri + "ns#policy")  # this server's own term: strict or lenient

    def dataset(self, vocab_id: str) -> ox.NamedNode:
        return n(f"{self.base}dataset/{vocab_id}")

    def dump_url(self, vocab_id: str, suffix: str) -> ox.NamedNode:
        return n(f"{self.base}dumps/{vocab_id}.{suffix}")

    def entry(self, vocab_id: str, graph: ox.NamedNode, counts: dict[str, int], schemes: list[dict],
              source: str, modified: ox.Literal, version: str = "", policy: str = "lenient",
              properties: dict[str, int] | None = None) -> list[ox.Triple]:
        ds = self.dataset(vocab_id)
        t: list[ox.Triple] = []

        def add(s, p, o):
            t.append(ox.Triple(s, n(p) if isinstance(p, str) else p, o))

        def integer(value: int) -> ox.Literal:
            return ox.Literal(str(int(value)), datatype=XSD_INT)

        add(self.root, RDF_TYPE, n(VOID + "Dataset"))
        add(self.root, RDF_TYPE, n(DCAT + "Catalog"))
        add(self.root, VOID + "uriSpace", ox.Literal(self.base))
        add(self.root, VOID + "sparqlEndpoint", self.sparql)
        add(self.root, VOID + "subset", ds)
        add(self.root, DCAT + "dataset", ds)
        add(self.root, DCT + "modified", modified)
        for kind in (VOID + "Dataset", DCAT + "Dataset", SD + "NamedGraph"):
            add(ds, RDF_TYPE, n(kind))
        add(ds, DCT + "identifier", ox.Literal(vocab_id))
        add(ds, SD + "name", graph)
        add(ds, VOID + "sparqlEndpoint", self.sparql)
        add(ds, VOID + "triples", integer(counts.get("triples", 0)))
        add(ds, DCT + "modified", modified)
        add(ds, DCT + "source", ox.Literal(source))
        if version:
            add(ds, DCAT + "version", ox.Literal(version))
        add(ds, self.policy, ox.Literal(policy))
        for scheme in schemes:
            add(ds, VOID + "rootResource", scheme["uri"])
            add(ds, n(DCT + "subject"), scheme["uri"])
            for title in scheme["titles"]:
                add(ds, DCT + "title", title)
            for description in scheme.get("descriptions", []):
                add(ds, DCT + "description", description)
            for notation in scheme.get("notations", []):
                add(ds, SKOS + "notation", notation)
            if scheme.get("license") is not None:
                add(ds, DCT + "license", scheme["license"])
        for key, cls in CLASS_PARTITIONS.items():
            part = n(f"{ds.value}#{key}")
            add(ds, VOID + "classPartition", part)
            add(part, VOID + "class", n(cls))
            add(part, VOID + "entities", integer(counts.get(key, 0)))
        for key, prop in PROPERTY_PARTITIONS.items():
            part = n(f"{ds.value}#{key}")
            add(ds, VOID + "propertyPartition", part)
            add(part, VOID + "property", n(prop))
            add(part, VOID + "triples", integer(counts.get(key, 0)))
        # The rest of the full property partition (VoID), numbered in IRI order: stable across reloads.
        named = set(PROPERTY_PARTITIONS.values())
        others = sorted(p for p in (properties or {}) if p not in named)
        for number, prop in enumerate(others, start=1):
            part = n(f"{ds.value}#property-{number}")
            add(ds, VOID + "propertyPartition", part)
            add(part, VOID + "property", n(prop))
            add(part, VOID + "triples", integer(properties[prop]))
        for fmt in EXPORT_FORMATS:
            dist = n(f"{ds.value}#{fmt.name}")
            url = self.dump_url(vocab_id, fmt.suffix)
            add(ds, VOID + "dataDump", url)
            add(ds, DCAT + "distribution", dist)
            add(dist, RDF_TYPE, n(DCAT + "Distribution"))
            add(dist, DCAT + "downloadURL", url)
            add(dist, DCAT + "mediaType", ox.Literal(fmt.media_type))
            add(dist, DCT + "format", ox.Literal(fmt.label))
        return t

    def read(self, quads) -> dict[str, VocabularyInfo]:
        """VocabularyInfo for every dataset described in the catalogue quads."""
        by_subject: dict[str, dict[str, list]] = {}
        for q in quads:
            by_subject.setdefault(q.subject.value, {}).setdefault(q.predicate.value, []).append(q.object)
        result: dict[str, VocabularyInfo] = {}
        for ds in by_subject.get(self.root.value, {}).get(VOID + "subset", []):
            props = by_subject.get(ds.value, {})
            ident = props.get(DCT + "identifier")
            graph = props.get(SD + "name")
            if not ident or not graph:
                continue
            info = VocabularyInfo(ident[0].value, ds.value, graph[0].value)
            for lit in props.get(DCT + "title", []):
                info.titles.setdefault(_lang(lit), lit.value)
            for lit in props.get(DCT + "description", []):
                info.descriptions.setdefault(_lang(lit), lit.value)
            info.schemes = sorted({s.value for s in props.get(VOID + "rootResource", [])})
            info.fields = sorted({lit.value for lit in props.get(SKOS + "notation", [])})
            lic = props.get(DCT + "license")
            info.license = lic[0].value if lic else None
            info.source = props.get(DCT + "source", [ox.Literal("")])[0].value
            info.version = props.get(DCAT + "version", [ox.Literal("")])[0].value
            info.policy = props.get(self.policy.value, [ox.Literal("lenient")])[0].value
            info.modified = props.get(DCT + "modified", [ox.Literal("")])[0].value
            info.triples = int(props.get(VOID + "triples", [ox.Literal("0")])[0].value)
            for part_iri in props.get(VOID + "propertyPartition", []):
                part = by_subject.get(part_iri.value, {})
                prop, triples = part.get(VOID + "property"), part.get(VOID + "triples")
                if prop and triples:
                    info.properties[prop[0].value] = int(triples[0].value)
            for key in (*CLASS_PARTITIONS, *PROPERTY_PARTITIONS):
                part = by_subject.get(f"{ds.value}#{key}", {})
                value = part.get(VOID + "entities") or part.get(VOID + "triples")
                info.counts[key] = int(value[0].value) if value else 0
            result[info.id] = info
        return dict(sorted(result.items()))


def _lang(literal) -> str:
    lang = getattr(literal, "language", None) or ""
    return "fr" if lang.lower() == "fr-fr" else lang.lower()
