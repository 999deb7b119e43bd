"""The accounts database in both its forms: SQLite in the data directory (the default) and PostgreSQL
(VOCABSERVER_DATABASE_URL, Debian's server started here), for app nodes on several machines: tokens, users,
sessions, private vocabularies, proposals with their events, the session-signing key; and two nodes with data
directories of their own sharing one PostgreSQL database see one set of accounts."""

from __future__ import annotations

import pytest

from tests.engines import Postgres, postgres_bin
from tests.test_editing import BASE, E, VOCABULARY


@pytest.fixture(scope="module")
def postgres():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (`make test` installs it: see the Makefile)")
    server = Postgres()
    yield server
    server.stop()


def _engine(folder, database_url: str = ""):
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore

    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "objets.ttl"
    source.write_text(VOCABULARY, encoding="utf-8")
    store = VocabStore(folder / "store", BASE)
    load_file(store, source, "objets", strict=True)
    core = Core(Settings(folder / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1,
                         database_url=database_url), store)
    core.labels.current()
    return core


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path):
    url = request.getfixturevalue("postgres").database() if request.param == "postgres" else ""
    return _engine(tmp_path, url)


def test_tokens_users_sessions_and_privacy(engine):
    from vocabserver.auth.tokens import TokenError
    from vocabserver.auth.users import UserError

    token = engine.tokens.create("outil", "editor", ["objets"])
    assert engine.tokens.check(token).name == "outil" and engine.tokens.check(token + "x") is None
    with pytest.raises(TokenError):
        engine.tokens.create("outil", "reader")
    engine.users.create("marie", "editor", "un mot de passe assez long", ["objets"])
    with pytest.raises(UserError):
        engine.users.create("marie", "reader", "un autre mot de passe long")
    assert engine.users.authenticate("marie", "un mot de passe assez long").name == "marie"
    assert engine.users.authenticate("marie", "faux") is None
    for_marie = engine.tokens.create("pour-marie", "editor", ["objets"], user="marie")
    session = engine.users.open_session("marie", 3600)
    assert engine.users.session_user("marie", session).name == "marie"
    assert engine.users.end_sessions("marie") == 1 and engine.users.session_user("marie", session) is None
    assert [t["name"] for t in engine.tokens.list()] == ["outil", "pour-marie"]
    assert engine.users.delete("marie") and engine.tokens.check(for_marie) is None
    assert engine.privacy.set("objets", True, "admin") and engine.privacy.private() == frozenset({"objets"})
    assert not engine.privacy.set("objets", True, "admin")  # already
    assert engine.privacy.set("objets", False, "admin") and engine.privacy.private() == frozenset()
    assert engine.tokens.revoke("outil") and engine.tokens.check(token) is None
    assert engine.accounts.shared_secret("session") == engine.accounts.shared_secret("session")


def test_a_proposal_and_its_events(engine):
    from vocabserver.web import create_app

    client = create_app(engine).test_client()
    museum = {"Authorization": "Bearer " + engine.tokens.create("senlis", "contributor", [])}
    curator = {"Authorization": "Bearer " + engine.tokens.create("curator", "editor", ["objets"])}
    made = client.post("/api/v1/proposals", headers=museum, json={
        "vocab": "objets", "prefLabel": "statuette en bronze doré", "broader": E + "statuette",
        "record": "000PE012345", "museum": "Musée de Senlis"})
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["id"]
    second = client.post("/api/v1/proposals", headers=museum, json={"vocab": "objets", "prefLabel": "coupe"})
    assert second.get_json()["id"] == number + 1
    assert client.post(f"/api/v1/proposals/{number}/accept", headers=curator).status_code == 200
    assert client.post(f"/api/v1/proposals/{number + 1}/reject", headers=curator,
                       json={"reason": "déjà « vase »"}).status_code == 200
    seen = client.get(f"/api/v1/proposals/{number}").get_json()
    assert seen["status"] == "accepted" and [e["action"] for e in seen["events"]] == ["proposed", "accepted"]
    rejected = client.get(f"/api/v1/proposals/{number + 1}").get_json()
    assert rejected["status"] == "rejected" and rejected["reason"] == "déjà « vase »"
    listed = client.get("/api/v1/proposals", query_string={"status": "accepted"}, headers=curator).get_json()
    assert [p["id"] for p in listed["proposals"]] == [number]


def test_two_nodes_with_their_own_folders_share_one_postgresql_database(tmp_path, postgres):
    from vocabserver.web import create_app

    url = postgres.database()
    first, second = _engine(tmp_path / "a", url), _engine(tmp_path / "b", url)
    token = first.tokens.create("outil", "admin")
    assert second.tokens.check(token).name == "outil"
    second.users.create("marie", "admin", "un mot de passe assez long")
    a, b = create_app(first), create_app(second)
    assert a.secret_key == b.secret_key  # a session signed by one node is valid on the other
    browser = a.test_client()
    page = browser.get("/login")
    assert page.status_code == 200
    session = first.users.open_session("marie", 3600)
    assert second.users.session_user("marie", session).name == "marie"
    second.users.end_sessions("marie")
    assert first.users.session_user("marie", session) is None
    assert second.tokens.revoke("outil") and first.tokens.check(token) is None
