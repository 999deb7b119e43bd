"""skosify normalisation, made safe to call from a server or a CLI.

skosify reports what it changes through the logging module and calls
sys.exit() when it cannot go on (no concept to guess a namespace from, for
instance): both are captured here and turned into a list and an exception.
"""

from __future__ import annotations

import logging
import sys
import threading

import skosify
from rdflib import Graph


class NormalisationError(ValueError):
    pass


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.INFO:
            self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


# skosify walks the hierarchy recursively: one Python frame per level. It runs on a thread of its own with
# a large stack and a recursion limit that a hierarchy as deep as the load's triple cap allows fits in.
_STACK = 512 * 1024 * 1024
_RECURSION = 200_000


def normalise(graph: Graph, default_language: str | None = None,
              scheme: str | None = None) -> tuple[Graph, list[str]]:
    """Return skosify's normalised graph and what it said about the input. `scheme`: the IRI of the concept
    scheme skosify creates when the file has none (under this server's base, never in the file's namespace)."""
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["value"] = _normalise(graph, default_language, scheme)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            outcome["error"] = exc

    with _STACK_GUARD:
        previous_stack, previous_limit = threading.stack_size(_STACK), sys.getrecursionlimit()
        sys.setrecursionlimit(max(previous_limit, _RECURSION))
        try:
            thread = threading.Thread(target=work, name="skosify")
            thread.start()
        finally:
            threading.stack_size(previous_stack)
        thread.join()
        sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        if isinstance(outcome["error"], RecursionError):
            raise NormalisationError("skosify could not normalise this vocabulary: its hierarchy is nested "
                                     f"more than {_RECURSION} levels deep") from None
        raise outcome["error"]
    return outcome["value"]


_STACK_GUARD = threading.Lock()


def _plain(message: str) -> str:
    """skosify's messages name options of its own command line, which vocabserver does not have."""
    message = message.replace("critical: ", "")
    if "Namespace auto-detection failed" in message:
        return "its concepts share no common namespace to detect"
    return message.split(" Set ")[0].split(" Use --")[0]


def _normalise(graph: Graph, default_language: str | None, scheme: str | None) -> tuple[Graph, list[str]]:
    handler = _Collect()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # skosify's own handlers would print to stderr: keep only ours for the call.
    try:
        result = skosify.skosify(
            graph,
            mark_top_concepts=True,
            narrower=True,
            # Mappings point to other vocabularies: inferring skos:narrower from skos:narrowMatch would put
            # LCSH inside our hierarchy, and the inverse links would be claims about someone else's concepts.
            enrich_mappings=False,
            eliminate_redundancy=False,
            break_cycles=False,
            keep_related=True,  # related+broader clashes are reported by our checks, not silently removed
            preflabel_policy="shortest",
            default_language=default_language,
            namespace=scheme,
        )
    except SystemExit:
        said = "; ".join(_plain(m) for m in handler.messages if m.startswith(("critical", "error")))
        raise NormalisationError(
            "skosify could not normalise this vocabulary: " + (said or "it found no skos:Concept to work on")
            + " (load it with --no-normalise to skip this step)") from None
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    return result, [_plain(m) for m in handler.messages]


SKOS_NS = "http://www.w3.org/2004/02/skos/core#"


def repair_labels(graph: Graph) -> list[dict]:
    """The safe repairs of SKOS's label conditions, made on `graph` and returned as changes:
    - S14, two prefLabels in one language (fr and fr-FR count as one): the shortest (then the first in
      alphabetical order) stays, the others become altLabels;
    - S13, an alt or hidden label equal to the concept's prefLabel: dropped (the prefLabel says it).
    Each change is {"kind", "count", "examples"} (at most 5 concepts named)."""
    from rdflib import Literal, URIRef

    pref, alt, hidden = (URIRef(SKOS_NS + name) for name in ("prefLabel", "altLabel", "hiddenLabel"))
    demoted: list[str] = []
    for concept in sorted({s for s in graph.subjects(pref, None)}, key=str):
        by_language: dict[str, list[Literal]] = {}
        for label in graph.objects(concept, pref):
            if isinstance(label, Literal):
                language = (label.language or "").lower()
                by_language.setdefault("fr" if language == "fr-fr" else language, []).append(label)
        for labels in by_language.values():
            if len(labels) > 1:
                keep = min(labels, key=lambda lit: (len(str(lit)), str(lit), lit.language or ""))
                for label in labels:
                    if label is not keep:
                        graph.remove((concept, pref, label))
                        graph.add((concept, alt, label))
                        demoted.append(str(concept))
    dropped: list[str] = []
    for concept, label in list(graph.subject_objects(pref)):
        for kind in (alt, hidden):
            if (concept, kind, label) in graph:
                graph.remove((concept, kind, label))
                dropped.append(str(concept))
    changes = []
    if demoted:
        changes.append({"kind": "S14-extra-prefLabel-made-altLabel", "count": len(demoted),
                        "examples": sorted(set(demoted))[:5]})
    if dropped:
        changes.append({"kind": "S13-label-equal-to-prefLabel-dropped", "count": len(dropped),
                        "examples": sorted(set(dropped))[:5]})
    return changes


SKOSXL_NS = "http://www.w3.org/2008/05/skos-xl#"


def xl_to_skos_labels(graph: Graph) -> list[dict]:
    """SKOS-XL labels (`skosxl:prefLabel` → a label resource → `skosxl:literalForm`) also written as plain SKOS
    labels, which lookup, pages and validation read; the SKOS-XL triples stay in the data. Returned as a change."""
    from rdflib import URIRef

    made = 0
    for kind in ("prefLabel", "altLabel", "hiddenLabel"):
        xl, plain = URIRef(SKOSXL_NS + kind), URIRef(SKOS_NS + kind)
        for concept, label in list(graph.subject_objects(xl)):
            for literal in graph.objects(label, URIRef(SKOSXL_NS + "literalForm")):
                if (concept, plain, literal) not in graph:
                    graph.add((concept, plain, literal))
                    made += 1
    return [{"kind": "SKOS-XL-label-written-as-SKOS-label", "count": made}] if made else []
