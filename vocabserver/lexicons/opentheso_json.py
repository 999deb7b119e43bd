"""The reduced Opentheso JSON of ../shared/data/opentheso-current, with its real ARK identifiers.

`{"meta": {...}, "concepts": {URI: {uri, id, prefLabel, altLabels[], broader[], narrower[]}}, "roots": [...]}`:
one French prefLabel, altLabels without language (a few are JSON numbers, PERI's "11" on the 11th
century: the string is meant), broader/narrower. The same reader serves `vocabserver load` of such a file.
"""

from __future__ import annotations

import json
from pathlib import Path

from vocabserver.lexicons.terms import Report, Term, _reaches


class OpenthesoJsonError(ValueError):
    pass


def _text(value) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, str)):
        text = " ".join(str(value).split())
        return text or None
    return None


def parse_reduced(document: dict, name: str) -> tuple[dict[str, Term], Report, dict]:
    """Terms keyed by concept URI; the report says what was read, dropped and why."""
    if not isinstance(document, dict) or not isinstance(document.get("concepts"), dict):
        raise OpenthesoJsonError(f"{name}: not a reduced Opentheso export (no \"concepts\" object)")
    concepts = document["concepts"]
    report = Report(lines=len(concepts), entries=len(concepts))
    terms: dict[str, Term] = {}
    for key, raw in concepts.items():
        if not isinstance(raw, dict):
            report.notes.append(f"{key}: not an object: skipped")
            continue
        uri = _text(raw.get("uri")) or key
        label = _text(raw.get("prefLabel"))
        if not label:
            report.notes.append(f"{uri}: no prefLabel: skipped")
            continue
        alts: list[str] = []
        for value in raw.get("altLabels") or []:
            text = _text(value)
            if text is None:
                report.notes.append(f"{uri}: altLabel {value!r} is not text: dropped")
                report.alts_dropped += 1
            elif text != label and text not in alts:
                alts.append(text)
        broader = [b for b in (raw.get("broader") or []) if isinstance(b, str)]
        terms[uri] = Term(label, alts=alts, broader=broader, lines=[(name, 0)], uri=uri)
    for uri, term in terms.items():
        missing = [b for b in term.broader if b not in terms]
        if missing:
            report.notes.append(f"{uri}: broader {missing} not in the export: dropped")
        kept = []
        for parent in term.broader:
            if parent not in terms:
                continue
            if _reaches(terms, parent, uri):
                report.cycles_broken += 1
                report.notes.append(f"cycle avoided: {uri} -> {parent}")
                continue
            kept.append(parent)
        term.broader = kept
    _drop_alts_naming_other_concepts(terms, report)
    return terms, report, document.get("meta") or {}


def _drop_alts_naming_other_concepts(terms: dict[str, Term], report: Report) -> None:
    """As for the lexicons: a form that is another concept's prefLabel would make that label ambiguous."""
    labels = {t.label for t in terms.values()}
    for uri, term in terms.items():
        kept = [a for a in term.alts if a not in labels]
        for alt in term.alts:
            if alt in labels:
                report.notes.append(f"{uri} ({term.label}): altLabel {alt!r} is another concept's prefLabel: dropped")
        report.alts_dropped += len(term.alts) - len(kept)
        term.alts = kept


def read_reduced(path: Path) -> tuple[dict[str, Term], Report, dict]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise OpenthesoJsonError(f"{path}:{exc.lineno}:{exc.colno}: {exc.msg}") from None
    return parse_reduced(document, path.name)
