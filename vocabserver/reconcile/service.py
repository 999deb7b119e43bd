"""The W3C Reconciliation service over the vocabularies (versions 0.2 and 1.0-draft): one service for the server,
whose types are the vocabularies, and one per vocabulary. This module builds the answers as data (the manifest,
results, suggestions, property proposals, extension rows); web/compat/reconcile.py speaks HTTP.

Identifiers are the concepts' IRIs (ARKs where the source gives them), as in the rest of the server.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from vocabserver.index.folding import fold
from vocabserver.reconcile.matching import Candidate, candidates

SKOS = "http://www.w3.org/2004/02/skos/core#"
# The properties a query may use to tell homonyms apart (matching.py), and those data extension fetches.
QUERY_PROPERTIES = [
    ("broader", "Terme générique (libellé ou IRI d'un concept au-dessus)"),
    ("notation", "Notation (code)"),
    ("field", "Champ Joconde (DENO, TECH…)"),
]
EXTEND_PROPERTIES = [
    ("prefLabel", "Terme préférentiel (fr)"),
    ("prefLabel_en", "Terme préférentiel (en)"),
    ("altLabel", "Termes associés (synonymes)"),
    ("broader", "Terme générique"),
    ("narrower", "Termes spécifiques"),
    ("notation", "Notation"),
    ("inScheme", "Vocabulaire (schéma)"),
    ("exactMatch", "Correspondances exactes"),
    ("definition", "Définition"),
]


@dataclass
class Service:
    """One reconciliation service: the server's (vocab None) or one vocabulary's."""
    index: object  # the label index
    vocabularies: dict  # id -> VocabularyInfo (the visible ones)
    base: str  # the server's public base URL, ending in /
    vocab: str | None = None
    fields: dict | None = None  # Joconde field code -> vocabularies

    @property
    def url(self) -> str:
        return self.base + "reconcile" + (f"/{self.vocab}" if self.vocab else "")

    def types(self) -> list[dict]:
        ids = [self.vocab] if self.vocab else sorted(self.vocabularies)
        return [{"id": v, "name": self.vocabularies[v].title("fr")} for v in ids if v in self.vocabularies]

    def manifest(self, version: str) -> dict:
        name = "vocabserver — vocabulaires Joconde" + (
            f" : {self.vocabularies[self.vocab].title('fr')}" if self.vocab in self.vocabularies else "")
        template = "{{id}}" if version == "0.2" else "{id}"
        out = {
            "versions": ["0.2", "1.0-draft"],
            "name": name,
            "identifierSpace": self.base,
            "schemaSpace": SKOS + "Concept",
            "documentation": self.base + "about#reconciliation",
            "view": {"url": self.base + "resource?uri=" + template},
            "defaultTypes": self.types(),
            "preview": {"url": self.url + "/preview?id=" + template, "width": 400, "height": 120},
            "suggest": {"entity": True, "property": True, "type": True},
            "extend": {"proposeProperties": True, "propertySettings": []},
            # Queries OpenRefine sends in one request (its default is 10; a batch of 100 takes milliseconds here).
            "batchSize": 100,
        }
        if version == "0.2":
            out["preview"] = {"url": self.url + "/preview?id={{id}}", "width": 400, "height": 120}
            out["suggest"] = {
                "entity": {"service_url": self.url, "service_path": "/suggest/entity"},
                "property": {"service_url": self.url, "service_path": "/suggest/property"},
                "type": {"service_url": self.url, "service_path": "/suggest/type"},
            }
            out["extend"] = {"propose_properties": {"service_url": self.url, "service_path": "/propose_properties"},
                             "property_settings": []}
        else:
            out.pop("identifierSpace")
            out.pop("schemaSpace")
        return out

    # -- reconciliation ----------------------------------------------------------------------------------------
    def scope(self, wanted_type: str | None) -> list[str] | None:
        """The vocabularies a query searches: this service's, narrowed by the query's type."""
        if self.vocab:
            return [self.vocab]
        if wanted_type:
            return [wanted_type] if wanted_type in self.vocabularies else []
        return sorted(self.vocabularies)

    def candidates(self, text: str, wanted_type: str | None, properties: list[tuple[str, str]],
                   limit: int) -> list[Candidate]:
        scope = self.scope(wanted_type)
        if scope == []:
            return []
        return candidates(self.index, text, scope, properties, limit, self.fields)

    def describe(self, concept: int) -> str:
        vocab = self.index.vocab_of(concept)
        title = self.vocabularies[vocab].title("fr") if vocab in self.vocabularies else vocab
        path = " > ".join(step["prefLabel"] for step in self.index.path(concept, "fr"))
        return f"{title}" + (f" — {path}" if path else "")

    def candidate(self, found: Candidate, version: str) -> dict:
        index = self.index
        vocab = index.vocab_of(found.concept)
        name, _lang = index.label_of(found.concept, "fr")
        features = [{"id": key, "value": value} for key, value in found.features.items()]
        if version != "0.2":
            features = [{**f, "name": _FEATURE_NAMES.get(f["id"], f["id"])} for f in features]
        out = {"id": index.uris[found.concept], "name": name, "score": found.score, "match": found.match,
               "type": [{"id": vocab, "name": self.vocabularies[vocab].title("fr") if vocab in self.vocabularies
                         else vocab}],
               "description": self.describe(found.concept), "features": features}
        return out

    # -- suggest -----------------------------------------------------------------------------------------------
    def suggest_entities(self, prefix: str, wanted_type: str | None, limit: int) -> list[dict]:
        scope = self.scope(wanted_type)
        if not fold(prefix) or scope == []:
            return []
        hits, _ = self.index.search(prefix, vocabularies=scope, limit=limit)
        out = []
        for hit in hits:
            name, _lang = self.index.label_of(hit.concept, "fr")
            vocab = self.index.vocab_of(hit.concept)
            out.append({"id": self.index.uris[hit.concept], "name": name, "description": self.describe(hit.concept),
                        "notable": [{"id": vocab, "name": self.vocabularies[vocab].title("fr")}]})
        return out

    def suggest_types(self, prefix: str) -> list[dict]:
        wanted = fold(prefix)
        return [t for t in self.types() if not wanted or wanted in fold(t["name"]) or wanted in t["id"]]

    def suggest_properties(self, prefix: str) -> list[dict]:
        wanted = fold(prefix)
        known = dict(QUERY_PROPERTIES) | dict(EXTEND_PROPERTIES)
        return [{"id": pid, "name": name} for pid, name in known.items()
                if not wanted or wanted in fold(name) or pid.lower().startswith(wanted)]

    def proposed_properties(self) -> list[dict]:
        return [{"id": pid, "name": name} for pid, name in EXTEND_PROPERTIES]


_FEATURE_NAMES = {
    "label_score": "Score du libellé", "prefLabel_exact": "Terme préférentiel, tel quel",
    "prefLabel_folded": "Terme préférentiel, casse et accents mis à part", "altLabel_exact": "Terme associé, tel quel",
    "altLabel_folded": "Terme associé, casse et accents mis à part", "hiddenLabel": "Graphie fautive connue",
    "word_order": "Mêmes mots, autre ordre", "words_begin": "Début des mots", "typo": "Faute de frappe",
    "guide_term": "Terme de regroupement (à ne pas utiliser)", "deprecated": "Concept obsolète",
    "broader_match": "Le terme générique donné convient", "notation_match": "La notation donnée convient",
    "field_match": "Le champ donné convient",
}


def extension_row(store, index, vocabularies, uri: str, properties: list[str]) -> dict[str, list[dict]]:
    """The values of each extension property for one concept (its statements read once, when one of them needs
    them)."""
    statements: list = []
    if any(prop in _STATEMENT_PROPERTIES for prop in properties):
        statements = list(store.statements(uri))
    return {prop: extension_values(index, vocabularies, uri, prop, statements) for prop in properties}


_STATEMENT_PROPERTIES = {"altLabel": SKOS + "altLabel", "exactMatch": SKOS + "exactMatch",
                         "definition": SKOS + "definition"}


def extension_values(index, vocabularies, uri: str, prop: str, statements: list) -> list[dict]:
    """The values of one extension property for one concept: entities ({id, name}) or strings ({str})."""
    found = index.concepts_of(uri)
    if not found:
        return []
    concept = found[0]
    if prop in ("broader", "narrower"):
        related = index.broaders[concept] if prop == "broader" else index.narrower(concept)
        return [{"id": index.uris[c], "name": index.label_of(c, "fr")[0]} for c in related]
    if prop == "inScheme":
        info = vocabularies.get(index.vocab_of(concept))
        return [{"id": info.schemes[0], "name": info.title("fr")}] if info and info.schemes else []
    if prop == "notation":
        return [{"str": index.notations[concept]}] if index.notations[concept] else []
    if prop == "prefLabel":
        return [{"str": index.label_of(concept, "fr")[0]}]
    if prop == "prefLabel_en":
        text = index.pref[concept].get("en")
        return [{"str": text}] if text else []
    if prop not in _STATEMENT_PROPERTIES:
        return []
    values = []
    for quad in statements:
        if quad.predicate.value != _STATEMENT_PROPERTIES[prop]:
            continue
        term = quad.object
        if isinstance(term, ox.NamedNode):
            known = index.concepts_of(term.value)
            values.append({"id": term.value, "name": index.label_of(known[0], "fr")[0] if known else term.value})
        elif isinstance(term, ox.Literal):
            values.append({"str": term.value})
    return values
