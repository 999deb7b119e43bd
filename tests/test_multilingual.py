"""A thesaurus in five languages (as UNESCO's: English, French, Spanish, Arabic, Russian) is browsable in
its own languages: a language choice with the languages its labels use, right-to-left labels marked
dir="rtl", autocompletion and search filtered by the chosen language — through the real CLI load and the
app in process."""

from __future__ import annotations

import re

import pytest

from .conftest import cli

THESAURUS = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/t/> .
ex:s a skos:ConceptScheme ; skos:prefLabel "Thesaurus"@en, "Thésaurus"@fr ; skos:hasTopConcept ex:edu .
ex:edu a skos:Concept ; skos:inScheme ex:s ; skos:topConceptOf ex:s ;
  skos:prefLabel "Education"@en, "Éducation"@fr, "Educación"@es, "التربية"@ar, "Образование"@ru .
ex:school a skos:Concept ; skos:inScheme ex:s ; skos:broader ex:edu ;
  skos:prefLabel "Schools"@en, "École"@fr, "Escuela"@es, "المدارس"@ar, "Школы"@ru ;
  skos:altLabel "Établissement scolaire"@fr .
ex:museum a skos:Concept ; skos:inScheme ex:s ; skos:broader ex:edu ;
  skos:prefLabel "Museums"@en, "Musée"@fr, "Museos"@es, "المتاحف"@ar, "Музеи"@ru .
"""
MONOLINGUAL = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/m/> .
ex:s a skos:ConceptScheme ; skos:prefLabel "Genres"@fr .
ex:a a skos:Concept ; skos:inScheme ex:s ; skos:topConceptOf ex:s ; skos:prefLabel "portrait"@fr .
"""
EDU, SCHOOL = "http://example.org/t/edu", "http://example.org/t/school"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from vocabserver.config import Settings
    from vocabserver.web import create_app

    folder = tmp_path_factory.mktemp("multilingual")
    source = folder / "unesco-like.ttl"
    source.write_text(THESAURUS, encoding="utf-8")
    assert cli("load", "--as", "multi", str(source), data_dir=folder / "store").returncode == 0
    french = folder / "mono.ttl"
    french.write_text(MONOLINGUAL, encoding="utf-8")
    assert cli("load", "--as", "mono", str(french), data_dir=folder / "store").returncode == 0
    app = create_app(Settings(folder / "store", "http://vocab.test/", "http://vocab.test/",
                              sparql_isolation="thread", sparql_workers=1))
    return app.test_client()


def _page(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def _choice(page: str) -> list[str]:
    nav = re.search(r'<nav class="languages".*?</nav>', page, re.S)
    assert nav, "no language choice on the page"
    return re.findall(r'hreflang="([^"]+)"', nav.group(0))


def test_the_vocabulary_lists_its_languages_and_offers_them(client):
    assert client.get("/api/v1/vocabularies/multi").get_json()["languages"] == ["ar", "en", "es", "fr", "ru"]
    page = _page(client, "/multi")
    assert _choice(page) == ["ar", "en", "es", "fr", "ru"]
    assert 'lang="ar" dir="rtl">العربية</a>' in page and ">русский</a>" in page
    assert ">Éducation</a>" in page  # French first by default


def test_a_chosen_language_shows_its_labels_and_keeps_itself_in_links(client):
    page = _page(client, "/multi?clang=ru")
    assert 'lang="ru">Образование</a>' in page
    assert "clang=ru" in re.search(r'role="treeitem" href="([^"]+)"', page).group(1)
    assert re.search(r'<body[^>]* data-clang="ru"', page)  # the scripts ask for Russian too
    concept = _page(client, "/resource?uri=http%3A%2F%2Fexample.org%2Ft%2Fschool&clang=es")
    assert re.search(r"<h1[^>]*>Escuela", concept)
    assert 'aria-current="true">español</a>' in concept


def test_right_to_left_labels_are_marked(client):
    page = _page(client, "/resource?uri=http%3A%2F%2Fexample.org%2Ft%2Fschool&clang=ar")
    assert re.search(r'<h1 lang="ar" dir="rtl">المدارس', page)
    assert '<span lang="ar" dir="rtl">المدارس</span>' in page  # among the prefLabels of every language
    assert '<span lang="ru">Школы</span>' in page and 'dir="rtl">Школы' not in page
    assert 'lang="ar" dir="rtl">التربية</a>' in page  # the breadcrumb's broader concept
    search = _page(client, "/search?q=%D8%A7%D9%84%D9%85%D8%AF%D8%A7%D8%B1%D8%B3&clang=ar")
    assert 'lang="ar" dir="rtl"><strong>المدارس</strong>' in search


def test_autocompletion_and_search_filter_by_the_chosen_language(client):
    every = client.get("/api/v1/autocomplete?q=mus&vocab=multi").get_json()["results"]
    # One hit per concept, its French label first when several of its labels match.
    assert [(hit["uri"], hit["matchedLabel"]) for hit in every] == [("http://example.org/t/museum", "Musée")]
    only_spanish = client.get("/api/v1/autocomplete?q=mus&vocab=multi&lang=es").get_json()["results"]
    assert [(hit["matchedLabel"], hit["prefLabel"]) for hit in only_spanish] == [("Museos", "Museos")]
    # labellang only chooses how hits are shown: the English label matched, shown in Russian.
    shown = client.get("/api/v1/autocomplete?q=museums&vocab=multi&labellang=ru").get_json()["results"]
    assert [(hit["matchedLabel"], hit["prefLabel"], hit["lang"]) for hit in shown] == [("Museums", "Музеи", "ru")]
    assert client.get("/api/v1/autocomplete?q=mus&labellang=x y").status_code == 400
    page = _page(client, "/search?q=ecole&vocab=multi&clang=en")
    assert "Schools" not in page  # "École" is French: not a hit when English is chosen
    page = _page(client, "/search?q=ecole&vocab=multi&clang=fr")
    assert "École" in page and 'name="clang" value="fr"' in page


def test_the_alphabetical_index_follows_the_chosen_language(client):
    french = _page(client, "/multi?letter=E&clang=fr")
    assert "École" in french and "Établissement scolaire" in french and "Educación" not in french
    spanish = _page(client, "/multi?letter=E&clang=es")
    assert "Escuela" in spanish and "École" not in spanish


def test_a_bad_data_language_is_ignored_and_one_language_shows_no_choice(client):
    page = _page(client, "/multi?clang=%3Cscript%3E")
    assert "<script>" not in page and "data-clang" not in page
    assert 'class="languages"' not in _page(client, "/mono")  # French only: no choice to make
