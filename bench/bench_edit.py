"""The write path's benchmark: one edit's server time — changeset → validated with the strict policy →
committed with its history record → label index patched — at bundled size and with 1.5 million labels.

    .venv/bin/python bench/bench_edit.py [--edits 300] [--scaled-labels 1500000] [--json out.json]

In process, on a real store in a temp dir: the 16 bundled vocabularies, loaded as `vocabserver load` does;
then `--edits` edits alternately adding and removing an altLabel of a random DENO concept, each timed from
`Writer.apply` to its return (the index of the new state installed), and checked visible by a lookup.
Then the same with a generated vocabulary of `--scaled-labels` labels (French-like labels from the real
words, a hierarchy) added to the store, so the index holds 1.5 million labels more. Beside each, the time
of a full index rebuild: what a change cost before the index was patched.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bundled_engine, percentiles, report  # noqa: E402
from vocabserver.changes.changeset import ChangeSet  # noqa: E402
from vocabserver.core import Core  # noqa: E402
from vocabserver.store.embedded import Staged, VocabStore  # noqa: E402
from vocabserver.store.stats import graph_counts, graph_schemes  # noqa: E402

BASE = "http://localhost:8080/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ALT = ox.NamedNode(SKOS + "altLabel")


def edits(core: Core, count: int, rng: random.Random, warm_up: int = 5) -> dict:
    """`count` timed add/remove pairs, after the index's warm-up (as a server does it at start: the URI table
    and narrower lists a first change needs) and `warm_up` untimed pairs."""
    index = core.labels.current()
    index.warm()
    deno = [c for c in range(len(index.uris)) if index.vocab_of(c) == "deno"]
    graph = core.store.graph_iri("deno")
    timings, patches, visible = [], [], 0
    for number in range(-warm_up, count):
        if number < 0:
            triple = ox.Triple(ox.NamedNode(index.uris[rng.choice(deno)]), ALT, ox.Literal(f"échauffement {number}"))
            core.writer.apply(ChangeSet(graph, [], [triple], "bench", "warm-up"))
            core.writer.apply(ChangeSet(graph, [triple], [], "bench", "warm-up"))
            continue
        concept = ox.NamedNode(index.uris[rng.choice(deno)])
        label = ox.Literal(f"forme d'essai {number}", language="fr")
        triple = ox.Triple(concept, ALT, label)
        started = time.perf_counter()
        change, _ = core.writer.apply(ChangeSet(graph, [], [triple], "bench", "bench"))
        timings.append(time.perf_counter() - started)
        patches.append(core.labels.current().built_in)  # the index patch alone (index/patch.py times itself)
        hits = core.labels.current().lookup(label.value)
        visible += bool(hits) and core.labels.current().uris[hits[0].concept] == concept.value
        started = time.perf_counter()
        core.writer.apply(ChangeSet(graph, [triple], [], "bench", "bench"))
        timings.append(time.perf_counter() - started)
    return percentiles(timings, 3) | {"index_patch": percentiles(patches, 3), "visible_at_once": f"{visible}/{count}",
                                   "index_loaded_from": core.labels.current().loaded_from}


def scaled_vocabulary(store: VocabStore, words: list[str], lengths: list[int], target: int,
                      rng: random.Random) -> None:
    """A generated vocabulary of `target` concepts with one prefLabel each, loaded without its checks."""
    lines = [f"<{BASE}big/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}ConceptScheme> ."]
    for number in range(target):
        uri = f"<{BASE}big/c{number}>"
        text = " ".join(rng.choice(words) for _ in range(rng.choice(lengths))).replace("\\", "").replace('"', "")
        lines.append(f"{uri} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{SKOS}Concept> .")
        lines.append(f'{uri} <{SKOS}prefLabel> "{text}"@fr .')
        lines.append(f"{uri} <{SKOS}inScheme> <{BASE}big/s> .")
        if number >= 50 and number % 3:
            lines.append(f"{uri} <{SKOS}broader> <{BASE}big/c{number - rng.randint(1, 50)}> .")
        else:
            lines.append(f"{uri} <{SKOS}topConceptOf> <{BASE}big/s> .")
    staged = store.stage("big", data="\n".join(lines).encode("utf-8"), fmt=ox.RdfFormat.N_TRIPLES)
    counts = graph_counts(store.store, staged)
    store.commit_many([Staged("big", staged, counts, graph_schemes(store.store, staged), "bench:generated")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=300)
    parser.add_argument("--scaled-labels", type=int, default=1_500_000, help="0 to skip")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="vocabserver-bench-edit-"))
    results: dict = {}
    try:
        core = bundled_engine(work / "store", BASE)
        store = core.store
        started = time.perf_counter()
        index = core.labels.current()
        results["bundled"] = {"labels": len(index.label_text), "full_rebuild_s": round(time.perf_counter() - started, 2),
                              "edit": edits(core, args.edits, rng)}
        if args.scaled_labels:
            words = [w for text in index.label_text for w in text.replace("'", "' ").split()]
            lengths = [len(text.split()) for text in index.label_text]
            started = time.perf_counter()
            scaled_vocabulary(store, words, lengths, args.scaled_labels, rng)
            loaded = time.perf_counter() - started
            started = time.perf_counter()
            index = core.labels.current()
            results["scaled"] = {"labels": len(index.label_text), "generated_and_loaded_s": round(loaded, 1),
                                 "full_rebuild_s": round(time.perf_counter() - started, 1),
                                 "edit": edits(core, args.edits, rng)}
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
