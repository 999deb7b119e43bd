"""The interface's two languages: French first, English second.

The language of a page comes from `?lang=` (remembered in a cookie by the switcher's links), else the
cookie, else Accept-Language, else French. Data labels follow it, with French as the fallback, unless
`?clang=` names a language of the data: a thesaurus in Arabic or Russian is browsable in its own
languages whatever the two languages of the interface.
"""

from __future__ import annotations

import re

from flask import g, request
from markupsafe import Markup, escape

LANGUAGES = ("fr", "en")
COOKIE = "vocabserver_lang"
_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
# Scripts written right to left (primary subtags): their labels get dir="rtl".
RIGHT_TO_LEFT = frozenset({"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ku", "ps", "sd", "syr", "ug", "ur", "yi"})
# Each language named in itself, as language choices do; other tags are shown as they are.
AUTONYMS = {"fr": "français", "en": "English", "de": "Deutsch", "es": "español", "it": "italiano",
            "pt": "português", "nl": "Nederlands", "ca": "català", "oc": "occitan", "br": "brezhoneg",
            "eu": "euskara", "co": "corsu", "la": "latine", "el": "ελληνικά", "ru": "русский", "uk": "українська",
            "pl": "polski", "cs": "čeština", "sv": "svenska", "da": "dansk", "fi": "suomi", "no": "norsk",
            "ar": "العربية", "he": "עברית", "fa": "فارسی", "zh": "中文", "ja": "日本語", "ko": "한국어",
            "hi": "हिन्दी", "tr": "Türkçe", "hu": "magyar", "ro": "română", "ga": "Gaeilge", "cy": "Cymraeg"}

