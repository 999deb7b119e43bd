"""Operations that reshape a vocabulary rather than describe one concept: merge two concepts, deprecate one
with its replacement, change the scheme's metadata, create a batch of terms from a CSV. Each is a changeset
for the one write path (changes/writer.py), validated and recorded like any edit, and so reverted like one.

Merge follows what SKOS users expect of a retired URI: the loser stays, `owl:deprecated true` and
`dct:isReplacedBy` the winner, with its prefLabel (its page still says what it was) and its notes; its
labels become altLabels of the winner (so lookup of the old form answers the winner), its narrower
concepts, related links, mappings and collection memberships move to the winner, and it leaves the
hierarchy. Deprecate does the same without moving labels, and is refused while narrower concepts hang
under the concept (retiring them silently would orphan them).
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pyoxigraph as ox

from vocabserver.changes.changeset import Blocked, ChangeSet, NotFound
from vocabserver.changes.editing import (CONCEPT, DCT, MAPPING_KINDS, RDF_TYPE, SKOS, BadConcept, Draft, _inverse,
                                         _text, _uri, is_concept, mint)

OWL_DEPRECATED = ox.NamedNode("http://www.w3.org/2002/07/owl#deprecated")
REPLACED_BY = ox.NamedNode(DCT + "isReplacedBy")
TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
BATCH_MAX = 2_000  # terms per CSV: one transaction, validated together


def _n(name: str) -> ox.NamedNode:
    return ox.NamedNode(SKOS + name)


# Statements that place a concept in the hierarchy or the scheme's top: a retired concept leaves them.
_STRUCTURE = {SKOS + p for p in ("broader", "narrower", "topConceptOf", "hasTopConcept", "related")}
_LEAVES = {*_STRUCTURE, *(SKOS + k for k in MAPPING_KINDS), SKOS + "member"}


def _concept(store, graph: ox.NamedNode, uri, vocab_id: str, where: str) -> ox.NamedNode:
    node = _uri(uri, where)
    if not is_concept(store, graph, node.value):
        raise NotFound(f"{where}: no concept {node.value} in {vocab_id}")
    return node


def _deprecated(store, graph: ox.NamedNode, node: ox.NamedNode) -> bool:
    return any(q.object.value in ("true", "1") for q in store.quads(node, OWL_DEPRECATED, None, graph))


def _retire(store, graph: ox.NamedNode, node: ox.NamedNode, replacement: ox.NamedNode | None
            ) -> tuple[list[ox.Triple], list[ox.Triple]]:
    """The concept out of the hierarchy and the scheme's top, marked deprecated (and replaced)."""
    removed = [q.triple for q in store.quads(node, None, None, graph) if q.predicate.value in _STRUCTURE]
    removed += [q.triple for q in store.quads(None, None, node, graph) if q.predicate.value in _STRUCTURE]
    added = [ox.Triple(node, OWL_DEPRECATED, TRUE)]
    if replacement is not None:
        added.append(ox.Triple(node, REPLACED_BY, replacement))
    added.append(ox.Triple(node, ox.NamedNode(DCT + "modified"), ox.Literal(date.today().isoformat(), datatype=XSD_DATE)))
    return removed, added


def deprecate(store, vocab_id: str, uri, replacement, actor: str, comment: str = "") -> ChangeSet:
    """Retire a concept; lookup then answers its replacement (when given), its URI keeps resolving."""
    graph = store.graph_iri(vocab_id)
    node = _concept(store, graph, uri, vocab_id, "uri")
    if _deprecated(store, graph, node):
        raise Blocked("already-deprecated", f"{node.value} is already deprecated", [node.value])
    target = None
    if replacement:
        target = _concept(store, graph, replacement, vocab_id, "replacement")
        if target == node:
            raise BadConcept("replacement: a concept cannot replace itself")
        if _deprecated(store, graph, target):
            raise Blocked("replacement-deprecated", f"{target.value} is itself deprecated; name the concept used "
                          "now", [target.value])
    children = sorted(q.subject.value for q in store.quads(None, _n("broader"), node, graph))
    if children:
        raise Blocked("deprecate-with-narrower", f"{node.value} has {len(children)} narrower concept(s); move them "
                      "or merge the concept instead (merge moves them to the concept kept): " + ", ".join(children[:10]),
                      [node.value, *children[:50]])
    removed, added = _retire(store, graph, node, target)
    return ChangeSet(graph, removed, added, actor, comment or ("deprecated" + (f", replaced by {target.value}" if target else "")), "edit")


