"""The JSON API (/api/v1) over real HTTP against `vocabserver serve`, checked against its OpenAPI document."""

from __future__ import annotations

import socket
import urllib.parse

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_spec_validator import validate

from vocabserver.index.folding import fold


@pytest.fixture(scope="module")
def spec(server):
    document = server.get("/api/openapi.json").json()
    validate(document)
    return OpenAPI.from_dict(document)


@pytest.fixture(scope="module")
def base(server) -> str:
    return server.get("/health").json()["base_uri"]


def api(server, spec, path: str, status: int = 200, **query) -> dict:
    """GET an API path; the answer must have the status and match the OpenAPI document."""
    response = requests.get(server.url + path, params=query, timeout=30)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    if status == 200:
        # Validated against the description, with the server's own URL as the declared server.
        request = requests.Request("GET", spec.spec["servers"][0]["url"] + path, params=query).prepare()
        spec.validate_response(RequestsOpenAPIRequest(request), RequestsOpenAPIResponse(response))
    return response.json()


def test_openapi_document_lists_every_api_route(server, spec):
    paths = set(spec.spec["paths"].keys())
    for expected in ("/api/v1/autocomplete", "/api/v1/search", "/api/v1/lookup", "/api/v1/concept",
                     "/api/v1/vocabularies/{vocab_id}/index/{letter}", "/api/v1/fields/{code}/autocomplete"):
        assert expected in paths
    page = server.get("/api/")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "/api/v1/autocomplete" in page.text and "/api/openapi.json" in page.text


def test_autocomplete_epee(server, spec, base):
    body = api(server, spec, "/api/v1/autocomplete", q="epee")
    first = body["results"][:2]
    assert {r["vocab"] for r in first} == {"deno", "repr"} and all(r["prefLabel"] == "épée" for r in first)
    assert all(r["exact"] for r in first)
    assert first[0]["uri"].startswith(base)
    # Homonyms told apart by their branch.
    assert len({tuple(s["prefLabel"] for s in r["path"]) for r in first}) == 2


def test_autocomplete_per_vocabulary_and_per_field(server, spec):
    by_vocab = api(server, spec, "/api/v1/vocabularies/deno/autocomplete", q="epee")
    by_field = api(server, spec, "/api/v1/fields/DENO/autocomplete", q="epee")
    by_param = api(server, spec, "/api/v1/autocomplete", q="epee", field="deno")
    assert by_vocab["results"] == by_field["results"] == by_param["results"]
    assert {r["vocab"] for r in by_vocab["results"]} == {"deno"}
    peoc = api(server, spec, "/api/v1/fields/PEOC/autocomplete", q="1er")
    assert {r["vocab"] for r in peoc["results"]} <= {"peri"}
    assert api(server, spec, "/api/v1/fields/XYZ/autocomplete", status=404, q="a")["status"] == 404


def test_altlabel_hit_shows_the_form_used_for(server, spec):
    body = api(server, spec, "/api/v1/autocomplete", q="toile d'araignée", vocab="tech", limit=1)
    hit = body["results"][0]
    assert hit["matchedKind"] == "altLabel" and hit["matchedLabel"] == "toile d'araignée"
    assert hit["prefLabel"] == "fil d'araignée"


def test_search_pages_and_counts(server, spec):
    first = api(server, spec, "/api/v1/search", q="arc", limit=5)
    second = api(server, spec, "/api/v1/search", q="arc", limit=5, offset=5)
    both = api(server, spec, "/api/v1/search", q="arc", limit=10)
    assert [r["uri"] for r in first["results"] + second["results"]] == [r["uri"] for r in both["results"]]
    assert first["total"] == both["total"] > 10


def test_lookup_for_validation(server, spec):
    body = api(server, spec, "/api/v1/fields/DENO/lookup", label="EPEE")
    assert body["found"] and body["usable"] and body["preferred"] == "épée"
    assert body["matches"][0]["preferredAsWritten"] is False
    exact = api(server, spec, "/api/v1/vocabularies/deno/lookup", label="épée")
    assert exact["matches"][0]["preferredAsWritten"] is True
    guide = api(server, spec, "/api/v1/lookup", label="portraits", vocab="repr")
    assert guide["found"] and not guide["usable"] and guide["preferred"] is None
    assert api(server, spec, "/api/v1/lookup", label="zzzz inconnu")["found"] is False


