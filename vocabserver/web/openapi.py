"""The OpenAPI 3.1 description of /api/v1 (served at /api/openapi.json, rendered at /api/)."""

from __future__ import annotations

from functools import lru_cache

from vocabserver.records.verdicts import VERDICTS


def _param(name: str, description: str, schema: dict | None = None, required: bool = False,
           where: str = "query", example=None) -> dict:
    out = {"name": name, "in": where, "required": required or where == "path", "description": description,
           "schema": schema or {"type": "string"}}
    if example is not None:
        out["example"] = example
    return out


Q = _param("q", "What the user typed. Case, accents (é→e), ligatures (œ→oe), apostrophes, hyphens and "
                "punctuation are ignored; every word must start a word of the label, in any order.",
           {"type": "string", "maxLength": 500}, example="epee")
VOCAB = _param("vocab", "Vocabulary ids to search (repeat or separate with commas); all when absent.",
               {"type": "string"}, example="deno")
FIELD = _param("field", "Joconde field codes (DENO, PEOC…): the vocabularies that control them.",
               {"type": "string"}, example="DENO")
LANG = _param("lang", "Language of the labels to match and show (fr, fr-FR and FR are one language); "
                      "labels are shown in French when the concept has none in that language.",
              {"type": "string"}, example="fr")
LABEL_LANG = _param("labellang", "Language in which to show the results' prefLabels and paths (French, then any, "
                    "when a concept has none in it); unlike lang, it does not filter. Default: lang, else fr.",
                    {"type": "string"}, example="en")
UNDER = _param("under", "Only concepts under this one (its narrower concepts, transitively).",
               {"type": "string", "format": "iri"})
DEPRECATED = _param("deprecated", "Include deprecated concepts.", {"type": "boolean", "default": False})
OFFSET = _param("offset", "Results to skip.", {"type": "integer", "minimum": 0, "default": 0})
URI = _param("uri", "The concept's URI.", {"type": "string", "format": "iri"}, required=True)
VOCAB_PATH = _param("vocab_id", "Vocabulary id (deno, autr, …).", where="path", example="deno")
FIELD_PATH = _param("code", "Joconde field code.", where="path", example="DENO")
LABEL = _param("label", "The value to look up, compared whole (case, accents and punctuation aside).",
               {"type": "string", "maxLength": 500}, required=True, example="Epee")


def _limit(default: int, maximum: int) -> dict:
    return _param("limit", "Results to return.", {"type": "integer", "minimum": 1, "maximum": maximum,
                                                  "default": default})


def _get(summary: str, description: str, parameters: list, schema: str, tag: str) -> dict:
    return {"get": {
        "summary": summary, "description": description, "tags": [tag], "parameters": parameters,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}},
            "304": {"description": "Not modified (If-None-Match / If-Modified-Since)"},
            "400": {"description": "A parameter is missing or invalid; the message says which.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "404": {"description": "No such vocabulary, field or concept.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        }}}


_STRING = {"type": "string"}
_LINK = {"type": "object", "properties": {"uri": _STRING, "prefLabel": _STRING}}
HIT = {"type": "object", "required": ["uri", "id", "vocab", "prefLabel", "lang"], "properties": {
    "uri": _STRING, "id": {"type": "string", "description": "Last segment of the URI."},
    "vocab": _STRING, "prefLabel": _STRING, "lang": _STRING,
    "matchedLabel": {"type": "string", "description": "The label that matched (an altLabel is an \"employé pour\" form)."},
    "matchedKind": {"type": "string", "enum": ["prefLabel", "altLabel", "hiddenLabel", "notation"]},
    "matchedLang": _STRING, "notation": _STRING,
    "guideTerm": {"type": "boolean", "description": "A section heading of the official list: not for indexing."},
    "deprecated": {"type": "boolean"}, "exact": {"type": "boolean"},
    "hasChildren": {"type": "boolean"},
    "path": {"type": "array", "items": _LINK, "description": "Broader concepts from the top down (first broader at each level)."},
}}


