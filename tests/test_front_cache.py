"""The encoded answers kept before Flask (web/front_cache.py), in process over a real store: a repeated read is
served from them with the same status, headers and body; a commit drops them; a request with an account never
gets an answer kept for anonymous callers nor leaves one; a vocabulary made private stops being served to
anonymous callers from them; their memory stays within the bound."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .test_editing import BASE, E, VOCABULARY


@pytest.fixture()
def world(tmp_path):
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore
    from vocabserver.web import create_app

    (tmp_path / "objets.ttl").write_text(VOCABULARY, encoding="utf-8")
    store = VocabStore(tmp_path / "store", BASE)
    load_file(store, tmp_path / "objets.ttl", "objets")
    core = Core(Settings(tmp_path / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1,
                         access_log="off"), store)
    core.labels.current()
    app = create_app(core)
    editor = {"Authorization": "Bearer " + core.tokens.create("marie", "editor", ["objets"])}
    return core, app, app.test_client(), editor


def _hit(app, client, path, **kwargs):
    """(response, whether it came from the kept answers)."""
    seen = {}

    def spy(environ, start_response):
        from vocabserver.web.front_cache import HIT_KEY

        answer = inner(environ, start_response)
        seen["hit"] = environ.get(HIT_KEY, False)
        return answer

    inner = app.wsgi_app
    app.wsgi_app = spy
    try:
        response = client.get(path, **kwargs)
    finally:
        app.wsgi_app = inner
    return response, seen["hit"]


def test_a_repeated_read_is_served_from_the_kept_answer_and_a_commit_drops_it(world):
    core, app, client, editor = world
    path = "/resource?uri=" + quote(E + "vase")
    first, hit = _hit(app, client, path, headers={"Accept": "text/turtle"})
    assert first.status_code == 200 and not hit
    again, hit = _hit(app, client, path, headers={"Accept": "text/turtle"})
    assert hit and again.data == first.data
    assert {k: v for k, v in again.headers if k != "X-Request-ID"} == {k: v for k, v in first.headers
                                                                     if k != "X-Request-ID"}
    other, hit = _hit(app, client, path, headers={"Accept": "application/ld+json"})
    assert not hit and other.headers["Content-Type"].startswith("application/ld+json")
    not_modified, hit = _hit(app, client, path, headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]})
    assert hit and not_modified.status_code == 304 and not_modified.data == b""
    edited = client.patch("/api/v1/vocabularies/objets/concepts?uri=" + quote(E + "vase"),
                          json={"altLabel": {"fr": ["amphore zq"]}}, headers=editor | {"If-Match": "*"})
    assert edited.status_code == 200, edited.data
    after, hit = _hit(app, client, path, headers={"Accept": "text/turtle"})
    assert not hit and "amphore zq" in after.text and after.headers["ETag"] != first.headers["ETag"]
    stale, hit = _hit(app, client, path, headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]})
    assert stale.status_code == 200


def test_errors_and_answers_to_accounts_are_never_kept(world):
    core, app, client, editor = world
    missing = "/resource?uri=" + quote(E + "nothing-here")
    for _ in range(2):
        answer, hit = _hit(app, client, missing, headers={"Accept": "text/turtle"})
        assert answer.status_code == 404 and not hit
    path = "/api/v1/autocomplete?q=vas"
    with_account, hit = _hit(app, client, path, headers=editor)
    assert not hit
    anonymous, hit = _hit(app, client, path)
    assert not hit  # the answer to the account was not kept
    anonymous, hit = _hit(app, client, path)
    assert hit
    with_account, hit = _hit(app, client, path, headers=editor)
    assert not hit and with_account.status_code == 200


def test_a_vocabulary_made_private_is_not_served_from_kept_answers(world):
    core, app, client, editor = world
    path = "/api/v1/autocomplete?q=vas&vocab=objets"
    assert _hit(app, client, path)[0].json["results"]
    assert _hit(app, client, path)[1]
    core.privacy.set("objets", True, "test")  # its own cache is dropped at once in this process
    answer, hit = _hit(app, client, path)
    assert not hit and not answer.json.get("results")
    assert _hit(app, client, path, headers=editor)[0].json["results"]


def test_the_kept_answers_stay_within_their_bound(world):
    from vocabserver.web.front_cache import FrontCache

    core, app, client, editor = world
    front: FrontCache = app.extensions["vocabserver.front_cache"]
    front.max_bytes = 20_000
    for n in range(300):
        client.get(f"/api/v1/autocomplete?q=v&offset={n % 50}&limit={1 + n // 50}")
    assert 0 < front.state()["bytes"] <= 20_000
