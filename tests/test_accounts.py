"""Accounts: users with Argon2id-hashed passwords created by the CLI (no default account), sign-in to the
pages with a CSRF-protected form, a signed session cookie, attempts rate-limited, sign-out; a signed-in user
writes through the same routes as a token, with the session's CSRF token."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys

import pytest

from .conftest import ROOT

BASE = "http://vocab.test/"
PASSWORD = "correct-horse-battery"


def vocabserver(data_dir, *args, stdin: str | None = None, password: str | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOCABSERVER_")}
    if password is not None:
        env["VOCABSERVER_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "vocabserver", "--data-dir", str(data_dir), *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=60)


def test_users_are_made_by_the_command_line_with_hashed_passwords(tmp_path):
    store = tmp_path / "store"
    short = vocabserver(store, "user", "create", "marie", "--role", "admin", password="short")
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    assert vocabserver(store, "user", "create", "marie", "--role", "admin", stdin="").returncode != 0  # no default
    assert vocabserver(store, "user", "create", "marie", "--role", "admin", password=PASSWORD).returncode == 0
    made = vocabserver(store, "user", "create", "paul", "--role", "editor", "--vocab", "deno", stdin="motdepasse-long\n")
    assert made.returncode == 0, made.stderr
    assert vocabserver(store, "user", "create", "paul", "--role", "reader", password=PASSWORD).returncode != 0
    listed = vocabserver(store, "user", "list").stdout
    assert "marie\tadmin" in listed and "paul\teditor\tdeno" in listed
    with sqlite3.connect(store / "accounts.sqlite3") as db:
        hashes = [row[0] for row in db.execute("SELECT password FROM users")]
    assert all(h.startswith("$argon2id$") for h in hashes) and PASSWORD not in "".join(hashes)
    # A user's token never has more rights than the user; deleting the user revokes it.
    wider = vocabserver(store, "token", "create", "--name", "t1", "--role", "admin", "--user", "paul")
    assert wider.returncode != 0 and "cannot be admin" in wider.stderr
    narrower = vocabserver(store, "token", "create", "--name", "t2", "--role", "editor", "--vocab", "deno", "--user", "paul")
    assert narrower.returncode == 0 and narrower.stdout.strip().splitlines()[-1].startswith("vst_")
    assert vocabserver(store, "user", "delete", "paul").returncode == 0
    assert "t2" not in vocabserver(store, "token", "list").stdout


@pytest.fixture
def engine(tmp_path):
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore

    source = tmp_path / "objets.ttl"
    source.write_text('@prefix skos: <http://www.w3.org/2004/02/skos/core#> . @prefix e: <http://example.org/v/> .\n'
                      'e:s a skos:ConceptScheme ; skos:prefLabel "Objets"@fr ; skos:hasTopConcept e:vase .\n'
                      'e:vase a skos:Concept ; skos:inScheme e:s ; skos:topConceptOf e:s ; skos:prefLabel "vase"@fr .\n',
                      encoding="utf-8")
    store = VocabStore(tmp_path / "store", BASE)
    load_file(store, source, "objets")
    load_file(store, source, "autre")
    core = Core(Settings(tmp_path / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1), store)
    core.users.create("marie", "editor", PASSWORD, ["objets"])
    core.labels.current()
    return core


@pytest.fixture
def client(engine):
    from vocabserver.web import create_app

    return create_app(engine).test_client()


def _csrf(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_in(client, password: str = PASSWORD, **extra):
    return client.post("/login", data={"name": "marie", "password": password, "csrf_token": _csrf(client)} | extra)


def test_sign_in_needs_the_csrf_token_and_the_right_password(client):
    form = client.get("/login")
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    assert re.search(r'<input type="hidden" name="csrf_token" value="[^"]+">', form.get_data(as_text=True))
    assert client.post("/login", data={"name": "marie", "password": PASSWORD}).status_code == 400
    assert client.post("/login", data={"name": "marie", "password": PASSWORD, "csrf_token": "forged"}).status_code == 400
    wrong = _sign_in(client, "not-the-password")
    assert wrong.status_code == 401 and "Nom d&#39;utilisateur ou mot de passe incorrect." in wrong.get_data(as_text=True)
    done = _sign_in(client, next="/about")
    assert done.status_code == 303 and done.headers["Location"] == "/about"
    cookie = done.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/about")
    assert "Connecté : marie" in page.get_data(as_text=True) and page.headers["Cache-Control"] == "private, no-cache"


def test_no_open_redirect_and_escaped_echo(client):
    assert _sign_in(client, next="https://evil.example/").headers["Location"] == "/"
    assert _sign_in(client, next="//evil.example/x").headers["Location"] == "/"
    echoed = client.post("/login", data={"name": '"><script>alert(1)</script>', "password": "x" * 12,
                                         "csrf_token": _csrf(client)}).get_data(as_text=True)
    assert "<script>alert(1)" not in echoed and "&#34;&gt;&lt;script&gt;" in echoed


def test_sign_out_needs_the_csrf_token(client):
    _sign_in(client)
    assert client.post("/logout").status_code == 400
    assert "Connecté : marie" in client.get("/about").get_data(as_text=True)
    token = _csrf(client, "/about")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert "Connecté" not in client.get("/about").get_data(as_text=True)


def test_sign_in_attempts_are_limited(client):
    token = _csrf(client)
    statuses = [client.post("/login", data={"name": "marie", "password": "wrong-password", "csrf_token": token}).status_code
                for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    assert client.post("/login", data={"name": "marie", "password": PASSWORD, "csrf_token": token}).status_code == 429


def test_a_signed_in_editor_writes_with_the_session_and_its_csrf_token(client):
    change = {"vocab": "objets", "comment": "test",
              "added": ['<http://example.org/v/vase> <http://www.w3.org/2004/02/skos/core#altLabel> "pot"@fr .']}
    assert client.post("/api/v1/changes", json=change).status_code == 401
    _sign_in(client)
    refused = client.post("/api/v1/changes", json=change)
    assert refused.status_code == 403 and "CSRF" in refused.get_json()["message"]
    token = _csrf(client, "/about")
    written = client.post("/api/v1/changes", json=change, headers={"X-CSRFToken": token})
    assert written.status_code == 201 and written.get_json()["actor"] == "marie"
    other = client.post("/api/v1/changes", json=change | {"vocab": "autre"}, headers={"X-CSRFToken": token})
    assert other.status_code == 403 and "'marie' (editor) may not" in other.get_json()["message"]


def test_the_session_key_is_made_once_kept_private_and_never_blocks_a_start(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from vocabserver.auth.secret import KEY_FILE, session_key

    monkeypatch.delenv("VOCABSERVER_SECRET_KEY", raising=False)
    with ThreadPoolExecutor(8) as pool:  # workers of one deployment starting together share one key
        keys = set(pool.map(lambda _: session_key(tmp_path), range(8)))
    assert len(keys) == 1 and len(next(iter(keys))) == 64
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("VOCABSERVER_SECRET_KEY", "shared-by-the-deployment")
    assert session_key(tmp_path) == "shared-by-the-deployment"
    monkeypatch.delenv("VOCABSERVER_SECRET_KEY")
    # A folder where the key cannot be written (a file in the way): a key for this process, the server starts.
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    assert len(session_key(blocked)) == 64


def test_a_token_revoked_by_another_process_is_refused_at_once(tmp_path):
    """The server keeps its accounts connection open; the command line revokes through its own."""
    from vocabserver.auth.database import Database
    from vocabserver.auth.tokens import Tokens

    server = Tokens(Database(tmp_path / "accounts.sqlite3"))
    token = server.create("tool", "admin")
    assert server.check(token).name == "tool"
    assert vocabserver(tmp_path, "token", "revoke", "tool").returncode == 0
    assert server.check(token) is None