CHANGE = {"type": "object", "required": ["id", "time", "actor", "kind"], "properties": {
    "id": {"type": "integer"}, "uri": _STRING, "time": _STRING, "actor": _STRING, "comment": _STRING,
    "kind": {"enum": ["edit", "sparql-update", "graph-store", "revert", "load"]}, "vocabulary": _STRING,
    "graph": _STRING, "reverts": {"type": "integer"}, "subjects": {"type": "array", "items": _STRING},
    "added": {"description": "Triples added: a count, or N-Triples lines (with triples=true; one change)."},
    "removed": {"description": "Triples removed: a count, or N-Triples lines."}}}


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _write(summary: str, description: str, parameters: list, body: str | None) -> dict:
    operation = {"summary": summary, "description": description, "tags": ["changes"], "parameters": parameters,
                 "security": [{"token": []}], "responses": {
                     "201": {"description": "Committed: the change recorded.",
                             "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Change"}}}},
                     "200": {"description": "Nothing to change (the store already holds that state)."},
                     "400": _error_response("Not a valid changeset; the message says what is wrong."),
                     "401": _error_response("No valid token (WWW-Authenticate: Bearer)."),
                     "403": _error_response("The token's role may not change this vocabulary."),
                     "404": _error_response("No such change."),
                     "409": _error_response("A later change touched the same triples (revert it first)."),
                     "412": _error_response("Changed since the version sent (If-Match or versions): nothing written."),
                     "422": _error_response("Refused by the vocabulary's policy: each rule and the resources named.")}}
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
    return {"post": operation}


def _change_paths() -> dict:
    number = _param("number", "The change's number.", {"type": "integer", "minimum": 1}, where="path", example=1)
    return {
        "/api/v1/changes": {
            **_get("Change log", "Changes, newest first, paged; of one vocabulary and/or about one concept.",
                   [_param("vocab", "A vocabulary id.", example="deno"),
                    _param("concept", "Changes about this resource.", {"type": "string", "format": "iri"}),
                    _param("triples", "Include each change's triples.", {"type": "boolean", "default": False}),
                    _limit(50, 500), OFFSET], "Changes", "changes"),
            **_write("Write a changeset", "Triples removed and added in one vocabulary, validated with its policy "
                     "on the would-be state, committed in one transaction with its history record. If-Match: the "
                     "vocabulary's version.", [], "ChangeSet")},
        "/api/v1/changes/{number}": _get("One change", "With its triples (N-Triples lines).", [number], "Change",
                                         "changes"),
        "/api/v1/changes/{number}/revert": _write(
            "Revert a change", "Its inverse applied as a new change; 409 when a later change touched the same "
            "triples.", [number], None),
    }


