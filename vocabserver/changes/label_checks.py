"""Quality checks of the report only (`vocabserver check`, the quality page): label hygiene and documentation.

They never refuse a load (warnings and information), so a load does not pay for them; the report
runs them over the live graph. Names follow qSKOS where it has one ("Omitted or Invalid Language
Tags", "Undocumented Concepts").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import unicodedata

import pyoxigraph as ox

from vocabserver.changes.checks import INFO, WARNING, Finding
from vocabserver.rdf.namespaces import PREFIXES

if TYPE_CHECKING:  # the seam, never pyoxigraph's Store
    from vocabserver.store.embedded import VocabStore

SKOS = PREFIXES["skos"]
_LABELS = [ox.NamedNode(SKOS + p) for p in ("prefLabel", "altLabel", "hiddenLabel")]
_NOTES = [ox.NamedNode(SKOS + p) for p in ("definition", "scopeNote", "note", "example", "historyNote",
                                            "editorialNote", "changeNote")]
_TYPE = ox.NamedNode(PREFIXES["rdf"] + "type")
_CONCEPT = ox.NamedNode(SKOS + "Concept")
# Oxigraph refuses ill-formed tags when parsing; what it lets through may still name no language ("xx",
# seen in Opentheso's samples): two-letter primary subtags are checked against ISO 639-1.
ISO_639_1 = frozenset("""aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik
io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt
my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so
sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split())
UNDOCUMENTED_SAMPLE = 20


def _known_language(tag: str) -> bool:
    primary = tag.split("-", 1)[0].lower()
    return len(primary) != 2 or primary in ISO_639_1


def _unusual(text: str) -> str | None:
    for char in text:
        category = unicodedata.category(char)
        if char == "\ufffd":
            return "a replacement character (U+FFFD): an encoding was lost"
        if category in ("Cc", "Co", "Cs") and char not in "\t":
            return f"a control or private-use character (U+{ord(char):04X})"
    if text.strip() and not any(c.isalnum() for c in text):
        return "no letter or digit"
    return None


def label_findings(store: VocabStore, graph: ox.NamedNode) -> list[Finding]:
    findings: list[Finding] = []
    for predicate in _LABELS:
        kind = predicate.value.rsplit("#", 1)[-1]
        for quad in store.quads(None, predicate, None, graph):
            label, subject = quad.object, quad.subject.value
            if not isinstance(label, ox.Literal):
                findings.append(Finding(WARNING, "label-not-literal", f"{kind} is a resource, not text", [subject]))
                continue
            text = label.value
            if not text.strip():
                findings.append(Finding(WARNING, "empty-label", f"empty {kind}", [subject]))
                continue
            if not label.language:
                findings.append(Finding(WARNING, "omitted-language-tag", f"{kind} {text!r} has no language tag",
                                        [subject]))
            elif not _known_language(label.language):
                findings.append(Finding(WARNING, "invalid-language-tag",
                                        f"{kind} {text!r}: language tag {label.language!r} names no ISO 639 language",
                                        [subject]))
            problem = _unusual(text)
            if problem:
                findings.append(Finding(WARNING, "unusual-characters", f"{kind} {text!r} contains {problem}",
                                        [subject]))
            elif text != text.strip() or "  " in text:
                findings.append(Finding(INFO, "label-whitespace", f"{kind} {text!r} has leading, trailing or "
                                        "repeated spaces", [subject]))
    return findings


def undocumented_findings(store: VocabStore, graph: ox.NamedNode) -> list[Finding]:
    """One finding for the whole vocabulary: how many concepts have no note at all, with a sample."""
    documented: set[str] = set()
    for predicate in _NOTES:
        documented.update(q.subject.value for q in store.quads(None, predicate, None, graph))
    concepts = [q.subject.value for q in store.quads(None, _TYPE, _CONCEPT, graph)]
    missing = [c for c in concepts if c not in documented]
    if not missing:
        return []
    return [Finding(INFO, "undocumented-concepts",
                    f"{len(missing)} of {len(concepts)} concepts have no definition or note (the first "
                    f"{min(len(missing), UNDOCUMENTED_SAMPLE)} are listed)", sorted(missing)[:UNDOCUMENTED_SAMPLE])]


def report_only_findings(store: VocabStore, graph: ox.NamedNode) -> list[Finding]:
    return label_findings(store, graph) + undocumented_findings(store, graph)
