"""Choosing a representation: explicit suffix or ?format= first, then the Accept header."""

from __future__ import annotations

from functools import lru_cache

from flask import request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable
from werkzeug.http import parse_accept_header


class Offer:
    def __init__(self, name: str, media_type: str, aliases: tuple[str, ...] = ()):
        self.name, self.media_type, self.aliases = name, media_type, aliases

    def matches(self, token: str) -> bool:
        token = token.lower()
        return token in (self.name, self.media_type, *self.aliases)


def negotiate(offers: list[Offer], explicit: str | None = None, lenient: bool = False) -> Offer:
    """The offer asked for; 406 listing what is available when none fits.

    `lenient`: an unknown ?format= falls back to the Accept header (SPARQL
    clients such as SPARQLWrapper send format names of their own).
    """
    available = ", ".join(o.media_type for o in offers)
    token = explicit or request.values.get("format") or request.values.get("output")
    if token:
        for offer in offers:
            if offer.matches(token):
                return offer
        if not lenient:
            raise NotAcceptable(f"format {token[:80]!r} is not available here; available: {available} "
                                f"(names: {', '.join(o.name for o in offers)})")
    header = request.headers.get("Accept", "")
    chosen = _from_accept(tuple(offers), header)
    if chosen is None:
        shown = header if len(header) <= 200 else header[:200] + "…"  # never echo a huge header back
        raise NotAcceptable(f"none of the requested media types ({shown}) is available; available: {available}")
    return chosen


@lru_cache(maxsize=512)
def _from_accept(offers: tuple[Offer, ...], header: str) -> Offer | None:
    # Clients send the same few Accept headers again and again: parse each once.
    accept = parse_accept_header(header, MIMEAccept)
    if not accept or accept.best == "*/*" and len(accept) == 1:
        return offers[0]
    best = accept.best_match([o.media_type for o in offers] + [a for o in offers for a in o.aliases if "/" in a])
    if best is None:
        return None
    return next(o for o in offers if best == o.media_type or best in o.aliases)