def _validation_paths() -> dict:
    fields = _param("fields", "Only these fields (comma-separated codes).", example="DENO,TECH")
    verdict = {"enum": list(VERDICTS)}
    suggestions = {"type": "array", "items": {"type": "object", "required": ["label", "uri"], "properties": {
        "label": _STRING, "uri": _STRING, "part": _STRING, "why": _STRING, "score": {"type": "number"}}}}
    part = {"type": "object", "properties": {
        "text": _STRING, "field": _STRING, "kind": {"enum": ["term", "qualifier", "step", "role", "place"]},
        "level": {"type": "integer"}, "verdict": verdict, "preferred": _STRING, "uri": _STRING,
        "suggestions": suggestions}}
    result = {"type": "object", "properties": {
        "ref": _STRING, "field": _STRING, "value": _STRING, "verdict": verdict,
        "preferred": _STRING, "uri": _STRING, "suggestions": suggestions,
        "part": {"type": "string", "description": "The part of a compound value that decided its verdict."},
        "parts": {"type": "array", "items": part, "description": "A compound value's parts, as Joconde's syntax "
                                                                 "reads them, each with its own verdict."},
        "at": {"type": "integer", "description": "Malformed: where the syntax breaks (0-based offset)."},
        "why": _STRING, "reason": _STRING}}
    document = {"description": "Every value checked (`results`), `records`, `values`, `counts`, `byField`, the "
                               "distinct `problems` most frequent first, the input's `source` (format, encoding).",
                "content": {"application/json": {"schema": {"type": "object", "required": ["records", "values", "results"],
                                                            "properties": {"records": {"type": "integer"},
                                                                           "values": {"type": "integer"},
                                                                           "results": {"type": "array", "items": result}}}}}}
    body = {"required": True, "content": {
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}},
                             "example": [{"REF": "000PE001", "DENO": "statuette", "TECH": "bronze (fondu, doré)"}]},
        "text/csv": {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}}
    return {
        "/api/v1/validate": {"post": {
            "summary": "Validate records", "tags": ["records"], "parameters": [fields],
            "description": "Records as a JSON list of objects keyed by field code, or a file as the body (field-code "
                           "text, CSV with the open-data extract's column names or field codes, JSON lines), within "
                           "the request limit; larger files go to /api/v1/validate/jobs.",
            "requestBody": body, "responses": {"200": document, "400": _error_response("Not records; the message "
                                                                                       "says what is wrong.")}}},
        "/api/v1/validate/jobs": {"post": {
            "summary": "Validate a large file, as a job", "tags": ["records"],
            "parameters": [fields, _param("name", "The file's name, for the report.")],
            "description": "The file (up to 50 MB) as the body; 202 with Location, the job to poll.",
            "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}},
                                                          "text/plain": {"schema": {"type": "string"}}}},
            "responses": {"202": {"description": "Started: the job (id, status, records so far)."},
                          "413": _error_response("Larger than 50 MB.")}}},
        "/api/v1/validate/jobs/{job}": {"get": {
            "summary": "A validation job", "tags": ["records"],
            "parameters": [_param("job", "The job's id.", where="path", example="x" * 32)],
            "description": "Its status (queued, running, done, failed), records and values so far; once done, its "
                           "counts and the links to results.json, problems.csv, report.html and the corrected copy "
                           "of the file (`corrected`, with `correctedValues` replaced; kept an hour).",
            "responses": {"200": {"description": "The job.", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"id": _STRING, "status": _STRING, "records": {"type": "integer"}}}}}},
                "404": _error_response("No such job (kept an hour).")}}},
    }