MESSAGES: dict[str, tuple[str, str]] = {
    # key: (fr, en)
    "site": ("Vocabulaires Joconde", "Joconde vocabularies"),
    "tagline": ("Vocabulaires scientifiques des collections des musées de France",
                "Scientific vocabularies of the collections of the Musées de France"),
    "home": ("Accueil", "Home"),
    "login": ("Se connecter", "Sign in"),
    "logout": ("Se déconnecter", "Sign out"),
    "login_failed": ("Nom d'utilisateur ou mot de passe incorrect.", "Wrong user name or password."),
    "signed_in_as": ("Connecté : {name}", "Signed in: {name}"),
    "user_name": ("Nom d'utilisateur", "User name"),
    "password": ("Mot de passe", "Password"),
    "quality": ("Rapport de qualité", "Quality report"),
    "quality_intro": ("Les constats des contrôles de chargement sur le contenu publié, les erreurs d'abord : ce qu'il "
                      "reste à corriger.", "The findings of the load checks on the published content, errors first: "
                      "what is left to fix."),
    "quality_none": ("Aucun constat.", "No finding."),
    "quality_shown": ("{shown} premiers sur {count}", "first {shown} of {count}"),
    "policy": ("Politique", "Policy"),
    "policy_strict": ("stricte : une erreur ou un libellé ambigu refuse une modification",
                      "strict: an error or an ambiguous label refuses a change"),
    "policy_lenient": ("souple : les constats n'empêchent pas les modifications",
                       "lenient: findings do not prevent changes"),
    "severity_error": ("erreur", "error"),
    "severity_warning": ("avertissement", "warning"),
    "severity_info": ("information", "information"),
    "search": ("Rechercher", "Search"),
    "search_label": ("Rechercher un terme", "Search for a term"),
    "search_in": ("Rechercher dans {title}", "Search in {title}"),
    "search_placeholder": ("ex. épée, huile, portrait…", "e.g. épée, huile, portrait…"),
    "search_placeholder_any": ("un terme, un mot de libellé…", "a term, a word of a label…"),
    "all_vocabularies": ("tous les vocabulaires", "all vocabularies"),
    "vocabulary": ("Vocabulaire", "Vocabulary"),
    "vocabularies": ("Vocabulaires", "Vocabularies"),
    "fields": ("Champs Joconde", "Joconde fields"),
    "concepts": ("Concepts", "Concepts"),
    "alt_labels": ("Synonymes", "Non-preferred terms"),
    "top_concepts": ("Termes de tête", "Top concepts"),
    "depth": ("Profondeur", "Depth"),
    "updated": ("Chargé le", "Loaded on"),
    "version": ("Version", "Version"),
    "downloads": ("Téléchargements", "Downloads"),
    "licence": ("Licence", "Licence"),
    "source": ("Source", "Source"),
    "uri": ("URI", "URI"),
    "copy": ("Copier", "Copy"),
    "copied": ("URI copiée", "URI copied"),
    "hierarchy": ("Hiérarchie", "Hierarchy"),
    "alphabetical": ("Index alphabétique", "Alphabetical index"),
    "expand": ("Déplier", "Expand"),
    "collapse": ("Replier", "Collapse"),
    "more": ("suite…", "more…"),
    "pref_label": ("Terme préférentiel", "Preferred term"),
    "used_for": ("Employé pour", "Used for"),
    "use": ("employer", "use"),
    "notation": ("Notation", "Notation"),
    "broader": ("Terme générique", "Broader concept"),
    "narrower": ("Termes spécifiques", "Narrower concepts"),
    "related": ("Termes associés", "Related concepts"),
    "mappings": ("Alignements", "Mappings"),
    "notes": ("Notes", "Notes"),
    "definition": ("Définition", "Definition"),
    "scopeNote": ("Note d'application", "Scope note"),
    "note": ("Note", "Note"),
    "example": ("Exemple", "Example"),
    "historyNote": ("Note historique", "History note"),
    "editorialNote": ("Note éditoriale", "Editorial note"),
    "changeNote": ("Note de modification", "Change note"),
    "exactMatch": ("Équivalence exacte", "Exact match"),
    "closeMatch": ("Équivalence proche", "Close match"),
    "broadMatch": ("Équivalence plus large", "Broad match"),
    "narrowMatch": ("Équivalence plus étroite", "Narrow match"),
    "relatedMatch": ("Équivalence associée", "Related match"),
    "collections": ("Collections", "Collections"),
    "created": ("Créé", "Created"),
    "modified": ("Modifié", "Modified"),
    "other_properties": ("Autres propriétés", "Other properties"),
    # Quality checks (qSKOS names where it has one).
    "check_no-preflabel": ("Concepts sans terme préférentiel", "Concepts without prefLabel"),
    "check_concept-and-collection": ("Concept et collection à la fois", "Both concept and collection"),
    "check_two-preflabels-one-language": ("Plusieurs termes préférentiels dans une langue",
                                          "Several prefLabels in one language"),
    "check_duplicate-preflabel": ("Termes préférentiels ambigus", "Ambiguous prefLabels"),
    "check_label-clash": ("Terme à la fois préférentiel et non préférentiel", "Disjoint labels violation"),
    "check_related-broader-clash": ("Associé et générique à la fois", "Related and hierarchical at once"),
    "check_dangling": ("Liens vers des ressources non décrites", "Links to undescribed resources"),
    "check_orphans": ("Concepts orphelins", "Orphan concepts"),
    "check_broader-cycle": ("Cycles hiérarchiques", "Hierarchical cycles"),
    "check_empty-label": ("Libellés vides", "Empty labels"),
    "check_label-not-literal": ("Libellés qui ne sont pas du texte", "Labels that are not text"),
    "check_omitted-language-tag": ("Libellés sans langue", "Omitted language tags"),
    "check_invalid-language-tag": ("Langues inconnues", "Invalid language tags"),
    "check_unusual-characters": ("Caractères inhabituels", "Unusual characters"),
    "check_label-whitespace": ("Espaces superflues", "Extra white space"),
    "check_undocumented-concepts": ("Concepts non documentés", "Undocumented concepts"),
    "on_map": ("voir sur OpenStreetMap", "see on OpenStreetMap"),
    # Properties beyond SKOS that the bundled data uses (others show their compact IRI).
    "geo:lat": ("Latitude", "Latitude"),
    "geo:long": ("Longitude", "Longitude"),
    "schema:addressLocality": ("Commune", "Town"),
    "schema:addressRegion": ("Division administrative", "Region"),
    "schema:postalCode": ("Code postal", "Postal code"),
    "schema:streetAddress": ("Adresse", "Street address"),
    "schema:keywords": ("Domaines", "Keywords"),
    "foaf:homepage": ("Site web", "Website"),
    "formats": ("Formats", "Formats"),
    "deprecated": ("Concept obsolète", "Deprecated concept"),
    "replaced_by": ("Remplacé par", "Replaced by"),
    "guide_term": ("Terme de regroupement : organise la liste, ne pas l'utiliser pour indexer une notice.",
                   "Guide term: it organises the list and must not be used to index a record."),
    "in_scheme": ("Vocabulaire", "Vocabulary"),
    "top_concept": ("Terme de tête", "Top concept"),
    "page": ("Page {page} sur {pages}", "Page {page} of {pages}"),
    "previous": ("Précédent", "Previous"),
    "next": ("Suivant", "Next"),
    "results": ("{total} résultat(s) pour « {q} »", "{total} result(s) for “{q}”"),
    "no_results": ("Aucun résultat pour « {q} ».", "No results for “{q}”."),
    "matched": ("trouvé par", "matched"),
    "branch": ("branche", "branch"),
    "filter_vocabulary": ("Vocabulaire", "Vocabulary"),
    "apply": ("Filtrer", "Filter"),
    "about": ("À propos", "About"),
    "api": ("API", "API"),
    "sparql": ("SPARQL", "SPARQL"),
    "catalogue": ("Catalogue VoID/DCAT", "VoID/DCAT catalogue"),
    "language": ("Langue", "Language"),
    "description": ("Description", "Description"),
    "letters": ("Lettres", "Letters"),
    "entries": ("{total} entrée(s) pour la lettre {letter}", "{total} entrie(s) for letter {letter}"),
    "choose_letter": ("Choisissez une lettre.", "Choose a letter."),
    "terms_count": ("{count} termes", "{count} terms"),
    "show_all_top": ("{shown} premiers termes sur {total}", "first {shown} terms of {total}"),
    "autocomplete_help": ("Suggestions pendant la saisie : flèches pour choisir, Entrée pour ouvrir.",
                          "Suggestions as you type: arrow keys to choose, Enter to open."),
    "skip": ("Aller au contenu", "Skip to content"),
    "data_language": ("Langue des libellés", "Language of the labels"),
    "all_languages": ("langue de l'interface", "interface language"),
    "no_narrower": ("Aucun terme spécifique.", "No narrower concepts."),
    "about_text": ("À propos de ce service", "About this service"),
    "colon": ("\u00a0:", ":"),  # French typography puts a (non-breaking) space before a colon
    "data_licence": ("Données : sous la licence que chaque vocabulaire indique (Licence Ouverte 2.0 pour les "
                     "vocabulaires Joconde).", "Data: under the licence each vocabulary states (Licence Ouverte 2.0 "
                     "for the Joconde vocabularies)."),
    "ministry": ("Ministère de la Culture, Service des musées de France",
                 "French Ministry of Culture, Service des musées de France"),
}


