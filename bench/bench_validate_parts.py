"""The parts of a verdict, timed alone on the bundled vocabularies (in process, a real store in a temp dir):

- "which concepts have this label": the label index's `lookup` against the exact-label table
  (records/exact.py), on 20,000 labels drawn from every vocabulary, as written, in capitals, without accents,
  and changed into no label — with the same answers required of both;
- the time to build the exact-label table and the suggestion tables, once per index;
- a suggestion for a value no label matches: 5,000 labels with a typo (a letter deleted, swapped, replaced or
  doubled), and how often the label meant is the first suggestion.

    .venv/bin/python bench/bench_validate_parts.py [--json bench/results-validate-parts.json]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_validate import _strip_accents, _typo  # noqa: E402
from bench.common import bundled_engine, report  # noqa: E402

BASE = "http://localhost:8080/"


def _per_call_us(function, items) -> float:
    started = time.perf_counter()
    for item in items:
        function(*item)
    return round((time.perf_counter() - started) / len(items) * 1e6, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from vocabserver.records.exact import ExactLabels
    from vocabserver.records.suggest import Suggester

    work = Path(tempfile.mkdtemp(prefix="vocabserver-bench-parts-"))
    try:
        index = bundled_engine(work / "store", BASE).labels.current()
        rng = random.Random(3)
        labels = rng.sample(range(len(index.label_concept)), 5000)
        questions = []
        for label in labels:
            vocab = (index.vocab_of(int(index.label_concept[label])),)
            text = index.label_text[label]
            questions += [(text, vocab), (text.upper(), vocab), (_strip_accents(text), vocab), (text + "z", vocab)]

        started = time.perf_counter()
        exact = ExactLabels(index)
        exact_build = time.perf_counter() - started

        def lookup(text, vocab):
            return [(hit.concept, hit.label) for hit in index.lookup(text, vocabularies=list(vocab), deprecated=True)]

        assert all(exact.matches(text, vocab) == lookup(text, vocab) for text, vocab in questions)
        lookup_us = [_per_call_us(lookup, questions) for _ in range(3)]
        exact_us = [_per_call_us(exact.matches, questions) for _ in range(3)]

        started = time.perf_counter()
        suggester = Suggester(index)
        suggester.prepare()
        suggester_build = time.perf_counter() - started
        typos = []
        for label in labels:
            text = index.label_text[label]
            if len(text) >= 6 and index.guide[int(index.label_concept[label])] == 0:
                mutated = _typo(rng, text)
                vocab = (index.vocab_of(int(index.label_concept[label])),)
                if not lookup(mutated, vocab):
                    typos.append((mutated, vocab, index.uris[int(index.label_concept[label])]))
        started = time.perf_counter()
        answers = [suggester.suggest(text, vocab) for text, vocab, _uri in typos]
        suggest_us = (time.perf_counter() - started) / len(typos) * 1e6
        first = sum(bool(a) and a[0]["uri"] == uri for a, (_t, _v, uri) in zip(answers, typos))
        results = {"questions": len(questions), "same_answers": True,
                   "lookup_us_per_question": lookup_us, "exact_table_us_per_question": exact_us,
                   "exact_table_build_s": round(exact_build, 2), "suggestion_tables_build_s": round(suggester_build, 2),
                   "typos": len(typos), "suggest_us_per_value": round(suggest_us, 1),
                   "typo_first_suggestion": round(first / len(typos), 3)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
