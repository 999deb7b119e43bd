"""Validation on several cores: worker processes forked once the label index is read (they share its memory),
each checking chunks of records; the parent reads the input, keeps the tallies and writes the reports, in the
input's order. The workers never touch the store: what they need of it (the replacements of deprecated
concepts) is read before they start, and the store is closed."""

from __future__ import annotations

import multiprocessing
from typing import Iterator

from vocabserver.records.formats import InputError, Problem
from vocabserver.records.validate import Result, Validation

CHUNK = 300
_worker: dict = {}


class _Fatal:
    def __init__(self, error: InputError):
        self.line, self.message = error.line, error.message


def _chunks(records) -> Iterator[list]:
    chunk = []
    try:
        for item in records:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    except InputError as exc:  # the input cannot be read on: what was read is checked, then the error said
        chunk.append(_Fatal(exc))
    if chunk:
        yield chunk


def _check(chunk: list) -> list:
    """Per record: its museum, its results — or, when only problems are reported, its problems and the count
    of its valid terms per field (what comes back to the parent is what it needs: little to unpickle)."""
    validation: Validation = _worker["validation"]
    every = _worker["every"]
    out = []
    for item in chunk:
        if isinstance(item, (Problem, _Fatal)):
            out.append(item)
            continue
        museum = item.fields.get("MUSEO") or item.fields.get("LOCA") or "—"
        results = validation.record_results(item)
        if every:
            out.append((museum, results, None))
            continue
        valid: dict[str, list[int]] = {}
        problems = []
        for result in results:
            if result.verdict["verdict"] == "valid":
                counts = valid.setdefault(result.field, [0, 0])
                counts[0] += 1
                counts[1] += result.verdict.get("asWritten") is False
            else:
                problems.append(result)
        out.append((museum, problems, valid))
    return out


def run(validation: Validation, records, workers: int, every: bool = True) -> Iterator[Result]:
    """As `Validation.run`, the checking done by `workers` forked processes; `every` False: only the problems
    are yielded (the summary still counts every term)."""
    _worker["validation"], _worker["every"] = validation, every
    summary = validation.summary
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for checked in pool.imap(_check, _chunks(records)):
            for item in checked:
                if isinstance(item, _Fatal):
                    summary.errors.append({"line": item.line, "message": item.message, "fatal": True})
                elif isinstance(item, Problem):
                    if len(summary.errors) < 1000:
                        summary.errors.append({"line": item.line, "message": item.message})
                else:
                    museum, results, valid = item
                    summary.records += 1
                    for field, (count, not_as_written) in (valid or {}).items():
                        key = (field, "valid", museum)
                        summary.tallies[key] = summary.tallies.get(key, 0) + count
                        summary.case_or_accents += not_as_written
                    for result in results:
                        summary.add(result, museum)
                        yield result
