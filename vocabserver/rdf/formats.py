"""RDF formats: names, media types, suffixes, and parsing with precise errors."""

from __future__ import annotations

import json
import re
import xml.parsers.expat
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox


@dataclass(frozen=True)
class RdfFormatInfo:
    name: str  # the short name used by the CLI and ?format=
    label: str
    media_type: str
    suffix: str
    oxigraph: ox.RdfFormat
    aliases: tuple[str, ...] = ()


FORMATS: tuple[RdfFormatInfo, ...] = (
    RdfFormatInfo("turtle", "Turtle", "text/turtle", "ttl", ox.RdfFormat.TURTLE, ("ttl",)),
    RdfFormatInfo("rdfxml", "RDF/XML", "application/rdf+xml", "rdf", ox.RdfFormat.RDF_XML, ("rdf", "xml", "owl")),
    RdfFormatInfo("ntriples", "N-Triples", "application/n-triples", "nt", ox.RdfFormat.N_TRIPLES, ("nt",)),
    RdfFormatInfo("jsonld", "JSON-LD", "application/ld+json", "jsonld", ox.RdfFormat.JSON_LD, ("json-ld", "json")),
    RdfFormatInfo("trig", "TriG", "application/trig", "trig", ox.RdfFormat.TRIG, ()),
    RdfFormatInfo("nquads", "N-Quads", "application/n-quads", "nq", ox.RdfFormat.N_QUADS, ("nq",)),
)
EXPORT_FORMATS = tuple(f for f in FORMATS if f.name in ("turtle", "rdfxml", "ntriples", "jsonld"))


class UnknownFormat(ValueError):
    pass


class TooManyTriples(ValueError):
    pass


class RdfSyntaxError(ValueError):
    """A parse error with the position a person needs to fix the file."""

    def __init__(self, source: str, message: str, line: int | None = None, column: int | None = None):
        self.source, self.message, self.line, self.column = source, message, line, column
        where = f"{source}:{line}:{column}" if line else source
        super().__init__(f"{where}: {message}")


def format_by_name(name: str) -> RdfFormatInfo:
    key = name.lower().lstrip(".")
    for fmt in FORMATS:
        if key in (fmt.name, fmt.suffix, *fmt.aliases) or key == fmt.media_type:
            return fmt
    raise UnknownFormat(f"unknown RDF format {name!r}; known: {', '.join(f.name for f in FORMATS)}")


def format_for_path(path: Path) -> RdfFormatInfo:
    suffixes = [s.lstrip(".") for s in path.suffixes if s != ".gz"]
    if not suffixes:
        raise UnknownFormat(f"{path}: cannot tell the RDF format from the file name; give --format")
    return format_by_name(suffixes[-1])


_OX_POSITION = re.compile(r"line (\d+) column (\d+)")


def _locate(data: bytes, fmt: RdfFormatInfo, message: str) -> tuple[int | None, int | None]:
    """pyoxigraph's RDF/XML and JSON-LD errors carry no position: ask the XML/JSON parsers."""
    if fmt.oxigraph == ox.RdfFormat.RDF_XML:
        parser = xml.parsers.expat.ParserCreate()
        try:
            parser.Parse(data, True)
        except xml.parsers.expat.ExpatError as exc:
            return exc.lineno, exc.offset + 1
        return None, None
    if fmt.oxigraph == ox.RdfFormat.JSON_LD:
        try:
            json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            return getattr(exc, "lineno", None), getattr(exc, "colno", None)
    return None, None


def parse_triples(data: bytes, fmt: RdfFormatInfo, base_iri: str, source: str,
                  max_triples: int | None = None) -> list[ox.Triple]:
    """All triples of a document (quads of TriG/N-Quads lose their graph name), at most `max_triples`."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte order mark, as Windows editors write: not part of the document
    if not data.strip():
        raise RdfSyntaxError(source, "the file is empty: nothing to load")
    try:
        data.decode("utf-8")  # checked here, to name the line and column of the first bad byte
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RdfSyntaxError(source, f"not UTF-8 ({exc.reason})", line, column) from None
    try:
        parsed = ox.parse(data, format=fmt.oxigraph, base_iri=base_iri)
        triples = []
        for quad in parsed:
            triples.append(ox.Triple(quad.subject, quad.predicate, quad.object) if isinstance(quad, ox.Quad) else quad)
            if max_triples is not None and len(triples) > max_triples:
                raise TooManyTriples(f"{source}: more than {max_triples} triples; the limit is {max_triples} "
                                     "(VOCABSERVER_MAX_LOAD_TRIPLES)")
        return triples
    except SyntaxError as exc:
        message = str(exc)
        line, column = exc.lineno, exc.offset
        if line is None:
            line, column = _locate(data, fmt, message)
        elif column is None:
            match = _OX_POSITION.search(message)
            column = int(match.group(2)) if match else None
        raise RdfSyntaxError(source, message, line, column) from None
    except (ValueError, OSError) as exc:
        raise RdfSyntaxError(source, str(exc)) from None
