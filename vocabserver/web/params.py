"""Reading query parameters: every bad value is a 400 that says which parameter and why."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from flask import request
from werkzeug.exceptions import BadRequest

from vocabserver.rdf.iri import iri_problem
from vocabserver.web.context import labels, store

MAX_TEXT = 500  # characters: longer than any label of the vocabularies (the longest has 255)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def text(name: str, required: bool = False, default: str | None = None, aliases: tuple[str, ...] = ()) -> str | None:
    value = request.args.get(name)
    for alias in aliases:
        if value is None:
            value = request.args.get(alias)
    if value is None:
        if required:
            raise BadRequest(f"parameter {name!r} is required")
        return default
    if "\ufffd" in value or ("%" in value and not _query_is_utf8()):
        # Werkzeug keeps percent-escapes that do not decode as UTF-8 as they are ("%FF"): refuse rather than
        # search for that text.
        raise BadRequest(f"parameter {name!r} is not valid UTF-8 (percent-encode the UTF-8 bytes of the text)")
    if len(value) > MAX_TEXT:
        raise BadRequest(f"parameter {name!r} is {len(value)} characters long; at most {MAX_TEXT} are accepted")
    return value


def _query_is_utf8() -> bool:
    try:
        unquote_to_bytes(request.query_string.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def integer(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"parameter {name!r} must be an integer, not {raw[:40]!r}") from None
    if not minimum <= value <= maximum:
        raise BadRequest(f"parameter {name!r} must be between {minimum} and {maximum}, not {value}")
    return value


def boolean(name: str, default: bool = False) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise BadRequest(f"parameter {name!r} must be true or false, not {raw[:40]!r}")


def language(name: str = "lang", default: str | None = None) -> str | None:
    value = text(name)
    if value is None or value == "":
        return default
    if not _LANGUAGE.match(value):
        raise BadRequest(f"parameter {name!r} must be a language tag such as fr or fr-FR, not {value[:40]!r}")
    return value


def uri(name: str = "uri", required: bool = True) -> str | None:
    """An absolute IRI (as the store parses them): a 400 naming the parameter and the problem otherwise."""
    value = text(name, required=required)
    if value is None:
        return None
    value = value.strip()
    problem = iri_problem(value) if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$", value) else "not an absolute IRI"
    if problem:
        raise BadRequest(f"parameter {name!r} must be an absolute IRI, not {value[:80]!r} ({problem})")
    return value


def field_vocabularies() -> dict[str, list[str]]:
    """Joconde field code (upper case) -> the vocabularies that control it."""
    mapping: dict[str, list[str]] = {}
    for vocab_id, info in store().vocabularies().items():
        for code in info.fields:
            mapping.setdefault(code.upper(), []).append(vocab_id)
    return mapping


def _split(values: list[str]) -> list[str]:
    return [part for value in values for part in re.split(r"[\s,]+", value) if part]


def vocabulary_filter(fixed: list[str] | None = None) -> list[str] | None:
    """Vocabularies to search: `vocab` (ids) and `field` (Joconde codes), repeated or comma-separated."""
    if fixed is not None:
        from vocabserver.web.privacy import searchable

        return searchable(fixed)
    known = store().vocabularies()
    chosen: list[str] = []
    for vocab_id in _split(request.args.getlist("vocab")):
        if vocab_id not in known:
            raise BadRequest(f"unknown vocabulary {vocab_id!r} in parameter 'vocab'; known: {', '.join(known)}")
        chosen.append(vocab_id)
    codes = _split(request.args.getlist("field"))
    if codes:
        fields = field_vocabularies()
        for code in codes:
            if code.upper() not in fields:
                raise BadRequest(f"unknown Joconde field {code!r} in parameter 'field'; known: {', '.join(sorted(fields))}")
            chosen.extend(fields[code.upper()])
    from vocabserver.web.privacy import searchable

    return searchable(list(dict.fromkeys(chosen)) or None)


def concept_or_404(uri_value: str, vocab_id: str | None = None) -> int:
    from werkzeug.exceptions import NotFound

    index = labels()
    found = [c for c in index.concepts_of(uri_value) if vocab_id is None or index.vocab_of(c) == vocab_id]
    if not found:
        where = f" in vocabulary {vocab_id!r}" if vocab_id else ""
        raise NotFound(f"no concept {uri_value}{where}")
    return found[0]


def index_entries(vocab_id: str, letter: str, lang: str | None, limit: int, offset: int) -> tuple[list[int], int]:
    """A page of the alphabetical index (label ids) and its total; a bad letter is a 400."""
    from vocabserver.index.label_index import QueryError

    try:
        return labels().index_entries(vocab_id, letter, lang, limit, offset)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
