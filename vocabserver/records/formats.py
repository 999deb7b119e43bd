"""Readers of what museums send, streamed (one record at a time, whatever the file's size):

- the Joconde field-code text format: a line `CODE` (REF, DOMN, DENO…) then its value lines, records
  separated by `//`; a value continued on the next line ends with " -" (POP's export convention);
- CSV with the column names of the POP open-data extract (Dénomination, Matériaux-techniques…), with the
  renamed columns of common re-exports (Denomination, Materiaux_techniques…), or with field codes;
  `;`, `,` or tab separated, detected;
- JSON: a list of objects, or one object a line, keyed by field code.

The encoding is UTF-8, or Windows-1252 / ISO-8859-1 for older exports: detected from the bytes (or told), and
said in `Source.encoding`. A malformed input is an `InputError` naming the file, the line and what is wrong.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator


CHUNK = 1 << 20
JSON_DEPTH_NOTE = "about 1,000 levels (Python's JSON reader)"
# The fields POP requires of a Joconde record (its schema, joconde_fields.csv: required "oui").
REQUIRED = ("REF", "INV", "DOMN", "MUSEO", "STAT")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,11}$")
# Bytes Windows-1252 leaves undefined: a text holding them is ISO-8859-1 (their C1 controls).
_NOT_CP1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")


class InputError(ValueError):
    def __init__(self, name: str, line: int, message: str):
        super().__init__(f"{name}:{line}: {message}")
        self.name, self.line, self.message = name, line, message


@dataclass
class Record:
    number: int  # 1, 2, … in the input
    line: int  # where it starts
    fields: dict[str, str]
    carried: frozenset[str] | None = None  # the fields the input can hold (a CSV's columns); None: any

    @property
    def ref(self) -> str:
        return self.fields.get("REF") or self.fields.get("INV") or f"#{self.number}"


@dataclass
class Problem:
    """A record that cannot be read: reported, and the reading goes on with the next one."""
    line: int
    message: str


@dataclass
class Source:
    name: str
    format: str  # "notices", "csv", "json"
    encoding: str  # "utf-8", "windows-1252", "iso-8859-1"
    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # CSV column -> field code
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was detected and any problem with the input itself

    def as_dict(self) -> dict:
        return {"name": self.name, "format": self.format, "encoding": self.encoding, "delimiter": self.delimiter,
                "columns": self.columns, "ignoredColumns": self.ignored_columns, "notes": self.notes}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.split(r"[\s_\-’'.]+", plain)).strip()


def _column_table() -> dict[str, str]:
    """Folded column name -> field code: the open-data extract's names, their common renamings, the codes."""
    table: dict[str, str] = {}
    with open(Path(__file__).with_name("columns.csv"), encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            table[_fold(row["column"])] = row["field"].upper()
            table[_fold(row["field"])] = row["field"].upper()
    return table


# -- encoding ----------------------------------------------------------------------------------------
def detect_encoding(path: Path) -> tuple[str, list[str]]:
    """UTF-8 when every byte decodes as UTF-8 (read in chunks: bounded memory), else Windows-1252, or
    ISO-8859-1 when bytes Windows-1252 leaves undefined occur."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    notes, offset, other = [], 0, False
    has_high = False
    with open(path, "rb") as handle:
        head = handle.read(4096)
        if b"\r\n" in head:
            notes.append("Windows line ends (CRLF)")
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            has_high = has_high or any(b > 127 for b in chunk[:CHUNK])
            other = other or bool(_NOT_CP1252 & set(chunk))
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                with open(path, "rb") as again:
                    line = again.read(offset + exc.start).count(b"\n") + 1
                encoding = "iso-8859-1" if other else "windows-1252"
                notes.append(f"not UTF-8 (first byte that is not on line {line}): read as {encoding.upper()}")
                return encoding, notes
            offset += len(chunk)
    if not has_high:
        notes.append("ASCII only: UTF-8 and Windows-1252 read it alike (an export meant to carry accents may "
                     "have lost them)")
    return "utf-8", notes


# -- format ------------------------------------------------------------------------------------------
def _first_line(handle: IO[str]) -> str:
    for line in handle:
        if line.strip():
            return line.strip().lstrip("\ufeff")
    return ""


def detect_format(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace") as handle:
        first = _first_line(handle)
    if first.startswith(("[", "{")):
        return "json"
    if _CODE.match(first):
        return "notices"
    return "csv"


def open_records(path: Path, fmt: str | None = None, encoding: str | None = None,
                 name: str | None = None) -> tuple[Source, Iterator[Record]]:
    """The input's description and its records, read lazily."""
    name = name or str(path)
    notes: list[str] = []
    if encoding is None:
        encoding, notes = detect_encoding(path)
    else:
        codecs.lookup(encoding)  # an unknown name fails here, clearly
    fmt = fmt or detect_format(path, encoding)
    source = Source(name, fmt, encoding, notes=notes)
    readers = {"notices": _notices, "csv": _csv, "json": _json}
    if fmt not in readers:
        raise InputError(name, 0, f"unknown format {fmt!r}: notices, csv or json")
    return source, readers[fmt](path, source)


def _text(path: Path, source: Source) -> IO[str]:
    return open(path, encoding=source.encoding, errors="strict", newline="")


def _notices(path: Path, source: Source) -> Iterator[Record]:
    number, record, code, start, expecting_value = 0, {}, None, 1, False
    with _text(path, source) as handle:
        for line_number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n").strip()
            if line_number == 1:
                line = line.lstrip("\ufeff")
            value_due, expecting_value = expecting_value, False
            if line == "//" and not value_due:
                if record:
                    number += 1
                    yield Record(number, start, record)
                record, code, start = {}, None, line_number + 1
            elif _CODE.match(line) and (code is None or line not in record) and not value_due:
                if not record:
                    start = line_number
                code = line
                record[code] = ""
                expecting_value = True  # the next line is its value, even "M0017" or "A0001"
                continue
            elif code is not None:
                previous = record[code]
                if previous.endswith(" -"):
                    record[code] = previous[:-2] + " " + line
                else:
                    record[code] = f"{previous}\n{line}" if previous else line
            elif line:
                yield Problem(line_number, f"a value before any field code: {line[:60]!r} (a record is a line CODE, "
                              "e.g. REF, then its value)")
                code = ""  # the rest of this record's stray lines are skipped with it
                record.setdefault("", "")
    if record:
        yield Record(number + 1, start, record)


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _csv(path: Path, source: Source) -> Iterator[Record]:
    table = _column_table()
    with _text(path, source) as handle:
        header_line = handle.readline().lstrip("\ufeff")
        source.delimiter = _delimiter(header_line)
        header = next(csv.reader([header_line], delimiter=source.delimiter))
        columns: list[str | None] = []
        for column in header:
            code = table.get(_fold(column))
            if code is None and _CODE.match(column.strip().upper()) and len(column.strip()) <= 6:
                code = column.strip().upper()
            columns.append(code)
            if code:
                source.columns[column] = code
            else:
                source.ignored_columns.append(column)
        carried = frozenset(code for code in columns if code)
        absent = [code for code in REQUIRED if code not in carried]
        if absent:
            source.notes.append(f"no column for the required field{'s' if len(absent) > 1 else ''} "
                                f"{', '.join(absent)}: not checked")
        if not source.columns:
            raise InputError(source.name, 1, "no column is a Joconde field: name them by field code (REF, DENO…) or "
                             "as the POP open-data extract does (Dénomination, Matériaux-techniques…)")
        reader = csv.reader(handle, delimiter=source.delimiter)
        mapped = [(position, code) for position, code in enumerate(columns) if code]  # the cells read
        width = len(header)
        number = 0
        for row in _rows(reader, source):
            fields = {}
            for position, code in mapped:
                if position < len(row):
                    cell = row[position].strip()
                    if cell:
                        fields[code] = cell if code not in fields else fields[code] + " ; " + cell
            if not fields and not "".join(row).strip():
                continue  # a blank line
            number += 1
            line_number = reader.line_num + 1  # the header was read before the reader
            if len(row) > width and len(source.notes) < 50:
                source.notes.append(f"line {line_number}: {len(row)} cells for {width} columns (the extra are "
                                    "ignored)")
            yield Record(number, line_number, fields, carried)


def _rows(reader, source: Source):
    """The reader's rows; a line it cannot read (a cell over the csv module's limit, a NUL byte) stops the input
    with its line number, as any unreadable input does."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            limit = csv.field_size_limit()
            why = (f"a cell is longer than {limit:,} characters, the limit of a CSV cell here (no Joconde value is "
                   "that long: is a quotation mark unbalanced?)") if "field larger" in str(exc) else \
                f"not readable as CSV ({exc})"
            raise InputError(source.name, reader.line_num + 1, why) from None


def _json(path: Path, source: Source) -> Iterator[Record]:
    """A JSON list of objects, or JSON lines, decoded one object at a time."""
    decoder = json.JSONDecoder()
    with _text(path, source) as handle:
        buffer, line, number, started = "", 1, 0, False
        eof = False
        while True:
            stripped = buffer.lstrip()
            line += buffer[: len(buffer) - len(stripped)].count("\n")
            buffer = stripped
            if not started and buffer.startswith("\ufeff"):
                buffer = buffer[1:]
            if not started and buffer.startswith("["):
                buffer, started = buffer[1:], True
                continue
            if buffer.startswith((",",)):
                buffer = buffer[1:]
                continue
            if buffer.startswith("]"):
                return
            if buffer:
                try:
                    value, end = decoder.raw_decode(buffer)
                except RecursionError:
                    raise InputError(source.name, line, f"JSON nested deeper than {JSON_DEPTH_NOTE}: a record is "
                                     "an object of fields, each a string or a list of strings") from None
                except json.JSONDecodeError as exc:
                    if not eof and len(buffer) < 64 * CHUNK:
                        more = handle.read(CHUNK)
                        if more:
                            buffer += more
                            continue
                        eof = True
                        continue
                    raise InputError(source.name, line + buffer[: exc.pos].count("\n"), f"not JSON: {exc.msg}") from None
                number += 1
                if isinstance(value, dict):
                    fields = {str(k).upper(): (" ; ".join(map(str, v)) if isinstance(v, list) else str(v))
                              for k, v in value.items() if v not in (None, "", [])}
                    yield Record(number, line, fields)
                else:
                    yield Problem(line, f"record {number} is not a JSON object keyed by field code")
                line += buffer[:end].count("\n")
                buffer = buffer[end:]
                continue
            if eof:
                return
            more = handle.read(CHUNK)
            if not more:
                eof = True
                if not buffer:
                    return
            buffer += more


def records_from_json(items, name: str = "request") -> tuple[Source, Iterator[Record]]:
    """Records given as a JSON list (the HTTP API)."""
    if not isinstance(items, list):
        raise InputError(name, 1, "send a JSON list of records, each an object keyed by field code")

    def generate():
        for number, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                yield Problem(number, f"record {number} is not an object keyed by field code")
                continue
            nested = next((k for k, v in item.items() if isinstance(v, dict) or
                           (isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v))), None)
            if nested is not None:
                yield Problem(number, f"record {number}: field {str(nested)[:40]} holds nested lists or objects "
                                      "(a field is a string, or a list of strings)")
                continue
            yield Record(number, number, {str(k).upper(): (" ; ".join(map(str, v)) if isinstance(v, list) else str(v))
                                          for k, v in item.items() if v not in (None, "", [])})

    return Source(name, "json", "utf-8"), generate()