def _editing_paths() -> dict:
    vocab = _param("vocab_id", "The vocabulary's id.", where="path", example="deno")
    uri = _param("uri", "The concept's URI.", {"type": "string", "format": "iri"}, required=True)
    created = _write("Create a concept", "A new concept of the vocabulary, under its `broader` concepts (a top "
                     "concept without any), its URI minted under the server's base. Validated with the vocabulary's "
                     "policy; 201 with Location, ETag (the concept's version) and the concept's JSON. Optional "
                     "If-Match: the vocabulary's version.", [vocab], "ConceptDraft")["post"]
    created["tags"] = ["editing"]
    created["responses"]["201"] = {"description": "Created: the concept's JSON, with `change` (the change recorded).",
                                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Concept"}}}}
    for status in ("200", "404", "409"):
        created["responses"].pop(status)
    edited = _write("Edit a concept", "Replace the fields given (labels, notes, notation, broader — a move —, "
                    "related); the others stay. If-Match (required: 428 without) is the concept's ETag; 412 with "
                    "the current version when it changed since, and nothing written.", [vocab, uri],
                    "ConceptDraft")["post"]
    edited["tags"] = ["editing"]
    edited["responses"]["200"] = {"description": "Edited: the concept's JSON, with its new ETag.",
                                  "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Concept"}}}}
    edited["responses"]["428"] = _error_response("No If-Match: send the concept's ETag.")
    for status in ("201", "409"):
        edited["responses"].pop(status)
    number = _param("number", "The proposal's number.", {"type": "integer", "minimum": 1}, where="path", example=1)
    proposal = {"description": "The proposal, with its status and history.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Proposal"}}}}

    def decision(summary: str, description: str, body: str | None) -> dict:
        operation = _write(summary, description, [number], body)["post"]
        operation["tags"] = ["proposals"]
        operation["responses"]["200"] = proposal
        operation["responses"].pop("201")
        operation["responses"]["409"] = _error_response("Already accepted or rejected.")
        return operation

    propose = _write("Propose a term", "A term a vocabulary lacks, for its curators to review (contributors, "
                     "editors, admins).", [], "ProposalDraft")["post"]
    propose["tags"] = ["proposals"]
    propose["responses"]["201"] = proposal
    for status in ("200", "409", "412", "422"):
        propose["responses"].pop(status)
    def restructured(summary: str, description: str, body: dict, parameters: list) -> dict:
        operation = _write(summary, description, parameters, None)["post"]
        operation["tags"] = ["editing"]
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        operation["responses"]["200"] = edited["responses"]["200"]
        operation["responses"]["409"] = _error_response("Not allowed in the current state: `rule` and `resources`.")
        operation["responses"].pop("201")
        return operation

    iri = {"type": "string", "format": "iri"}
    merged = restructured("Merge a concept into another", "The concept `uri` is deprecated (`dct:isReplacedBy` "
                          "`into`), its labels become altLabels of `into`, its narrower concepts, related links, "
                          "mappings and collection memberships move to `into`; its URI keeps resolving. One change "
                          "(reverted like one). If-Match: the merged concept's ETag (required).",
                          {"type": "object", "required": ["into"], "properties": {"into": iri, "comment": _STRING}},
                          [vocab, uri])
    retired = restructured("Deprecate a concept", "`owl:deprecated` with its `replacement` (lookup of its labels "
                           "then answers the replacement); it leaves the hierarchy. 409 (`deprecate-with-narrower`) "
                           "while narrower concepts hang under it. If-Match required.",
                           {"type": "object", "properties": {"replacement": iri, "comment": _STRING}}, [vocab, uri])
    batch = restructured("Create a batch of terms from CSV", "A header line naming `prefLabel` and any of `altLabel` "
                         "(several separated by |), `definition`, `scopeNote`, `notation`, `broader` (a URI or the "
                         "prefLabel of a row above); `;` or `,` separated; each term under `parent` unless its row "
                         "names a broader. All the terms in one change, or none (400 naming the line).",
                         {"type": "string"}, [vocab, _param("parent", "The parent of the terms.", iri),
                                              _param("lang", "The language of the labels.", example="fr")])
    batch["requestBody"] = {"required": True, "content": {"text/csv": {"schema": {"type": "string"},
                            "example": "prefLabel;altLabel;definition\naiguière;broc|pichet;Vase à anse et bec.\n"}}}
    batch["responses"]["201"] = {"description": "Created: `created` (the new URIs) and `change`."}
    scheme = restructured("Edit the vocabulary's scheme", "Replace the fields given: `title` and `description` "
                          "({lang: text}), `creator`, `publisher`, `rights` (texts), `license` (an IRI). Optional "
                          "If-Match: the vocabulary's version.",
                          {"type": "object", "properties": {"title": {"type": "object"}, "description": {"type": "object"},
                                                            "creator": _STRING, "publisher": _STRING, "rights": _STRING,
                                                            "license": iri}}, [vocab])
    scheme["responses"]["200"] = {"description": "Edited: the vocabulary's titles and new version (ETag)."}
    return {
        "/api/v1/vocabularies/{vocab_id}/concepts": {"post": created, "patch": edited},
        "/api/v1/vocabularies/{vocab_id}/concepts/merge": {"post": merged},
        "/api/v1/vocabularies/{vocab_id}/concepts/deprecate": {"post": retired},
        "/api/v1/vocabularies/{vocab_id}/concepts/batch": {"post": batch},
        "/api/v1/vocabularies/{vocab_id}": {"patch": scheme},
        "/api/v1/proposals": {
            **_get("Proposals", "Newest first; of one vocabulary, status or proposer.",
                   [_param("vocab", "A vocabulary id.", example="deno"),
                    _param("status", "pending, accepted or rejected.", {"enum": ["pending", "accepted", "rejected"]}),
                    _param("proposer", "Who proposed (a token's or user's name)."), _limit(50, 500), OFFSET],
                   "Proposals", "proposals"),
            "post": propose},
        "/api/v1/proposals/{number}": _get("One proposal", "With its status and history.", [number], "Proposal",
                                           "proposals"),
        "/api/v1/proposals/{number}/accept": {"post": decision(
            "Accept a proposal", "As proposed (no body), edited (prefLabel, broader, note), or as an altLabel of "
            "an existing concept (asAltLabelOf), as its new prefLabel (asPrefLabelOf): a change of the log through the write path.", "ProposalDecision")},
        "/api/v1/proposals/{number}/reject": {"post": decision(
            "Reject a proposal", "With the reason the proposer reads.", "ProposalRejection")},
    }


