"""Joconde's value syntax (issue 25): compound values read into parts (records/syntax.py), each part checked in
its vocabulary, the value's verdict the worst of its parts (records/compound.py), a suggestion for every value
that cannot be accepted (records/nearest.py) — on the Paris open-data sample and the POP notices through the real
CLI, and in process for the many cases."""

from __future__ import annotations

import json

import pytest

from .conftest import cli
from .test_record_validation import NOTICES, _find, _validate, checker, needs_shared, paris  # noqa: F401

# Compound values of the Paris sample, read and checked by hand against Joconde's syntax and the bundled
# vocabularies: (field, value, the value's verdict, its preferred form — or for a problem, the part that failed
# or how it is malformed —, its parts as (text, kind, level)).
HAND_CHECKED = [
    ("TECH", "cuir (cousu (traitements divers))", "non-preferred", "peau (cousu (traitements divers))",
     [("cuir", "term", 0), ("cousu", "qualifier", 1), ("traitements divers", "qualifier", 2)]),
    ("TECH", "matériau d'origine synthétique (cousu (traitements divers))", "valid",
     "matériau d'origine synthétique (cousu (traitements divers))",
     [("matériau d'origine synthétique", "term", 0), ("cousu", "qualifier", 1), ("traitements divers", "qualifier", 2)]),
    ("TECH", "plomb (moulé)", "valid", "plomb (moulé)", [("plomb", "term", 0), ("moulé", "qualifier", 1)]),
    ("TECH", "écaille (ajouré, gravé)", "valid", "écaille (ajouré, gravé)",
     [("écaille", "term", 0), ("ajouré", "qualifier", 1), ("gravé", "qualifier", 1)]),
    ("TECH", "métal (doré, estampé)", "non-preferred", "métal (doré, impression simple)",
     [("métal", "term", 0), ("doré", "qualifier", 1), ("estampé", "qualifier", 1)]),
    ("TECH", "gravure (cuivre)", "unknown", "gravure", [("gravure", "term", 0), ("cuivre", "qualifier", 1)]),
    ("TECH", "cuivre (?)", "valid", "cuivre (?)", [("cuivre", "term", 0)]),  # a doubt: kept, not checked
    ("AUTR", "Fortuny Mariano (1871-1949)", "valid", "FORTUNY Mariano (1871-1949)", [("Fortuny Mariano", "term", 0)]),
    ("AUTR", "LANTE Louis Marie (dessinateur, d'après)", "valid", "LANTE Louis Marie (dessinateur, d'après)",
     [("LANTE Louis Marie", "term", 0), ("dessinateur", "role", 1), ("d'après", "role", 1)]),
    ("AUTR", "Nike (fabricant)", "valid", "NIKE (fabricant)", [("Nike", "term", 0), ("fabricant", "role", 1)]),
    ("AUTR", "AGNES (atelier)", "valid", "AGNES (atelier)", [("AGNES", "term", 0), ("atelier", "role", 1)]),
    ("AUTR", "HALL Per Adolf (attribué à)", "non-preferred", "HALL Peter Adolphe (attribué)",
     [("HALL Per Adolf", "term", 0), ("attribué à", "role", 1)]),
    ("AUTR", "Monet Claude (1840-1926)", "valid", "MONET Claude (1840-1926)", [("Monet Claude", "term", 0)]),
    ("AUTR", "LASSERRE Mme (maison)", "valid", "LASSERRE Mme (maison)",
     [("LASSERRE Mme", "term", 0), ("maison", "role", 1)]),
    ("UTIL", "vêtement : déportation", "valid", "vêtement : déportation",
     [("vêtement", "step", 0), ("déportation", "step", 0)]),
    ("UTIL", "objet du culte : pèlerinage (?)", "valid", "objet du culte : pèlerinage (?)",
     [("objet du culte", "step", 0), ("pèlerinage", "step", 0)]),
    ("UTIL", "publicité (champagne, Ernest Irroy)", "unknown", "Ernest Irroy",
     [("publicité", "term", 0), ("champagne", "qualifier", 1), ("Ernest Irroy", "qualifier", 1)]),
    ("UTIL", "publicité (transport, Compagnie Générale Transatlantique)", "valid",
     "publicité (transport, Compagnie Générale Transatlantique)",
     [("publicité", "term", 0), ("transport", "qualifier", 1), ("Compagnie Générale Transatlantique", "qualifier", 1)]),
    ("UTIL", "bijou (?)", "valid", "bijou (?)", [("bijou", "term", 0)]),
    ("REPR", "figure (sirène)", "non-preferred", "figure (sirène myth)", [("figure", "term", 0), ("sirène", "qualifier", 1)]),
    ("REPR", "représentation végétale (grappe : raisin)", "unknown", "grappe",
     [("représentation végétale", "term", 0), ("grappe", "step", 1), ("raisin", "step", 1)]),
    ("REPR", "figure (roi, en pied, couronne, préhension : épée, écu, fleur de lys)", "valid",
     "figure (roi, en pied, couronne, préhension : épée, écu, fleur de lys)",
     [("figure", "term", 0), ("roi", "qualifier", 1), ("en pied", "qualifier", 1), ("couronne", "qualifier", 1),
      ("préhension", "step", 1), ("épée", "step", 1), ("écu", "qualifier", 1), ("fleur de lys", "qualifier", 1)]),
    ("REPR", "lion (protomé, opposes)", "unknown", "opposes",
     [("lion", "term", 0), ("protomé", "qualifier", 1), ("opposes", "qualifier", 1)]),
    ("REPR", "représentation d'objet (bateau, tête : dragon)", "valid", "représentation d'objet (bateau, tête : dragon)",
     [("représentation d'objet", "term", 0), ("bateau", "qualifier", 1), ("tête", "step", 1), ("dragon", "step", 1)]),
    ("REPR", "figure (Bertrand Du Guesclin, en pied, armure)", "non-preferred",
     "figure (Du Guesclin Bertrand, en pied, armure)",  # a person represented: its preferred form
     [("figure", "term", 0), ("Bertrand Du Guesclin", "qualifier", 1), ("en pied", "qualifier", 1),
      ("armure", "qualifier", 1)]),
    ("REPR", "scène (femme, robe (rayure),chapeau,penché,bas,chaussure)", "valid",
     "scène (femme, robe (rayure),chapeau,penché,bas,chaussure)",
     [("scène", "term", 0), ("femme", "qualifier", 1), ("robe", "qualifier", 1), ("rayure", "qualifier", 2),
      ("chapeau", "qualifier", 1), ("penché", "qualifier", 1), ("bas", "qualifier", 1), ("chaussure", "qualifier", 1)]),
    ("REPR", "représentation animalière (cygne : de profil, en pied)", "valid",
     "représentation animalière (cygne : de profil, en pied)",
     [("représentation animalière", "term", 0), ("cygne", "step", 1), ("de profil", "step", 1),
      ("en pied", "qualifier", 1)]),
    ("DENO", "affique (?) (fragment)", "valid", "affique (?) (fragment)",
     [("affique", "term", 0), ("fragment", "qualifier", 1)]),
    ("DENO", "élement d'ensemble (75)", "valid", "élément d'ensemble (75)", [("élement d'ensemble", "term", 0)]),
    ("EPOQ", "Qing (1644 - 1911)", "non-preferred", "époque Qing (1644 - 1911)", [("Qing", "term", 0)]),
    ("REPR", "représentation d'objet (bateau ; tête : dragon)", "malformed", "semicolon", []),
]


