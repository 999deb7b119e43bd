"""The bundled content is the public one: LOCA from Muséofile, the current Opentheso lists with their ARKs."""

from __future__ import annotations

import csv

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS, XSD

from vocabserver.config import Settings
from vocabserver.rdf.namespaces import PREFIXES

from .conftest import BASE, ROOT, SHARED

GEO = PREFIXES["geo"]
SCHEMA = PREFIXES["schema"]
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared reference data not present")


def bundled(vocab_id: str) -> Graph:
    graph = Graph()
    graph.parse(ROOT / "vocabularies" / f"{vocab_id}.ttl", format="turtle", publicID=BASE)
    return graph


@pytest.fixture(scope="module")
def loca() -> Graph:
    return bundled("loca")


@pytest.fixture(scope="module")
def client(loaded_dir):
    from vocabserver.web import create_app

    settings = Settings(loaded_dir, BASE, BASE, read_only=True, sparql_isolation="thread", sparql_workers=1,
                        sparql_timeout=5)
    return create_app(settings).test_client()


def test_loca_holds_every_museum_of_france_with_its_museo_code(loca):
    codes = {str(o) for o in loca.objects(None, SKOS.notation) if str(o)[:1] in "MB" and len(str(o)) == 5}
    assert len(codes) == 1228
    senlis = URIRef(BASE + "loca/M0810")  # the MUSEO code is the local id
    assert loca.value(senlis, SKOS.prefLabel) == Literal("Senlis ; musée de la vénerie", lang="fr")
    assert loca.value(senlis, SKOS.notation) == Literal("M0810")
    assert loca.value(senlis, URIRef(GEO + "lat")) == Literal("49.207022", datatype=XSD.decimal)
    assert loca.value(senlis, URIRef(GEO + "long")) == Literal("2.585103", datatype=XSD.decimal)
    assert loca.value(senlis, URIRef(SCHEMA + "addressLocality")) == Literal("Senlis")
    assert str(loca.value(senlis, URIRef(PREFIXES["foaf"] + "homepage"))) == "https://musees.ville-senlis.fr/"
    # Browsable région › département › museum; régions and départements are guide terms, not LOCA values.
    oise = loca.value(senlis, SKOS.broader)
    assert loca.value(oise, SKOS.prefLabel) == Literal("Oise", lang="fr")
    region = loca.value(oise, SKOS.broader)
    assert loca.value(region, SKOS.prefLabel) == Literal("Hauts-de-France", lang="fr")
    guides = set(loca.objects(URIRef(BASE + "loca/guide-terms"), SKOS.member))
    assert {oise, region} <= guides and senlis not in guides


def test_loca_keeps_the_forms_real_records_write_as_altlabels(loca):
    cluny = URIRef(BASE + "loca/M5003")
    assert Literal("Paris ; musée national du Moyen Age - Thermes de Cluny", lang="fr") in set(
        loca.objects(cluny, SKOS.altLabel))
    # A record of a deposit elsewhere carries the lender's code: its form is not the lender's name.
    louvre = URIRef(BASE + "loca/M5031")
    assert not any("Varsovie" in str(a) or "Lille" in str(a) for a in loca.objects(louvre, SKOS.altLabel))


def test_loca_lookup_by_label_and_by_code(client):
    by_label = client.get("/api/v1/fields/LOCA/lookup", query_string={"label": "Senlis ; musée de la vénerie"}).get_json()
    assert by_label["found"] and by_label["usable"] and by_label["preferred"] == "Senlis ; musée de la vénerie"
    assert by_label["matches"][0]["uri"] == BASE + "loca/M0810"
    by_code = client.get("/api/v1/fields/LOCA/lookup", query_string={"label": "M0810"}).get_json()
    assert by_code["found"] and by_code["preferred"] == "Senlis ; musée de la vénerie"
    # Case and accents do not matter; a département is a guide term, not a usable LOCA value.
    folded = client.get("/api/v1/fields/LOCA/lookup", query_string={"label": "SENLIS ; musee de la venerie"}).get_json()
    assert folded["found"] and folded["matches"][0]["uri"] == BASE + "loca/M0810"
    oise = client.get("/api/v1/fields/LOCA/lookup", query_string={"label": "Oise"}).get_json()
    assert oise["found"] and not oise["usable"]


@needs_shared
def test_loca_values_of_real_joconde_records_are_found(client):
    path = SHARED / "joconde-records-sample" / "BaseJoconde_Paris_Reconc.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        values = [row["Localisation"] for row in csv.DictReader(handle)]
    found = sum(client.get("/api/v1/fields/LOCA/lookup", query_string={"label": v}).get_json()["found"]
                for v in values)
    # 0 % before Muséofile; the rest are deposits abroad or in university collections (not Musées de France).
    assert found / len(values) >= 0.95, (found, len(values))