@lru_cache(maxsize=4)
def openapi_document(base_uri: str) -> dict:
    search_params = [Q, VOCAB, FIELD, LANG, LABEL_LANG, UNDER, DEPRECATED]
    paths = {
        "/api/v1/vocabularies": _get("Vocabularies", "Every vocabulary with its statistics, fields and dumps.",
                                     [], "Vocabularies", "vocabularies"),
        "/api/v1/vocabularies/{vocab_id}": _get("One vocabulary", "Its metadata and statistics.", [VOCAB_PATH],
                                                "Vocabulary", "vocabularies"),
        "/api/v1/vocabularies/{vocab_id}/quality": _get(
            "Quality report", "The vocabulary's findings grouped by check, errors first: what to fix after an "
            "import (the checks of a load; severities error, warning, info; at most 500 findings listed a check).",
            [VOCAB_PATH], "Quality", "vocabularies"),
        "/api/v1/fields": _get("Joconde fields", "Field code → the vocabularies that control it.", [], "Fields",
                               "vocabularies"),
        "/api/v1/autocomplete": _get(
            "Autocompletion", "Concepts whose labels start with what was typed (or have words that do), best first: "
            "exact match, then preferred label prefix, alternative label prefix, word prefix; then shorter, then "
            "alphabetical. One result per concept; an empty q gives no results.",
            [*search_params, _limit(10, 100)], "Autocomplete", "lookup"),
        "/api/v1/vocabularies/{vocab_id}/autocomplete": _get(
            "Autocompletion in one vocabulary", "As /api/v1/autocomplete.", [VOCAB_PATH, Q, LANG, UNDER, DEPRECATED,
                                                                              _limit(10, 100)], "Autocomplete", "lookup"),
        "/api/v1/fields/{code}/autocomplete": _get(
            "Autocompletion for a Joconde field", "As /api/v1/autocomplete, in the vocabularies of that field.",
            [FIELD_PATH, Q, LANG, UNDER, DEPRECATED, _limit(10, 100)], "Autocomplete", "lookup"),
        "/api/v1/search": _get("Search", "As autocompletion, paged, with the number of matching concepts.",
                               [*search_params, _limit(20, 1000), OFFSET], "Search", "lookup"),
        "/api/v1/lookup": _get(
            "Exact lookup (validation)", "Concepts having this label (preferred or alternative), preferred labels "
            "first. `usable` is false when only guide terms or deprecated concepts match; `preferred` is the form to "
            "write in the record.", [LABEL, VOCAB, FIELD, LANG, DEPRECATED], "Lookup", "lookup"),
        "/api/v1/vocabularies/{vocab_id}/lookup": _get("Exact lookup in one vocabulary", "As /api/v1/lookup.",
                                                       [VOCAB_PATH, LABEL, LANG], "Lookup", "lookup"),
        "/api/v1/fields/{code}/lookup": _get("Exact lookup for a Joconde field", "As /api/v1/lookup.",
                                             [FIELD_PATH, LABEL, LANG], "Lookup", "lookup"),
        "/api/v1/concept": _get("Concept", "Labels by language, notation, notes, broader/narrower/related with "
                                           "labels, mappings, collections, dates, deprecation, paths to the top.",
                                [URI, LANG, VOCAB,
                                 _param("narrower_limit", "Narrower concepts to include (alphabetical); "
                                        "narrowerTotal says how many there are.",
                                        {"type": "integer", "minimum": 0, "maximum": 100000, "default": 1000}),
                                 _param("narrower_offset", "Narrower concepts to skip.",
                                        {"type": "integer", "minimum": 0, "default": 0})], "Concept", "concepts"),
        "/api/v1/vocabularies/{vocab_id}/top": _get("Top concepts", "Alphabetical, paged.",
                                                    [VOCAB_PATH, LANG, _limit(1000, 100000), OFFSET], "Page", "concepts"),
        "/api/v1/children": _get("Narrower concepts", "Alphabetical, paged (some concepts have thousands).",
                                 [URI, LANG, _limit(1000, 100000), OFFSET], "Page", "concepts"),
        "/api/v1/hierarchy": _get("Paths to the top", "Every path from a top concept down to this one "
                                                      "(several in a polyhierarchy).", [URI, LANG], "Hierarchy", "concepts"),
        "/api/v1/vocabularies/{vocab_id}/index": _get("Alphabetical index: letters",
                                                      "Letters with at least one label.", [VOCAB_PATH], "Letters", "index"),
        "/api/v1/vocabularies/{vocab_id}/index/{letter}": _get(
            "Alphabetical index: entries", "Preferred and alternative labels starting with the letter, "
            "alphabetical, paged; an alternative label points to its preferred concept.",
            [VOCAB_PATH, _param("letter", "A letter, 0-9 or #.", where="path", example="B"), LANG,
             _limit(100, 1000), OFFSET], "IndexPage", "index"),
    }
    paths.update(_change_paths())
    paths.update(_validation_paths())
    for path, operations in _editing_paths().items():  # PATCH of a vocabulary beside its GET
        paths.setdefault(path, {}).update(operations)
    page = {"type": "object", "properties": {"total": {"type": "integer"}, "offset": {"type": "integer"},
                                             "limit": {"type": "integer"}, "results": {"type": "array", "items": HIT}}}
    schemas = {
        "Error": {"type": "object", "required": ["error", "status", "message"], "properties": {
            "error": _STRING, "status": {"type": "integer"}, "message": _STRING}},
        "Hit": HIT,
        "Vocabulary": {"type": "object", "properties": {
            "id": _STRING, "title": _STRING, "titles": {"type": "object"}, "uri": _STRING, "fields": {"type": "array", "items": _STRING}, "languages": {"type": "array", "items": _STRING},
            "concepts": {"type": "integer"}, "triples": {"type": "integer"}, "modified": _STRING, "links": {"type": "object"}}},
        "Vocabularies": {"type": "object", "properties": {"vocabularies": {"type": "array", "items": {"$ref": "#/components/schemas/Vocabulary"}}}},
        "Fields": {"type": "object", "properties": {"fields": {"type": "object", "additionalProperties": {"type": "array", "items": _STRING}}}},
        "Autocomplete": {"type": "object", "properties": {"q": _STRING, "results": {"type": "array", "items": HIT}}},
        "Search": {"type": "object", "properties": {"q": _STRING, **page["properties"]}},
        "Page": page,
        "Lookup": {"type": "object", "properties": {"label": _STRING, "found": {"type": "boolean"}, "usable": {"type": "boolean"},
                                                    "preferred": {"type": ["string", "null"]}, "matches": {"type": "array", "items": HIT}}},
        "Concept": {"type": "object", "properties": {
            "uri": _STRING, "vocab": _STRING, "label": _STRING, "prefLabel": {"type": "object"}, "altLabel": {"type": "object"},
            "version": {"type": "string", "description": "Digest of the concept's description: send it back in "
                        "`versions` when writing a change about it (412 when it changed since)."},
            "notation": {"type": "array", "items": _STRING}, "notes": {"type": "object"},
            "broader": {"type": "array", "items": _LINK}, "narrower": {"type": "array", "items": _LINK},
            "narrowerTotal": {"type": "integer"}, "related": {"type": "array", "items": _LINK}, "mappings": {"type": "object"},
            "dates": {"type": "object"}, "deprecated": {"type": "boolean"}, "replacedBy": {"type": "array", "items": _LINK},
            "paths": {"type": "array", "items": {"type": "array", "items": _LINK}},
            "properties": {"type": "array", "description": "Every other property the source states about the concept "
                           "(Muséofile's address and coordinates in LOCA, an imported thesaurus's own properties).",
                           "items": {"type": "object", "properties": {
                               "property": _STRING, "name": _STRING,
                               "values": {"type": "array", "items": {"type": "object", "properties": {
                                   "uri": _STRING, "value": _STRING, "lang": _STRING, "datatype": _STRING}}}}}},
            "coordinates": {"type": ["object", "null"], "description": "WGS84 position (geo:lat, geo:long) when stated.",
                            "properties": {"lat": {"type": "number"}, "long": {"type": "number"}}}}},
        "Hierarchy": {"type": "object", "properties": {"uri": _STRING, "prefLabel": _STRING,
                                                       "paths": {"type": "array", "items": {"type": "array", "items": _LINK}}}},
        "Quality": {"type": "object", "required": ["vocabulary", "counts", "checks"], "properties": {
            "vocabulary": _STRING, "policy": _STRING, "modified": _STRING, "depth": {"type": "integer"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "checks": {"type": "array", "items": {"type": "object", "required": ["check", "severity", "count"], "properties": {
                "check": _STRING, "severity": {"enum": ["error", "warning", "info"]}, "count": {"type": "integer"},
                "findings": {"type": "array", "items": {"type": "object", "properties": {
                    "message": _STRING, "resources": {"type": "array", "items": _STRING}}}}}}}}},
        "Letters": {"type": "object", "properties": {"letters": {"type": "array", "items": _STRING}}},
        "Change": CHANGE,
        "Changes": {"type": "object", "properties": {"total": {"type": "integer"}, "offset": {"type": "integer"},
                                                     "limit": {"type": "integer"},
                                                     "changes": {"type": "array", "items": CHANGE}}},
        "ChangeSet": {"type": "object", "required": ["vocab"], "properties": {
            "vocab": _STRING, "comment": _STRING,
            "removed": {"type": "array", "items": _STRING, "description": "N-Triples lines to remove."},
            "added": {"type": "array", "items": _STRING, "description": "N-Triples lines to add."},
            "versions": {"type": "object", "additionalProperties": _STRING,
                         "description": "Concept URI -> the version you read (412 when it changed since)."},
            "acrossVocabularies": {"type": "boolean", "description": "An administrator's explicit choice to state "
                                   "triples about another vocabulary's resources (refused otherwise: 409 "
                                   "other-vocabulary; 403 for another role)."}}},
        "ConceptDraft": {"type": "object", "properties": {
            "prefLabel": {"type": "object", "additionalProperties": _STRING, "description": '{"fr": "statuette"}'},
            "altLabel": {"type": "object", "additionalProperties": {"type": "array", "items": _STRING}},
            "hiddenLabel": {"type": "object", "additionalProperties": {"type": "array", "items": _STRING}},
            "notes": {"type": "object", "description": "{definition|scopeNote|note|example|historyNote|editorialNote|"
                      "changeNote: {lang: [texts]}}"},
            "notation": {"type": "array", "items": _STRING},
            "broader": {"type": "array", "items": {"type": "string", "format": "iri"}},
            "related": {"type": "array", "items": {"type": "string", "format": "iri"}},
            "mappings": {"type": "object", "description": "{exactMatch|closeMatch|broadMatch|narrowMatch|relatedMatch: "
                         "[URIs]}: concepts of other vocabularies (http(s); this server's must exist)"},
            "comment": {"type": "string", "description": "Why: kept in the change log."}}},
        "ProposalDraft": {"type": "object", "required": ["vocab", "prefLabel"], "properties": {
            "vocab": _STRING, "prefLabel": _STRING, "lang": _STRING, "broader": {"type": "string", "format": "iri"},
            "note": _STRING, "record": {"type": "string", "description": "The REF of the record that needs it."},
            "museum": _STRING, "about": {"type": "string", "format": "iri", "description":
                                         "A proposal of a change: the existing concept it is about."}}},
        "ProposalDecision": {"type": "object", "properties": {
            "asAltLabelOf": {"type": "string", "format": "iri"},
            "asPrefLabelOf": {"type": "string", "format": "iri", "description": "The proposed label becomes this "
                              "concept's prefLabel; the old one is kept as an altLabel."}, "prefLabel": _STRING,
            "broader": {"type": "string", "format": "iri"}, "note": _STRING}},
        "ProposalRejection": {"type": "object", "required": ["reason"], "properties": {"reason": _STRING}},
        "Proposal": {"type": "object", "properties": {
            "id": {"type": "integer"}, "vocab": _STRING, "prefLabel": _STRING, "lang": _STRING,
            "broader": {"type": ["string", "null"]}, "note": {"type": ["string", "null"]},
            "record": {"type": ["string", "null"]}, "museum": {"type": ["string", "null"]}, "proposer": _STRING,
            "status": {"enum": ["pending", "accepted", "rejected"]}, "created": _STRING,
            "concept": {"type": ["string", "null"]}, "change": {"type": ["integer", "null"]},
            "reason": {"type": ["string", "null"]}, "about": {"type": ["string", "null"]}, "events": {"type": "array", "items": {"type": "object"}}}},
        "Proposals": {"type": "object", "properties": {
            "total": {"type": "integer"}, "offset": {"type": "integer"}, "limit": {"type": "integer"},
            "proposals": {"type": "array", "items": {"$ref": "#/components/schemas/Proposal"}}}},
        "IndexPage": {"type": "object", "properties": {"letter": _STRING, "total": {"type": "integer"},
                                                       "entries": {"type": "array", "items": HIT}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "vocabserver API", "version": "1",
                 "description": "Lookup and browsing of the Joconde vocabularies (Musées de France), and their "
                                "change log. Reading is open (CORS), writing needs a bearer token; JSON errors "
                                "with a message. The Skosmos REST v1 API is also served under /rest/v1 for existing "
                                "clients; SPARQL 1.1 (query, update) at /sparql, the Graph Store Protocol at /store.",
                 "license": {"name": "MIT (code); data under Licence Ouverte 2.0", "identifier": "MIT"}},
        "servers": [{"url": base_uri.rstrip("/")}],
        "tags": [{"name": "lookup", "description": "Autocompletion, search and validation"},
                 {"name": "changes", "description": "The change log; writing and reverting (with a token)"},
                 {"name": "editing", "description": "Creating and editing concepts (with a token or a session)"},
                 {"name": "proposals", "description": "Terms proposed by museums, reviewed by curators"},
                 {"name": "concepts", "description": "Concepts and hierarchy"},
                 {"name": "records", "description": "Joconde records checked against the vocabularies"},
                 {"name": "index", "description": "Alphabetical index"},
                 {"name": "vocabularies", "description": "Vocabularies and fields"}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"token": {
            "type": "http", "scheme": "bearer",
            "description": "An API token (vocabserver token create --name NAME --role admin)."}}},
    }