@pytest.mark.parametrize("field, value, verdict, expected, parts", HAND_CHECKED)
def test_hand_checked_compound_values(paris, field, value, verdict, expected, parts):
    result = _find(paris, field, value)
    assert result["verdict"] == verdict
    assert [(p["text"], p["kind"], p["level"]) for p in result.get("parts", [])] == parts
    if verdict in ("valid", "non-preferred"):
        assert result["preferred"] == expected
    elif verdict == "malformed":
        assert result["why"] == expected and isinstance(result["at"], int) and result["reason"]
    else:
        assert result["part"] == expected
        failed = next(p for p in result["parts"] if p["text"] == expected)
        assert failed["verdict"] == verdict
    for part in result.get("parts", []):
        assert {"text", "field", "verdict", "suggestions"} <= set(part)
        expected_field = "autrole" if part["kind"] == "role" else field.lower()
        assert part["field"] == expected_field or (field == "REPR" and part["field"] == "autr")


@needs_shared
def test_every_compound_value_of_the_sample_is_read(paris):
    """Every value with brackets or a path in TECH, AUTR, REPR and UTIL: parts, or malformed with where."""
    compound = [r for r in paris["results"] if r["field"] in ("TECH", "AUTR", "REPR", "UTIL")
                and ("(" in r["value"] or " : " in r["value"])]
    assert len({r["value"] for r in compound}) > 150
    malformed = {r["value"] for r in compound if r["verdict"] == "malformed"}
    for result in compound:
        assert result.get("parts") or result["verdict"] == "malformed", result
    # The two that break the syntax: an empty item (", ,") and a ";" between brackets.
    assert len(malformed) == 2 and all(any(s["why"] == "mended" for s in r["suggestions"])
                                       for r in compound if r["verdict"] == "malformed")


