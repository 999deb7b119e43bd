"""Terms and scheme metadata as a SKOS graph (rdflib), normalised by skosify."""

from __future__ import annotations

import base64
import hashlib

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from vocabserver.changes.normalise import normalise
from vocabserver.lexicons.sources import LEXICON_DATE, VocabularySource
from vocabserver.lexicons.terms import Term

# Minted IRIs are written relative to the server's base URI; while building
# they live under this reserved (RFC 2606) placeholder.
BUILD_BASE = "http://vocabserver.invalid/"
LICENCE = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
PUBLISHER = "Ministère de la Culture, Service des musées de France"
FOAF = Namespace("http://xmlns.com/foaf/0.1/")


def local_id(vocabulary: str, key: str) -> str:
    """Stable opaque id: the same label in the same vocabulary gives the same id."""
    digest = hashlib.sha1(f"{vocabulary}\x1f{key}".encode()).digest()
    return base64.b32encode(digest).decode().lower()[:10]


def scheme_uri(source: VocabularySource) -> URIRef:
    return URIRef(source.ark_uri or BUILD_BASE + source.id)


def guide_collection_uri(source: VocabularySource) -> URIRef:
    return URIRef(f"{BUILD_BASE}{source.id}/guide-terms")


def concept_uris(source: VocabularySource, terms: dict[str, Term]) -> dict[str, URIRef]:
    uris: dict[str, URIRef] = {}
    seen: dict[str, str] = {}
    for key, term in terms.items():
        if term.uri:
            uris[key] = URIRef(term.uri)
            continue
        ident = term.notation if source.id == "loca" and term.notation else local_id(source.id, key)
        if ident in seen:
            raise ValueError(f"{source.id}: identifier collision {ident} for {key!r} and {seen[ident]!r}")
        seen[ident] = key
        uris[key] = URIRef(f"{BUILD_BASE}{source.id}/{ident}")
    return uris


def to_graph(source: VocabularySource, terms: dict[str, Term], notes: list[str],
             date: str | None = LEXICON_DATE) -> Graph:
    graph = Graph()
    scheme = scheme_uri(source)
    fr, en = "fr", "en"
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    for lang, title, description in ((fr, source.title_fr, source.description_fr),
                                     (en, source.title_en, source.description_en)):
        graph.add((scheme, SKOS.prefLabel, Literal(title, lang=lang)))
        graph.add((scheme, DCTERMS.title, Literal(title, lang=lang)))
        graph.add((scheme, DCTERMS.description, Literal(description, lang=lang)))
    graph.add((scheme, DCTERMS.identifier, Literal(source.id)))
    graph.add((scheme, DCTERMS.identifier, Literal(source.opentheso)))
    if source.ark:
        graph.add((scheme, DCTERMS.identifier, Literal(f"ark:/67717/{source.ark}")))
    for code in source.fields:
        graph.add((scheme, SKOS.notation, Literal(code)))
    graph.add((scheme, SKOS.scopeNote, Literal(
        "Contrôle les champs Joconde " + ", ".join(source.fields) + ".", lang=fr)))
    graph.add((scheme, SKOS.scopeNote, Literal(
        "Controls the Joconde fields " + ", ".join(source.fields) + ".", lang=en)))
    for note in notes:
        graph.add((scheme, SKOS.editorialNote, Literal(note, lang=fr)))
    graph.add((scheme, DCTERMS.license, LICENCE))
    graph.add((scheme, DCTERMS.publisher, Literal(PUBLISHER, lang=fr)))
    graph.add((scheme, DCTERMS.source, Literal(_source_text(source), lang=fr)))
    graph.add((scheme, DCTERMS.language, Literal("fr")))
    if date:
        graph.add((scheme, DCTERMS.modified, Literal(date, datatype=XSD.gYearMonth)))

    uris = concept_uris(source, terms)
    guide = guide_collection_uri(source)
    has_guides = any(t.guide for t in terms.values())
    if has_guides:
        graph.add((guide, RDF.type, SKOS.Collection))
        graph.add((guide, SKOS.prefLabel, Literal("Termes de regroupement (à ne pas utiliser)", lang=fr)))
        graph.add((guide, SKOS.prefLabel, Literal("Guide terms (not for indexing)", lang=en)))
        graph.add((guide, SKOS.definition, Literal(source.extra.get(
            "guide_definition",
            "Titres de section des listes officielles (en gras) : ils organisent la hiérarchie "
            "mais ne doivent pas être utilisés pour indexer une notice."), lang=fr)))
    for key, term in terms.items():
        concept = uris[key]
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.inScheme, scheme))
        graph.add((concept, SKOS.prefLabel, Literal(term.label, lang=fr)))
        for alt in term.alts:
            graph.add((concept, SKOS.altLabel, Literal(alt, lang=fr)))
        if term.notation:
            graph.add((concept, SKOS.notation, Literal(term.notation)))
        for predicate, value in term.properties:
            graph.add((concept, URIRef(predicate), value))
        for parent in term.broader:
            graph.add((concept, SKOS.broader, uris[parent]))
            graph.add((uris[parent], SKOS.narrower, concept))
        if not term.broader:
            graph.add((concept, SKOS.topConceptOf, scheme))
            graph.add((scheme, SKOS.hasTopConcept, concept))
        if term.guide:
            graph.add((guide, SKOS.member, concept))
            graph.add((concept, SKOS.scopeNote, Literal(
                "Terme de regroupement : à ne pas utiliser pour l'indexation.", lang=fr)))
    graph, _ = normalise(graph)
    return graph


def source_name(source: VocabularySource) -> str:
    """Short name of where a vocabulary comes from (README table, build report)."""
    current = source.extra.get("current", "")
    if current.endswith(".csv"):
        return f"Opentheso {source.opentheso} (CSV export)"
    if current:
        return f"Opentheso {source.opentheso} (reduced JSON)"
    if source.id == "loca":
        return "Muséofile"
    return " + ".join(source.lexicons)


def _source_text(source: VocabularySource) -> str:
    current = source.extra.get("current")
    files = ", ".join(source.lexicons)
    if current:
        return (f"Contenu actuel du thésaurus Opentheso {source.opentheso}, identifiants ARK réels "
                f"(export publié par ideesculture/museesDeFrance) ; marquage des termes de regroupement et "
                f"notes repris du lexique Joconde {files} (mai 2014).")
    if source.id == "loca":
        return ("Base Muséofile du ministère de la Culture : liste des Musées de France (données ouvertes, "
                "mises à jour 2023-2024) ; formes des notices Joconde réelles (extrait open data) en altLabels.")
    return f"Lexiques Joconde du Service des musées de France ({files}), mise à jour mai 2014."