def merge(store, vocab_id: str, loser_uri, winner_uri, actor: str, comment: str = "") -> ChangeSet:
    """`loser` merged into `winner` (see the module's docstring)."""
    graph = store.graph_iri(vocab_id)
    loser = _concept(store, graph, loser_uri, vocab_id, "uri")
    winner = _concept(store, graph, winner_uri, vocab_id, "into")
    if loser == winner:
        raise BadConcept("into: a concept cannot be merged into itself")
    for node, role in ((loser, "merged"), (winner, "kept")):
        if _deprecated(store, graph, node):
            raise Blocked("merge-deprecated", f"the concept {role} ({node.value}) is deprecated", [node.value])
    removed, added = _retire(store, graph, loser, winner)
    winner_labels = {q.object for q in store.quads(winner, None, None, graph)
                     if q.predicate.value in (SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel")}
    for quad in store.quads(loser, None, None, graph):
        p = quad.predicate.value
        if p in (SKOS + "altLabel", SKOS + "hiddenLabel"):
            removed.append(quad.triple)
        if p in (SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel") and quad.object not in winner_labels:
            kind = "hiddenLabel" if p == SKOS + "hiddenLabel" else "altLabel"
            added.append(ox.Triple(winner, _n(kind), quad.object))
            winner_labels.add(quad.object)
        elif p in (SKOS + "related", *(SKOS + k for k in MAPPING_KINDS)) and quad.object != winner:
            added.append(ox.Triple(winner, quad.predicate, quad.object))
            if p == SKOS + "related":
                added.append(ox.Triple(quad.object, quad.predicate, winner))
        elif p in (SKOS + k for k in MAPPING_KINDS):
            removed.append(quad.triple)
    # What points at the loser points at the winner: its narrower concepts, collections, earlier replacements.
    ancestors = _ancestors(store, graph, winner)
    for quad in store.quads(None, None, loser, graph):
        p, subject = quad.predicate.value, quad.subject
        removed.append(quad.triple)
        if subject in (winner, loser):
            continue
        if p == SKOS + "broader":
            if subject in ancestors:  # the winner under one of the loser's children: no cycle
                continue
            added += [ox.Triple(subject, quad.predicate, winner), ox.Triple(winner, _n("narrower"), subject)]
        elif p in (SKOS + "member", REPLACED_BY.value, *(SKOS + k for k in MAPPING_KINDS)):
            added.append(ox.Triple(subject, quad.predicate, winner))
    removed = list(dict.fromkeys(removed))
    added = [t for t in dict.fromkeys(added) if t not in removed or t.predicate == REPLACED_BY]
    return ChangeSet(graph, removed, added, actor, comment or f"merged into {winner.value}", "edit")


def _ancestors(store, graph: ox.NamedNode, node: ox.NamedNode, limit: int = 10_000) -> set:
    seen, todo = set(), [node]
    while todo and len(seen) < limit:
        for quad in store.quads(todo.pop(), _n("broader"), None, graph):
            if quad.object not in seen:
                seen.add(quad.object)
                todo.append(quad.object)
    return seen


SCHEME_FIELDS = {"title": DCT + "title", "description": DCT + "description", "creator": DCT + "creator",
                 "publisher": DCT + "publisher", "rights": DCT + "rights", "license": DCT + "license"}


def scheme_metadata(store, vocab_id: str, body, actor: str, comment: str = "") -> ChangeSet:
    """Replace the scheme's title, description (per language), creator, publisher, rights (texts) and
    licence (an IRI) given in `body`; the other fields stay."""
    info = store.info(vocab_id)
    if not info.schemes:
        raise NotFound(f"{vocab_id} has no concept scheme to describe")
    if not isinstance(body, dict) or not body:
        raise BadConcept(f"send the scheme's fields as a JSON object: {', '.join(SCHEME_FIELDS)}")
    unknown = sorted(k for k in body if k not in SCHEME_FIELDS and k != "comment")
    if unknown:
        raise BadConcept(f"unknown field(s) {', '.join(unknown)}; a scheme has {', '.join(SCHEME_FIELDS)}")
    graph, scheme = store.graph_iri(vocab_id), ox.NamedNode(info.schemes[0])
    removed, added = [], []
    for name, value in body.items():
        if name not in SCHEME_FIELDS:
            continue
        predicate = ox.NamedNode(SCHEME_FIELDS[name])
        if name == "license":
            objects = [_uri(value, "license")] if value else []
        elif name in ("title", "description"):
            if not isinstance(value, dict):
                raise BadConcept(f'{name}: an object {{"fr": "…", "en": "…"}} is expected')
            draft, _ = Draft.parse({"prefLabel": value}, partial=True)  # the same checks as labels
            objects = [ox.Literal(text, language=lang) for lang, text in draft.prefLabel.items()]
            if name == "title" and not objects:
                raise BadConcept("title: a vocabulary keeps a title")
        else:
            objects = [ox.Literal(_text(value, name), language="fr")] if value else []
        current = [q.triple for q in store.quads(scheme, predicate, None, graph)]
        wanted = [ox.Triple(scheme, predicate, o) for o in objects]
        removed += [t for t in current if t not in wanted]
        added += [t for t in wanted if t not in current]
        if name == "title":  # the scheme's prefLabel is its title for SKOS browsers
            pref = _n("prefLabel")
            current = [q.triple for q in store.quads(scheme, pref, None, graph)]
            wanted = [ox.Triple(scheme, pref, o) for o in objects]
            removed += [t for t in current if t not in wanted]
            added += [t for t in wanted if t not in current]
    return ChangeSet(graph, removed, added, actor, comment or "scheme metadata", "edit")


BATCH_COLUMNS = ("prefLabel", "altLabel", "definition", "scopeNote", "notation", "broader")


def batch(store, vocab_id: str, text: str, parent: str | None, actor: str, comment: str = "",
          lang: str = "fr") -> tuple[ChangeSet, list[ox.NamedNode]]:
    """New concepts from a CSV (header: prefLabel, then any of altLabel (several separated by "|"),
    definition, scopeNote, notation, broader (a URI, or the prefLabel of a row above)), `;` or `,`
    separated, under `parent` unless a row names its broader. One changeset: all the terms, or none."""
    graph = store.graph_iri(vocab_id)
    if parent:
        _concept(store, graph, parent, vocab_id, "parent")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
    rows = csv.reader(io.StringIO(text), dialect)
    header = [h.strip() for h in next(rows, [])]
    if "prefLabel" not in header:
        raise BadConcept("line 1: the header must name a prefLabel column (and any of "
                         f"{', '.join(BATCH_COLUMNS[1:])})")
    unknown = [h for h in header if h not in BATCH_COLUMNS]
    if unknown:
        raise BadConcept(f"line 1: unknown column(s) {', '.join(unknown)}; known: {', '.join(BATCH_COLUMNS)}")
    made: dict[str, ox.NamedNode] = {}
    added: list[ox.Triple] = []
    concepts: list[ox.NamedNode] = []
    info = store.info(vocab_id)
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(concepts) >= BATCH_MAX:
            raise BadConcept(f"line {number}: at most {BATCH_MAX} terms per batch")
        cells = dict(zip(header, (c.strip() for c in row)))
        where = f"line {number}"
        label = cells.get("prefLabel", "")
        if not label:
            raise BadConcept(f"{where}: prefLabel is empty")
        body = {"prefLabel": {lang: label}}
        if cells.get("altLabel"):
            body["altLabel"] = {lang: [a for a in cells["altLabel"].split("|") if a.strip()]}
        notes = {k: {lang: [cells[k]]} for k in ("definition", "scopeNote") if cells.get(k)}
        if notes:
            body["notes"] = notes
        if cells.get("notation"):
            body["notation"] = [cells["notation"]]
        try:
            draft, _ = Draft.parse(body)
        except BadConcept as exc:
            raise BadConcept(f"{where}: {exc}") from None
        broader = cells.get("broader") or parent or ""
        if broader in made:
            broader_node = made[broader]
        elif broader:
            try:
                broader_node = _concept(store, graph, broader, vocab_id, f"{where}: broader")
            except (BadConcept, NotFound):
                raise BadConcept(f"{where}: broader {broader!r} is neither a URI of {vocab_id} nor the prefLabel of a "
                                 "row above") from None
        else:
            broader_node = None
        concept = mint(store, vocab_id)
        while concept in concepts:
            concept = mint(store, vocab_id)
        draft.broader = [broader_node.value] if broader_node is not None else []
        triples = [ox.Triple(concept, RDF_TYPE, CONCEPT), *draft.triples(concept),
                   ox.Triple(concept, ox.NamedNode(DCT + "created"), ox.Literal(date.today().isoformat(), datatype=XSD_DATE))]
        if info.schemes:
            scheme = ox.NamedNode(info.schemes[0])
            triples.append(ox.Triple(concept, _n("inScheme"), scheme))
            if broader_node is None:
                triples += [ox.Triple(concept, _n("topConceptOf"), scheme), ox.Triple(scheme, _n("hasTopConcept"), concept)]
        added += triples + [inverse for t in triples if (inverse := _inverse(t)) is not None]
        made.setdefault(label, concept)
        concepts.append(concept)
    if not concepts:
        raise BadConcept("the CSV holds no term (a header line, then one line per term)")
    return ChangeSet(graph, [], added, actor, comment or f"{len(concepts)} new concepts", "edit"), concepts
