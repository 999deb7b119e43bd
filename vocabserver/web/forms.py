"""The concept form of the editing pages, both ways: a concept's JSON (reading/concepts.py) to the form's
fields, and the submitted form to the body the editing operations take (changes/editing.py), so the pages
and the JSON API run the same operations with the same checks.

Lists are one value a line. A concept is named on a line by its URI, by "label <URI>" (what the form
shows), or by its preferred label alone when the vocabulary has exactly one concept of that label.
"""

from __future__ import annotations

import re

from vocabserver.changes.editing import MAPPING_KINDS, NOTE_KINDS, BadConcept
from vocabserver.rdf.iri import is_iri

LANGUAGES = ("fr", "en")  # the form's languages, beyond those the concept already uses
OPEN_NOTES = ("definition", "scopeNote")  # the other notes sit in a fold
_BRACKETED = re.compile(r"<([^<>\s]+)>\s*$")


def _languages(details: dict | None) -> list[str]:
    found = set(LANGUAGES)
    if details:
        for key in ("prefLabel", "altLabel", "hiddenLabel"):
            found |= set(details.get(key, {}))
        for by_language in details.get("notes", {}).values():
            found |= set(by_language)
    found.discard("")
    return sorted(found, key=lambda code: (code not in LANGUAGES, LANGUAGES.index(code) if code in LANGUAGES else 0, code))


def _named(items: list[dict]) -> str:
    return "\n".join(f"{i['prefLabel']} <{i['uri']}>" if i.get("prefLabel") and i["prefLabel"] != i["uri"]
                     else i["uri"] for i in items)


def values(details: dict | None) -> dict[str, str]:
    """The form's field values for a concept (empty for a new one)."""
    out: dict[str, str] = {}
    if not details:
        return out
    for lang, text in details.get("prefLabel", {}).items():
        out[f"prefLabel-{lang}"] = text
    for kind in ("altLabel", "hiddenLabel"):
        for lang, texts in details.get(kind, {}).items():
            out[f"{kind}-{lang}"] = "\n".join(texts)
    for kind, by_language in details.get("notes", {}).items():
        for lang, texts in by_language.items():
            out[f"notes-{kind}-{lang}"] = "\n".join(texts)
    out["notation"] = "\n".join(details.get("notation", []))
    out["broader"] = _named(details.get("broader", []))
    out["related"] = _named(details.get("related", []))
    for kind, targets in details.get("mappings", {}).items():
        out[f"mappings-{kind}"] = _named(targets)
    return out


def layout(details: dict | None) -> list[dict]:
    """The form's fields in order: name, what it is (a message key and a language), single line or lines."""
    languages = _languages(details)
    rows = [{"name": f"prefLabel-{l}", "key": "pref_label", "lang": l, "lines": False} for l in languages]
    rows += [{"name": f"altLabel-{l}", "key": "used_for", "lang": l, "lines": True} for l in languages]
    rows += [{"name": "broader", "key": "broader", "lang": "", "lines": True},
             {"name": "related", "key": "related", "lang": "", "lines": True}]
    rows += [{"name": f"notes-{k}-{l}", "key": k, "lang": l, "lines": True} for k in OPEN_NOTES for l in languages]
    more = [{"name": f"hiddenLabel-{l}", "key": "hidden_label", "lang": l, "lines": True} for l in languages]
    more += [{"name": "notation", "key": "notation", "lang": "", "lines": True}]
    more += [{"name": f"notes-{k}-{l}", "key": k, "lang": l, "lines": True}
             for k in NOTE_KINDS if k not in OPEN_NOTES for l in languages]
    more += [{"name": f"mappings-{k}", "key": k, "lang": "", "lines": True} for k in MAPPING_KINDS]
    for row in more:
        row["more"] = True
    return rows + more


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def resolve(line: str, where: str, index, vocabularies: list[str] | None) -> str:
    """The URI a line names: a URI, "label <URI>", or a label of one concept only in `vocabularies`
    (preferred labels first)."""
    bracketed = _BRACKETED.search(line)
    if bracketed:
        return bracketed.group(1)
    if is_iri(line) and re.match(r"^[a-z][a-z0-9+.-]*:", line, re.I):
        return line
    hits = index.lookup(line, vocabularies=vocabularies)
    preferred = [h for h in hits if index.record(h.concept, "fr", h.label, with_path=False)["matchedKind"] == "prefLabel"]
    uris = sorted({index.uris[h.concept] for h in (preferred or hits)})
    if not uris:
        raise BadConcept(f"{where}: no concept with the label {line!r}"
                         + (f" in {', '.join(vocabularies)}" if vocabularies else "") + " (write its URI)")
    if len(uris) > 1:
        raise BadConcept(f"{where}: {line!r} is the label of {len(uris)} concepts ({', '.join(uris[:5])}): "
                         "write the URI of the one you mean")
    return uris[0]


def body(form, index, vocab_id: str, details: dict | None) -> dict:
    """The editing body of a submitted form; every field of the layout is given (a full replace)."""
    out: dict = {"prefLabel": {}, "altLabel": {}, "hiddenLabel": {}, "notes": {}, "mappings": {}}
    for row in layout(details):
        name, lang = row["name"], row["lang"]
        text = form.get(name, "")
        if name.startswith("prefLabel-"):
            if text.strip():
                out["prefLabel"][lang] = text.strip()
        elif name.startswith(("altLabel-", "hiddenLabel-")):
            if _lines(text):
                out[name.split("-", 1)[0]][lang] = _lines(text)
        elif name.startswith("notes-"):
            kind = name.split("-")[1]
            if _lines(text):
                out["notes"].setdefault(kind, {})[lang] = _lines(text)
        elif name == "notation":
            out["notation"] = _lines(text)
        elif name in ("broader", "related"):
            out[name] = [resolve(line, name, index, [vocab_id]) for line in _lines(text)]
        elif name.startswith("mappings-"):
            kind = name.split("-", 1)[1]
            targets = [resolve(line, f"mappings.{kind}", index, None) for line in _lines(text)]
            if targets:
                out["mappings"][kind] = targets
    comment = form.get("comment", "").strip()
    if comment:
        out["comment"] = comment[:2000]
    return out

