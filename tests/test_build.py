"""The converter from the 2014 lexicons: parse rules, modelling choices, determinism."""

from __future__ import annotations

import filecmp
import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from vocabserver.lexicons.lexicon import parse_lexicon
from vocabserver.lexicons.rtf import bold_lines
from vocabserver.lexicons.skos import local_id
from vocabserver.lexicons.terms import assemble

from .conftest import ROOT, SHARED, cli

LEX = SHARED / "joconde-lexicons-2014"
needs_shared = pytest.mark.skipif(not LEX.exists(), reason="../shared reference data not present")
BASE = "http://vocab.test/"


def bundled(vocab_id: str) -> Graph:
    graph = Graph()
    graph.parse(ROOT / "vocabularies" / f"{vocab_id}.ttl", format="turtle", publicID=BASE)
    return graph


def concept(graph: Graph, label: str) -> URIRef:
    found = list(graph.subjects(SKOS.prefLabel, Literal(label, lang="fr")))
    assert len(found) == 1, (label, found)
    return found[0]


def test_lexicon_depth_forms_and_header(tmp_path):
    path = tmp_path / "lexdemo.txt"
    path.write_text(
        "Liste des démos\n\nMise à jour mai 2014\nLes termes entre <>, et en gras, ne sont pas à utiliser\n\n"
        "époque\n\tChine = époque chinoise\n\t\tHan = époque Han \n\t\t\t  - Meriibre kheti\n"
        "Sekhemre Oupmaat Antef l&apos;ainé\n", encoding="utf-8")
    lexicon = parse_lexicon(path)
    assert lexicon.title == "Liste des démos" and lexicon.updated == "mai 2014"
    assert lexicon.notes == ["Les termes entre <>, et en gras, ne sont pas à utiliser"]
    assert [(e.depth, e.forms) for e in lexicon.entries] == [
        (0, ("époque",)), (1, ("Chine", "époque chinoise")), (2, ("Han", "époque Han")),
        (4, ("Meriibre kheti",)),  # three TABs and a "- " bullet: one level more
        (0, ("Sekhemre Oupmaat Antef l'ainé",)),
    ]
    assert lexicon.entries[1].line == 7


@needs_shared
def test_rtf_bold_marks_headings_not_terms():
    bold = bold_lines(LEX / "rtf" / "lexdeno-201405.rtf")
    assert {"affixe", "affixe de forme", "affixe de typologie"} <= bold
    assert "abat-jour" not in bold and "vase" not in bold


@needs_shared
def test_polyhierarchy_homonyms_and_dropped_alternatives():
    tech = bundled("tech")
    abrase = concept(tech, "abrasé")
    parents = {str(tech.value(p, SKOS.prefLabel)) for p in tech.objects(abrase, SKOS.broader)}
    assert parents == {"technique bois_ivoire", "technique métal", "technique pierre_ciment_plâtre_cire",
                       "technique verre_vitrail_plastique"}
    deno = bundled("deno")
    scythe, fake = concept(deno, "faux"), concept(deno, "faux (affixe de typologie)")
    assert scythe != fake
    # "portraits" is a term of its own in REPR: it is not kept as an altLabel of "portrait".
    repr_ = bundled("repr")
    assert Literal("portraits", lang="fr") not in set(repr_.objects(concept(repr_, "portrait"), SKOS.altLabel))
    assert concept(repr_, "portraits")


def test_equivalent_forms_become_altlabels():
    deno = bundled("deno")
    abecedaire = concept(deno, "abécédaire")
    assert set(deno.objects(abecedaire, SKOS.altLabel)) == {Literal("alphabet", lang="fr")}


def test_guide_terms_are_flagged_not_dropped():
    epoq = bundled("epoq")
    guides = URIRef(BASE + "epoq/guide-terms")
    members = {str(epoq.value(m, SKOS.prefLabel)) for m in epoq.objects(guides, SKOS.member)}
    assert members == {"époque", "mouvement", "style", "affixe"}
    assert (concept(epoq, "époque chinoise"), SKOS.broader, concept(epoq, "époque")) in epoq


