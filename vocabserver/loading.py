"""Loading vocabularies: parse -> skosify normalisation -> integrity checks -> atomic replace."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from rdflib import Graph

from .checks import CheckReport, run_checks
from .config import LoadLimits
from .load_limits import check_xml_entities, read_bounded
from .normalise import normalise
from .rdfio import RdfFormatInfo, format_by_name, format_for_path, parse_triples
from .resources import shipped
from .stats import graph_counts, graph_schemes
from .store import Staged, VocabStore, validate_id

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_CONCEPT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#Concept")


class LoadRefused(Exception):
    def __init__(self, report: CheckReport):
        self.report = report
        errors = report.errors
        super().__init__(
            f"{report.vocabulary}: load refused, {len(errors)} integrity error(s) "
            f"(first: {errors[0].check}: {errors[0].message} {' '.join(errors[0].resources[:3])}); "
            "the store is unchanged (use --force to load anyway)")


@dataclass
class LoadResult:
    vocabulary: str
    source: str
    status: str  # "loaded" (new), "replaced", or "unchanged" (same bytes as the loaded version: skipped)
    report: CheckReport
    counts: dict[str, int]
    seconds: float
    notes: list[str] = field(default_factory=list)  # what normalisation changed

    @property
    def replaced(self) -> bool:
        return self.status == "replaced"


def content_version(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def bundled_files() -> dict[str, Path]:
    """The vocabularies shipped in vocabularies/, by id."""
    return {p.stem: p for p in sorted(shipped("vocabularies").glob("*.ttl"))}


def _verify(store: VocabStore, vocab_id: str, staged: ox.NamedNode, source: str,
            version: str) -> tuple[CheckReport, Staged]:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="counts") as side:
        counts = side.submit(graph_counts, store.store, staged)
        schemes = side.submit(graph_schemes, store.store, staged)
        report = run_checks(store.store, staged, vocab_id)
        return report, Staged(vocab_id, staged, counts.result(), schemes.result(), source, version)


def load_bundled(store: VocabStore, ids: list[str] | None = None, force: bool = False,
                 progress: Callable[[str], None] | None = None, reload: bool = False) -> list[LoadResult]:
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
                if report.errors and not force:
                    raise LoadRefused(report)
            store.commit_many([verified[v][2] for v in sorted(verified)])
        except BaseException:
            for future in staging:
                future.cancel()
            for future in staging:
                if not future.cancelled() and future.exception() is None:
                    store.discard(future.result())
            raise
    loaded = [LoadResult(v, item.source, "replaced" if item.graph != store.graph_iri(v) else "loaded", report,
                         item.counts, seconds) for v, (seconds, report, item) in verified.items()]
    return sorted(loaded + unchanged, key=lambda r: r.vocabulary)


class NoConcept(ValueError):
    pass


def load_file(store: VocabStore, path: Path, vocab_id: str, fmt: str | None = None, force: bool = False,
              skip_normalise: bool = False, limits: LoadLimits | None = None) -> LoadResult:
    """Load any SKOS file as a new vocabulary or in place of an existing one."""
    validate_id(vocab_id)
    limits = limits or LoadLimits()
    started = time.perf_counter()
    info: RdfFormatInfo = format_by_name(fmt) if fmt else format_for_path(path)
    data = read_bounded(path, limits)
    if info.oxigraph == ox.RdfFormat.RDF_XML:
        check_xml_entities(data, str(path), limits)
    # Relative IRIs of an uploaded file are minted under this vocabulary's own space.
    base = f"{store.base_uri}{vocab_id}/"
    triples = parse_triples(data, info, base, str(path), limits.max_triples)
    if not any(t.predicate == _RDF_TYPE and t.object == _CONCEPT for t in triples):
        raise NoConcept(f"{path}: no skos:Concept in {len(triples)} triple(s): nothing to load as a vocabulary")
    notes: list[str] = []
    payload = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if not skip_normalise:
        graph = Graph()
        graph.parse(data=payload, format="nt")
        graph, notes = normalise(graph)
        payload = graph.serialize(format="nt", encoding="utf-8")
    staged = store.stage(vocab_id, data=payload, fmt=ox.RdfFormat.N_TRIPLES, base_iri=base)
    try:
        report, item = _verify(store, vocab_id, staged, f"file:{path.name}", content_version(data))
        if report.errors and not force:
            raise LoadRefused(report)
        store.commit_many([item])
    except BaseException:
        store.discard(staged)
        raise
    return LoadResult(vocab_id, item.source, "replaced" if staged != store.graph_iri(vocab_id) else "loaded",
                      report, item.counts, time.perf_counter() - started, notes)