@needs_shared
@pytest.mark.parametrize("source", ["paris", "joconde-valid-UTF-8.txt", "joconde-valid-UTF-8-warnings.txt"])
def test_no_unknown_value_without_a_suggestion(loaded_dir, paris, source):
    document = paris if source == "paris" else _validate(loaded_dir, NOTICES / source)[1]
    unknown = [r for r in document["results"] if r["verdict"] in ("unknown", "malformed")]
    assert unknown
    for result in unknown:
        assert result["suggestions"], result
        assert all({"label", "uri"} <= set(s) for s in result["suggestions"])


def _verdict(checker, field, value):
    from vocabserver.records import rules
    from vocabserver.records.compound import value_verdict

    return value_verdict(checker, rules.rules()[field], value)[0]


@pytest.mark.parametrize("value, why, at", [
    ("cuir (cousu", "unclosed", 5),
    ("cuir) cousu", "unopened", 4),
    ("cuir (cousu,, teint)", "empty-item", 12),
    ("cuir ()", "empty-item", 6),
    ("cuir (cousu) teint", "text-after", 13),
    ("(cousu)", "no-head", 0),
    ("cuir (cousu ; teint)", "semicolon", 12),
])
def test_malformed_values_say_where_and_are_mended(checker, value, why, at):
    verdict = _verdict(checker, "TECH", value)
    assert verdict["verdict"] == "malformed" and verdict["why"] == why and verdict["at"] == at
    assert str(at + 1) in verdict["reason"]


def test_a_mended_value_is_offered_when_mending_is_all_it_needs(checker):
    verdict = _verdict(checker, "TECH", "bronze (fondu, doré")
    assert verdict["suggestions"] == [{"label": "bronze (fonte, doré)", "uri": verdict["suggestions"][0]["uri"],
                                       "why": "mended"}]
    assert "/tech/" in verdict["suggestions"][0]["uri"]
    assert _verdict(checker, "UTIL", "vêtement : ")["why"] == "empty-step"
    assert _verdict(checker, "AUTR", "(graveur)")["why"] == "no-head"


def test_a_failing_qualifier_gives_whole_values(checker):
    typo = _verdict(checker, "TECH", "papier (lithographie (crayon, colorié au pochoire))")
    assert typo["verdict"] == "unknown" and typo["part"] == "colorié au pochoire"
    assert typo["suggestions"][0]["label"] == "papier (lithographie (crayon, colorié au pochoir))"
    # Nothing close to the qualifier: the value without it.
    far = _verdict(checker, "TECH", "bronze (fondu, zzqxw)")
    assert {"label": "bronze (fonte)", "why": "without"}.items() <= far["suggestions"][-1].items()
    assert far["part"] == "zzqxw" and far["parts"][1]["preferred"] == "fonte"


def test_museums_by_town_and_by_code(checker):
    older = _verdict(checker, "LOCA", "Senlis ; musée de la chasse")
    assert older["verdict"] == "unknown"
    town = [s["label"] for s in older["suggestions"] if s.get("why") == "town"]  # then names close anywhere
    assert "Senlis ; musée de la vénerie" in town and all(label.startswith("Senlis ;") for label in town)
    assert older["suggestions"][:len(town)] == [s for s in older["suggestions"] if s.get("why") == "town"]
    by_code = _verdict(checker, "LOCA", "M0810")  # a Muséofile code is a label of its museum
    assert by_code["verdict"] == "non-preferred" and by_code["preferred"] == "Senlis ; musée de la vénerie"


