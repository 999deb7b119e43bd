"""Reports of a validation, written as results come (bounded memory):

- JSON: one document — `results` (one object per value checked: ref, field, value, verdict, preferred, uri,
  suggestions, and a compound value's parts…), then `records`, `values`, `counts`, `byField`, `problems` (distinct, most frequent first),
  `source` (format, encoding…) and `errors` (records that could not be read);
- CSV: one row per problem (REF, field, value, the failing part of a compound value or why it is malformed,
  verdict, preferred form, suggestions), for a curator's spreadsheet; a required field left empty is a row too (verdict "missing");
- text: counts and the most frequent problems.
"""

from __future__ import annotations

import csv
from typing import IO, Iterator

import orjson

from vocabserver.records.validate import Result, Validation

CSV_COLUMNS = ("REF", "field", "value", "part", "verdict", "preferred", "uri", "suggestions", "line")


def write_json(out: IO[str], validation: Validation, results: Iterator[Result], source) -> None:
    out.write('{"results": [')
    first = True
    for result in results:
        if result.missing:  # a record's problem, not a term's: in `missingRequired` and `incomplete`
            continue
        out.write(("\n" if first else ",\n") + orjson.dumps(result.as_dict()).decode("utf-8"))
        first = False
    out.write("\n],\n")
    tail = validation.summary.as_dict() | {"problems": _problems(validation), "source": source.as_dict()}
    body = orjson.dumps(tail).decode("utf-8")
    out.write(body[1:])  # the summary's members after "results"
    out.write("\n")


def _problems(validation: Validation, limit: int = 500) -> list[dict]:
    out = []
    for problem in validation.summary.top_problems(limit):
        verdict = problem["verdict"]
        item = {"field": problem["field"], "value": problem["value"], "verdict": verdict["verdict"],
                "count": problem["count"], "refs": problem["refs"]}
        for key in ("preferred", "uri", "part", "at", "why", "reason"):
            if key in verdict:
                item[key] = verdict[key]
        if verdict.get("suggestions"):
            item["suggestions"] = verdict["suggestions"]
        out.append(item)
    return out


def _suggestions(verdict: dict) -> str:
    found = verdict.get("suggestions") or verdict.get("candidates") or verdict.get("narrower") or []
    return " | ".join(f"{s['label']} <{s['uri']}>" for s in found)


def write_csv(out: IO[str], results: Iterator[Result]) -> None:
    for _ in tee_csv(results, out):
        pass


# A spreadsheet reads a cell beginning with one of these as a formula (OWASP, "CSV injection").
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell as a spreadsheet shows it as text: a formula-leading cell gets a leading `'` (OWASP's rule), so a
    value copied from a record (`=HYPERLINK(…)`) is never run by whoever opens the report."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_LEADS) else text


def tee_csv(results: Iterator[Result], out: IO[str]) -> Iterator[Result]:
    """The results passed on, each problem written as a CSV row on the way (one pass, two reports)."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for result in results:
        if result.problem:
            verdict = result.verdict
            writer.writerow([safe_cell(cell) for cell in (
                result.ref, result.field, result.value, verdict.get("part") or verdict.get("reason", ""),
                verdict["verdict"], verdict.get("preferred", ""), verdict.get("uri", ""), _suggestions(verdict),
                result.line)])
        yield result


def write_text(out: IO[str], validation: Validation, results: Iterator[Result], source) -> None:
    for _ in results:
        pass
    summary = validation.summary
    out.write(f"{source.name}: {source.format}, {source.encoding}"
              + (f", separator {source.delimiter!r}" if source.delimiter else "") + "\n")
    for note in source.notes:
        out.write(f"  note: {note}\n")
    out.write(f"{summary.records} records, {summary.values} values checked\n")
    for name, count in summary.as_dict()["counts"].items():
        out.write(f"  {name:14} {count:8}\n")
    if summary.case_or_accents:
        out.write(f"  (valid but not as written: {summary.case_or_accents}, case or accents)\n")
    for code, count in summary.as_dict()["missingRequired"].items():
        out.write(f"  {count} record{'s' if count > 1 else ''} without {code} (required)\n")
    for error in summary.errors[:20]:
        out.write(f"  {source.name}:{error['line']}: {error['message']}\n")
    problems = summary.top_problems(30)
    if problems:
        out.write("most frequent problems:\n")
    for problem in problems:
        verdict = problem["verdict"]
        hint = verdict.get("preferred") or ", ".join(s["label"] for s in verdict.get("suggestions", [])[:3])
        detail = f" ({verdict['reason']})" if "reason" in verdict else (
            f" (part {verdict['part']!r})" if "part" in verdict else "")
        out.write(f"  {problem['count']:6} × {problem['field']} {problem['value']!r}: {verdict['verdict']}{detail}"
                  + (f" → {hint}" if hint else "") + "\n")
