"""The browsing interface: home, vocabulary pages (tree, alphabetical index), concept pages, search, about.

Server-rendered and complete without JavaScript; templates/static/app.js adds live autocompletion, lazy
trees and URI copying. Concept and vocabulary pages are the HTML representations of their URIs
(linkeddata.py negotiates, then calls `concept_page` / `vocabulary_page`).
"""

from __future__ import annotations

import functools
import hashlib
import math
from functools import lru_cache
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, Response, abort, render_template, request, send_from_directory, session
from werkzeug.exceptions import NotFound

from vocabserver.reading.concepts import concept_details
from vocabserver.index.label_index import QueryError
from vocabserver.rdf.licences import licence_name
from vocabserver.changes.quality import quality_report
from vocabserver.changes.validation import findings_of
from vocabserver.resources import shipped
from vocabserver.web import i18n
from vocabserver.web.caching import cacheable, not_modified
from vocabserver.web.context import labels, store
from vocabserver.web.representations import link_href, local_path
from vocabserver.web.login import signed_in
from vocabserver.web.privacy import hidden, searchable, visible

blueprint = Blueprint("pages", __name__)

TOP_PAGE = 200  # top concepts per page (AUTR has 32,344)
NARROWER_PAGE = 200  # narrower concepts per page ("Personnes représentées" has 16,404)
INDEX_PAGE = 100  # alphabetical index entries per page
SEARCH_PAGE = 20
DCT_MODIFIED = "http://purl.org/dc/terms/modified"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


# -- what every page template receives ------------------------------------------------------------
def page_path(uri: str) -> str:
    return local_path(uri) or "/resource?" + urlencode({"uri": uri})


def with_lang(path: str) -> str:
    """Links keep the chosen interface language (when not the default) and the chosen data language."""
    extra = []
    if i18n.ui_language() != "fr":
        extra.append("lang=" + i18n.ui_language())
    if i18n.content_language():
        extra.append("clang=" + i18n.content_language())
    if not extra:
        return path
    head, hash_mark, fragment = path.partition("#")
    return head + ("&" if "?" in head else "?") + "&".join(extra) + hash_mark + fragment


def clang_url(code: str | None) -> str:
    """This page with another data language (None: labels follow the interface again); paging restarts."""
    args = {k: v for k, v in request.args.to_dict(flat=False).items() if k not in ("clang", "page", "top")}
    if code:
        args["clang"] = [code]
    query = urlencode(args, doseq=True)
    return request.path + ("?" + query if query else "")


def data_languages(vocab_id: str) -> list[dict]:
    """The language choice of a vocabulary's pages: the languages its labels use, when more than one."""
    found = labels().languages(vocab_id)
    if len(found) < 2:
        return []
    chosen = i18n.content_language()
    return [{"code": code, "name": i18n.autonym(code), "url": clang_url(code), "current": code == chosen}
            for code in found]


