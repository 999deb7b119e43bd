"""The browsing interface without JavaScript: every page reachable and complete over plain HTTP, valid HTML,
French by default and English on request, a Content-Security-Policy."""

from __future__ import annotations

import re

import html5lib
import pytest
import requests

HTML = {"Accept": "text/html"}


def page(server, path: str, status: int = 200, **kwargs) -> str:
    response = requests.get(server.url + path, headers={**HTML, **kwargs.pop("headers", {})}, timeout=30, **kwargs)
    assert response.status_code == status, (path, response.text[:300])
    assert response.headers["Content-Type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    # Well-formed by the HTML parsing rules of the WHATWG (html5lib raises on any parse error).
    html5lib.HTMLParser(strict=True).parse(response.text)
    return response.text


def links(text: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', text)


@pytest.fixture(scope="module")
def sword_path(server) -> str:
    uri = requests.get(server.url + "/api/v1/vocabularies/deno/lookup", params={"label": "épée"},
                       timeout=30).json()["matches"][0]["uri"]
    return "/" + uri.split("/", 3)[3]


def test_home_lists_the_vocabularies(server):
    text = page(server, "/")
    for vocab_id in ("deno", "autr", "repr", "domn", "loca"):
        assert f'href="/{vocab_id}"' in text and f'href="/dumps/{vocab_id}.ttl.gz"' in text
    assert 'role="combobox"' in text and 'action="/search"' in text and "<label for=\"q-home\">" in text
    assert "<html lang=\"fr\">" in text and "DENO" in text and "5 224 termes" in text


def test_vocabulary_page_tree_and_index_without_javascript(server):
    text = page(server, "/domn")
    assert 'role="tree"' in text and text.count('role="treeitem"') == 4
    assert 'role="treeitem" href' in text and 'treeitem" tabindex' not in text  # without JavaScript: Tab stops
    assert "/resource/ark:/67717/T51-" in text  # DOMN concepts keep their ARKs
    letters = page(server, "/autr")
    assert 'href="/autr?letter=B#index"' in letters
    index = page(server, "/autr?letter=B")
    assert "4191 entrée(s) pour la lettre B" in index or re.search(r"\d+ entrée\(s\) pour la lettre B", index)
    assert "→ <span class=\"muted\">employer</span>" in index  # an altLabel points to its preferred term
    assert 'href="/autr?letter=B&amp;page=2#index"' in index
    second = page(server, "/autr?letter=B&page=2")
    assert second != index
    tops = page(server, "/autr")
    assert 'href="/autr?top=2#tree-title"' in tops  # 32,344 top concepts, paged
    assert 'href="/resource/ark:/67717/T505"' not in tops


def test_concept_page_is_complete(server, sword_path):
    text = page(server, sword_path)
    assert "<h1 lang=\"fr\">épée" in text
    for expected in ("Terme préférentiel", "Termes spécifiques", "épée-baïonnette", "Dénominations", "Hiérarchie",
                     f'href="{sword_path}.ttl"', f'href="{sword_path}.jsonld"', f'href="{sword_path}.rdf"',
                     "data-copy=", 'aria-current="page"'):
        assert expected in text, expected
    # A concept of a polyhierarchy has one breadcrumb per path.
    abrase = requests.get(server.url + "/api/v1/vocabularies/tech/lookup", params={"label": "abrasé"},
                          timeout=30).json()["matches"][0]["uri"]
    poly = page(server, "/" + abrase.split("/", 3)[3])
    assert poly.count('class="breadcrumb"') == 4
    # An altLabel is shown as "employé pour".
    fil = requests.get(server.url + "/api/v1/vocabularies/tech/lookup", params={"label": "fil d'araignée"},
                       timeout=30).json()["matches"][0]["uri"]
    assert "Employé pour" in page(server, "/" + fil.split("/", 3)[3])


def test_thousands_of_narrower_concepts_are_paged(server):
    persons = requests.get(server.url + "/api/v1/vocabularies/repr/lookup", params={"label": "Personnes représentées"},
                           timeout=30).json()["matches"][0]["uri"]
    path = "/" + persons.split("/", 3)[3]
    first = page(server, path)
    count = int(re.search(r'Termes spécifiques <span class="muted">\((\d+)\)</span>', first).group(1))
    assert count > 16_000  # the persons represented
    assert "Page 1 sur 83" in first and f'href="{path}?page=2"' in first
    assert page(server, path + "?page=83").count("<li><a href=") < 200


def test_guide_terms_and_guide_banner(server):
    portraits = requests.get(server.url + "/api/v1/lookup", params={"label": "portraits", "vocab": "repr"},
                             timeout=30).json()["matches"][0]["uri"]
    assert "Terme de regroupement" in page(server, "/" + portraits.split("/", 3)[3])


def test_search_page(server):
    text = page(server, "/search?q=lampe+huile")
    assert "lampe à huile" in text and "branche" in text
    filtered = page(server, "/search?q=epee&vocab=deno")
    assert '<option value="deno" selected>' in filtered
    assert "repr</span>" not in filtered
    assert "Aucun résultat" in page(server, "/search?q=zzzzqqq")
    page(server, "/search?q=" + "x" * 600, status=400)
    page(server, "/search?q=epee&vocab=nope", status=400)
    assert "Page 1 sur" in page(server, "/search?q=a")


def test_about_sparql_and_api_pages_share_the_layout(server):
    for path in ("/about", "/sparql", "/api/", "/.well-known/void"):
        text = page(server, path)
        assert 'class="site"' in text and 'href="/static/app.css' in text, path
    assert "Licence Ouverte" in page(server, "/about")


def test_english(server, sword_path):
    english = page(server, sword_path + "?lang=en")
    assert '<html lang="en">' in english and "Narrower concepts" in english and "Hierarchy" in english
    assert "épée" in english  # the data's labels fall back to French
    response = requests.get(server.url + "/?lang=en", headers=HTML, timeout=30)
    assert response.cookies.get("vocabserver_lang") == "en"
    remembered = requests.get(server.url + "/about", headers=HTML, cookies={"vocabserver_lang": "en"}, timeout=30)
    assert '<html lang="en">' in remembered.text
    negotiated = page(server, "/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in negotiated and "Joconde vocabularies" in negotiated
    assert '<html lang="fr">' in page(server, "/", headers={"Accept-Language": "de, fr;q=0.5"})


def test_errors_are_pages_for_browsers(server):
    text = page(server, "/deno?letter=BB", status=400)
    assert "letter must be one letter" in text
    assert "404" in page(server, "/deno/nothing-here", status=404)
    assert requests.get(server.url + "/deno/nothing-here", timeout=30).json()["status"] == 404  # others: JSON


def test_static_files_are_served_with_long_caching(server):
    css = requests.get(server.url + "/static/app.css", timeout=30)
    js = requests.get(server.url + "/static/app.js", timeout=30)
    assert css.status_code == js.status_code == 200
    assert "immutable" in css.headers["Cache-Control"]
    assert "http://" not in js.text.replace("http://data.culture.fr/thesaurus/resource/", "")  # nothing fetched elsewhere
    assert requests.get(server.url + "/static/../pyproject.toml", timeout=30).status_code == 404


def test_deprecated_concept_banner_and_dates(tmp_path):
    from .conftest import Server, cli

    source = tmp_path / "old.ttl"
    source.write_text("""
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<s> a skos:ConceptScheme ; skos:prefLabel "Essai"@fr ; skos:hasTopConcept <a>, <b> .
<a> a skos:Concept ; skos:inScheme <s> ; skos:topConceptOf <s> ; skos:prefLabel "ancien terme"@fr ;
    owl:deprecated true ; dct:isReplacedBy <b> ; dct:created "2001-02-03"^^xsd:date ;
    skos:exactMatch <http://www.wikidata.org/entity/Q12791> ; skos:scopeNote "Ne plus employer."@fr .
<b> a skos:Concept ; skos:inScheme <s> ; skos:topConceptOf <s> ; skos:prefLabel "nouveau terme"@fr ;
    skos:prefLabel "new term"@en .
""", encoding="utf-8")
    data_dir = tmp_path / "store"
    assert cli("load", "--as", "essai", str(source), data_dir=data_dir, base_uri="").returncode == 0
    server = Server(data_dir)
    try:
        text = page(server, "/essai/a")
        assert "Concept obsolète" in text and "Remplacé par" in text and 'href="/essai/b" lang="fr">nouveau terme' in text
        assert "Équivalence exacte" in text and 'href="http://www.wikidata.org/entity/Q12791"' in text
        assert "2001-02-03" in text and "Ne plus employer." in text
        english = page(server, "/essai/a?lang=en")
        assert "Deprecated concept" in english and "new term" in english  # labels in the chosen language
    finally:
        server.stop()
