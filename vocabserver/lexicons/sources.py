"""The 16 Joconde vocabularies: where each comes from and what describes it.

This is builder input only: at run time every fact here lives in the
ConceptScheme triples of the committed Turtle files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ARK_BASE = "http://data.culture.fr/thesaurus/resource/ark:/67717/"
LEXICON_DATE = "2014-05"  # "Mise à jour mai 2014" in every lexicon header


@dataclass(frozen=True)
class VocabularySource:
    id: str
    title_fr: str
    title_en: str
    description_fr: str
    description_en: str
    fields: tuple[str, ...]
    opentheso: str
    ark: str | None = None  # historic data.culture.fr ARK of the scheme (POP schema)
    lexicons: tuple[str, ...] = ()  # files of joconde-lexicons-2014/txt, without .txt
    rtf: str | None = None  # the RTF original that carries the bold marking
    extra: dict = field(default_factory=dict)

    @property
    def ark_uri(self) -> str | None:
        return ARK_BASE + self.ark if self.ark else None


SOURCES: tuple[VocabularySource, ...] = (
    VocabularySource(
        "domn", "Domaines", "Domains",
        "Domaines des collections : support de conservation, fonction, chronologie, civilisation, géographie, discipline.",
        "Collection domains: medium, function, chronology, civilisation, geography, discipline.",
        ("DOMN",), "th294", "T51", ("lexdomn",), "lexdomn-201405.rtf",
        extra={"current": "opentheso-th294-domn/th294_domaines.csv"}),
    VocabularySource(
        "deno", "Dénominations", "Object names",
        "Dénominations des objets (nom de l'objet, de l'oeuvre).",
        "Object names (what the object is called).",
        ("DENO",), "th290", "T505", ("lexdeno",), "lexdeno-201405.rtf"),
    VocabularySource(
        "autr", "Auteurs", "Authors",
        "Intervenants : auteurs, exécutants, fabricants, ateliers, commanditaires, populations.",
        "Authors, makers, workshops, manufacturers, sponsors and peoples.",
        ("AUTR",), "th305", "T513", ("lexautr",), "lexautr-201405.rtf"),
    VocabularySource(
        "autrole", "Rôles des auteurs", "Author roles",
        "Rôles des auteurs et exécutants, indiqués entre parenthèses après le nom dans le champ AUTR.",
        "Roles of authors and makers, given in brackets after the name in the AUTR field.",
        ("AUTR",), "th302", None, ("lexautrole",), "lexautrole-201405.rtf"),
    VocabularySource(
        "ecol", "Écoles", "Schools",
        "Écoles et pays de rattachement artistique.",
        "Schools and countries of artistic affiliation.",
        ("ECOL",), "th295", "T517", ("lexecol",), "lexecol-201405.rtf",
        extra={"current": "opentheso-current/th295.json"}),
    VocabularySource(
        "epoq", "Époques, styles, mouvements", "Epochs, styles, movements",
        "Époques historiques, styles et mouvements artistiques.",
        "Historical epochs, styles and art movements.",
        ("EPOQ",), "th289", "T93", ("lexepoq",), "lexepoq-201405.rtf",
        extra={"current": "opentheso-current/th289.json"}),
    VocabularySource(
        "gene", "Genèse", "Genesis",
        "Stades de création de l'oeuvre (genèse).",
        "Stages of creation of the work (genesis).",
        ("GENE",), "th298", "T506", ("lexgene",), "lexgene-201405.rtf",
        extra={"current": "opentheso-current/th298.json"}),
    VocabularySource(
        "peri", "Périodes", "Periods",
        "Datations en siècle ou millénaire : périodes de création, de l'original copié, d'utilisation.",
        "Dating by century or millennium: periods of creation, of the copied original, of use.",
        ("PERI", "PEOC", "PERU"), "th287", "T521", ("lexperi",), "lexperi-201405.rtf",
        extra={"current": "opentheso-current/th287.json"}),
    VocabularySource(
        "insc", "Inscriptions", "Inscriptions",
        "Types d'inscriptions portées sur l'objet.",
        "Types of inscriptions on the object.",
        ("INSC",), "th288", None, ("lexinsc",), "lexinsc-201405.rtf",
        extra={"current": "opentheso-current/th288.json"}),
    VocabularySource(
        "tech", "Matériaux et techniques", "Materials and techniques",
        "Matériaux et techniques de création, par famille de matériaux.",
        "Materials and techniques, by family of material.",
        ("TECH",), "th291", "T516", ("lextech",), "lextech-201405.rtf"),
    VocabularySource(
        "lieux", "Lieux de création, d'exécution, d'utilisation", "Places of creation and use",
        "Lieux géographiques de création, d'exécution et d'utilisation.",
        "Geographical places of creation, execution and use.",
        ("LIEUX",), "th284", "T84", ("lexlieux",), "lexlieux-201405.rtf",
        extra={"date": "2012-03"}),  # this lexicon says "Mise à jour mars 2012"
    VocabularySource(
        "decv", "Découverte, collecte", "Discovery, collection",
        "Méthodes de collecte, types de sites et lieux géographiques de découverte.",
        "Collection methods, types of sites and places of discovery.",
        ("DECV",), "th292", None, ("lexdecv",), "lexdecv-201405.rtf"),
    VocabularySource(
        "util", "Utilisation, destination", "Use, purpose",
        "Utilisations et destinations des objets.",
        "Uses and purposes of objects.",
        ("UTIL",), "th304", None, ("lexutil",), "lexutil-201405.rtf"),
    VocabularySource(
        "loca", "Localisations", "Locations",
        "Musées de France et établissements : « commune ; nom de l'institution ».",
        "Museums of France and other institutions: \"town ; institution name\".",
        ("LOCA", "DEPO"), "th306", "T515",
        extra={"date": "2024-02",  # latest Muséofile update
               "guide_definition": "Régions et départements : ils organisent la liste des musées mais ne "
                                   "sont pas des lieux de conservation à écrire dans une notice."}),
    VocabularySource(
        "repr", "Sujets représentés", "Represented subjects",
        "Sujets représentés (d'après le thésaurus iconographique de François Garnier) et personnes représentées.",
        "Represented subjects (after François Garnier's iconographic thesaurus) and persons represented.",
        ("REPR",), "th285", None, ("lexrepr", "lexpers"), "lexrepr-201405.rtf",
        extra={"rtf_more": ("lexpers-201405.rtf",)}),
    VocabularySource(
        "srep", "Sources de la représentation", "Sources of the representation",
        "Sources textuelles et iconographiques de la représentation.",
        "Textual and visual sources of the representation.",
        ("SREP",), "th286", None, ("lexsrep",), "lexsrep-201405.rtf"),
)

BY_ID = {s.id: s for s in SOURCES}
