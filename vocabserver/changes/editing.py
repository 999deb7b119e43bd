"""Editing operations as changesets: what a curator does (create a concept under a parent, change its labels,
notes and relations) turned into the triples removed and added, which the one write path then validates,
records and commits (changes/writer.py). The JSON API and the pages use the same operations.

A concept is described in the JSON shape of `GET /api/v1/concept`: `prefLabel` {lang: text}, `altLabel` and
`hiddenLabel` {lang: [texts]}, `notes` {definition|scopeNote|note|example|historyNote|editorialNote|changeNote:
{lang: [texts]}}, `notation` [texts], `broader` and `related` [URIs], `mappings` {exactMatch|closeMatch|broadMatch|narrowMatch|
relatedMatch: [URIs of other vocabularies]}. Languages are normalised (`fr-FR` is
`fr`'s region: kept as written, lower-cased), empty texts refused.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from vocabserver.changes.changeset import ChangeSet, WriteError
from vocabserver.rdf.iri import is_iri

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CONCEPT = ox.NamedNode(SKOS + "Concept")
NOTE_KINDS = ("definition", "scopeNote", "note", "example", "historyNote", "editorialNote", "changeNote")
LABEL_KINDS = ("prefLabel", "altLabel", "hiddenLabel")
MAPPING_KINDS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
FIELDS = (*LABEL_KINDS, "notes", "notation", "broader", "related", "mappings")
GROUPS = {"notes": NOTE_KINDS, "mappings": MAPPING_KINDS}  # a field that stands for several properties
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # the lower-case base32 of the minted ids of the bundled data


class BadConcept(WriteError):
    """The concept described is not well formed (a 400 naming the field)."""
    status = 400


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadConcept(f"{where}: a non-empty text is expected")
    if len(value) > 10_000:
        raise BadConcept(f"{where}: longer than 10,000 characters")
    return " ".join(value.split())  # no stray spaces: they make duplicates that look equal


def _language(tag, where: str) -> str:
    if not isinstance(tag, str) or not _LANGUAGE.match(tag):
        raise BadConcept(f"{where}: {tag!r} is not a language tag (fr, en, fr-FR…)")
    return tag.lower()


def _uri(value, where: str) -> ox.NamedNode:
    if not isinstance(value, str) or not is_iri(value):
        raise BadConcept(f"{where}: {value!r} is not an absolute IRI")
    return _n(value)


def _texts_by_language(values, where: str) -> dict[str, list[str]]:
    """{lang: [texts]} (a single text accepted for a list), checked."""
    if not isinstance(values, dict):
        raise BadConcept(f'{where}: an object {{"fr": ["…"]}} is expected')
    out = {}
    for tag, texts in values.items():
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list):
            raise BadConcept(f"{where}.{tag}: a list of texts is expected")
        out[_language(tag, where)] = [_text(t, f"{where}.{tag}") for t in texts]
    return out


@dataclass
class Draft:
    """A concept's editable description, checked."""
    prefLabel: dict[str, str] = field(default_factory=dict)
    altLabel: dict[str, list[str]] = field(default_factory=dict)
    hiddenLabel: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    notation: list[str] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    mappings: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, body, partial: bool = False) -> tuple["Draft", set[str]]:
        """The draft and the fields the body gives (a partial update changes only those)."""
        if not isinstance(body, dict):
            raise BadConcept("the body must be a JSON object describing the concept")
        known = set(FIELDS)
        unknown = sorted(k for k in body if k not in known and k not in ("uri", "comment", "version"))
        if unknown:
            raise BadConcept(f"unknown field(s) {', '.join(unknown)}; a concept has {', '.join(sorted(known))}")
        draft = cls()
        given = {k for k in body if k in known}
        labels = body.get("prefLabel", {})
        if not isinstance(labels, dict):
            raise BadConcept('prefLabel: an object {"fr": "…"} is expected')
        for tag, text in labels.items():
            draft.prefLabel[_language(tag, "prefLabel")] = _text(text, f"prefLabel.{tag}")
        for kind in ("altLabel", "hiddenLabel"):
            setattr(draft, kind, _texts_by_language(body.get(kind, {}), kind))
        notes = body.get("notes", {})
        if not isinstance(notes, dict):
            raise BadConcept("notes: an object {kind: {lang: [texts]}} is expected")
        for kind, by_language in notes.items():
            if kind not in NOTE_KINDS:
                raise BadConcept(f"notes: unknown kind {kind!r}; one of {', '.join(NOTE_KINDS)}")
            draft.notes[kind] = _texts_by_language(by_language, f"notes.{kind}")
        mappings = body.get("mappings", {})
        if not isinstance(mappings, dict):
            raise BadConcept('mappings: an object {"exactMatch": ["URI"]} is expected')
        for kind, targets in mappings.items():
            if kind not in MAPPING_KINDS:
                raise BadConcept(f"mappings: unknown kind {kind!r}; one of {', '.join(MAPPING_KINDS)}")
            targets = [targets] if isinstance(targets, str) else targets
            if not isinstance(targets, list):
                raise BadConcept(f"mappings.{kind}: a list of URIs is expected")
            draft.mappings[kind] = [_uri(t, f"mappings.{kind}").value for t in targets]
        for name in ("notation", "broader", "related"):
            values = body.get(name, [])
            values = [values] if isinstance(values, str) else values
            if not isinstance(values, list):
                raise BadConcept(f"{name}: a list is expected")
            if name == "notation":
                draft.notation = [_text(v, "notation") for v in values]
            else:
                setattr(draft, name, [_uri(v, name).value for v in values])
        if not partial and not draft.prefLabel:
            raise BadConcept('prefLabel: a concept needs a preferred label, e.g. {"prefLabel": {"fr": "statuette"}}')
        return draft, given

    def triples(self, concept: ox.NamedNode, fields: set[str] | None = None) -> list[ox.Triple]:
        """The concept's own statements for `fields` (all when None); inverse links are added by the caller."""
        out = []
        wanted = fields if fields is not None else set(FIELDS)
        if "prefLabel" in wanted:
            out += [ox.Triple(concept, _n(SKOS + "prefLabel"), ox.Literal(t, language=l)) for l, t in self.prefLabel.items()]
        for kind in ("altLabel", "hiddenLabel"):
            if kind in wanted:
                out += [ox.Triple(concept, _n(SKOS + kind), ox.Literal(t, language=l))
                        for l, texts in getattr(self, kind).items() for t in texts]
        if "notes" in wanted:
            out += [ox.Triple(concept, _n(SKOS + kind), ox.Literal(t, language=l))
                    for kind, by_language in self.notes.items() for l, texts in by_language.items() for t in texts]
        if "notation" in wanted:
            out += [ox.Triple(concept, _n(SKOS + "notation"), ox.Literal(t)) for t in self.notation]
        for name in ("broader", "related"):
            if name in wanted:
                out += [ox.Triple(concept, _n(SKOS + name), _n(u)) for u in getattr(self, name)]
        if "mappings" in wanted:
            out += [ox.Triple(concept, _n(SKOS + kind), _n(u)) for kind, targets in self.mappings.items() for u in targets]
        return out


