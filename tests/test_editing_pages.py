"""The curators' pages, in process over a real store: the concept form (saved, refused with the form again,
conflict shown beside what was typed), new concept, merge and its revert from the history page, a revert
refused by a later change, proposals from the page to the review queue and back to the proposer, the
administration of accounts, who may open and post each form, and every user-entered text escaped."""

from __future__ import annotations

import re

import pytest

from .test_editing import BASE, E, make_engine

PASSWORD = "correct-horse-battery"
EVIL = '<script>alert("x")</script>'


def _engine(folder):
    core = make_engine(folder)
    for name, role, vocabularies in (("marie", "editor", ["objets"]), ("paul", "editor", ["objets"]),
                                     ("musee", "contributor", []), ("lea", "reader", []), ("root", "admin", [])):
        core.users.create(name, role, PASSWORD, vocabularies)
    return core


@pytest.fixture
def engine(tmp_path):
    return _engine(tmp_path)


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory):
    """One engine for the many cases of the roles matrix (each posts values of its own)."""
    return _engine(tmp_path_factory.mktemp("matrix"))


_address = iter(range(1, 10**6))


def _client(engine, name: str | None):
    from vocabserver.web import create_app

    client = create_app(engine).test_client()
    if name:
        page = client.get("/login").get_data(as_text=True)
        answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": _token(page)},
                             environ_base={"REMOTE_ADDR": f"10.9.{next(_address) % 250}.1"})
        assert answer.status_code == 303
    return client


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _form(html: str) -> dict:
    """The values of a form as a browser would send them."""
    out = dict(re.findall(r'<input id="f-[^"]+" name="([^"]+)" value="([^"]*)"', html))
    out |= {m.group(1): m.group(2) for m in re.finditer(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html)}
    out |= dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    return {k: v.replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&amp;", "&") for k, v in out.items()}


def _concept(client, uri):
    return client.get("/api/v1/concept", query_string={"uri": uri}).get_json()


def test_the_concept_form_saves_through_the_write_path(engine):
    marie = _client(engine, "marie")
    page = marie.get("/edit", query_string={"uri": E + "statue"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    form = _form(page.get_data(as_text=True))
    assert form["prefLabel-fr"] == "statue" and form["version"]
    form |= {"altLabel-fr": "sculpture en pied\nronde-bosse", "notes-definition-fr": "Figure sculptée.",
             "comment": "synonymes"}
    saved = marie.post("/edit", query_string={"uri": E + "statue"}, data=form)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("statue")
    concept = _concept(marie, E + "statue")
    assert concept["altLabel"] == {"fr": ["ronde-bosse", "sculpture en pied"]}
    assert concept["notes"]["definition"] == {"fr": ["Figure sculptée."]}
    assert [n["uri"] for n in concept["narrower"]] == [E + "statuette"]  # untouched fields stay
    shown = marie.get("/resource", query_string={"uri": E + "statue"}, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Enregistré (modification n°" in shown and 'class="toolbar"' in shown
    assert engine.writer.history.get(engine.writer.history.numbers("objets")[0]).comment == "synonymes"


def test_a_refused_form_is_shown_again_with_the_message_and_what_was_typed(engine):
    marie = _client(engine, "marie")
    form = _form(marie.get("/edit", query_string={"uri": E + "statue"}).get_data(as_text=True))
    before = _concept(marie, E + "statue")["version"]
    refused = marie.post("/edit", query_string={"uri": E + "statue"},
                         data=form | {"broader": "inconnu", "altLabel-fr": "gardé tel quel"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "no concept with the label &#39;inconnu&#39;" in html
    assert "gardé tel quel" in html and _concept(marie, E + "statue")["version"] == before
    # The vocabulary's strict policy: a cycle is refused, naming the rule and the concepts.
    cycle = marie.post("/edit", query_string={"uri": E + "statue"}, data=form | {"broader": "statuette"})
    assert cycle.status_code == 422 and "broader-cycle" in cycle.get_data(as_text=True)


def test_two_editors_from_the_same_version_the_second_sees_both(engine):
    marie, paul = _client(engine, "marie"), _client(engine, "paul")
    form_marie = _form(marie.get("/edit", query_string={"uri": E + "vase"}).get_data(as_text=True))
    form_paul = _form(paul.get("/edit", query_string={"uri": E + "vase"}).get_data(as_text=True))
    assert marie.post("/edit", query_string={"uri": E + "vase"},
                      data=form_marie | {"altLabel-fr": "urne", "comment": "urne"}).status_code == 303
    conflict = paul.post("/edit", query_string={"uri": E + "vase"}, data=form_paul | {"altLabel-fr": "pot à fleurs"})
    html = conflict.get_data(as_text=True)
    assert conflict.status_code == 412
    assert "pot à fleurs" in html  # what paul typed is kept
    assert re.search(r'class="field differs">.*?class="now">urne<', html, re.S)  # marie's value beside it
    assert "par marie" in html and "urne" in html  # the other change named
    assert _concept(paul, E + "vase")["altLabel"] == {"fr": ["urne"]}  # nothing overwritten
    # Saving again from the conflict page is made against the version shown there.
    again = _form(html) | {"altLabel-fr": "urne\npot à fleurs"}
    assert paul.post("/edit", query_string={"uri": E + "vase"}, data=again).status_code == 303
    assert _concept(paul, E + "vase")["altLabel"] == {"fr": ["pot à fleurs", "urne"]}


def test_new_concept_under_a_parent_named_by_its_label(engine):
    marie = _client(engine, "marie")
    page = marie.get("/new/objets", query_string={"parent": E + "statuette"}).get_data(as_text=True)
    form = _form(page)
    assert form["broader"] == f"statuette <{E}statuette>"
    made = marie.post("/new/objets", data=form | {"prefLabel-fr": "statuette en bronze doré", "broader": "statuette"})
    assert made.status_code == 303
    hits = marie.get("/api/v1/autocomplete", query_string={"q": "statuette en bronze"}).get_json()["results"]
    assert hits and hits[0]["prefLabel"] == "statuette en bronze doré"
    assert made.headers["Location"] == "/" + hits[0]["uri"][len(BASE):]


def test_merge_from_the_page_then_revert_it_from_the_history_page(engine):
    marie = _client(engine, "marie")
    before = sorted(str(q) for q in engine.store.quads(None, None, None, engine.store.graph_iri("objets")))
    form = _form(marie.get("/merge", query_string={"uri": E + "statue"}).get_data(as_text=True))
    merged = marie.post("/merge", query_string={"uri": E + "statue"}, data=form | {"into": "vase"})
    assert merged.status_code == 303 and merged.headers["Location"].endswith("vase")
    banner = marie.get("/resource", query_string={"uri": E + "statue"}, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Concept obsolète" in banner and "Remplacé par" in banner
    history = marie.get("/history/objets").get_data(as_text=True)
    assert "Employé pour" in history and "« statue »" in history  # the diff in words
    number = re.search(r'action="/history/revert/(\d+)"', history).group(1)
    done = marie.post(f"/history/revert/{number}", data={"csrf_token": _token(history), "back": "/history/objets"})
    assert done.status_code == 303 and done.headers["Location"] == "/history/objets"
    assert sorted(str(q) for q in engine.store.quads(None, None, None, engine.store.graph_iri("objets"))) == before
    assert f"Modification n° {number} annulée" in marie.get("/history/objets").get_data(as_text=True)


def test_a_revert_that_a_later_change_conflicts_with_is_refused_with_the_reason(engine):
    marie = _client(engine, "marie")
    for labels in ("urne", "amphore"):  # the second removes what the first added
        form = _form(marie.get("/edit", query_string={"uri": E + "vase"}).get_data(as_text=True))
        marie.post("/edit", query_string={"uri": E + "vase"}, data=form | {"altLabel-fr": labels})
    first = engine.writer.history.numbers("objets")[1]  # newest first: the second edit, the first, the load
    page = marie.get("/history", query_string={"uri": E + "vase"}).get_data(as_text=True)
    refused = marie.post(f"/history/revert/{first}", data={"csrf_token": _token(page)})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "revert those first" in html, re.findall(r"role=\"alert\">.*?</div>", html, re.S)


def test_a_proposal_from_the_page_accepted_as_an_altlabel_and_the_proposer_sees_it(engine):
    musee, marie = _client(engine, "musee"), _client(engine, "marie")
    form = _form(musee.get("/propose", query_string={"vocab": "objets"}).get_data(as_text=True))
    sent = musee.post("/propose", data=form | {"vocab": "objets", "prefLabel": "potiche", "broader": "vase",
                                               "record": "07450001234", "museum": "Musée de Sèvres"})
    assert sent.status_code == 303
    queue = marie.get("/proposals").get_data(as_text=True)
    assert "potiche" in queue and "07450001234" in queue and "Musée de Sèvres" in queue
    number = re.search(r'action="/proposals/(\d+)/decide"', queue).group(1)
    done = marie.post(f"/proposals/{number}/decide", data={"csrf_token": _token(queue), "action": "alt", "alt": "vase"})
    assert done.status_code == 303
    assert "potiche" in _concept(marie, E + "vase")["altLabel"]["fr"]
    mine = musee.get("/proposals").get_data(as_text=True)
    assert re.search(r'status-accepted">acceptée', mine)
    # A contributor has no review queue and cannot decide.
    assert 'action="/proposals/' not in mine
    assert musee.post(f"/proposals/{number}/decide", data={"csrf_token": _token(mine), "action": "reject",
                                                           "reason": "non"}).status_code == 403


def test_administration_of_users_and_tokens(engine):
    root = _client(engine, "root")
    page = root.get("/admin").get_data(as_text=True)
    token = _token(page)
    made = root.post("/admin/users", data={"csrf_token": token, "name": "jeanne", "role": "editor", "vocab": ["objets"],
                                           "password": "a-long-password"})
    assert made.status_code == 303 and engine.users.get("jeanne").vocabularies == ("objets",)
    short = root.post("/admin/users", data={"csrf_token": token, "name": "x", "role": "reader", "password": "court"})
    assert short.status_code == 400 and "at least 10" in short.get_data(as_text=True)
    created = root.post("/admin/tokens", data={"csrf_token": token, "name": "outil", "role": "editor",
                                               "vocab": ["objets"], "user": "jeanne"})
    value = re.search(r'id="new-token">([^<]+)<', created.get_data(as_text=True)).group(1)
    assert created.status_code == 201 and engine.tokens.check(value).name == "outil"
    assert value not in root.get("/admin").get_data(as_text=True)  # shown once
    assert root.post("/admin/tokens/outil/revoke", data={"csrf_token": token}).status_code == 303
    assert engine.tokens.check(value) is None
    assert root.post("/admin/users/jeanne/delete", data={"csrf_token": token}).status_code == 303
    assert engine.users.get("jeanne") is None
    assert root.post("/admin/users/root/delete", data={"csrf_token": token}).status_code == 409


# Page forms: (method, path, data for the n-th case) -> who may: the vocabulary's editors and admins, or as stated.
PAGE_ROUTES = {
    "/edit": ("GET", f"/edit?uri={E}vase", None),
    "/new": ("POST", "/new/objets", lambda n: {"prefLabel-fr": f"nouveau {n}"}),
    "/merge": ("GET", f"/merge?uri={E}statue", None),
    "/deprecate": ("GET", f"/deprecate?uri={E}statuette", None),
    "/batch": ("POST", "/batch/objets", lambda n: {"csv": f"prefLabel\nbol {n}\n"}),
    "/scheme": ("POST", "/scheme/objets", lambda n: {"title-fr": f"Objets {n}"}),
    "/history/revert": ("POST", "/history/revert/1", lambda n: {}),
    "/propose": ("POST", "/propose", lambda n: {"vocab": "objets", "prefLabel": f"tasse {n}"}),
    "/admin": ("GET", "/admin", None),
    "/admin/users": ("POST", "/admin/users", lambda n: {"name": f"z{n}", "role": "reader", "password": "0123456789"}),
    "/admin/users/sessions/end": ("POST", "/admin/users/lea/sessions/end", lambda n: {}),
}
_case = iter(range(10**6))
ALLOWED = {"/propose": {"musee", "marie", "root"}, "/admin": {"root"}, "/admin/users": {"root"},
           "/admin/users/sessions/end": {"root"}}


@pytest.mark.parametrize("route", sorted(PAGE_ROUTES))
@pytest.mark.parametrize("who", [None, "lea", "musee", "marie", "root"])
def test_who_may_open_and_post_each_form(shared_engine, route, who):
    engine = shared_engine
    method, path, data = PAGE_ROUTES[route]
    data = data(next(_case)) if data else None
    if route == "/history/revert":
        from vocabserver.changes import editing

        engine.writer.apply(editing.update(engine.store, "objets", E + "vase",
                                           {"altLabel": {"fr": [f"urne {next(_case)}"]}}, "setup"))
        path = f"/history/revert/{engine.writer.history.numbers('objets')[0]}"
    client = _client(engine, who)
    allowed = who in ALLOWED.get(route, {"marie", "root"})
    if method == "GET":
        answer = client.get(path)
        expected = 200 if allowed else (303 if who is None else 403)
    else:
        token = _token(client.get("/login" if who is None else "/about").get_data(as_text=True))
        answer = client.post(path, data=data | {"csrf_token": token})
        expected = (303, 201) if allowed else ((401,) if who is None else (403,))
        expected = expected if isinstance(expected, tuple) else (expected,)
        assert answer.status_code in expected, (route, who, answer.get_data(as_text=True)[:400])
        if allowed:  # the same post without the CSRF token: refused
            assert client.post(path, data=data).status_code in (400, 403)
        return
    assert answer.status_code == expected, (route, who, answer.get_data(as_text=True)[:400])


def test_every_user_entered_text_is_escaped(engine):
    marie, musee, root = _client(engine, "marie"), _client(engine, "musee"), _client(engine, "root")
    form = _form(marie.get("/edit", query_string={"uri": E + "vase"}).get_data(as_text=True))
    marie.post("/edit", query_string={"uri": E + "vase"}, data=form | {
        "prefLabel-en": EVIL, "altLabel-fr": EVIL + " alt", "hiddenLabel-fr": EVIL + " caché",
        "notes-definition-fr": EVIL + " déf", "notes-scopeNote-fr": EVIL + " note", "notation": EVIL + "n",
        "comment": EVIL + " motif"})
    page = _form(musee.get("/propose").get_data(as_text=True))
    musee.post("/propose", data=page | {"vocab": "objets", "prefLabel": EVIL + " terme", "note": EVIL + " expl",
                                        "record": EVIL[:30], "museum": EVIL + " musée"})
    queue = marie.get("/proposals").get_data(as_text=True)
    number = re.search(r'action="/proposals/(\d+)/decide"', queue).group(1)
    marie.post(f"/proposals/{number}/decide", data={"csrf_token": _token(queue), "action": "reject",
                                                    "reason": EVIL + " raison"})
    admin = root.get("/admin").get_data(as_text=True)
    root.post("/admin/tokens", data={"csrf_token": _token(admin), "name": EVIL, "role": "reader"})
    pages = {
        "concept": marie.get("/resource", query_string={"uri": E + "vase"}, headers={"Accept": "text/html"}),
        "concept (en)": marie.get("/resource", query_string={"uri": E + "vase", "lang": "en"}, headers={"Accept": "text/html"}),
        "form": marie.get("/edit", query_string={"uri": E + "vase"}),
        "history": marie.get("/history/objets"),
        "recent": marie.get("/history"),
        "proposals (proposer)": musee.get("/proposals"),
        "admin": root.get("/admin"),
        "search": marie.get("/search", query_string={"q": "script"}),
    }
    for name, answer in pages.items():
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200, name
        assert "<script>alert" not in html, name
    assert "&lt;script&gt;alert" in pages["concept"].get_data(as_text=True)
    assert "raison" in pages["proposals (proposer)"].get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in pages["admin"].get_data(as_text=True)