def test_concept_json(server, spec, base):
    sword = api(server, spec, "/api/v1/vocabularies/deno/lookup", label="épée")["matches"][0]["uri"]
    body = api(server, spec, "/api/v1/concept", uri=sword)
    assert body["prefLabel"] == {"fr": "épée"} and body["vocab"] == "deno" and body["label"] == "épée"
    narrower = [n["prefLabel"] for n in body["narrower"]]
    assert "épée-baïonnette" in narrower and narrower == sorted(narrower, key=fold)
    assert body["inScheme"] == ["http://data.culture.fr/thesaurus/resource/ark:/67717/T505"]
    fil = api(server, spec, "/api/v1/vocabularies/tech/lookup", label="fil d'araignée")["matches"][0]["uri"]
    assert api(server, spec, "/api/v1/concept", uri=fil)["altLabel"] == {"fr": ["toile d'araignée"]}
    api(server, spec, "/api/v1/concept", status=404, uri=base + "deno/nothing")


def test_top_children_hierarchy(server, spec):
    top = api(server, spec, "/api/v1/vocabularies/domn/top")
    assert top["total"] == 4 and all(r["hasChildren"] for r in top["results"])
    parent = top["results"][0]["uri"]
    children = api(server, spec, "/api/v1/children", uri=parent, limit=2)
    assert len(children["results"]) == min(2, children["total"])
    abrase = api(server, spec, "/api/v1/vocabularies/tech/lookup", label="abrasé")["matches"][0]["uri"]
    assert len(api(server, spec, "/api/v1/hierarchy", uri=abrase)["paths"]) == 4


def test_alphabetical_index(server, spec):
    letters = api(server, spec, "/api/v1/vocabularies/autr/index")["letters"]
    assert "A" in letters and "Z" in letters
    page = api(server, spec, "/api/v1/vocabularies/autr/index/B", limit=20, offset=20)
    assert page["total"] > 1000 and len(page["entries"]) == 20
    api(server, spec, "/api/v1/vocabularies/autr/index/BB", status=400)


def test_vocabularies_and_fields(server, spec):
    body = api(server, spec, "/api/v1/vocabularies")
    assert len(body["vocabularies"]) == 16
    deno = api(server, spec, "/api/v1/vocabularies/deno")
    assert deno["concepts"] == 5224 and deno["fields"] == ["DENO"] and deno["topConcepts"] == 1789
    assert api(server, spec, "/api/v1/fields")["fields"]["PEOC"] == ["peri"]
    api(server, spec, "/api/v1/vocabularies/nope", status=404)


@pytest.mark.parametrize("query, status", [
    ({"q": ""}, 200), ({"q": "e"}, 200), ({"q": "x" * 10_000}, 400), ({"q": "a", "limit": "0"}, 400),
    ({"q": "a", "limit": "ten"}, 400), ({"q": "a", "vocab": "nope"}, 400), ({"q": "a", "lang": "fr_FR!"}, 400),
    ({"q": "a", "under": "http://nowhere.test/x"}, 400), ({"q": "a", "deprecated": "maybe"}, 400),
])
def test_bad_or_odd_input_is_never_a_500(server, query, status):
    response = requests.get(server.url + "/api/v1/autocomplete", params=query, timeout=30)
    assert response.status_code == status
    body = response.json()
    if status == 400:
        assert body["status"] == 400 and body["message"]


def test_invalid_utf8_is_a_400(server):
    # Raw bytes that no UTF-8 decoder accepts, sent as they are (requests would re-encode them).
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /api/v1/autocomplete?q=%ff%fe%e9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and b"UTF-8" in answer
    assert requests.get(server.url + "/api/v1/search", timeout=30).status_code == 400  # no q at all


def test_answers_are_cacheable(server):
    url = server.url + "/api/v1/autocomplete?" + urllib.parse.urlencode({"q": "vase"})
    first = requests.get(url, timeout=30)
    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=30)
    assert again.status_code == 304


def test_quality_report_of_a_bundled_vocabulary(server, spec):
    body = api(server, spec, "/api/v1/vocabularies/deno/quality")
    assert body["vocabulary"] == "deno" and body["policy"] == "strict" and body["counts"]["error"] == 0
    for group in body["checks"]:
        assert group["severity"] in ("warning", "info") and group["count"] >= len(group["findings"])
    page = server.get("/quality/deno", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Rapport de qualité" in page.text
    assert 'href="/quality/deno"' in server.get("/deno", headers={"Accept": "text/html"}).text
    assert server.get("/api/v1/vocabularies/nowhere/quality").status_code == 404
