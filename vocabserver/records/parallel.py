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
    fatal = True

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
    """Per record what `Validation.count` takes (only problems when not every term is reported: little to
    unpickle), or the record's reading error."""
    validation: Validation = _worker["validation"]
    every = _worker["every"]
    return [item if isinstance(item, (Problem, _Fatal)) else validation.check_record(item, every) for item in chunk]


def run(validation: Validation, records, workers: int, every: bool = True) -> Iterator[Result]:
    """As `Validation.run`, the checking done by `workers` forked processes."""
    _worker["validation"], _worker["every"] = validation, every
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for checked in pool.imap(_check, _chunks(records)):
            for item in checked:
                if isinstance(item, (Problem, _Fatal)):
                    validation.error(item)
                else:
                    museum, results, valid = item
                    validation.count(museum, results, valid)
                    yield from results