def is_concept(store, graph: ox.NamedNode, uri: str) -> bool:
    return store.contains(ox.Quad(_n(uri), RDF_TYPE, CONCEPT, graph))


def _inverse(triple: ox.Triple) -> ox.Triple | None:
    """The link the other end states: narrower for broader, related both ways (the bundled data state both)."""
    name = triple.predicate.value[len(SKOS):] if triple.predicate.value.startswith(SKOS) else ""
    if name == "broader":
        return ox.Triple(triple.object, _n(SKOS + "narrower"), triple.subject)
    if name == "related":
        return ox.Triple(triple.object, _n(SKOS + "related"), triple.subject)
    return None


def _check_targets(store, graph: ox.NamedNode, draft: Draft, concept: ox.NamedNode, vocab_id: str) -> None:
    for name in ("broader", "related"):
        for uri in getattr(draft, name):
            if uri == concept.value:
                raise BadConcept(f"{name}: a concept cannot be its own {name}")
            if not is_concept(store, graph, uri):
                raise BadConcept(f"{name}: {uri} is not a concept of {vocab_id}")
    for kind, targets in draft.mappings.items():
        for uri in targets:
            _check_mapping(store, graph, kind, uri, vocab_id)


def _check_mapping(store, graph: ox.NamedNode, kind: str, uri: str, vocab_id: str) -> None:
    """A mapping links to a concept of another scheme: a web IRI, never this vocabulary (broader and related
    are for that), and, when it is this server's, a concept one of its vocabularies describes."""
    where = f"mappings.{kind}"
    if not uri.startswith(("http://", "https://")):
        raise BadConcept(f"{where}: {uri} is not an http(s) URI (a mapping names a concept on the web)")
    if is_concept(store, graph, uri):
        raise BadConcept(f"{where}: {uri} is a concept of {vocab_id} itself; inside one vocabulary use broader "
                         "or related (SKOS mappings link different schemes)")
    ours = [v for g, v in store.live_graphs().items() if v not in ("catalogue", vocab_id) and is_concept(store, g, uri)]
    if uri.startswith(store.base_uri) and not ours:
        raise BadConcept(f"{where}: {uri} is under this server's base but no vocabulary describes it as a concept")