def test_concept_page_and_json_show_the_other_properties(client):
    page = client.get("/loca/M0810").get_data(as_text=True)
    assert "Autres propriétés" in page and "49.207022" in page and "place du parvis" in page
    assert 'href="https://musees.ville-senlis.fr/"' in page and "openstreetmap.org/?mlat=49.207022" in page
    details = client.get("/api/v1/concept", query_string={"uri": BASE + "loca/M0810"}).get_json()
    names = {row["name"]: row["values"] for row in details["properties"]}
    assert names["geo:lat"] == [{"value": "49.207022", "datatype": "xsd:decimal"}]
    assert names["foaf:homepage"] == [{"uri": "https://musees.ville-senlis.fr/"}]
    assert details["coordinates"] == {"lat": 49.207022, "long": 2.585103}
    # A DENO concept has no property beyond SKOS: nothing extra shown.
    assert "Autres propriétés" not in client.get("/deno/zaqmycctwh").get_data(as_text=True)


ARK = "http://data.culture.fr/thesaurus/resource/ark:/67717/"


@pytest.mark.parametrize("vocab_id, concepts", [("domn", 152), ("gene", 150), ("insc", 261), ("peri", 349),
                                                ("ecol", 468), ("epoq", 875)])
def test_current_opentheso_vocabularies_carry_their_real_arks(vocab_id, concepts):
    graph = bundled(vocab_id)
    uris = set(graph.subjects(SKOS.prefLabel, None)) & set(graph.subjects(None, SKOS.Concept))
    assert len(uris) == concepts
    assert all(str(u).startswith(ARK) for u in uris), vocab_id


def test_current_content_keeps_the_2014_guide_terms_and_swaps_preferred_forms():
    epoq = bundled("epoq")
    chinese = URIRef(ARK + "T93-709")
    assert epoq.value(chinese, SKOS.prefLabel) == Literal("époque chinoise", lang="fr")
    assert Literal("Chine", lang="fr") in set(epoq.objects(chinese, SKOS.altLabel))
    guides = {str(epoq.value(m, SKOS.prefLabel)) for m in epoq.objects(URIRef(BASE + "epoq/guide-terms"), SKOS.member)}
    assert guides == {"époque", "mouvement", "style", "affixe"}  # bold in the 2014 RTF, mapped by label
    # The lexicon's header notes stay on the scheme; the reduced export states no date, so none is given.
    domn = bundled("domn")
    assert list(domn.objects(URIRef(ARK + "T51"), SKOS.editorialNote))
    scheme = URIRef(ARK + "T93")
    assert epoq.value(scheme, URIRef("http://purl.org/dc/terms/modified")) is None
    # A numeric altLabel of the export ("11" on the 11th century) is the string it stands for.
    peri = bundled("peri")
    assert any(Literal("11", lang="fr") in set(peri.objects(c, SKOS.altLabel)) for c in peri.subjects(None, SKOS.Concept))


def test_build_report_explains_the_differences_with_2014():
    import json

    report = {r["id"]: r for r in json.loads((ROOT / "vocabularies" / "build-report.json").read_text("utf-8"))}
    epoq = report["epoq"]["compared_with_2014"]
    assert "Chine → époque chinoise" in epoq["swapped_terms"]
    assert epoq["same"] + epoq["renamed"] + epoq["swapped"] + epoq["removed"] == 812  # every 2014 term classified
    assert len(epoq["added_terms"]) == epoq["added"]
    domn = report["domn"]["compared_with_2014"]
    assert "Afrique sub-saharienne → Afrique subsaharienne" in domn["renamed_terms"]
    assert report["loca"]["source"] == "Muséofile" and report["loca"]["source_date"].startswith("2023-")
    assert "compared_with_2014" not in report["deno"]  # still from the lexicon


def test_compare_classifies_each_kind():
    from vocabserver.lexicons.compare import compare
    from vocabserver.lexicons.terms import Term

    current = {"a": Term("époque chinoise", alts=["Chine"]), "b": Term("œuvre inachevée", alts=["oeuvre inachevée"]),
               "c": Term("vase"), "d": Term("nouveau"), "e": Term("époque", guide=False)}
    old = {"Chine": Term("Chine", alts=["époque chinoise"]), "oeuvre inachevée": Term("oeuvre inachevée"),
           "vase": Term("vase"), "disparu": Term("disparu"), "époque": Term("époque", guide=True)}
    result = compare(current, old)
    assert result.swapped == [("Chine", "époque chinoise")]
    assert result.renamed == [("oeuvre inachevée", "œuvre inachevée")]
    assert result.removed == ["disparu"] and result.added == ["nouveau"] and result.same == 2
    assert current["e"].guide and result.guides_kept == 1
