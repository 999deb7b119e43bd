"""Record validation (issue 12) on real inputs: the POP import notices, the Paris open-data sample, inputs in
Windows-1252, CSV with field codes, JSON — through the real CLI on the bundled vocabularies, in process for
the field rules and the verdicts, and over HTTP (POST /api/v1/validate)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import SHARED, cli

NOTICES = SHARED / "pop-import-notices"
PARIS = SHARED / "joconde-records-sample" / "BaseJoconde_Paris_Reconc.csv"
VERDICTS = {"valid", "non-preferred", "guide-term", "deprecated", "ambiguous", "unknown", "malformed"}
needs_shared = pytest.mark.skipif(not NOTICES.exists(), reason="../shared is not beside the project")


def _validate(loaded_dir, *args) -> tuple[int, dict]:
    done = cli("validate", *map(str, args), "--format", "json", data_dir=loaded_dir)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def _find(document, field, value) -> dict:
    return next(r for r in document["results"] if r["field"] == field and r["value"] == value)


@pytest.fixture(scope="module")
def checker(loaded_dir):
    from vocabserver.index.holder import LabelIndexHolder, index_path
    from vocabserver.records.verdicts import Checker
    from vocabserver.store.embedded import VocabStore

    from .conftest import BASE

    store = VocabStore(loaded_dir, BASE, read_only=True)
    return Checker(LabelIndexHolder(store, index_path(store)).current(), store)


@needs_shared
def test_the_pop_import_notices(loaded_dir):
    code, document = _validate(loaded_dir, NOTICES / "joconde-valid-UTF-8.txt")
    assert code == 1 and document["records"] == 3 and document["values"] == len(document["results"]) > 20
    assert document["source"]["format"] == "notices" and document["source"]["encoding"] == "utf-8"
    # The counts README shows.
    assert document["values"] == 30 and document["validNotAsWritten"] == 0
    assert {v: n for v, n in document["counts"].items() if n} == {"valid": 27, "non-preferred": 1, "unknown": 2}
    for result in document["results"]:
        assert {"ref", "field", "value", "verdict", "suggestions"} <= set(result) and result["verdict"] in VERDICTS
        if result["verdict"] != "unknown":
            assert result.get("uri", "").startswith("http") or result["verdict"] == "ambiguous"
    assert _find(document, "DOMN", "archéologie")["verdict"] == "valid"
    assert _find(document, "DENO", "fragment")["verdict"] == "valid"
    assert _find(document, "LOCA", "Autun ; musée Rolin")["verdict"] == "valid"
    # An author with roles: the name failed, the roles are author roles; the suggestions are whole values.
    unknown = _find(document, "AUTR", "anonymesss (céramiste, artisan)")
    assert unknown["verdict"] == "unknown" and unknown["part"] == "anonymesss"
    assert unknown["suggestions"][0]["label"] == "anonyme (céramiste, artisan)"
    assert [(p["text"], p["kind"], p["field"], p["verdict"]) for p in unknown["parts"]] == [
        ("anonymesss", "term", "autr", "unknown"), ("céramiste", "role", "autrole", "valid"),
        ("artisan", "role", "autrole", "valid")]
    assert unknown["parts"][0]["suggestions"][0]["label"] == "anonyme"
    claire = _find(document, "TECH", "céramique (claire)")
    assert claire["verdict"] == "non-preferred" and claire["preferred"] == "céramique (clair)"
    # DECV: the place of discovery (its most precise part) and the mode; the bracketed date and finder are free.
    decv = [(r["value"], r["verdict"], [p["text"] for p in r.get("parts", [])])
            for r in document["results"] if r["field"] == "DECV"]
    assert ("France, Saône-et-Loire, Autun (lieu de découverte)", "valid", ["Autun"]) in decv
    assert ("fouilles", "valid", []) in decv
    assert not any("1977" in value for value, _v, _p in decv)
    assert document["missingRequired"] == {}  # each has REF, INV, DOMN, MUSEO and STAT

    _code, warned = _validate(loaded_dir, NOTICES / "joconde-valid-UTF-8-warnings.txt")
    assert warned["values"] == 12 and {v: n for v, n in warned["counts"].items() if n} == {"valid": 11, "unknown": 1}

    # The notice with a POP "invalid encoding": what was detected is said, and it is still read.
    _code, odd = _validate(loaded_dir, NOTICES / "joconde-invalid-UTF-8.txt")
    assert odd["records"] == 1 and any("ASCII" in n for n in odd["source"]["notes"])
    assert any("CRLF" in n for n in odd["source"]["notes"])
    # It holds REF and COOR only: the fields POP requires are reported missing, each once.
    assert odd["missingRequired"] == {"INV": 1, "DOMN": 1, "MUSEO": 1, "STAT": 1}
    assert {i["field"] for i in odd["incomplete"]} == {"INV", "DOMN", "MUSEO", "STAT"}
    assert odd["incomplete"][0]["ref"] == "01610014032" and odd["results"] == []


@needs_shared
def test_the_paris_open_data_sample(loaded_dir):
    _code, document = _validate(loaded_dir, PARIS)
    assert document["records"] == 569 and document["source"]["format"] == "csv"
    assert document["source"]["columns"]["Denomination"] == "DENO"
    counts = document["counts"]
    assert counts["valid"] > 0.8 * document["values"]
    # Values checked by hand against the vocabularies.
    moule = _find(document, "TECH", "plomb (moulé)")["parts"][1]
    assert moule["verdict"] == "valid" and "/tech/" in moule["uri"]  # the technique, not the mussel ("moule")
    galliera = _find(document, "LOCA", "Paris ; Galliera musée de la Mode de la Ville de Paris")
    assert galliera["verdict"] == "non-preferred" and galliera["preferred"].startswith("Paris ; Palais Galliera")
    assert _find(document, "INSC", "signé")["preferred"] == "signature"
    assert _find(document, "EPOQ", "Qing (1644-1911)")["preferred"] == "époque Qing (1644-1911)"
    # REPR's classes are guide terms: valid heading the subjects in brackets, not alone.
    figure = _find(document, "REPR", "figure (femme, en buste)")
    assert figure["verdict"] == "valid" and "/repr/" in figure["uri"] and figure["parts"][0]["heading"] is True
    alone = _find(document, "REPR", "paysage")
    assert alone["verdict"] == "guide-term"
    assert document["counts"] == {"valid": 4582, "non-preferred": 616, "guide-term": 3, "deprecated": 0,
                                  "ambiguous": 1, "unknown": 61, "malformed": 2}  # as the docs show them
    assert document["values"] == 5265 and document["validNotAsWritten"] == 113
    # No REF nor STAT column: said once, not reported per record.
    assert any("REF, STAT" in n for n in document["source"]["notes"]) and document["missingRequired"] == {}
    top = document["problems"][0]
    assert top["count"] == 309 and top["field"] == "LOCA"  # one line for the value wrong in 309 records


def test_windows_1252_csv_with_field_codes_and_json(loaded_dir, tmp_path):
    csv_file = tmp_path / "export.csv"
    csv_file.write_bytes("REF;DENO;TECH;AUTR\nM001;statuette;bronze (fondu, doré);BUQUET (atelier, graveur)\n"
                         "M002;statuete;huile sur toile;\n".encode("cp1252"))
    _code, document = _validate(loaded_dir, csv_file)
    assert document["source"]["encoding"] == "windows-1252" and document["source"]["delimiter"] == ";"
    assert _find(document, "DENO", "statuette")["verdict"] == "valid"
    typo = _find(document, "DENO", "statuete")
    assert typo["verdict"] == "unknown" and typo["suggestions"][0]["label"] == "statuette"
    bronze = _find(document, "TECH", "bronze (fondu, doré)")
    assert [p["text"] for p in bronze["parts"]] == ["bronze", "fondu", "doré"]
    assert bronze["verdict"] == "non-preferred" and bronze["preferred"] == "bronze (fonte, doré)"  # TECH: "fonte"
    lines = tmp_path / "records.jsonl"
    lines.write_text('{"REF": "J1", "DOMN": ["peinture", "dessin"]}\n{"REF": "J2", "DOMN": "sculptur"}\n',
                     encoding="utf-8")
    _code, document = _validate(loaded_dir, lines)
    assert document["records"] == 2 and [r["verdict"] for r in document["results"]] == ["valid", "valid", "unknown"]


def test_malformed_inputs_say_where(loaded_dir, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('[{"REF": "1", "DENO": "vase"},\n {"REF": "2", "DENO": }]', encoding="utf-8")
    done = cli("validate", str(broken), "--format", "json", data_dir=loaded_dir)
    assert done.returncode == 2 and "line 2 of " in done.stderr and "broken.json" in done.stderr
    stray = tmp_path / "stray.txt"
    stray.write_text("REF\nA1\nDENO\nvase\n//\nnot a code\nREF\nA2\nDENO\nstatuette\n//\n", encoding="utf-8")
    done = cli("validate", str(stray), "--format", "json", data_dir=loaded_dir)
    document = json.loads(done.stdout)
    assert document["records"] == 2 and document["errors"][0]["line"] == 6  # reported; the others checked
    assert "bad record: line 6" in done.stderr


@pytest.mark.parametrize("field, value, expected", [
    ("AUTR", "BUQUET (atelier, graveur)", [("BUQUET", "term"), ("atelier", "role"), ("graveur", "role")]),
    ("AUTR", "Fortuny Mariano (1871-1949)", [("Fortuny Mariano", "term")]),  # a date is no role
    ("TECH", "argent (appliqué, or)", [("argent", "term"), ("appliqué", "qualifier"), ("or", "qualifier")]),
    ("LIEUX", "France, Saône-et-Loire, Autun (lieu de création)", [("Autun", "place")]),
    ("LOCA", "Autun ; musée Rolin", [("Autun ; musée Rolin", "term")]),
    ("INSC", "inscription (latin)", [("inscription", "term")]),
    ("DENO", "faux (affixe de typologie)", [("faux (affixe de typologie)", "term")]),  # a label with brackets
    ("DENO", "affique (?)", [("affique", "term")]),  # not the label "affique": the doubt is kept
    ("REPR", "figure (roi, préhension : épée)", [("figure", "term"), ("roi", "qualifier"), ("préhension", "step"),
                                                 ("épée", "step")]),
    ("DECV", "France, Saône-et-Loire, Autun (lieu de découverte)", [("Autun", "place")]),
    ("DECV", "(1977, date de découverte)", []),
    ("DECV", "(lieu de découverte) (1982, date de découverte)", []),
])
def test_field_rules_cut_values_into_parts(checker, field, value, expected):
    from vocabserver.records import rules, syntax
    from vocabserver.records.compound import whole_label

    rule = rules.rules()[field]
    found = [(p.text, p.kind) for v in rules.values(rule, value)
             for p in syntax.parse(rule.parts, v, rule.vocabularies, whole_label(checker)).parts]
    assert found == expected


def test_every_rule_names_bundled_vocabularies():
    from vocabserver.records import rules

    bundled = {p.stem for p in (Path(__file__).resolve().parent.parent / "vocabularies").glob("*.ttl")}
    for rule in rules.rules().values():
        assert set(rule.vocabularies) <= bundled, rule


def test_verdicts(checker):
    assert checker.check("Statuette", ("deno",))["verdict"] == "valid"
    assert checker.check("Statuette", ("deno",))["asWritten"] is False
    assert checker.check("paysage", ("repr",))["verdict"] == "guide-term"
    heading = checker.check("paysage", ("repr",), heading=True)
    assert heading["verdict"] == "valid" and heading["heading"] is True and heading["preferred"] == "paysage"
    assert checker.check("statuettes", ("deno",))["suggestions"][0]["label"] == "statuette"


def test_the_http_api(server):
    import requests

    answer = requests.post(server.url + "/api/v1/validate", timeout=30, json=[
        {"REF": "X1", "DENO": "statuette", "TECH": "claire"}, {"REF": "X2", "DOMN": "peinturre"}])
    assert answer.status_code == 200
    document = answer.json()
    assert document["records"] == 2 and {r["verdict"] for r in document["results"]} == {"valid", "non-preferred",
                                                                                          "unknown"}
    refused = requests.post(server.url + "/api/v1/validate", timeout=30, data="not json",
                            headers={"Content-Type": "application/json"})
    assert refused.status_code == 400 and "JSON list" in refused.json()["message"]


@needs_shared
def test_the_html_report_of_the_command_line(loaded_dir, tmp_path):
    report = tmp_path / "report.html"
    done = cli("validate", str(PARIS), "--report", str(report), data_dir=loaded_dir)
    assert done.returncode == 1, done.stderr
    html = report.read_text(encoding="utf-8")
    assert "569 notices" in html and "Paris ; Galliera musée de la Mode de la Ville de Paris" in html
    assert html.index("Galliera musée") < html.index("Thermes de Cluny")  # most frequent first (309, then 150)
    assert "<script" not in html


def test_a_deprecated_term_says_what_to_write_instead(tmp_path):
    from vocabserver.changes import restructure
    from vocabserver.records.verdicts import Checker

    from .test_editing import E, make_engine

    engine = make_engine(tmp_path)
    engine.writer.apply(restructure.deprecate(engine.store, "objets", E + "statuette", E + "vase", "marie"))
    verdict = Checker(engine.labels.current(), engine.store).check("statuette", ("objets",))
    assert verdict["verdict"] == "deprecated" and verdict["preferred"] == "vase" and verdict["replacement"] == E + "vase"


# Values of the Paris sample checked by hand against the bundled vocabularies: (field, value, verdict, preferred).
HAND_CHECKED = [
    ("DOMN", "costume - accessoires du costume", "valid", None), ("DOMN", "égyptien", "valid", None),
    ("DENO", "élement d'ensemble", "valid", "élément d'ensemble"),  # an accent missing: valid, not as written
    ("DENO", "enseigne profane", "valid", None), ("DENO", "affique", "valid", None),
    ("AUTR", "Fortuny Mariano (1871-1949)", "valid", "FORTUNY Mariano (1871-1949)"),
    ("AUTR", "Coypel Antoine (d'après)", "valid", "COYPEL Antoine (d'après)"),
    ("AUTR", "HALL Per Adolf", "non-preferred", "HALL Peter Adolphe"),
    ("TECH", "mine de plomb", "valid", None), ("TECH", "cuir", "non-preferred", "peau"),
    ("TECH", "cuir (cousu (traitements divers))", "non-preferred", "peau (cousu (traitements divers))"),
    ("TECH", "gravure", "unknown", None),  # TECH says "gravé": the first suggestion
    ("PERI", "2e quart 19e siècle", "valid", None),
    ("EPOQ", "XVIIe dynastie", "valid", None), ("EPOQ", "Qing (1644-1911)", "non-preferred", "époque Qing (1644-1911)"),
    ("UTIL", "accessoire du costume", "non-preferred", "accessoire du vêtement"),
    ("REPR", "représentation animalière (dauphin)", "valid", None),
    ("REPR", "figure (sirène)", "non-preferred", "figure (sirène myth)"),
    ("INSC", "poinçon", "valid", None), ("INSC", "daté", "non-preferred", "date"),
    ("LOCA", "Paris ; musée Cernuschi", "non-preferred",
     "Paris ; musée Cernuschi, musée des arts de l’Asie de la ville de Paris"),
]


@pytest.fixture(scope="module")
def paris(loaded_dir):
    if not PARIS.exists():
        pytest.skip("../shared is not beside the project")
    return _validate(loaded_dir, PARIS)[1]


@pytest.mark.parametrize("field, value, verdict, preferred", HAND_CHECKED)
def test_hand_checked_values_of_real_records(paris, field, value, verdict, preferred):
    result = _find(paris, field, value)
    assert result["verdict"] == verdict
    if preferred is not None:
        assert result["preferred"] == preferred
    if verdict == "unknown":
        assert result["suggestions"][0]["label"] == "gravé"


def test_a_corrected_copy_changes_only_what_has_a_preferred_form(loaded_dir, tmp_path):
    notices = tmp_path / "export.txt"
    original = ("REF\r\nA0001\r\nDENO\r\nStatuette ; vase\r\nTECH\r\nclaire, cuir (brodé)\r\nTITR\r\nclaire et cuir\r\n"
                "AUTR\r\nanonymesss\r\n//\r\n")
    notices.write_bytes(original.encode("cp1252"))
    fixed = tmp_path / "fixed.txt"
    done = cli("validate", str(notices), "--fix", str(fixed), data_dir=loaded_dir)
    assert "3 field values changed" not in done.stderr and "2 field values changed" in done.stderr
    assert fixed.read_bytes().decode("cp1252") == original.replace("Statuette ; vase", "statuette ; vase").replace(
        "claire, cuir (brodé)", "clair, peau (brodé)")  # the title and the unknown author untouched; CRLF kept
    table = tmp_path / "export.csv"
    table.write_text("REF;Dénomination;Titre\nB1;Statuette;Statuette\nB2;vase;vase\n", encoding="utf-8")
    cli("validate", str(table), "--fix", str(tmp_path / "fixed.csv"), data_dir=loaded_dir)
    assert (tmp_path / "fixed.csv").read_text(encoding="utf-8") == \
        "REF;Dénomination;Titre\nB1;statuette;Statuette\nB2;vase;vase\n"


def test_a_file_as_the_body_and_a_job_for_a_large_one(server):
    import time as clock

    import requests

    rows = "REF;DENO;TECH\n" + "".join(f"R{n};statuette;{'claire' if n % 2 else 'bronze'}\n" for n in range(3000))
    small = requests.post(server.url + "/api/v1/validate?name=export.csv", data=rows[:2000].encode("utf-8"),
                          headers={"Content-Type": "text/csv"}, timeout=30)
    assert small.status_code == 200 and small.json()["source"]["format"] == "csv"
    started = requests.post(server.url + "/api/v1/validate/jobs?name=export.csv", data=rows.encode("utf-8"),
                            headers={"Content-Type": "text/csv"}, timeout=30)
    assert started.status_code == 202 and started.headers["Location"].startswith("/api/v1/validate/jobs/")
    for _ in range(200):
        job = requests.get(server.url + started.headers["Location"], timeout=30).json()
        if job["status"] in ("done", "failed"):
            break
        clock.sleep(0.1)
    assert job["status"] == "done", job
    assert job["records"] == 3000 and job["summary"]["counts"]["non-preferred"] == 1500
    problems = requests.get(server.url + job["problems"], timeout=30)
    assert problems.status_code == 200 and problems.text.count("claire") == 1500
    assert "R1" in requests.get(server.url + job["report"], timeout=30).text
    corrected = requests.get(server.url + job["corrected"], timeout=30)
    assert job["correctedValues"] == 1500 and corrected.text == rows.replace(";claire\n", ";clair\n")
    assert requests.get(server.url + "/api/v1/validate/jobs/" + "x" * 32, timeout=30).status_code == 404


def test_two_worker_processes_give_the_same_reports(loaded_dir, tmp_path):
    rows = "REF;DOMN;DENO;TECH;AUTR\n" + "".join(
        f"R{n};{'' if n % 7 == 0 else 'sculpture'};{('statuette', 'statuete', 'Vase', 'boîte')[n % 4]};"
        f"{('claire', 'bronze (fondu)')[n % 2]};{('anonyme', 'anonymesss (graveur)')[n % 2]}\n" for n in range(2000))
    source = tmp_path / "export.csv"
    source.write_text(rows, encoding="utf-8")
    outputs = {}
    for workers in ("1", "2"):
        for output in ("json", "csv", "text"):
            target = tmp_path / f"out-{workers}.{output}"
            done = cli("validate", str(source), "--format", output, "-o", str(target), "--workers", workers,
                       data_dir=loaded_dir)
            assert done.returncode == 1, done.stderr
            outputs[workers, output] = target.read_text(encoding="utf-8")
    for output in ("json", "csv", "text"):
        assert outputs["1", output] == outputs["2", output]
    assert json.loads(outputs["2", "json"])["missingRequired"] == {"DOMN": 286}
    assert json.loads(outputs["2", "json"])["records"] == 2000


def test_required_fields_left_empty(loaded_dir, tmp_path):
    """POP refuses a record without REF, INV, DOMN, MUSEO or STAT: each empty one is reported (a CSV row, the
    counts, the first records), a column the input lacks altogether once, as a note."""
    table = tmp_path / "export.csv"
    table.write_text("REF;INV;Domaine;DENO\nA1;1901.2;peinture;tableau\nA2;;;tableau\n", encoding="utf-8")
    code, document = _validate(loaded_dir, table)
    assert code == 1 and document["missingRequired"] == {"INV": 1, "DOMN": 1}
    assert [(i["ref"], i["field"], i["line"]) for i in document["incomplete"]] == [("A2", "INV", 3), ("A2", "DOMN", 3)]
    assert any("MUSEO, STAT" in n for n in document["source"]["notes"])
    assert {r["verdict"] for r in document["results"]} == {"valid"}  # results hold the terms' verdicts only
    rows = cli("validate", str(table), "--format", "csv", data_dir=loaded_dir).stdout.splitlines()
    assert rows[1:] == ["A2,INV,,,missing,,,,3", "A2,DOMN,,,missing,,,,3"]
    text = cli("validate", str(table), data_dir=loaded_dir).stdout
    assert "1 record without INV (required)" in text
    report = tmp_path / "report.html"
    cli("validate", str(table), "--report", str(report), data_dir=loaded_dir)
    assert "1 notice(s) sans DOMN" in report.read_text(encoding="utf-8")
    # Only the fields asked for: DENO alone checks no required field.
    assert _validate(loaded_dir, table, "--fields", "DENO")[1]["missingRequired"] == {}


def _lookup_pairs(index, text, vocabularies):
    return [(hit.concept, hit.label) for hit in index.lookup(text, vocabularies=list(vocabularies), deprecated=True)]


def test_exact_labels_answer_as_the_label_index_lookup(checker):
    """Validation's dictionary of labels (records/exact.py) gives the concepts and labels `LabelIndex.lookup`
    gives, in its order: on a sample of every vocabulary's labels, written as they are, in capitals, without
    accents, and changed into no label."""
    import random
    import unicodedata

    from vocabserver.records.exact import ExactLabels

    index = checker.index
    exact = ExactLabels(index)
    rng = random.Random(5)
    for label in rng.sample(range(len(index.label_concept)), 3000):
        vocab = index.vocab_of(int(index.label_concept[label]))
        text = index.label_text[label]
        plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
        for variant in (text, text.upper(), plain, text + "z"):
            assert exact.matches(variant, (vocab,)) == _lookup_pairs(index, variant, (vocab,)), variant


def test_exact_labels_follow_the_index_a_change_patches(tmp_path):
    """After an edit the index is patched (a removed label marked dead, a new one in a delta part): the verdicts
    of a checker on the new index see the change, as lookup does."""
    from vocabserver.changes import editing
    from vocabserver.records.verdicts import Checker

    from .test_editing import E, make_engine

    engine = make_engine(tmp_path)
    before = Checker(engine.labels.current(), engine.store)
    assert before.check("statuette", ("objets",))["verdict"] == "valid"
    engine.writer.apply(editing.update(engine.store, "objets", E + "statuette",
                                       {"prefLabel": {"fr": "figurine"}, "altLabel": {"fr": ["statuette"]}}, "marie"))
    index = engine.labels.current()
    assert index.label_dead is not None and index.label_dead.any()  # patched, not rebuilt
    after = Checker(index, engine.store)
    verdict = after.check("statuette", ("objets",))
    assert verdict["verdict"] == "non-preferred" and verdict["preferred"] == "figurine"
    assert after.check("Figurine", ("objets",))["verdict"] == "valid"
    from vocabserver.records.exact import exact_labels

    for text in ("statuette", "figurine", "statue", "vase"):
        assert exact_labels(index).matches(text, ("objets",)) == _lookup_pairs(index, text, ("objets",))
    assert before.check("statuette", ("objets",))["verdict"] == "valid"  # the old index's checker is unchanged


def test_the_documentation_shows_the_field_rules_as_the_table_has_them():
    import csv

    root = Path(__file__).resolve().parent.parent
    with open(root / "vocabserver" / "records" / "field_rules.csv", encoding="utf-8", newline="") as handle:
        table = [(row["field"], row["vocabularies"], row["example"]) for row in csv.DictReader(handle)]
    readme = (root / "docs" / "curators" / "validation.md").read_text(encoding="utf-8")
    start = readme.index("| field | vocabularies | values split by |")
    rows = readme[start:readme.index("\n\n", start)].splitlines()[2:]
    shown = [tuple(cell.strip() for cell in (row.split("|")[1], row.split("|")[2], row.split("|")[5])) for row in rows]
    assert shown == table
