"""Human pages (the browsing interface grows here): the home page."""

from __future__ import annotations

from flask import Blueprint

from .caching import cacheable, not_modified
from .context import store
from .representations import html_page

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
def home():
    cached = not_modified("home")
    if cached is not None:
        return cached
    return cacheable(html_page("home.html", vocabularies=store().vocabularies()), "home")