def test_the_records_museum_code_is_offered_for_its_museum(loaded_dir, tmp_path):
    table = tmp_path / "export.json"
    table.write_text(json.dumps([{"REF": "A1", "LOCA": "Senlis ; musée de la chasse", "MUSEO": "M0810"},
                                 {"REF": "A2", "LOCA": "Lille ; musée de l'Université", "MUSEO": "M0810"}]),
                     encoding="utf-8")
    done = cli("validate", str(table), "--format", "json", data_dir=loaded_dir)
    results = {r["ref"]: r for r in json.loads(done.stdout)["results"] if r["field"] == "LOCA"}
    same_town = results["A1"]["suggestions"]
    assert same_town[0] == {**same_town[0], "label": "Senlis ; musée de la vénerie", "why": "code"}
    elsewhere = results["A2"]["suggestions"]  # a deposit: the town's museums first, the record's museum last
    assert elsewhere[0]["label"].startswith("Lille ;") and elsewhere[-1]["why"] == "code"


def test_authors_by_surname_and_terms_the_value_contains(checker):
    author = _verdict(checker, "AUTR", "Balenciaga Cristobal")
    assert author["verdict"] == "unknown" and author["suggestions"][0] == {
        **author["suggestions"][0], "label": "BALENCIAGA", "why": "surname"}
    contained = _verdict(checker, "DENO", "vase à décor de poissons et de fleurs")
    assert contained["verdict"] == "unknown" and contained["suggestions"][0]["why"] == "contained"
    assert contained["suggestions"][0]["label"] == "vase"
    # A person represented is looked for in AUTR too.
    person = _verdict(checker, "REPR", "figure (Picasso Pablo)")
    assert person["parts"][1]["field"] in ("repr", "autr") and person["parts"][1]["verdict"] != "unknown"


def test_the_corrected_copy_keeps_the_syntax(loaded_dir, tmp_path):
    notices = tmp_path / "export.txt"
    original = ("REF\nA1\nTECH\ncuir (cousu (traitements divers)), affique (?)\nAUTR\nMonet Claude (1840-1926) ;"
                " HALL Per Adolf (attribué à)\nDENO\naffique (?) (fragment)\n//\n")
    notices.write_text(original, encoding="utf-8")
    fixed = tmp_path / "fixed.txt"
    done = cli("validate", str(notices), "--fix", str(fixed), data_dir=loaded_dir)
    assert done.returncode == 1, done.stderr
    assert fixed.read_text(encoding="utf-8") == original.replace(
        "cuir (cousu (traitements divers))", "peau (cousu (traitements divers))").replace(
        "Monet Claude (1840-1926)", "MONET Claude (1840-1926)").replace(
        "HALL Per Adolf (attribué à)", "HALL Peter Adolphe (attribué)")  # the doubts "(?)" kept


def test_the_html_report_names_the_failing_part_and_where_a_value_breaks(loaded_dir, tmp_path):
    table = tmp_path / "export.csv"
    table.write_text("REF;TECH;REPR\nA1;papier (lithographie (crayon, colorié au pochoire));figure (roi\n",
                     encoding="utf-8")
    report = tmp_path / "report.html"
    cli("validate", str(table), "--report", str(report), data_dir=loaded_dir)
    html = report.read_text(encoding="utf-8")
    assert "partie en cause : « colorié au pochoire »" in html
    assert "parenthèse ouverte au caractère 8 et jamais fermée" in html and "mal formé" in html


README_EXAMPLES = [  # README's "Record validation" table: each example is read as it says
    ("TECH", "papier (lithographie (crayon, colorié au pochoir))",
     ["papier", "lithographie", "crayon", "colorié au pochoir"]),
    ("AUTR", "Fortuny Mariano (1871-1949) (dessinateur, d'après)", ["Fortuny Mariano", "dessinateur", "d'après"]),
    ("UTIL", "objet du culte : pèlerinage (?)", ["objet du culte", "pèlerinage"]),
    ("REPR", "figure (roi, en pied, préhension : épée)", ["figure", "roi", "en pied", "préhension", "épée"]),
]


@pytest.mark.parametrize("field, value, parts", README_EXAMPLES)
def test_the_readme_examples_are_read_as_it_says(checker, field, value, parts):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"`{value}` → " in readme and " · ".join(parts[:2]) in readme.replace(" (a guide term heading subjects)", "")
    verdict = _verdict(checker, field, value)
    assert [p["text"] for p in verdict["parts"]] == parts
    assert verdict["verdict"] == "valid", verdict
    assert verdict["parts"][0]["verdict"] == "valid"
    lille = _verdict(checker, "LOCA", "Lille ; musée de l'Université")
    assert lille["verdict"] == "unknown" and lille["suggestions"][0]["label"].startswith("Lille ; ")
