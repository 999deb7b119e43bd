"""Validation of records: each controlled field of each record cut into terms (records/rules.py), each term
given its verdict (records/verdicts.py). Streamed: results are handed on as records are read, and only the
counts and the distinct problems are kept (bounded by the number of distinct values, not of records).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from vocabserver.index.folding import fold
from vocabserver.records import rules as field_rules
from vocabserver.records.compound import OFFERS, value_verdict
from vocabserver.records.nearest import nearest
from vocabserver.records.formats import REQUIRED, InputError, Problem, Record
from vocabserver.records.verdicts import VERDICTS, Checker

PROBLEMS_KEPT = 20_000  # distinct problems tallied (a file with more keeps counting the known ones)
FIELDS_CACHED = 30_000  # distinct field texts whose terms and verdicts are kept
INCOMPLETE_KEPT = 1_000  # records missing a required field, listed (all are counted)
MUSEUM_FIELDS = ("LOCA", "DEPO")  # museums, named in the record by their Muséofile code too (MUSEO)
MISSING = {"verdict": "missing"}  # a required field left empty: a problem of the record, not a term's verdict


@dataclass(slots=True)
class Result:
    ref: str
    record: int
    line: int
    field: str
    value: str  # the value checked (a compound one's parts are in its verdict: records/compound.py)
    source: str  # the value it comes from (the same, since values are read whole)
    part: str  # "term"; "required" for a required field left empty
    verdict: dict

    def as_dict(self) -> dict:
        out = {"ref": self.ref, "record": self.record, "line": self.line, "field": self.field, "value": self.value}
        if self.source != self.value:
            out["in"] = self.source
        if self.part != "term":
            out["part"] = self.part
        verdict = self.verdict
        name = out["verdict"] = verdict["verdict"]
        for key in ("preferred", "uri", "vocab", "asWritten", "replacement", "heading", "part", "at", "why", "reason"):
            if key in verdict:
                out[key] = verdict[key]
        offers = OFFERS.get(name)
        if offers == "suggestions" or offers is None:
            out["suggestions"] = verdict.get("suggestions", [])
        else:
            out[offers] = verdict[offers]
        if "parts" in verdict:
            out["parts"] = verdict["parts"]
        return out

    @property
    def problem(self) -> bool:
        return self.verdict["verdict"] != "valid"

    @property
    def missing(self) -> bool:
        return self.verdict["verdict"] == "missing"  # compared, not `is`: results come pickled from workers


@dataclass
class Summary:
    records: int = 0
    tallies: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (field, verdict, museum) -> count
    problems: dict[tuple, dict] = field(default_factory=dict)  # (field, value, verdict) -> count, refs, verdict
    errors: list[dict] = field(default_factory=list)  # records that could not be read
    case_or_accents: int = 0  # valid, but not as written
    missing: Counter = field(default_factory=Counter)  # required field -> records without it
    incomplete: list[dict] = field(default_factory=list)  # the first records missing one

    def add(self, result: Result, museum: str) -> None:
        verdict = result.verdict
        name = verdict["verdict"]
        if name == "missing":
            self.missing[result.field] += 1
            if len(self.incomplete) < INCOMPLETE_KEPT:
                self.incomplete.append({"ref": result.ref, "record": result.record, "line": result.line,
                                        "field": result.field})
            return
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
                "missingRequired": {f: self.missing[f] for f in REQUIRED if self.missing[f]},
                "incomplete": self.incomplete, "errors": self.errors}


@dataclass(slots=True)
class FieldCheck:
    """A field's text checked: its terms (term, value it comes from, part, verdict), how many are valid (and of
    those, not as written), and its problems — so that a record's valid terms are counted, not carried."""
    terms: list[tuple]
    valid: int
    not_as_written: int
    problems: list[tuple]


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
        # Required fields are checked with every field, or with those asked for.
        self.required = tuple(code for code in REQUIRED if wanted is None or code in wanted)
        self.summary = Summary()
        self._fields: dict[tuple[str, str], FieldCheck] = {}

    def field_check(self, code: str, rule, text: str) -> FieldCheck:
        """A field's text checked; cached: exports repeat their values."""
        key = (code, text)
        found = self._fields.get(key)
        if found is None:
            if len(self._fields) > FIELDS_CACHED:
                self._fields.clear()
            checker = self.checker
            terms = []
            for value in field_rules.values(rule, text):  # each value read in its field's syntax (records/syntax.py)
                found = value_verdict(checker, rule, value)
                if found is not None:
                    terms.append((value, value, "term", found[0]))
            valid = [t for t in terms if t[3]["verdict"] == "valid"]
            found = self._fields[key] = FieldCheck(
                terms, len(valid), sum(t[3].get("asWritten") is False for t in valid),
                [t for t in terms if t[3]["verdict"] != "valid"])
        return found

    def checked(self, code: str, rule, text: str) -> list[tuple]:
        """(term, value it comes from, part, verdict) of a field's text."""
        return self.field_check(code, rule, text).terms

    def check_record(self, record: Record, every: bool = True) -> tuple[str, list[Result], list[tuple]]:
        """A record's museum, its results — every term's, or only its problems with the count of its valid
        terms per field ((field, valid, of which not as written)) — ready for `count`."""
        ref, number, line, rules, cache = record.ref, record.number, record.line, self.rules, self._fields
        fields = record.fields
        museum = fields.get("MUSEO") or fields.get("LOCA") or "—"
        out: list[Result] = []
        valid: list[tuple] = []
        for code, text in fields.items():  # the record's fields (fewer than the rules)
            rule = rules.get(code)
            if rule is None or not text:
                continue
            check = cache.get((code, text)) or self.field_check(code, rule, text)  # most are met before
            if check.problems and code in MUSEUM_FIELDS and fields.get("MUSEO"):
                check = self._with_museum_code(check, fields["MUSEO"])
            if every:
                out += [Result(ref, number, line, code, term, value, part, verdict)
                        for term, value, part, verdict in check.terms]
                continue
            if check.valid:
                valid.append((code, check.valid, check.not_as_written))
            if check.problems:
                out += [Result(ref, number, line, code, term, value, part, verdict)
                        for term, value, part, verdict in check.problems]
        carried = record.carried
        for code in self.required:
            if not fields.get(code) and (carried is None or code in carried):
                out.append(Result(ref, number, line, code, "", "", "required", MISSING))
        return museum, out, valid

    def _with_museum_code(self, check: FieldCheck, code: str) -> FieldCheck:
        """A museum field the vocabulary does not know, in a record whose MUSEO code it does: that museum is
        suggested — first when it is in the town the value names (the same museum under another name), last
        otherwise (the object may be deposited elsewhere: the Paris sample's Louvre objects kept in Lille)."""
        museum = nearest(self.checker.index).museum_of_code(code)
        if museum is None:
            return check
        town = fold(museum["label"].partition(" ; ")[0])
        terms = []
        for term in check.terms:
            verdict = term[3]
            if verdict["verdict"] == "unknown":
                offered = [s for s in verdict.get("suggestions", []) if s["uri"] != museum["uri"]]
                if fold(term[0].partition(";")[0]) == town:
                    offered = [museum] + offered
                else:
                    offered = offered[:9] + [museum]
                verdict = verdict | {"suggestions": offered}
            terms.append(term[:3] + (verdict,))
        return FieldCheck(terms, check.valid, check.not_as_written, [t for t in terms if t[3]["verdict"] != "valid"])

    def count(self, museum: str, results: list[Result], valid: list[tuple]) -> None:
        """A checked record into the summary (`valid`: the counts of the valid terms not among `results`)."""
        summary = self.summary
        summary.records += 1
        tallies = summary.tallies
        for code, count, not_as_written in valid:
            key = (code, "valid", museum)
            tallies[key] = tallies.get(key, 0) + count
            summary.case_or_accents += not_as_written
        for result in results:
            summary.add(result, museum)

    def error(self, item) -> None:
        """A record that could not be read (a `Problem`), or the input that could not be read on (fatal)."""
        errors = self.summary.errors
        if isinstance(item, InputError) or getattr(item, "fatal", False):
            errors.append({"line": item.line, "message": item.message, "fatal": True})
        elif len(errors) < 1000:
            errors.append({"line": item.line, "message": item.message})

    def run(self, records: Iterator[Record], every: bool = True) -> Iterator[Result]:
        """The results, record after record (`every` False: only the problems; every term is still counted);
        the summary fills as they go. A record that cannot be read is reported (`summary.errors`) and the
        others are still checked."""
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except InputError as exc:  # the input cannot be read on: what was read is reported
                self.error(exc)
                return
            if isinstance(record, Problem):
                self.error(record)
                continue
            museum, results, valid = self.check_record(record, every)
            self.count(museum, results, valid)
            yield from results
