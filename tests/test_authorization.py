"""Every write route × every role: anonymous, reader, contributor, editor of another vocabulary, editor of the
vocabulary, administrator — the expected status each time; and a signed-in editor without the session's CSRF
token is refused on every route. In process, over a real store."""

from __future__ import annotations

import re

import pytest

from .test_editing import BASE, E, SKOS, VOCABULARY

ROLES = ("anonymous", "reader", "contributor", "other editor", "editor", "admin")
DENIED = {"anonymous": 401, "reader": 403, "contributor": 403, "other editor": 403}
GRAPH = BASE + "graph/objets"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from vocabserver.changes.loading import load_file
    from vocabserver.config import Settings
    from vocabserver.core import Core
    from vocabserver.store.embedded import VocabStore
    from vocabserver.web import create_app

    folder = tmp_path_factory.mktemp("authorization")
    source = folder / "objets.ttl"
    source.write_text(VOCABULARY, encoding="utf-8")
    store = VocabStore(folder / "store", BASE)
    load_file(store, source, "objets")
    load_file(store, source, "autre")
    core = Core(Settings(folder / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1), store)
    core.labels.current()
    headers = {"anonymous": {}}
    for role, (token_role, vocabularies) in {"reader": ("reader", []), "contributor": ("contributor", []),
                                             "other editor": ("editor", ["autre"]), "editor": ("editor", ["objets"]),
                                             "admin": ("admin", [])}.items():
        headers[role] = {"Authorization": "Bearer " + core.tokens.create(role, token_role, vocabularies)}
    core.users.create("marie", "editor", "correct-horse-battery", ["objets"])
    return core, create_app(core).test_client(), headers


_counter = iter(range(10**6))


def _fresh() -> str:
    return f"terme {next(_counter)}"


def _change(core) -> int:
    from vocabserver.changes.changeset import ChangeSet
    import pyoxigraph as ox

    change, _ = core.writer.apply(ChangeSet(ox.NamedNode(GRAPH), [], [ox.Triple(
        ox.NamedNode(E + "vase"), ox.NamedNode(SKOS + "hiddenLabel"), ox.Literal(_fresh(), language="fr"))], "setup"))
    return change.number


def _proposal(core) -> int:
    return core.proposals.propose({"vocab": "objets", "prefLabel": _fresh()}, "setup").id


def _concept(core) -> str:
    """A fresh concept under vase (setup), to be merged or deprecated."""
    from vocabserver.changes import editing

    changeset, concept = editing.create(core.store, "objets", {"prefLabel": {"fr": _fresh()}, "broader": [E + "vase"]},
                                        "setup")
    core.writer.apply(changeset)
    return concept.value


