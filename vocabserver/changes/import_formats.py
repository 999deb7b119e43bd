"""Thesaurus formats that are not RDF, converted to triples before the ordinary load path.

- Opentheso's CSV import/export format: one row per concept or collection, a `URI` column, columns named
  by CURIE with an optional language (`skos:prefLabel@fr`), several values in a cell separated by `##`,
  `;` or `,` as separator. On a concept row `skos:member` names the collection the concept belongs to;
  on a collection row, its members.
- The reduced Opentheso JSON (`{"meta", "concepts": {URI: {prefLabel, altLabels, broader…}}, "roots"}`).

Everything read is converted or listed in the notes (a column we do not convert, a value that is not
an IRI or not a valid date…): nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyoxigraph as ox

from vocabserver.rdf.iri import iri_problem
from vocabserver.rdf.namespaces import PREFIXES

SKOS, RDF, XSD = PREFIXES["skos"], PREFIXES["rdf"], PREFIXES["xsd"]
CURIES = {"skos": SKOS, "rdf": RDF, "rdfs": PREFIXES["rdfs"], "dcterms": PREFIXES["dct"], "dct": PREFIXES["dct"],
          "dc": PREFIXES["dc"], "owl": PREFIXES["owl"], "foaf": PREFIXES["foaf"], "geo": PREFIXES["geo"],
          "iso-thes": PREFIXES["isothes"], "isothes": PREFIXES["isothes"], "skos-thes": PREFIXES["isothes"],
          "xsd": XSD}
# Values that are resources, not text.
IRI_VALUED = {SKOS + p for p in ("narrower", "broader", "related", "exactMatch", "closeMatch", "broadMatch",
                                  "narrowMatch", "relatedMatch", "member", "inScheme", "topConceptOf",
                                  "hasTopConcept")} | {
    PREFIXES["dct"] + "isReplacedBy", PREFIXES["dct"] + "replaces", PREFIXES["isothes"] + "subGroup",
    PREFIXES["isothes"] + "superOrdinate", PREFIXES["foaf"] + "Image", PREFIXES["foaf"] + "depiction"}
TYPED = {PREFIXES["geo"] + "lat": "decimal", PREFIXES["geo"] + "long": "decimal",
         PREFIXES["dct"] + "created": "date", PREFIXES["dct"] + "modified": "date",
         PREFIXES["owl"] + "deprecated": "boolean"}
# Opentheso's own bookkeeping columns: the same facts as the URI columns beside them.
REDUNDANT = {"localuri": "the URI column", "narrowerid": "skos:narrower", "broaderid": "skos:broader",
             "relatedid": "skos:related"}
IDENTIFIER_COLUMNS = {"identifier", "arkid"}  # kept as dct:identifier
GROUP_TYPES = {SKOS + "Collection", SKOS + "OrderedCollection", PREFIXES["isothes"] + "ConceptGroup",
               PREFIXES["isothes"] + "ThesaurusArray"}
_DECIMAL = re.compile(r"^[+-]?\d+(\.\d+)?$")


IMPORT_FORMATS = ("opentheso-csv", "opentheso-json")


class ImportFormatError(ValueError):
    """The file is not in the format it claims; the message names the file and line."""


@dataclass
class Converted:
    triples: list[ox.Triple]
    notes: list[str] = field(default_factory=list)
    read: int = 0  # rows or concepts read


def sniff(path: Path, data: bytes) -> str | None:
    """"opentheso-csv", "opentheso-json" or None (an RDF syntax)."""
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in (".csv", ".tsv"):
        return "opentheso-csv"
    if suffix == ".json":
        head = data[:4096].lstrip().decode("utf-8", "replace")
        # JSON-LD has "@context" or "@id"; the reduced export starts with "meta" or "concepts".
        if head.startswith("{") and "@context" not in head and "\"@id\"" not in head:
            return "opentheso-json"
    return None


def convert(kind: str, data: bytes, source: str) -> Converted:
    if kind == "opentheso-csv":
        return opentheso_csv(data, source)
    if kind == "opentheso-json":
        return reduced_json(data, source)
    raise ValueError(kind)


def _text(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportFormatError(f"{source}:{line}: not UTF-8 ({exc.reason})") from None


def _iri(value: str) -> ox.NamedNode | None:
    return None if iri_problem(value) else ox.NamedNode(value)


def _column(name: str) -> tuple[str | None, str | None]:
    """(property IRI, language) of a header cell such as `skos:prefLabel@fr`; (None, None) if unknown."""
    curie, _, lang = name.strip().partition("@")
    prefix, _, local = curie.partition(":")
    namespace = CURIES.get(prefix.strip().lower())
    if not namespace or not local:
        return None, None
    return namespace + local.strip(), (lang.strip() or None)


def _literal(prop: str, value: str, lang: str | None, where: str, notes: list[str]) -> ox.Literal:
    kind = TYPED.get(prop)
    if kind == "decimal" and _DECIMAL.match(value):
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
    if kind == "date":
        try:
            date.fromisoformat(value)
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
        except ValueError:
            pass
        try:  # Opentheso also writes "2023-10-25 00:00:00+02"
            return ox.Literal(datetime.fromisoformat(value).isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))
        except ValueError:
            notes.append(f"{where}: {value!r} is not a date (YYYY-MM-DD) or date-time: kept as text")
            return ox.Literal(value)
    if kind == "boolean" and value.lower() in ("true", "false", "1", "0"):
        return ox.Literal(str(value.lower() in ("true", "1")).lower(), datatype=ox.NamedNode(XSD + "boolean"))
    if kind:
        notes.append(f"{where}: {value!r} is not a valid {kind}: kept as text")
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def opentheso_csv(data: bytes, source: str) -> Converted:
    text = _text(data, source)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFormatError(f"{source}:1: empty file") from None
    names = [h.strip() for h in header]
    if "URI" not in names and "uri" not in [n.lower() for n in names]:
        raise ImportFormatError(f"{source}:1: no URI column: not an Opentheso CSV (columns: {', '.join(names[:8])}…)")
    uri_at = [n.lower() for n in names].index("uri")
    out = Converted([])
    columns: list[tuple[int, str | None, str | None, str]] = []
    for i, name in enumerate(names):
        if i == uri_at or not name:
            continue
        prop, lang = _column(name)
        low = name.lower()
        if low in IDENTIFIER_COLUMNS:
            columns.append((i, PREFIXES["dct"] + "identifier", None, name))
        elif low in REDUNDANT:
            out.notes.append(f"column {name!r}: Opentheso's internal id, the same fact as {REDUNDANT[low]}: not converted")
        elif prop is None:
            out.notes.append(f"column {name!r}: unknown property prefix: not converted")
        else:
            columns.append((i, prop, lang, name))
    type_col = next((i for i, prop, _, _ in columns if prop == RDF + "type"), None)
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        out.read += 1
        if len(row) > len(names):
            out.notes.append(f"{source}:{line}: {len(row)} cells for {len(names)} columns: the extra cells are ignored")
        subject_text = row[uri_at].strip() if uri_at < len(row) else ""
        subject = _iri(subject_text)
        if subject is None:
            out.notes.append(f"{source}:{line}: URI {subject_text!r} is not an IRI: row skipped")
            continue
        types = []
        if type_col is not None and type_col < len(row):
            types = [_expand(v) for v in _values(row[type_col])]
        is_group = any(t in GROUP_TYPES for t in types)
        if not types:
            types = [SKOS + "Concept"]
        for t in types:
            if t and not iri_problem(t):
                out.triples.append(ox.Triple(subject, ox.NamedNode(RDF + "type"), ox.NamedNode(t)))
            else:
                out.notes.append(f"{source}:{line}: rdf:type {t!r} is not an IRI: ignored")
        for i, prop, lang, name in columns:
            if prop == RDF + "type" or i >= len(row):
                continue
            for value in _values(row[i]):
                where = f"{source}:{line}: {name}"
                if prop in IRI_VALUED:
                    if prop == PREFIXES["foaf"] + "Image":
                        value = _image_url(value)
                    target = _iri(_expand(value))
                    if target is None:
                        out.notes.append(f"{where}: {value!r} is not an IRI: not converted")
                        continue
                    predicate = PREFIXES["foaf"] + "depiction" if prop == PREFIXES["foaf"] + "Image" else prop
                    if prop == SKOS + "member" and not is_group:
                        # On a concept row, Opentheso's member column names the concept's collection.
                        out.triples.append(ox.Triple(target, ox.NamedNode(prop), subject))
                    else:
                        out.triples.append(ox.Triple(subject, ox.NamedNode(predicate), target))
                else:
                    out.triples.append(ox.Triple(subject, ox.NamedNode(prop), _literal(prop, value, lang, where,
                                                                                       out.notes)))
    return out


def _image_url(value: str) -> str:
    """Opentheso writes an image as `rdf:about=URL@@dcterms:rights=…@@dcterms:title=…`: the URL, spaces encoded."""
    parts = dict(p.split("=", 1) for p in value.split("@@") if "=" in p)
    return parts.get("rdf:about", value).strip().replace(" ", "%20")


def _values(cell: str) -> list[str]:
    return [v.strip() for v in cell.split("##") if v.strip()]


def _expand(value: str) -> str:
    prefix, _, local = value.partition(":")
    namespace = CURIES.get(prefix.lower())
    return namespace + local if namespace and local and not local.startswith("//") else value


def reduced_json(data: bytes, source: str) -> Converted:
    from vocabserver.lexicons.opentheso_json import OpenthesoJsonError, parse_reduced

    try:
        document = json.loads(_text(data, source))
    except json.JSONDecodeError as exc:
        raise ImportFormatError(f"{source}:{exc.lineno}:{exc.colno}: {exc.msg}") from None
    try:
        terms, report, meta = parse_reduced(document, source)
    except OpenthesoJsonError as exc:
        raise ImportFormatError(str(exc)) from None
    out = Converted([], list(report.notes), read=report.entries)
    pref, alt, broader, narrower = (ox.NamedNode(SKOS + p) for p in ("prefLabel", "altLabel", "broader", "narrower"))
    for uri, term in terms.items():
        subject = _iri(uri)
        if subject is None:
            out.notes.append(f"{uri!r} is not an IRI: concept skipped")
            continue
        out.triples.append(ox.Triple(subject, ox.NamedNode(RDF + "type"), ox.NamedNode(SKOS + "Concept")))
        # The reduced export has one French prefLabel; its altLabels carry no language (said in the notes).
        out.triples.append(ox.Triple(subject, pref, ox.Literal(term.label, language="fr")))
        out.triples.extend(ox.Triple(subject, alt, ox.Literal(a, language="fr")) for a in term.alts)
        for parent in term.broader:
            if _iri(parent) is not None:
                out.triples.append(ox.Triple(subject, broader, ox.NamedNode(parent)))
                out.triples.append(ox.Triple(ox.NamedNode(parent), narrower, subject))
    if terms:
        out.notes.append("reduced Opentheso JSON: altLabels carry no language in the export; written @fr")
    if meta.get("source_url"):
        out.notes.append(f"exported from {meta['source_url']}")
    return out
