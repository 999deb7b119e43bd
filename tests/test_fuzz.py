"""Fuzz layer: hostile values in every parameter, path segment and header of every read route → never a 5xx.

In process (the real app over the real bundled store, opened read-only) for speed: thousands of requests.
The routes come from the app's URL map and the parameter names from the blueprints' sources, so a new
route or parameter is fuzzed without editing this file. Schemathesis adds property-based cases generated
from the OpenAPI document.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from vocabserver.config import Settings

from .conftest import BASE, ROOT

WEB = ROOT / "vocabserver" / "web"
# Every hostile value is sent raw (as the query string holds it) and percent-encoded.
RAW_VALUES = ["%ff", "%", "%zz", "%00", "%C3%28", "%ED%A0%80", "a%ffb"]
VALUES = [
    "", " ", "http://x/<>", "http://x/ space", 'http://x/"q"', "http://x/{a}", "http://x/a\\b",
    "javascript:alert(1)", "urn:", "x", "a\x00b", "'\"><script>alert(1)</script>", "../../../etc/passwd",
    "-1", "99999999999999999999999", "NaN", "*", "**", "%", "fr-", "x" * 5000, "é" * 600, "\u202e\ufeff𝕏",
    BASE + "deno/", "_:b0", "http://[::1",
]
ACCEPTS = ["", "*/*;q=abc", "text/html;q=2", "a" * 250_000, "application/json, text/*;level=1;q=0.1,,,",
           "text/turtle;q=0, */*;q=0", "application/ld+json;profile=\"x\"", "image/png", "\x7f"]


# Read by every blueprint: content negotiation and the interface language.
COMMON = {"format", "output", "lang"}


def _parameter_names() -> dict[str, set[str]]:
    """The query parameters each blueprint reads, found in its source (blueprint name -> names)."""
    pattern = re.compile(r"""(?:args\.get(?:list)?|params\.\w+|text|integer|boolean|language|uri)\(\s*["']([A-Za-z][\w-]*)["']""")
    return {path.stem: set(pattern.findall(path.read_text(encoding="utf-8"))) | COMMON for path in WEB.glob("*.py")}


@pytest.fixture(scope="module")
def app(loaded_dir):
    from vocabserver.web import create_app

    settings = Settings(loaded_dir, BASE, BASE, read_only=True, sparql_isolation="thread", sparql_workers=1,
                        sparql_timeout=5)
    application = create_app(settings)
    application.testing = False  # errors go through the handlers, as in production
    return application


def _rules(app) -> list:
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static" and not rule.rule.startswith("/static"):
            rules.append(rule)
    return rules


def _sample_path(rule, override: dict | None = None) -> str:
    values = {"vocab_id": "deno", "local": "zaqmycctwh", "rest": "ark:/67717/T51-1", "code": "DENO",
              "letter": "B", "filename": "deno.ttl", "name": "style.css"}
    values.update(override or {})
    path = rule.rule
    for argument in rule.arguments:
        path = re.sub(r"<(?:[\w]+:)?" + argument + ">", values.get(argument, "x"), path)
    return path


def _five_hundreds(client, requests_: list[tuple[str, dict]]) -> list[str]:
    failures = []
    for url, headers in requests_:
        response = client.get(url, headers=headers)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} GET {url[:160]} {str(headers)[:80]}")
        assert b"Traceback" not in response.data, url
    return failures


def test_hostile_parameters_never_get_a_5xx(app):
    client = app.test_client()
    names = _parameter_names()
    calls = []
    for rule in _rules(app):
        base = _sample_path(rule)
        for name in sorted(names.get(rule.endpoint.split(".")[0], COMMON)):
            for value in VALUES:
                calls.append((f"{base}?{name}={quote(value, safe='')}", {}))
            for raw in RAW_VALUES:
                calls.append((f"{base}?{name}={raw}", {}))
    failures = _five_hundreds(client, calls)
    assert not failures, f"{len(failures)} of {len(calls)} requests answered 5xx:\n" + "\n".join(failures[:30])


def test_hostile_path_segments_never_get_a_5xx(app):
    client = app.test_client()
    calls = []
    segments = [quote(v, safe="") for v in VALUES] + RAW_VALUES + ["a b", "<", '"', "{", "%5C", "a/b/c"]
    for rule in _rules(app):
        for argument in rule.arguments:
            for value in segments:
                calls.append((_sample_path(rule, {argument: value}), {}))
    for value in segments:  # unknown paths of one, two and three segments
        calls += [(f"/{value}", {}), (f"/x/{value}", {}), (f"/{value}/{value}", {}), (f"/deno/{value}/x", {})]
    failures = _five_hundreds(client, calls)
    assert not failures, f"{len(failures)} of {len(calls)} requests answered 5xx:\n" + "\n".join(failures[:30])


def test_hostile_headers_never_get_a_5xx(app):
    client = app.test_client()
    calls = []
    for rule in _rules(app):
        path = _sample_path(rule)
        for accept in ACCEPTS:
            calls.append((path, {"Accept": accept}))
        calls.append((path, {"Accept-Language": "x" * 10_000}))
        calls.append((path, {"If-None-Match": '"' * 5000}))
        calls.append((path, {"If-Modified-Since": "yesterday"}))
        calls.append((path, {"Host": "evil.example"}))
    failures = _five_hundreds(client, calls)
    assert not failures, f"{len(failures)} of {len(calls)} requests answered 5xx:\n" + "\n".join(failures[:30])


def test_errors_echo_no_huge_header_and_every_answer_is_nosniff(app):
    client = app.test_client()
    response = client.get("/deno/zaqmycctwh", headers={"Accept": "x/y" + "a" * 250_000})
    assert response.status_code == 406
    assert len(response.data) < 5_000
    for path in ("/ping", "/health", "/api/v1/autocomplete?q=epee", "/sparql?query=ASK%7B%7D", "/",
                 "/deno/zaqmycctwh.ttl", "/nowhere/at/all"):
        assert client.get(path).headers.get("X-Content-Type-Options") == "nosniff", path


def test_openapi_property_based(app):
    """Schemathesis: cases generated from /api/openapi.json (valid and invalid values of every parameter),
    run against the app: zero server errors."""
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures, unsatisfiable = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in schemathesis.GenerationMode:
            @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                response = case.call()
                if response.status_code >= 500:
                    failures.append(f"{response.status_code} {case.method} {case.formatted_path} {case.query}")

            try:
                check()
            except Unsatisfiable:
                assert mode is schemathesis.GenerationMode.NEGATIVE  # nothing to make invalid in it
                unsatisfiable.append(operation.label)
    assert not failures, "\n".join(failures[:20])