# route -> (call(client, core, headers), status of the editor and admin, status of a contributor when it differs)
ROUTES = {
    "POST /api/v1/changes": (lambda c, k, h: c.post("/api/v1/changes", headers=h, json={
        "vocab": "objets", "added": [f'<{E}vase> <{SKOS}altLabel> "{_fresh()}"@fr .']}), 201, None),
    "POST /api/v1/changes/N/revert": (lambda c, k, h: c.post(f"/api/v1/changes/{_change(k)}/revert", headers=h),
                                      201, None),
    "POST /sparql (update)": (lambda c, k, h: c.post("/sparql", headers=h, data={
        "update": f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{E}vase> <{SKOS}altLabel> "{_fresh()}"@fr }} }}'}), 200, None),
    "POST /api/v1/vocabularies/objets/concepts": (lambda c, k, h: c.post(
        "/api/v1/vocabularies/objets/concepts", headers=h, json={"prefLabel": {"fr": _fresh()}}), 201, None),
    "PATCH /api/v1/vocabularies/objets/concepts": (lambda c, k, h: c.patch(
        f"/api/v1/vocabularies/objets/concepts?uri={E}vase", headers=h | {"If-Match": "*"},
        json={"hiddenLabel": {"fr": [_fresh()]}}), 200, None),
    "POST /api/v1/vocabularies/objets/concepts/merge": (lambda c, k, h: c.post(
        "/api/v1/vocabularies/objets/concepts/merge", query_string={"uri": _concept(k)}, headers=h | {"If-Match": "*"},
        json={"into": E + "vase"}), 200, None),
    "POST /api/v1/vocabularies/objets/concepts/deprecate": (lambda c, k, h: c.post(
        "/api/v1/vocabularies/objets/concepts/deprecate", query_string={"uri": _concept(k)},
        headers=h | {"If-Match": "*"}, json={"replacement": E + "vase"}), 200, None),
    "POST /api/v1/vocabularies/objets/concepts/batch": (lambda c, k, h: c.post(
        "/api/v1/vocabularies/objets/concepts/batch", query_string={"parent": E + "vase"},
        headers=h | {"Content-Type": "text/csv"}, data=f"prefLabel\n{_fresh()}\n"), 201, None),
    "PATCH /api/v1/vocabularies/objets": (lambda c, k, h: c.patch(
        "/api/v1/vocabularies/objets", headers=h, json={"description": {"fr": _fresh()}}), 200, None),
    "POST /api/v1/proposals": (lambda c, k, h: c.post("/api/v1/proposals", headers=h, json={
        "vocab": "objets", "prefLabel": _fresh()}), 201, 201),
    "POST /api/v1/proposals/N/accept": (lambda c, k, h: c.post(f"/api/v1/proposals/{_proposal(k)}/accept", headers=h),
                                        200, None),
    "POST /api/v1/proposals/N/reject": (lambda c, k, h: c.post(f"/api/v1/proposals/{_proposal(k)}/reject",
                                                               headers=h, json={"reason": "non"}), 200, None),
}
# Graphs that are no vocabulary: administrators only.
def _other_graph(core) -> str:
    """A graph that is no vocabulary, written first (setup), so that deleting it has something to delete."""
    from vocabserver.changes.changeset import ChangeSet
    import pyoxigraph as ox

    graph = f"http://example.org/g{next(_counter)}"
    core.writer.apply(ChangeSet(ox.NamedNode(graph), [], [ox.Triple(ox.NamedNode("http://example.org/a"),
                                                                     ox.NamedNode("http://example.org/b"),
                                                                     ox.Literal("c"))], "setup"))
    return graph


TURTLE = {"Content-Type": "text/turtle"}
ADMIN_ONLY = {
    "PUT /store": (lambda c, k, h: c.put(f"/store?graph=http://example.org/{next(_counter)}", headers=h | TURTLE,
                                         data=b"<http://example.org/a> <http://example.org/b> 'c' ."), 201),
    "POST /store": (lambda c, k, h: c.post(f"/store?graph=http://example.org/{next(_counter)}", headers=h | TURTLE,
                                           data=b"<http://example.org/a> <http://example.org/b> 'c' ."), 201),
    "DELETE /store": (lambda c, k, h: c.delete(f"/store?graph={_other_graph(k)}", headers=h), 200),
}


def _expected(role: str, allowed: int, contributor: int | None) -> int:
    if role == "contributor" and contributor is not None:
        return contributor
    if role == "other editor" and contributor is not None:  # proposing is open to every editor
        return contributor
    return DENIED.get(role, allowed)


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_every_write_route_for_every_role(world, route, role):
    core, client, headers = world
    call, allowed, contributor = ROUTES[route]
    answer = call(client, core, headers[role])
    assert answer.status_code == _expected(role, allowed, contributor), (route, role, answer.get_data(as_text=True)[:300])
    if answer.status_code == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("route", sorted(ADMIN_ONLY))
@pytest.mark.parametrize("role", ROLES)
def test_graphs_that_are_no_vocabulary_are_written_by_administrators_only(world, route, role):
    core, client, headers = world
    call, allowed = ADMIN_ONLY[route]
    assert call(client, core, headers[role]).status_code == {"anonymous": 401, "admin": allowed}.get(role, 403)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_signed_in_editor_needs_the_csrf_token_on_every_write_route(world, route):
    core, client, _headers = world
    call, allowed, _contributor = ROUTES[route]
    with client.session_transaction() as session:
        session.clear()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    # Each route signs in from its own address: the sign-in limit (10 a minute per address) is not under test here.
    address = f"10.0.{sorted(ROUTES).index(route)}.1"
    assert client.post("/login", data={"name": "marie", "password": "correct-horse-battery", "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address}).status_code == 303
    assert call(client, core, {}).status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/about").get_data(as_text=True)).group(1)
    assert call(client, core, {"X-CSRFToken": token}).status_code == allowed
    client.post("/logout", data={"csrf_token": token})
