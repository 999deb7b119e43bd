"""Record validation at scale: a CSV of 100,000 records with the open-data extract's column names, made of real
values (the Paris open-data sample's, and labels of the bundled vocabularies) with realistic errors injected —
case, lost accents, typos, non-preferred forms, unknown terms — validated by the real command line
(`vocabserver validate --format csv`) on a real store of the bundled vocabularies: records per second, peak
memory (10,000 then 100,000 records: bounded if the peak does not grow with the input), and the quality of the
suggestions on the injected typos (the intended concept first, or among the five).

    .venv/bin/python bench/bench_validate.py [--records 100000] [--distribution zipf|uniform] [--repeat 3]
                                              [--json bench/results-validate.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bundled_engine, report, tree_pss_mb  # noqa: E402

BASE = "http://localhost:8080/"
SAMPLE = ROOT.parent / "shared" / "data" / "joconde-records-sample" / "BaseJoconde_Paris_Reconc.csv"
# Open-data column -> (field code, vocabulary whose labels feed it)
COLUMNS = {"Identifiant": ("REF", None), "Dénomination": ("DENO", "deno"), "Domaine": ("DOMN", "domn"),
           "Matériaux-techniques": ("TECH", "tech"), "Auteur": ("AUTR", "autr"), "Epoque": ("EPOQ", "epoq"),
           "Période de création": ("PERI", "peri"), "Lieu de conservation": ("LOCA", "loca"),
           "Sujet": ("REPR", "repr"), "Ecole": ("ECOL", "ecol"), "Titre": ("TITR", None),
           "Description": ("DESC", None)}
SAMPLE_COLUMNS = {"Denomination": "DENO", "Domaine": "DOMN", "Materiaux_techniques": "TECH", "Auteur": "AUTR",
                  "Epoque": "EPOQ", "Periode_de_creation": "PERI", "Localisation": "LOCA", "Sujet_Represente": "REPR",
                  "Titre": "TITR", "Description": "DESC"}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _typo(rng: random.Random, text: str) -> str:
    position = rng.randrange(1, len(text) - 1)
    kind = rng.choice(("delete", "swap", "replace", "double"))
    if kind == "delete":
        return text[:position] + text[position + 1:]
    if kind == "swap":
        return text[:position] + text[position + 1] + text[position] + text[position + 2:]
    if kind == "replace":
        return text[:position] + rng.choice("aeiourstnl") + text[position + 1:]
    return text[:position] + text[position] + text[position:]


def _pools(index) -> dict:
    """Per vocabulary: preferred labels (with their concept URI) and (altLabel, concept URI) pairs."""
    pools: dict[str, dict] = {}
    for label, text in enumerate(index.label_text):
        concept = int(index.label_concept[label])
        record = index.record(concept, "fr", label, with_path=False)
        if record["guideTerm"] or record["deprecated"] or record["matchedKind"] not in ("prefLabel", "altLabel"):
            continue
        pool = pools.setdefault(record["vocab"], {"prefLabel": [], "altLabel": []})
        pool[record["matchedKind"]].append((text, record["uri"]))
    return pools


def _zipf_picker(rng: random.Random, size: int, exponent: float):
    """Positions 0..size-1 drawn with probability ∝ 1/rank^exponent (ranks in a random order): how often terms
    recur in a catalogue (a few very often, most rarely)."""
    import bisect
    import itertools

    order = list(range(size))
    rng.shuffle(order)
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(size)))
    total = cumulative[-1]
    return lambda: order[min(bisect.bisect_left(cumulative, rng.random() * total), size - 1)]


def make_csv(path: Path, count: int, index, rng: random.Random, distribution: str = "zipf") -> list[dict]:
    """The CSV; returns the injected typos with the concept intended. `distribution`: how the vocabularies'
    labels are drawn — "zipf" (as terms recur in catalogues) or "uniform" (every label alike: the worst case,
    most values distinct)."""
    pools = _pools(index)
    pickers = {vocab: (_zipf_picker(rng, len(pool["prefLabel"]), 1.0) if distribution == "zipf"
                       else (lambda n=len(pool["prefLabel"]): rng.randrange(n)))
               for vocab, pool in pools.items() if pool["prefLabel"]}
    real: dict[str, list[str]] = {code: [] for code in SAMPLE_COLUMNS.values()}
    if SAMPLE.exists():
        with open(SAMPLE, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for column, code in SAMPLE_COLUMNS.items():
                    if row.get(column, "").strip():
                        real[code].append(row[column].strip())
    typos = []
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for number in range(count):
            row = []
            for column, (code, vocab) in COLUMNS.items():
                if code == "REF":
                    row.append(f"BENCH{number:08d}")
                    continue
                if vocab is None or rng.random() < 0.35:  # a real value of the sample, as museums write them
                    row.append(rng.choice(real[code]) if real.get(code) else "")
                    continue
                pool = pools.get(vocab)
                if not pool or rng.random() < 0.15:
                    row.append("")
                    continue
                text, uri = pool["prefLabel"][pickers[vocab]()]
                roll = rng.random()
                if roll < 0.05:
                    text = text.upper() if rng.random() < 0.5 else text.capitalize()
                elif roll < 0.10:
                    text = _strip_accents(text)
                elif roll < 0.16 and len(text) >= 6 and " ; " not in text:
                    mutated = _typo(rng, text)
                    if index.lookup(mutated, vocabularies=[vocab]):
                        mutated = text  # the typo made another label: not a typo
                    else:
                        typos.append({"value": mutated, "field": code, "uri": uri})
                    text = mutated
                elif roll < 0.22 and pool["altLabel"]:
                    text, uri = rng.choice(pool["altLabel"])
                elif roll < 0.24:
                    text = rng.choice(("zorglubine", "objet non identifié", "machin truc", "xqwz"))
                row.append(text)
            writer.writerow(row)
    return typos


def run_cli(data_dir: Path, csv_file: Path, out: Path, output: str = "csv", workers: int = 1) -> dict:
    """The command line on one file: wall time, and the peak memory of the process and its workers (PSS, polled:
    the label index the forked workers share is counted once)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "vocabserver", "--data-dir", str(data_dir), "--base-uri", BASE,
                                "validate", str(csv_file), "--format", output, "-o", str(out),
                                "--workers", str(workers)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_pss_mb(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    assert process.returncode in (0, 1), process.stderr.read()
    return {"seconds": round(seconds, 2), "peak_pss_mb": round(peak, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--distribution", choices=("zipf", "uniform"), default="zipf",
                        help="How labels are drawn: as terms recur in catalogues (zipf), or all alike (uniform).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of the large file, each way.")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(12)
    work = Path(tempfile.mkdtemp(prefix="vocabserver-bench-validate-"))
    try:
        core = bundled_engine(work / "store", BASE)
        index = core.labels.current()
        from vocabserver.index.holder import LabelIndexHolder, index_path

        LabelIndexHolder(core.store, index_path(core.store)).current()  # persisted: the CLI starts with it
        small, large = work / "small.csv", work / "large.csv"
        typos = make_csv(small, args.records // 10, index, random.Random(11), args.distribution)
        make_csv(large, args.records, index, rng, args.distribution)
        core.store.close()
        # An empty input: what starting costs (opening the store, reading the label index).
        empty = work / "empty.csv"
        empty.write_text(";".join(COLUMNS) + "\n", encoding="utf-8")
        start = run_cli(work / "store", empty, work / "out-empty.csv")
        first = run_cli(work / "store", small, work / "out-small.csv")
        # One process (the target), then two worker processes, alternately: the machine's speed drifts
        # by a fifth within minutes, so each pair is compared within itself, and the best and worst are kept.
        one, two = [], []
        for _ in range(args.repeat):
            one.append(run_cli(work / "store", large, work / "out-large.csv", workers=1))
            two.append(run_cli(work / "store", large, work / "out-large-2.csv", workers=2))
        assert (work / "out-large.csv").read_bytes() == (work / "out-large-2.csv").read_bytes()
        # The suggestions' quality, from the JSON report of the smaller file (every term with its suggestions).
        as_json = run_cli(work / "store", small, work / "out-small.json", "json")
        with open(work / "out-small.json", encoding="utf-8") as handle:
            document = json.load(handle)
        by_value = {(r["field"], r["value"]): r for r in document["results"]}
        first_hits = five_hits = found = 0
        for typo in typos:
            result = by_value.get((typo["field"], typo["value"]))
            if result is None or result["verdict"] != "unknown":
                continue
            found += 1
            uris = [s["uri"] for s in result["suggestions"]]
            first_hits += bool(uris) and uris[0] == typo["uri"]
            five_hits += typo["uri"] in uris

        def rate(run: dict) -> int:
            return round(args.records / (run["seconds"] - start["seconds"]))

        results = {"records": args.records, "distribution": args.distribution,
                   "values_of_10pct": document["values"], "counts_of_10pct": document["counts"],
                   "startup": start, "records_10pct_csv": first, "records_10pct_json": as_json,
                   "one_process": one, "two_workers": two,
                   "records_per_second_one_process": [rate(r) for r in one],
                   "records_per_second_two_workers": [rate(r) for r in two],
                   "peak_pss_mb_one_process": max(r["peak_pss_mb"] for r in one),
                   "peak_pss_mb_two_workers": max(r["peak_pss_mb"] for r in two),
                   "typos_injected_10pct": len(typos), "typos_unknown": found,
                   "typo_first_suggestion": round(first_hits / max(found, 1), 3),
                   "typo_in_five": round(five_hits / max(found, 1), 3)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.json)


if __name__ == "__main__":
    main()
