"""LOCA from Muséofile: the Musées de France as Joconde writes them ("Ville ; Nom officiel").

One concept per museum, its MUSEO code as notation and local id (the code Joconde
records carry in their MUSEO field), grouped région › département so curators can
browse; régions and départements are guide terms (a record's LOCA names a museum).
The forms real Joconde records write for a museum (older names) become altLabels
when the record gives the museum's code and its town: the code alone is not enough
(records of deposits carry the lender's code).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, XSD

from vocabserver.index.folding import fold
from vocabserver.rdf.iri import is_iri
from vocabserver.rdf.namespaces import PREFIXES
from vocabserver.lexicons.terms import Report, Term

GEO = PREFIXES["geo"]
SCHEMA = PREFIXES["schema"]
FOAF = PREFIXES["foaf"]
MUSEOFILE_FILE = "museofile/musees-de-france-base-museofile.csv"
RECORDS_FILE = "joconde-records-sample/BaseJoconde_Paris_Reconc.csv"
_CODE = re.compile(r"^[A-Z]\d{4}$")  # M…: museums; B…: three libraries listed with them
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_SPACES = re.compile(r"\s+")


def _clean(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def loca_label(town: str, name: str) -> str:
    return f"{_clean(town)} ; {_clean(name)}"


def _website(url: str) -> URIRef | None:
    url = _clean(url)
    if not url:
        return None
    if not re.match(r"^https?://", url, re.IGNORECASE):
        url = "https://" + url  # Muséofile writes host names without a scheme
    return URIRef(url) if is_iri(url) else None


def _record_forms(path: Path, museums: dict[str, dict]) -> tuple[dict[str, Counter], int]:
    """LOCA values of real records, per MUSEO code, where the record's town is the museum's."""
    forms: dict[str, Counter] = defaultdict(Counter)
    skipped = 0
    if not path.exists():
        return forms, skipped
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code, value = _clean(row.get("Code_Museofile")), _clean(row.get("Localisation"))
            museum = museums.get(code)
            if not museum or " ; " not in value:
                continue
            if value.split(" ; ", 1)[0].casefold() != _clean(museum["Ville"]).casefold():
                skipped += 1  # a deposit elsewhere, or a wrong code: not this museum's name
                continue
            forms[code][value] += 1
    return forms, skipped


def read_museofile(data: Path) -> tuple[dict[str, Term], Report, list[str]]:
    path = data / MUSEOFILE_FILE
    report = Report()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    report.lines = len(rows) + 1
    museums: dict[str, dict] = {}
    for number, row in enumerate(rows, start=2):
        code = _clean(row.get("Identifiant"))
        if not _CODE.match(code):
            report.notes.append(f"line {number}: no Muséofile identifier ({code!r}): skipped")
            continue
        if code in museums:
            report.notes.append(f"line {number}: {code} again: skipped")
            continue
        museums[code] = row
    report.entries = len(museums)

    terms: dict[str, Term] = {}
    region_key = lambda name: f"région {name}"  # noqa: E731 - keys only, never labels
    department_key = lambda name: f"département {name}"  # noqa: E731
    for code, row in sorted(museums.items()):
        region, department = _clean(row.get("Région")), _clean(row.get("Departement"))
        if region and region_key(region) not in terms:
            terms[region_key(region)] = Term(region, guide=True)
        if department and department_key(department) not in terms:
            terms[department_key(department)] = Term(
                department, guide=True, broader=[region_key(region)] if region else [])
    forms, deposits = _record_forms(data / RECORDS_FILE, museums)
    labels_seen: set[str] = {t.label for t in terms.values()} | {
        loca_label(r.get("Ville", ""), r.get("Nom_officiel", "")) for r in museums.values()}
    claimed = Counter(form for per_code in forms.values() for form in per_code)
    added_forms = 0
    for code, row in sorted(museums.items()):
        town, name = _clean(row.get("Ville")), _clean(row.get("Nom_officiel"))
        if not name:
            # One museum (M1136) has no official name in Muséofile: say so rather than invent one.
            label = loca_label(town, code)
            report.notes.append(f"{code}: no official name in Muséofile; labelled {label!r}")
        else:
            label = loca_label(town, name)
        department = _clean(row.get("Departement"))
        term = Term(label, notation=code, lines=[(path.name, 0)],
                    broader=[department_key(department)] if department else [])
        props = term.properties
        props.append((SCHEMA + "addressLocality", Literal(town)))
        for column, predicate in (("Adresse", "streetAddress"), ("Code_postal", "postalCode")):
            if _clean(row.get(column)):
                props.append((SCHEMA + predicate, Literal(_clean(row[column]))))
        if department:
            props.append((SCHEMA + "addressRegion", Literal(department)))
        match = _COORDINATES.match(row.get("Coordonnees") or "")
        if match:
            props.append((GEO + "lat", Literal(match.group(1), datatype=XSD.decimal)))
            props.append((GEO + "long", Literal(match.group(2), datatype=XSD.decimal)))
        website = _website(row.get("URL", ""))
        if website is not None:
            props.append((FOAF + "homepage", website))
        for theme in (t.strip() for t in (row.get("Domaine_thematique") or "").split(",")):
            if theme:
                props.append((SCHEMA + "keywords", Literal(theme, lang="fr")))
        if re.match(r"^\d{4}-\d{2}-\d{2}$", _clean(row.get("Date_de_mise_a_jour"))):
            props.append((str(DCTERMS.modified), Literal(_clean(row["Date_de_mise_a_jour"]), datatype=XSD.date)))
        for form, count in sorted(forms.get(code, {}).items()):
            # A form differing only in case or accents is found by the label index already.
            if fold(form) != fold(label) and form not in labels_seen and claimed[form] == 1:
                term.alts.append(form)
                added_forms += 1
        terms[code] = term
    report.guide_terms = sum(t.guide for t in terms.values())
    dates = sorted(d for d in (_clean(r.get("Date_de_mise_a_jour")) for r in museums.values())
                   if re.match(r"^\d{4}-\d{2}-\d{2}$", d))
    if dates:
        report.source_date = f"{dates[0]} – {dates[-1]}"
    report.notes.append(
        f"{len(museums)} museums, {sum(1 for k in terms if k.startswith('région '))} régions, "
        f"{sum(1 for k in terms if k.startswith('département '))} départements; "
        f"{added_forms} altLabels from the LOCA values of {RECORDS_FILE.split('/')[-1]} "
        f"(records whose MUSEO code and town match the museum; {deposits} records of other towns not used)")
    return terms, report, []
