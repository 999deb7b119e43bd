"""The SPARQL guard: linear on any text, skeleton without strings/IRIs/comments, size and depth caps."""

from __future__ import annotations

import time

import pytest

from vocabserver.sparql.guard import GuardLimits, GuardRefused, scan

UNCAPPED = GuardLimits(max_length=10**8, max_depth=10**8)


@pytest.mark.parametrize("text", [
    'SELECT * WHERE { ?s ?p "' + '"\\' * 500_000, "'" * 1_000_000, '"' * 1_000_000, "<a" * 500_000,
    "#\n" * 500_000, '"""' + '\\"' * 500_000, "(" * 1_000_000, "{}" * 500_000, "'\\" * 500_000,
])
def test_scan_is_linear(text):
    # A backtracking (or quadratic) scan takes hours on a megabyte; a linear one 0.1–1.5 s here, up to twice that
    # when the machine is slow (a fresh CI run took 2.8 s on "<a" × 500,000): the bound tells them apart, not speed.
    started = time.perf_counter()
    scan(text, UNCAPPED)
    assert time.perf_counter() - started < 20.0, "a backtracking scan takes hours on a megabyte"


@pytest.mark.parametrize("query, service", [
    ("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }", True),
    ("SELECT * { service<http://x/sparql>{ ?s ?p ?o } }", True),
    ('SELECT * { ?s ?p "SERVICE" }', False),
    ("SELECT * { ?s ?p 'a\\'SERVICE' }", False),
    ('SELECT * { ?s ?p """x""SERVICE""" }', False),
    ("SELECT * { ?s <http://x/SERVICE> ?o }", False),
    ("SELECT * { ?s ?p ?o # SERVICE <http://x/>\n }", False),
    ('SELECT * { ?s ?p "unterminated\n SERVICE <http://x/> {} }', True),
    ("SELECT * { FILTER(?a < ?b) SERVICE <http://x/> {} FILTER(?c > 1) }", True),
])
def test_service_is_found_only_as_an_operator(query, service):
    assert scan(query, GuardLimits()).service is service


def test_form_and_dataset():
    assert scan("PREFIX ex: <http://x/select#> CONSTRUCT { ?s ?p ?o } FROM <http://g> WHERE {}",
                GuardLimits()).graph_form
    found = scan('SELECT ("ASK" AS ?x) WHERE {}', GuardLimits())
    assert found.form == "SELECT" and not found.has_from


def test_caps():
    with pytest.raises(GuardRefused) as refused:
        scan("ASK {}" + " " * 100, GuardLimits(max_length=50))
    assert refused.value.status == 413
    with pytest.raises(GuardRefused, match="nested too deeply"):
        scan("SELECT * WHERE " + "{" * 20 + "}" * 20, GuardLimits(max_depth=10))
    assert scan("SELECT * WHERE " + "{" * 10 + "}" * 10, GuardLimits(max_depth=10)).depth == 10
    # Brackets inside strings, IRIs and comments do not count.
    assert scan('ASK { ?s ?p "((((((((((((" # {{{{{{{{{{{{{\n }', GuardLimits(max_depth=2)).depth == 1