def test_domn_keeps_real_ark_uris_and_others_are_minted_relative():
    domn = bundled("domn")
    ark = URIRef("http://data.culture.fr/thesaurus/resource/ark:/67717/T51-1")
    assert domn.value(ark, SKOS.prefLabel) == Literal("domaine par support de conservation", lang="fr")
    scheme = URIRef("http://data.culture.fr/thesaurus/resource/ark:/67717/T51")
    assert (ark, SKOS.topConceptOf, scheme) in domn
    text = (ROOT / "vocabularies" / "insc.ttl").read_text(encoding="utf-8")
    assert "<insc>" in text and "vocabserver.invalid" not in text and "http://localhost" not in text
    assert concept(bundled("deno"), "vase") == URIRef(BASE + "deno/" + local_id("deno", "vase"))


def test_persons_represented_are_in_repr_under_a_guide_term():
    repr_ = bundled("repr")
    persons = concept(repr_, "Personnes représentées")
    assert (URIRef(BASE + "repr/guide-terms"), SKOS.member, persons) in repr_
    assert (concept(repr_, "Abbatucci Charles"), SKOS.broader, persons) in repr_


def test_scheme_metadata():
    graph = bundled("peri")
    scheme = URIRef("http://data.culture.fr/thesaurus/resource/ark:/67717/T521")
    assert {str(n) for n in graph.objects(scheme, SKOS.notation)} == {"PERI", "PEOC", "PERU"}
    identifiers = {str(i) for i in graph.objects(scheme, URIRef("http://purl.org/dc/terms/identifier"))}
    assert identifiers == {"peri", "th287", "ark:/67717/T521"}
    assert graph.value(scheme, URIRef("http://purl.org/dc/terms/license")) is not None
    titles = {t.language for t in graph.objects(scheme, URIRef("http://purl.org/dc/terms/title"))}
    assert titles == {"fr", "en"}


@needs_shared
def test_rebuild_is_byte_identical(tmp_path):
    """Rebuilding from the same lexicons gives the same files, hence the same identifiers."""
    result = cli("build-vocabularies", "--from", str(SHARED), "--out", str(tmp_path), base_uri="")
    assert result.returncode == 0, result.stderr
    committed = ROOT / "vocabularies"
    names = sorted(p.name for p in committed.glob("*.ttl"))
    assert len(names) == 16
    match, mismatch, errors = filecmp.cmpfiles(committed, tmp_path, names + ["build-report.json"], shallow=False)
    assert not mismatch and not errors


def test_build_report_matches_files():
    report = json.loads((ROOT / "vocabularies" / "build-report.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in report] == ["domn", "deno", "autr", "autrole", "ecol", "epoq", "gene", "peri",
                                         "insc", "tech", "lieux", "decv", "util", "loca", "repr", "srep"]
    for row in report:
        # LOCA's régions and départements are grouping terms made from the museums' columns.
        groups = row["guide_terms"] if row["id"] == "loca" else 0
        assert row["terms"] <= row["entries"] + groups


def test_build_refuses_missing_source(tmp_path):
    result = cli("build-vocabularies", "--from", str(tmp_path), "--out", str(tmp_path / "out"), base_uri="")
    assert result.returncode == 2
    assert "source file not found" in result.stderr


def test_assemble_breaks_cycles():
    from vocabserver.lexicons.lexicon import Entry, Lexicon

    entries = [Entry(1, 0, ("a",)), Entry(2, 1, ("b",)), Entry(3, 0, ("b",)), Entry(4, 1, ("a",))]
    terms, report = assemble([(Lexicon("x", "t", "mai 2014", [], entries, 4), set())])
    assert report.cycles_broken == 1
    assert terms["b"].broader == ["a"] and terms["a"].broader == []