def mint(store, vocab_id: str) -> ox.NamedNode:
    """A new concept IRI under the server's base, in the vocabulary's space, unused."""
    while True:
        candidate = _n(f"{store.base_uri}{vocab_id}/{''.join(secrets.choice(_ALPHABET) for _ in range(10))}")
        if not any(True for _ in store.quads(candidate, None, None, None)):
            return candidate


def create(store, vocab_id: str, body, actor: str, comment: str = "") -> tuple[ChangeSet, ox.NamedNode]:
    """A new concept under its broader concepts (a top concept of the vocabulary's scheme without any)."""
    info = store.info(vocab_id)
    graph = _n(info.graph)
    draft, _given = Draft.parse(body)
    concept = mint(store, vocab_id)
    _check_targets(store, graph, draft, concept, vocab_id)
    added = [ox.Triple(concept, RDF_TYPE, CONCEPT), *draft.triples(concept),
             ox.Triple(concept, _n(DCT + "created"), ox.Literal(date.today().isoformat(),
                                                                datatype=_n("http://www.w3.org/2001/XMLSchema#date")))]
    if info.schemes:
        scheme = _n(info.schemes[0])
        added.append(ox.Triple(concept, _n(SKOS + "inScheme"), scheme))
        if not draft.broader:
            added += [ox.Triple(concept, _n(SKOS + "topConceptOf"), scheme),
                      ox.Triple(scheme, _n(SKOS + "hasTopConcept"), concept)]
    added += [inverse for t in added if (inverse := _inverse(t)) is not None]
    return ChangeSet(graph, [], added, actor, comment or "new concept", "edit"), concept


def update(store, vocab_id: str, uri: str, body, actor: str, comment: str = "") -> ChangeSet:
    """Replace the fields the body gives (labels, notes, notation, broader, related); the others stay."""
    info = store.info(vocab_id)
    graph = _n(info.graph)
    concept = _uri(uri, "uri")
    if not is_concept(store, graph, uri):
        from vocabserver.changes.changeset import NotFound

        raise NotFound(f"no concept {uri} in {vocab_id}")
    draft, given = Draft.parse(body, partial=True)
    if "prefLabel" in given and not draft.prefLabel:
        raise BadConcept("prefLabel: a concept keeps at least one preferred label")
    _check_targets(store, graph, draft, concept, vocab_id)
    predicates = {SKOS + p for field_name in given for p in GROUPS.get(field_name, (field_name,))}
    current = [q.triple for q in store.quads(concept, None, None, graph) if q.predicate.value in predicates]
    wanted = draft.triples(concept, given)
    removed = [t for t in current if t not in wanted]
    added = [t for t in wanted if t not in current]
    removed += [inverse for t in removed if (inverse := _inverse(t)) is not None]
    added += [inverse for t in added if (inverse := _inverse(t)) is not None]
    if "broader" in given and info.schemes:
        scheme = _n(info.schemes[0])
        top = [ox.Triple(concept, _n(SKOS + "topConceptOf"), scheme), ox.Triple(scheme, _n(SKOS + "hasTopConcept"), concept)]
        if draft.broader:  # moved under a parent: no longer a top concept
            removed += [t for t in top if store.contains(ox.Quad(t.subject, t.predicate, t.object, graph))]
        else:  # moved to the top
            added += [t for t in top if not store.contains(ox.Quad(t.subject, t.predicate, t.object, graph))]
    return ChangeSet(graph, removed, added, actor, comment or "concept edited", "edit")
