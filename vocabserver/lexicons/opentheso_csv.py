"""The DOMN export of Opentheso (th294), with its real ARK identifiers."""

from __future__ import annotations

import csv
from pathlib import Path

from vocabserver.lexicons.sources import ARK_BASE
from vocabserver.lexicons.terms import Report, Term


def read_domn(path: Path) -> tuple[dict[str, Term], Report]:
    report = Report()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    report.lines = len(rows) + 1
    report.entries = len(rows)
    by_id = {row["ark_local_id"]: row for row in rows}
    terms: dict[str, Term] = {}
    for row in rows:
        key = row["ark_local_id"]
        label = row["prefLabel_fr"].strip()
        alts = [a.strip() for a in row["altLabels_fr"].split("|") if a.strip() and a.strip() != label]
        broader = [b for b in row["broader"].split("|") if b]
        missing = [b for b in broader if b not in by_id]
        if missing:
            report.notes.append(f"{key}: broader {missing} not in the export")
        terms[key] = Term(
            label,
            alts=alts,
            broader=[b for b in broader if b in by_id],
            lines=[(path.name, 0)],
            uri=ARK_BASE + key,
        )
    return terms, report
