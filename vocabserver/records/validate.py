"""Validation of records: each controlled field of each record cut into terms (records/rules.py), each term
given its verdict (records/verdicts.py). Streamed: results are handed on as records are read, and only the
counts and the distinct problems are kept (bounded by the number of distinct values, not of records).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from vocabserver.records import rules as field_rules
from vocabserver.records.formats import InputError, Problem, Record
from vocabserver.records.verdicts import VERDICTS, Checker

PROBLEMS_KEPT = 20_000
FIELDS_CACHED = 30_000  # distinct field texts whose terms and verdicts are kept  # distinct problems tallied (a file with more keeps counting the known ones)


@dataclass(slots=True)
class Result:
    ref: str
    record: int
    line: int
    field: str
    value: str  # the term checked
    source: str  # the whole value of the field it comes from
    part: str  # term, qualifier, role, place
    verdict: dict

    def as_dict(self) -> dict:
        out = {"ref": self.ref, "record": self.record, "line": self.line, "field": self.field, "value": self.value}
        if self.source != self.value:
            out["in"] = self.source
        if self.part != "term":
            out["part"] = self.part
        verdict = self.verdict
        out["verdict"] = verdict["verdict"]
        for key in ("preferred", "uri", "vocab", "asWritten", "replacement"):
            if key in verdict:
                out[key] = verdict[key]
        if verdict["verdict"] == "unknown":
            out["suggestions"] = verdict["suggestions"]
        elif verdict["verdict"] == "ambiguous":
            out["candidates"] = verdict["candidates"]
        elif verdict["verdict"] == "guide-term":
            out["narrower"] = verdict["narrower"]
        else:
            out["suggestions"] = []
        return out

    @property
    def problem(self) -> bool:
        return self.verdict["verdict"] != "valid"


@dataclass
class Summary:
    records: int = 0
    tallies: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (field, verdict, museum) -> count
    problems: dict[tuple, dict] = field(default_factory=dict)  # (field, value, verdict) -> count, refs, verdict
    errors: list[dict] = field(default_factory=list)  # records that could not be read
    case_or_accents: int = 0  # valid, but not as written

    def add(self, result: Result, museum: str) -> None:
        verdict = result.verdict
        name = verdict["verdict"]
        key = (result.field, name, museum)
        tallies = self.tallies
        tallies[key] = tallies.get(key, 0) + 1
        if name == "valid":
            if verdict.get("asWritten") is False:
                self.case_or_accents += 1
            return
        key = (result.field, result.value, name)
        found = self.problems.get(key)
        if found is None and len(self.problems) < PROBLEMS_KEPT:
            found = self.problems[key] = {"field": result.field, "value": result.value, "verdict": verdict,
                                          "count": 0, "refs": []}
        if found is not None:
            found["count"] += 1
            if len(found["refs"]) < 5:
                found["refs"].append(result.ref)

    def _by(self, position: int) -> dict[str, Counter]:
        out: dict[str, Counter] = {}
        for key, count in self.tallies.items():
            out.setdefault(key[position], Counter())[key[1]] += count
        return out

    @property
    def values(self) -> int:
        return sum(self.tallies.values())

    @property
    def verdicts(self) -> Counter:
        out: Counter = Counter()
        for key, count in self.tallies.items():
            out[key[1]] += count
        return out

    @property
    def by_field(self) -> dict[str, Counter]:
        return self._by(0)

    @property
    def by_museum(self) -> dict[str, Counter]:
        return self._by(2)

    def top_problems(self, limit: int = 500) -> list[dict]:
        return sorted(self.problems.values(), key=lambda p: (-p["count"], p["field"], p["value"]))[:limit]

    def as_dict(self) -> dict:
        verdicts = self.verdicts
        return {"records": self.records, "values": self.values,
                "counts": {v: verdicts.get(v, 0) for v in VERDICTS},
                "validNotAsWritten": self.case_or_accents,
                "byField": {f: {v: c.get(v, 0) for v in VERDICTS} for f, c in sorted(self.by_field.items())},
                "errors": self.errors}


class Validation:
    def __init__(self, checker: Checker, fields: Iterable[str] | None = None, unseen: frozenset[str] = frozenset()):
        """`fields`: only these (all the controlled ones by default); `unseen`: vocabularies the caller may not
        read (private ones): the fields they control are not checked."""
        self.checker = checker
        table = {code: rule for code, rule in field_rules.rules().items() if not set(rule.vocabularies) & unseen}
        fields = [f.strip() for f in fields or () if f.strip()]
        wanted = {f.upper() for f in fields} if fields else None
        if wanted:
            unknown = sorted(wanted - set(table))
            if unknown:
                raise ValueError(f"not a controlled field: {', '.join(unknown)} (controlled: {', '.join(table)})")
        self.rules = {code: rule for code, rule in table.items() if wanted is None or code in wanted}
        self.summary = Summary()
        self._fields: dict[tuple[str, str], list[tuple]] = {}

    def checked(self, code: str, rule, text: str) -> list[tuple]:
        """(term, value it comes from, part, verdict) of a field's text; cached: exports repeat their values."""
        key = (code, text)
        found = self._fields.get(key)
        if found is None:
            if len(self._fields) > FIELDS_CACHED:
                self._fields.clear()
            found = self._fields[key] = [
                (term.text, value, term.part, self.checker.check(term.text, term.vocabularies))
                for value in field_rules.values(rule, text)
                for term in field_rules.terms(rule, value, self.checker.is_label)]
        return found

    def record_results(self, record: Record) -> list[Result]:
        out = []
        ref, number, line, rules = record.ref, record.number, record.line, self.rules
        for code, text in record.fields.items():  # the record's fields (fewer than the rules)
            rule = rules.get(code)
            if rule is not None and text:
                out += [Result(ref, number, line, code, term, value, part, verdict)
                        for term, value, part, verdict in self.checked(code, rule, text)]
        return out

    def run(self, records: Iterator[Record]) -> Iterator[Result]:
        """The results, record after record; the summary fills as they go. A record that cannot be read is
        reported (`summary.errors`) and the others are still checked."""
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except InputError as exc:  # the input cannot be read on: what was read is reported
                self.summary.errors.append({"line": exc.line, "message": exc.message, "fatal": True})
                return
            if isinstance(record, Problem):
                if len(self.summary.errors) < 1000:
                    self.summary.errors.append({"line": record.line, "message": record.message})
                continue
            self.summary.records += 1
            museum = record.fields.get("MUSEO") or record.fields.get("LOCA") or "—"
            for result in self.record_results(record):
                self.summary.add(result, museum)
                yield result
