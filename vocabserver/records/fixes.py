"""A corrected copy of the input, for a museum to send again: in each controlled field, a non-preferred form
is replaced by the preferred one, and a preferred label written with other case or accents by the label as
the vocabulary writes it. Everything else is left as it was: other fields, record order, the file's format
and encoding, a value's separators and brackets (`--fix out` of `vocabserver validate`).

Written in a second pass over the input, with the verdicts the validation cached (or computes again).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from vocabserver.records.formats import Source, _CODE


def replacement(verdict: dict) -> str | None:
    """The form to write instead, when the value is the same concept written otherwise."""
    if verdict["verdict"] == "non-preferred" or (verdict["verdict"] == "valid" and verdict.get("asWritten") is False):
        return verdict["preferred"]
    return None


def fixed_text(validation, code: str, text: str) -> str:
    """The field's text with each value that has a preferred form rewritten — a compound value keeps its
    syntax, its parts replaced (records/compound.py) — and everything else as it was, spacing included."""
    rule = validation.rules.get(code)
    if rule is None or not text:
        return text
    out, position = text, 0
    for value, _value, _part, verdict in validation.checked(code, rule, " ".join(text.split())):
        better = replacement(verdict)
        pattern = r"\s+".join(re.escape(word) for word in value.split())
        # The value where it stands alone (not inside a longer word: "or" is not replaced in "orange"), after
        # the values before it (a preferred form may contain the value it replaces).
        found = re.compile(rf"(?<!\w){pattern}(?!\w)").search(out, position)
        if found is None:
            continue
        if better and better != value:
            out = out[:found.start()] + better + out[found.end():]
            position = found.start() + len(better)
        else:
            position = found.end()
    return out


def write_fixed(path: Path, source: Source, validation, out_path: Path) -> int:
    """The corrected copy; returns how many field values changed."""
    writer = {"notices": _notices, "csv": _csv, "json": _json}[source.format]
    return writer(path, source, validation, out_path)


def _notices(path: Path, source: Source, validation, out_path: Path) -> int:
    changed = 0
    with open(path, encoding=source.encoding, newline="") as handle, \
            open(out_path, "w", encoding=source.encoding, newline="") as out:
        lines = handle.read().splitlines(keepends=True)
        i = 0
        while i < len(lines):
            line = lines[i]
            code = line.strip().lstrip("\ufeff")
            if _CODE.match(code) and code in validation.rules and i + 1 < len(lines):
                j = i + 1  # the value's lines: up to the next code line, or the record's end
                value_lines = [lines[j]]
                j += 1
                while j < len(lines) and lines[j - 1].rstrip("\r\n").endswith(" -"):
                    value_lines.append(lines[j])
                    j += 1
                text = "".join(value_lines)
                ending = "\r\n" if text.endswith("\r\n") else "\n"
                joined = " ".join(part.rstrip("\r\n")[:-2] if part.rstrip("\r\n").endswith(" -") else
                                  part.rstrip("\r\n") for part in value_lines)
                better = fixed_text(validation, code, joined.strip())
                out.write(line)
                if better != joined.strip():
                    out.write(better + ending)
                    changed += 1
                else:
                    out.write(text)
                i = j
                continue
            out.write(line)
            i += 1
    return changed


def _csv(path: Path, source: Source, validation, out_path: Path) -> int:
    changed = 0
    with open(path, encoding=source.encoding, newline="") as handle, \
            open(out_path, "w", encoding=source.encoding, newline="") as out:
        reader = csv.reader(handle, delimiter=source.delimiter)
        writer = csv.writer(out, delimiter=source.delimiter, lineterminator="\r\n" if "CRLF" in " ".join(source.notes) else "\n")
        header = next(reader, [])
        writer.writerow(header)
        codes = [source.columns.get(column.lstrip("\ufeff")) for column in header]  # as the reader mapped them
        for row in reader:
            new = [fixed_text(validation, code, cell.strip()) if code and cell.strip() else cell
                   for code, cell in zip(codes, row)] + row[len(codes):]
            changed += sum(1 for a, b in zip(row, new) if a.strip() != b.strip())
            writer.writerow([b if a.strip() != b.strip() else a for a, b in zip(row, new)])
    return changed


def _json(path: Path, source: Source, validation, out_path: Path) -> int:
    from vocabserver.records.formats import open_records

    changed = 0
    _source, records = open_records(path, "json", source.encoding)
    with open(out_path, "w", encoding="utf-8") as out:
        out.write("[")
        first = True
        for record in records:
            if not hasattr(record, "fields"):
                continue
            fixed = {}
            for code, text in record.fields.items():
                fixed[code] = fixed_text(validation, code, text)
                changed += fixed[code] != text
            out.write(("\n" if first else ",\n") + json.dumps(fixed, ensure_ascii=False))
            first = False
        out.write("\n]\n")
    return changed
