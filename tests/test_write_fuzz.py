"""Property-based layer for the write routes (issue 21): schemathesis over every write operation of the OpenAPI
document with an administrator's token, and hypothesis over changesets sent to the changes API — zero 5xx, and
a refused request writes nothing (the store's commit stamp does not move).

In process (the real app over a copy of the bundled store, SPARQL in threads) for speed."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vocabserver.config import Settings

from .conftest import BASE

SKOS = "http://www.w3.org/2004/02/skos/core#"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def writable(loaded_dir, tmp_path_factory):
    from vocabserver.web import create_app

    folder = tmp_path_factory.mktemp("write-fuzz") / "store"
    shutil.copytree(loaded_dir, folder)
    app = create_app(Settings(folder, BASE, BASE, sparql_isolation="thread", sparql_workers=1, sparql_timeout=5))
    app.testing = False  # errors go through the handlers, as in production
    core = app.extensions["vocabserver.core"]
    token = core.tokens.create("fuzz", "admin", [])
    return app, core, {"Authorization": f"Bearer {token}"}


def test_write_operations_of_the_openapi_document(writable):
    schemathesis = pytest.importorskip("schemathesis")
    from hypothesis.errors import Unsatisfiable

    app, core, auth = writable
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    failures, seen = [], set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() not in WRITES:
            continue
        seen.add(f"{operation.method.upper()} {operation.path}")
        for mode in schemathesis.GenerationMode:
            @settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                before = core.store.modified()
                response = case.call(headers=auth)
                where = f"{response.status_code} {case.method} {case.formatted_path} {case.query} {str(case.body)[:200]}"
                if response.status_code >= 500:
                    failures.append(where)
                elif response.status_code >= 400 and core.store.modified() != before:
                    failures.append("refused but written: " + where)

            try:
                check()
            except Unsatisfiable:
                assert mode is schemathesis.GenerationMode.NEGATIVE
    assert {"POST /api/v1/changes", "POST /api/v1/changes/{number}/revert",
            "PATCH /api/v1/vocabularies/{vocab_id}/concepts"} <= seen, seen
    assert not failures, "\n".join(failures[:20])


_SUBJECTS = st.sampled_from([BASE + "deno/zaqmycctwh", BASE + "deno/nouveau-terme", BASE + "tech/inconnu",
                             "javascript:alert(1)", "urn:x-test:1", "http://example.org/ailleurs"])
_PREDICATES = st.sampled_from([SKOS + p for p in ("prefLabel", "altLabel", "broader", "related", "exactMatch",
                                                  "inScheme", "notation")] +
                              ["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"])
_OBJECTS = st.one_of(
    st.builds(lambda text, lang: f'"{text}"@{lang}', st.text(alphabet="aéz -'", min_size=0, max_size=12),
              st.sampled_from(["fr", "en", "fr-FR", "x-y"])),
    st.sampled_from([f"<{BASE}deno/zaqmycctwh>", f"<{SKOS}Concept>", "<data:text/html,x>", "_:b0", '"1"^^<x:y>',
                     f"<{BASE}deno/nouveau-terme>"]))


@st.composite
def _lines(draw):
    line = f"<{draw(_SUBJECTS)}> <{draw(_PREDICATES)}> {draw(_OBJECTS)} ."
    return line if draw(st.integers(0, 9)) else line[: draw(st.integers(0, len(line)))]  # sometimes cut


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(added=st.lists(_lines(), max_size=4), removed=st.lists(_lines(), max_size=2),
       vocab=st.sampled_from(["deno", "tech", "nope", ""]))
def test_changesets_never_get_a_5xx_and_a_refusal_writes_nothing(writable, added, removed, vocab):
    app, core, auth = writable
    client = app.test_client()
    before = core.store.modified()
    response = client.post("/api/v1/changes", json={"vocab": vocab, "added": added, "removed": removed,
                                                     "comment": "fuzz"}, headers=auth)
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert core.store.modified() == before
        assert response.get_json()["message"]  # says what is wrong
