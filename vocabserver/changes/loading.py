"""Loading vocabularies: parse -> safe repairs and skosify normalisation -> checks -> atomic replace.

A file is loaded when it can be used (it parses and holds at least one concept). What the load read, kept,
changed and dropped is reported, and its findings are listed; whether a finding refuses the load is the
vocabulary's policy: *strict* for the bundled Joconde vocabularies (and any load with `strict`), *lenient*
otherwise (see checks.Policy)."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import Graph

from vocabserver.changes.checks import LENIENT, STRICT, CheckReport, Policy, run_checks
from vocabserver.config import LoadLimits
from vocabserver.changes.load_limits import check_xml_entities, read_bounded
from vocabserver.changes.normalise import NormalisationError, normalise, repair_labels, xl_to_skos_labels
from vocabserver.rdf.formats import RdfFormatInfo, format_by_name, format_for_path, parse_triples
from vocabserver.resources import shipped
from vocabserver.changes.import_formats import IMPORT_FORMATS, convert, sniff
from vocabserver.changes.writer import Writer
from vocabserver.store.stats import graph_counts, graph_properties, graph_schemes
from vocabserver.store.embedded import Staged, VocabStore, validate_id

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CONCEPT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept")


class LoadRefused(Exception):
    def __init__(self, report: CheckReport, refusals: list | None = None, policy: str = STRICT):
        self.report = report
        self.refusals = refusals if refusals is not None else report.errors
        first = self.refusals[0]
        super().__init__(
            f"{report.vocabulary}: load refused by the {policy} policy, {len(self.refusals)} finding(s) "
            f"(first: {first.check}: {first.message} {' '.join(first.resources[:3])}); "
            "the store is unchanged (use --force to load anyway)")


@dataclass
class LoadResult:
    vocabulary: str
    source: str
    status: str  # "loaded" (new), "replaced", "unchanged" (same bytes as loaded) or "edited" (kept): skipped
    report: CheckReport
    counts: dict[str, int]
    seconds: float
    notes: list[str] = field(default_factory=list)  # what skosify said
    policy: str = STRICT
    read: int = 0  # triples parsed from the file
    changes: list[dict] = field(default_factory=list)  # each {"kind", "count", …}: what normalisation changed
    dropped: list[dict] = field(default_factory=list)  # each {"property", "count"}: triples read but not kept
    change: int | None = None  # the load's number in the change log

    def as_dict(self) -> dict:
        return {"vocabulary": self.vocabulary, "status": self.status, "source": self.source, "policy": self.policy,
                "read": self.read, "kept": self.counts.get("triples", 0), "counts": self.counts,
                "changes": self.changes, "dropped": self.dropped, "notes": self.notes,
                "errors": len(self.report.errors), "warnings": len(self.report.warnings),
                "findings": [f.as_dict() for f in self.report.findings], "seconds": round(self.seconds, 3),
                "change": self.change}

    @property
    def replaced(self) -> bool:
        return self.status == "replaced"


def content_version(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def bundled_files() -> dict[str, Path]:
    """The vocabularies shipped in vocabularies/, by id."""
    return {p.stem: p for p in sorted(shipped("vocabularies").glob("*.ttl"))}


def _verify(store: VocabStore, vocab_id: str, staged: ox.NamedNode, source: str,
            version: str, policy: str = STRICT) -> tuple[CheckReport, Staged]:
    return _verify_in(store, vocab_id, staged, source, version, policy)


def _verify_in(raw: VocabStore, vocab_id: str, staged: ox.NamedNode, source: str,
               version: str, policy: str) -> tuple[CheckReport, Staged]:
    if raw.shared:  # counted and checked on a copy in memory: one request, not one per check and row
        raw = raw.local_copy(staged)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="counts") as side:
        counts = side.submit(graph_counts, raw, staged)
        schemes = side.submit(graph_schemes, raw, staged)
        properties = side.submit(graph_properties, raw, staged)
        report = run_checks(raw, staged, vocab_id)
        return report, Staged(vocab_id, staged, counts.result(), schemes.result(), source, version, policy,
                              properties.result())


def load_bundled(store: VocabStore, ids: list[str] | None = None, force: bool = False,
                 progress: Callable[[str], None] | None = None, reload: bool = False,
                 writer: Writer | None = None, actor: str = "vocabserver") -> list[LoadResult]:
    """Load shipped vocabularies, all or none.

    They were normalised with skosify at build time, so that step is skipped;
    every integrity check still runs before one transaction makes them live.
    A bulk load keeps about one core busy: the checks of one vocabulary run
    while the next is being loaded, largest first so the long checks overlap.
    A vocabulary whose file has not changed since it was loaded is skipped
    (replacing AUTR costs seconds for nothing) unless `reload`.
    """
    files = bundled_files()
    unknown = [i for i in ids or [] if i not in files]
    if unknown:
        raise KeyError(f"no bundled vocabulary {', '.join(unknown)}; bundled: {', '.join(files)}")
    current = store.vocabularies()
    versions = {v: content_version(p.read_bytes()) for v, p in files.items() if not ids or v in ids}
    unchanged = [] if reload else [
        LoadResult(v, current[v].source, "unchanged", CheckReport(v), current[v].counts, 0.0)
        for v in versions if v in current and current[v].version == versions[v]]
    # A vocabulary edited since its load (its version names its last change) keeps the curators' work:
    # only --reload replaces it with the bundled file.
    unchanged += [] if reload else [
        LoadResult(v, current[v].source, "edited", CheckReport(v), current[v].counts, 0.0)
        for v in versions if v in current and current[v].version.startswith("change:")]
    skip = {r.vocabulary for r in unchanged}
    todo = sorted(((v, files[v]) for v in versions if v not in skip), key=lambda i: -i[1].stat().st_size)
    verified: dict[str, tuple[float, CheckReport, Staged]] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stage") as loader:
        started = time.perf_counter()
        staging = [loader.submit(store.stage, vocab_id, path=path) for vocab_id, path in todo]
        try:
            for (vocab_id, path), future in zip(todo, staging):
                staged = future.result()
                if progress:
                    progress(vocab_id)
                report, item = _verify(store, vocab_id, staged, f"bundled:{path.name}", versions[vocab_id])
                verified[vocab_id] = (time.perf_counter() - started, report, item)
                refusals = Policy(STRICT).refusals(report)  # record validation needs one concept per label
                if refusals and not force:
                    raise LoadRefused(report, refusals, STRICT)
            recorded = {c.vocabulary: c.number for c in
                        (writer or Writer(store)).commit_loads([verified[v][2] for v in sorted(verified)], actor)}
        except BaseException:
            for future in staging:
                future.cancel()
            for future in staging:
                if not future.cancelled() and future.exception() is None:
                    store.discard(future.result())
            raise
    loaded = [LoadResult(v, item.source, "replaced" if item.graph != store.graph_iri(v) else "loaded", report,
                         item.counts, seconds, change=recorded.get(v)) for v, (seconds, report, item) in verified.items()]
    return sorted(loaded + unchanged, key=lambda r: r.vocabulary)


class NoConcept(ValueError):
    pass


def load_file(store: VocabStore, path: Path, vocab_id: str, fmt: str | None = None, force: bool = False,
              skip_normalise: bool = False, limits: LoadLimits | None = None, strict: bool = False,
              dry_run: bool = False, writer: Writer | None = None, actor: str = "vocabserver") -> LoadResult:
    """Load any SKOS file as a new vocabulary or in place of an existing one (or, `dry_run`, only report
    what the load would do). The policy is strict when asked, or when the vocabulary replaced is strict."""
    validate_id(vocab_id)
    limits = limits or LoadLimits()
    started = time.perf_counter()
    data = read_bounded(path, limits)
    # Relative IRIs of an uploaded file are minted under this vocabulary's own space.
    base = f"{store.base_uri}{vocab_id}/"
    kind = fmt if fmt in IMPORT_FORMATS else (None if fmt else sniff(path, data))
    converted_notes: list[str] = []
    if kind:
        converted = convert(kind, data, str(path))  # Opentheso CSV or reduced JSON: triples, with what was left
        triples, converted_notes = converted.triples, [f"{kind}: {n}" for n in converted.notes]
        if len(triples) > limits.max_triples:
            raise ValueError(f"{path}: more than {limits.max_triples} triples (VOCABSERVER_MAX_LOAD_TRIPLES)")
    else:
        info: RdfFormatInfo = format_by_name(fmt) if fmt else format_for_path(path)
        if info.oxigraph == ox.RdfFormat.RDF_XML:
            check_xml_entities(data, str(path), limits)
        triples = parse_triples(data, info, base, str(path), limits.max_triples)
    if not any(t.predicate == _RDF_TYPE and t.object == _CONCEPT for t in triples):
        raise NoConcept(f"{path}: no skos:Concept in {len(triples)} triple(s): nothing to load as a vocabulary")
    current = store.vocabularies().get(vocab_id)
    policy = STRICT if strict or (current is not None and current.policy == STRICT) else LENIENT
    read = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    payload, repaired, notes, changes = read, read, [], []
    if not skip_normalise:
        repaired, payload, notes, changes = _normalised(read, store.base_uri + vocab_id)
    dropped, added = _difference(repaired, payload)  # what skosify dropped and added (repairs are changes)
    changes += [{"kind": "added-by-normalisation", "count": a["count"], "property": a["property"]} for a in added]
    source, version = f"file:{path.name}", content_version(data)
    if dry_run:
        scratch = VocabStore(None, store.base_uri)  # the checks run on a copy in memory: the store is not touched
        graph = scratch.stage(vocab_id, data=payload, fmt=ox.RdfFormat.N_TRIPLES, base_iri=base)
        report, item = _verify_in(scratch, vocab_id, graph, source, version, policy)
        status, change = "dry-run", None
    else:
        staged = store.stage(vocab_id, data=payload, fmt=ox.RdfFormat.N_TRIPLES, base_iri=base)
        try:
            report, item = _verify(store, vocab_id, staged, source, version, policy)
            refusals = Policy(policy).refusals(report)
            if refusals and not force:
                raise LoadRefused(report, refusals, policy)
            change = (writer or Writer(store)).commit_loads([item], actor)[0].number
        except BaseException:
            store.discard(staged)
            raise
        status = "replaced" if staged != store.graph_iri(vocab_id) else "loaded"
    return LoadResult(vocab_id, item.source, status, report, item.counts, time.perf_counter() - started,
                      converted_notes + notes, policy, len(triples), changes, dropped, change)


def _normalised(payload: bytes, scheme: str) -> tuple[bytes, bytes, list[str], list[dict]]:
    """The safe label repairs, then skosify: (after the repairs, after skosify, what skosify said, changes).
    skosify giving up never refuses a load: the file is then loaded without that step, and the report says so."""
    graph = Graph()
    graph.parse(data=payload, format="nt")
    changes = xl_to_skos_labels(graph) + repair_labels(graph)
    repaired = graph.serialize(format="nt", encoding="utf-8")
    try:
        graph, notes = normalise(graph, scheme=scheme)
    except NormalisationError as exc:
        return repaired, repaired, [], changes + [{"kind": "normalisation-skipped", "count": 1, "reason": str(exc)}]
    return repaired, graph.serialize(format="nt", encoding="utf-8"), notes, changes


def _difference(before: bytes, after: bytes) -> tuple[list[dict], list[dict]]:
    """Triples dropped and added between two N-Triples documents, counted by property. Compared as parsed
    terms (two serialisations may write a literal differently); triples with blank nodes are left out,
    since normalisation renames blank nodes."""
    def named(data: bytes) -> set:
        return {t for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
                if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)}

    def by_property(triples) -> list[dict]:
        counts: dict[str, int] = {}
        for triple in triples:
            counts[triple.predicate.value] = counts.get(triple.predicate.value, 0) + 1
        return [{"property": p, "count": n} for p, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))]

    old, new = named(before), named(after)
    return by_property(old - new), by_property(new - old)