def choose_language() -> str:
    wanted = request.args.get("lang", "")[:2].lower()
    if wanted in LANGUAGES:
        return wanted
    remembered = request.cookies.get(COOKIE, "")
    if remembered in LANGUAGES:
        return remembered
    best = request.accept_languages.best_match(LANGUAGES)
    return best or "fr"


def ui_language() -> str:
    if "ui_lang" not in g:
        g.ui_lang = choose_language()
    return g.ui_lang


def content_language() -> str | None:
    """The data language chosen with `?clang=` (its primary subtag), or None: labels then follow the UI."""
    if "content_lang" not in g:
        wanted = request.args.get("clang", "")
        g.content_lang = wanted.split("-", 1)[0].lower() if _TAG.match(wanted) else None
    return g.content_lang


def label_language() -> str:
    """The language in which labels are shown: the chosen data language, else the interface's."""
    return content_language() or ui_language()


def autonym(tag: str) -> str:
    return AUTONYMS.get(tag, tag)


def label_attributes(tag: str | None) -> Markup:
    """` lang="…"` (and ` dir="rtl"` for right-to-left scripts) for an element holding a label."""
    if not tag:
        return Markup("")
    out = f' lang="{escape(tag)}"'
    if tag.split("-", 1)[0].lower() in RIGHT_TO_LEFT:
        out += ' dir="rtl"'
    return Markup(out)


def translate(key: str, **values) -> str:
    fr, en = MESSAGES.get(key, (key, key))
    text = en if ui_language() == "en" else fr
    return text.format(**values) if values else text


def _merge_editing() -> None:
    from vocabserver.web.i18n_editing import MESSAGES as EDITING

    clash = set(EDITING) & set(MESSAGES)
    assert not clash, f"message keys given twice: {clash}"
    MESSAGES.update(EDITING)


_merge_editing()
