"""Sessions of the pages that really end (issue 21, case 3), through a real server process and the real CLI: a
copy of the cookie taken before signing out, a password change, a role change, the user's deletion or an
administrator's "sign out everywhere" opens nothing afterwards — neither a page nor a write."""

from __future__ import annotations

import re
import shutil

import pytest
import requests

from .conftest import Server, cli

PASSWORD = "un mot de passe assez long"


@pytest.fixture(scope="module")
def served(loaded_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sessions") / "store"
    shutil.copytree(loaded_dir, folder)
    for name in ("alice", "bruno"):
        made = cli("user", "create", name, "--role", "admin", data_dir=folder, env={"VOCABSERVER_PASSWORD": PASSWORD})
        assert made.returncode == 0, made.stderr
    server = Server(folder, base_uri="http://vocab.test/")
    yield server
    server.stop()


def _csrf(session: requests.Session, url: str, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', session.get(url + path, timeout=30).text).group(1)


def _sign_in(server, name: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(server.url + "/login", timeout=30, allow_redirects=False,
                          data={"name": name, "password": PASSWORD, "csrf_token": _csrf(session, server.url)})
    assert answer.status_code == 303, answer.text[:300]
    assert session.get(server.url + "/admin", timeout=30, allow_redirects=False).status_code == 200
    return session


def _copy(session: requests.Session) -> requests.Session:
    stolen = requests.Session()
    stolen.cookies.update(session.cookies)
    return stolen


def _is_open(server, session: requests.Session) -> bool:
    admin = session.get(server.url + "/admin", timeout=30, allow_redirects=False)
    if admin.status_code != 200:
        return False
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.text).group(1)
    minted = session.post(server.url + "/admin/tokens", timeout=30, allow_redirects=False,
                          data={"csrf_token": token, "name": f"t{id(session)}", "role": "admin"})
    return minted.status_code in (200, 201, 303)


def test_signing_out_ends_every_copy_of_the_cookie(served):
    session = _sign_in(served, "alice")
    stolen = _copy(session)
    assert _is_open(served, stolen)
    token = _csrf(session, served.url, "/admin")
    assert session.post(served.url + "/logout", data={"csrf_token": token}, timeout=30,
                        allow_redirects=False).status_code == 303
    assert not _is_open(served, stolen)
    assert stolen.get(served.url + "/admin", timeout=30, allow_redirects=False).status_code == 303  # to /login


def test_a_new_password_from_the_command_line_ends_the_sessions(served):
    session = _sign_in(served, "alice")
    stolen = _copy(session)
    changed = cli("user", "password", "alice", data_dir=served.data_dir, env={"VOCABSERVER_PASSWORD": PASSWORD})
    assert changed.returncode == 0, changed.stderr
    assert not _is_open(served, stolen) and not _is_open(served, session)
    _sign_in(served, "alice")  # the new password opens a new session


def test_an_administrator_signs_a_user_out_everywhere(served):
    alice, other_device = _sign_in(served, "alice"), _sign_in(served, "alice")
    bruno = _sign_in(served, "bruno")
    token = _csrf(bruno, served.url, "/admin")
    ended = bruno.post(served.url + "/admin/users/alice/sessions/end", data={"csrf_token": token}, timeout=30,
                       allow_redirects=False)
    assert ended.status_code == 303
    assert not _is_open(served, alice) and not _is_open(served, other_device)
    assert _is_open(served, bruno)
    signed_out = cli("user", "signout", "bruno", data_dir=served.data_dir)
    assert signed_out.returncode == 0 and "1 session(s) ended" in signed_out.stdout, signed_out.stdout
    assert not _is_open(served, bruno)


def test_a_role_change_and_a_deletion_end_the_sessions(served):
    made = cli("user", "create", "carla", "--role", "admin", data_dir=served.data_dir,
               env={"VOCABSERVER_PASSWORD": PASSWORD})
    assert made.returncode == 0, made.stderr
    carla = _sign_in(served, "carla")
    from vocabserver.auth.database import ACCOUNTS_FILE, Database
    from vocabserver.auth.users import Users

    Users(Database(served.data_dir / ACCOUNTS_FILE)).set_role("carla", "reader")
    assert not _is_open(served, carla)
    carla = _sign_in_reader(served, "carla")
    assert "carla" in carla.get(served.url + "/about", timeout=30).text  # "Connecté : carla" in the header
    deleted = cli("user", "delete", "carla", data_dir=served.data_dir)
    assert deleted.returncode == 0, deleted.stderr
    assert "carla" not in carla.get(served.url + "/about", timeout=30).text


def _sign_in_reader(server, name: str) -> requests.Session:
    session = requests.Session()
    answer = session.post(server.url + "/login", timeout=30, allow_redirects=False,
                          data={"name": name, "password": PASSWORD, "csrf_token": _csrf(session, server.url)})
    assert answer.status_code == 303
    return session