def lang_url(code: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return request.path + "?" + urlencode(args, doseq=True)


@lru_cache(maxsize=1)
def asset_version() -> str:
    digest = hashlib.blake2b(digest_size=6)
    for name in ("app.css", "app.js"):
        digest.update((shipped("templates") / "static" / name).read_bytes())
    return digest.hexdigest()


@blueprint.app_context_processor
def page_context() -> dict:
    return {"t": i18n.translate, "ui_lang": i18n.ui_language(), "with_lang": with_lang, "lang_url": lang_url,
            "current_user": signed_in(),
            "clang": i18n.content_language(), "clang_url": clang_url, "label_attrs": i18n.label_attributes,
            "page_path": page_path, "link_href": link_href, "base_uri": store().base_uri, "asset_version": asset_version(),
            "js_messages": {"usedFor": i18n.translate("used_for"), "more": i18n.translate("more"),
                            "copied": i18n.translate("copied"), "colon": i18n.translate("colon"), "none": i18n.translate("no_results", q="…"),
                            "count": "{n} suggestion(s)"}}


@blueprint.after_app_request
def page_headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        # A view that sets a policy of its own keeps it (the reconciliation card, framed by other sites).
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Vary"] = "Accept, Accept-Language, Cookie"
        wanted = request.args.get("lang", "")[:2].lower()
        if wanted in i18n.LANGUAGES and request.cookies.get(i18n.COOKIE) != wanted:
            response.set_cookie(i18n.COOKIE, wanted, max_age=365 * 86400, samesite="Lax", httponly=True)
        if session.get("user") and response.headers.get("Cache-Control") != "no-store":
            response.headers["Cache-Control"] = "private, no-cache"  # a signed-in page is this user's
    return response


def _variant(name: str) -> str:
    environ = request.environ
    return (f"page\x1f{name}\x1f{i18n.ui_language()}\x1f{session.get('user', '')}\x1f"
            f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}")


def conditional(name: str):
    """A 304 before any work when the browser's copy of this page (in this language) is current."""
    def decorate(view):
        @functools.wraps(view)
        def answer(*args, **kwargs):
            cached = not_modified(_variant(name))
            return cached if cached is not None else view(*args, **kwargs)
        return answer
    return decorate


def render(template: str, variant: str, status: int = 200, **context) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    response.charset = "utf-8"
    return cacheable(response, variant) if status == 200 and variant else response  # no variant: never cached


def _page_number(name: str = "page") -> int:
    raw = request.args.get(name, "1")
    try:
        number = int(raw)
    except ValueError:
        abort(400, f"parameter {name!r} must be a page number, not {raw[:40]!r}")
    if number < 1:
        abort(400, f"parameter {name!r} must be 1 or more")
    return number


def _pager(total: int, per_page: int, name: str = "page", anchor: str = "") -> dict:
    pages = max(1, math.ceil(total / per_page))
    page = min(_page_number(name), pages)

    def link(number: int) -> str:
        args = request.args.to_dict(flat=False)
        args[name] = [str(number)]
        return request.path + "?" + urlencode(args, doseq=True) + anchor

    return {"page": page, "pages": pages, "offset": (page - 1) * per_page,
            "previous": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < pages else None}


def _vocabulary_view(info) -> dict:
    lang = i18n.label_language()
    return {"id": info.id, "title": info.title(lang), "description": info.descriptions.get(lang)
            or info.descriptions.get("fr", ""), "fields": info.fields, "concepts": info.concepts,
            "altLabels": info.counts.get("altLabels", 0), "modified": info.modified, "license": info.license,
            "license_name": licence_name(info.license),
            "policy": info.policy,
            "schemes": info.schemes, "version": _scheme_date(info)}


def _scheme_date(info) -> str:
    """The date of the vocabulary's content (dct:modified of its scheme: "2014-05" for the lexicons)."""
    graph = ox.NamedNode(info.graph)
    for scheme in info.schemes:
        for quad in store().quads(ox.NamedNode(scheme), ox.NamedNode(DCT_MODIFIED), None, graph):
            return quad.object.value
    return ""


# -- pages -----------------------------------------------------------------------------------------
@blueprint.get("/")
@conditional("home")
def home():
    variant = _variant("home")
    vocabularies = [_vocabulary_view(info) for info in visible().values()]
    return render("home.html", variant, vocabularies=vocabularies)


@conditional("vocabulary")
def vocabulary_page(vocab_id: str) -> Response:
    info = store().vocabularies().get(vocab_id)
    if info is None:
        raise NotFound(f"no vocabulary {vocab_id!r}")
    variant = _variant("vocabulary")
    index, lang = labels(), i18n.label_language()
    tops = index.top_concepts(vocab_id)
    top_pager = _pager(len(tops), TOP_PAGE, "top", "#tree-title")
    shown = tops[top_pager["offset"]:top_pager["offset"] + TOP_PAGE]
    top_items = [dict(zip(("prefLabel", "lang"), index.label_of(c, lang)), uri=index.uris[c],
                      hasChildren=bool(index.narrower(c))) for c in shown]
    letter = request.args.get("letter")
    alphabetical = {"letter": None}
    if letter:
        try:
            found, total = index.index_entries(vocab_id, letter, i18n.content_language(), 10**9, 0)
        except QueryError as exc:
            abort(400, str(exc))
        index_pager = _pager(total, INDEX_PAGE, "page", "#index")
        page_labels = found[index_pager["offset"]:index_pager["offset"] + INDEX_PAGE]
        entries = [index.record(int(index.label_concept[label]), lang, label, with_path=False)
                   for label in page_labels]
        alphabetical = {"letter": letter, "total": total, "entries": entries, "pager": index_pager}
    user = signed_in()
    return render("vocabulary.html", variant, editable=user is not None and user.may_write(vocab_id), v=_vocabulary_view(info), letters=index.letters(vocab_id),
                  languages=data_languages(vocab_id), tops={"rows": top_items, "total": len(tops), "pager": top_pager}, index=alphabetical)


@blueprint.get("/quality/<vocab_id>")
@conditional("quality")
def quality_page(vocab_id: str) -> Response:
    info = store().vocabularies().get(vocab_id)
    if info is None:
        raise NotFound(f"no vocabulary {vocab_id!r}")
    report = quality_report(store(), vocab_id)
    index, lang = labels(), i18n.label_language()
    shown = {uri for group in report["checks"] for finding in group["findings"] for uri in finding["resources"]}
    names = {}
    for uri in shown:
        found = index.concepts_of(uri)
        if found:
            names[uri] = index.label_of(found[0], lang)[0]
    return render("quality.html", _variant("quality"), v=_vocabulary_view(info), report=report, labels=names)


@conditional("concept")
def concept_page(iri: str, alternates: list) -> Response | None:
    """The page of a concept, or None when `iri` is not a concept of a live vocabulary."""
    variant = _variant("concept")
    index, lang = labels(), i18n.label_language()
    page_number = _page_number()
    details = concept_details(store(), index, iri, lang, narrower_offset=(page_number - 1) * NARROWER_PAGE,
                              narrower_limit=NARROWER_PAGE, hidden=hidden())
    if details is None:
        return None
    info = store().vocabularies()[details["vocab"]]
    narrower_pager = _pager(details["narrowerTotal"], NARROWER_PAGE)
    if narrower_pager["page"] != page_number:  # past the last page: show the last one
        details = concept_details(store(), index, iri, lang, narrower_offset=narrower_pager["offset"],
                                  narrower_limit=NARROWER_PAGE, hidden=hidden())
    narrower = {"total": details["narrowerTotal"], "pager": narrower_pager, "rows": details["narrower"]}
    # The tree beside the page: the first path from the top down to this concept, which can be expanded.
    chain = []
    for step in (details["paths"][0] if details["paths"] else []):
        concept_ids = index.concepts_of(step["uri"])
        chain.append({"uri": step["uri"], "prefLabel": step["prefLabel"], "lang": step.get("lang"),
                      "hasChildren": bool(concept_ids and index.narrower(concept_ids[0]))})
    chain.append({"uri": iri, "prefLabel": details["label"], "lang": details["labelLang"],
                  "hasChildren": bool(details["narrowerTotal"])})
    user = signed_in()
    editable = user is not None and user.may_write(details["vocab"])
    findings = ([f.as_dict() for f in findings_of(store(), store().graph_iri(details["vocab"]), iri)]
                if editable else [])
    return render("concept.html", variant, c=details, v=_vocabulary_view(info), narrower=narrower, chain=chain,
                  alternates=alternates, languages=data_languages(details["vocab"]), editable=editable,
                  findings=findings)


def scheme_vocabulary(iri: str) -> str | None:
    """The vocabulary whose concept scheme `iri` is."""
    for vocab_id, info in store().vocabularies().items():
        if iri in info.schemes:
            return vocab_id
    return None


@blueprint.get("/search")
@conditional("search")
def search():
    variant = _variant("search")
    q = request.args.get("q", "")
    vocab = request.args.get("vocab") or None
    lang, only = i18n.label_language(), i18n.content_language()
    vocabularies = [_vocabulary_view(info) for info in visible().values()]
    context = {"q": q, "vocab": vocab, "vocabularies": vocabularies, "results": [], "total": 0, "error": None}
    status = 200
    if len(q) > 500:
        context["error"], status = "La recherche est limitée à 500 caractères.", 400
    elif vocab and vocab not in store().vocabularies():
        context["error"], status = f"Vocabulaire inconnu : {vocab}", 400
    elif q.strip():
        index = labels()
        page = _page_number()
        hits, total = index.search(q, vocabularies=searchable([vocab] if vocab else None), lang=only, limit=SEARCH_PAGE,
                                   offset=(page - 1) * SEARCH_PAGE, count=True)
        pager_info = _pager(total, SEARCH_PAGE)
        if pager_info["offset"] != (page - 1) * SEARCH_PAGE:  # a page past the end: show the last one
            hits, _ = index.search(q, vocabularies=searchable([vocab] if vocab else None), lang=only, limit=SEARCH_PAGE,
                                   offset=pager_info["offset"])
        context.update(results=[index.record(h.concept, lang, h.label) for h in hits], total=total,
                       pager_info=pager_info, first=pager_info["offset"] + 1)
    return render("search.html", variant, status=status, **context)


@blueprint.get("/about")
@conditional("about")
def about():
    variant = _variant("about")
    return render("about.html", variant)


@blueprint.get("/static/<path:name>")
def static(name: str):
    response = send_from_directory(shipped("templates") / "static", name, max_age=365 * 86400)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"  # URLs carry the content hash
    return response



def error_page(exc) -> Response:
    return render("error.html", "", status=exc.code or 500, error=exc)
