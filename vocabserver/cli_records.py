"""`vocabserver validate`: museums' records checked against the vocabularies (vocabserver/records/)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vocabserver.cli import EXIT_INPUT, EXIT_STORE, Context, Failure, main

pass_context = click.make_pass_decorator(Context)


def _engine(ctx: Context):
    """The store read-only (usable while a server holds it); without one, the bundled vocabularies loaded in
    memory (slower to start: `vocabserver load` makes it instant)."""
    from vocabserver.index.holder import LabelIndexHolder, index_path
    from vocabserver.core import open_store
    from vocabserver.store.embedded import StoreError, VocabStore

    settings = ctx.settings()
    if settings.remote is not None or (settings.data_dir / "CURRENT").exists():
        try:
            store = open_store(settings, read_only=True)
        except StoreError as exc:
            raise Failure(str(exc), EXIT_STORE) from None
        return store, LabelIndexHolder(store, index_path(store)).current()
    from vocabserver.changes.loading import load_bundled

    click.echo(f"no store at {settings.data_dir}: checking against the bundled vocabularies, loaded in memory "
               "(`vocabserver load` once makes this start at once)", err=True)
    store = VocabStore(None, settings.base_uri)
    load_bundled(store, actor="vocabserver validate")
    return store, LabelIndexHolder(store, None).current()


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "output", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True,
              help="text: counts and the most frequent problems; json: every value checked, with its parts; csv: one row "
                   "per problem.")
@click.option("--fields", help="Only these fields (comma-separated codes: DENO,TECH…); all controlled ones by default.")
@click.option("--input-format", type=click.Choice(["notices", "csv", "json"]), help="Instead of detecting it.")
@click.option("--encoding", help="The input's encoding (utf-8, windows-1252, iso-8859-1…) instead of detecting it.")
@click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Instead of standard output.")
@click.option("--fix", "fix", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a corrected copy of the (one) input: non-preferred forms, and labels written with other case "
                   "or accents, replaced by the preferred label; everything else untouched.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Processes checking records (default: two on a machine with two cores or more, for inputs over "
                   "1 MB; one otherwise).")
@click.option("--progress/--no-progress", default=None,
              help="Records read and their rate on standard error, each second (by default when it is a terminal).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the HTML report (counts per field, verdict and museum; problems, most frequent first).")
@pass_context
def validate(ctx: Context, files: tuple[Path, ...], output: str, fields: str | None, input_format: str | None,
             encoding: str | None, output_file: Path | None, report: Path | None, fix: Path | None,
             progress: bool | None, workers: int | None) -> None:
    """Check Joconde records (field-code text, CSV of the open-data extract or with field codes, JSON) against
    the vocabularies: each value valid, non-preferred (the form to write), guide term, deprecated (its
    replacement), ambiguous, or unknown (with suggestions). Exit code 1 when a value is not valid."""
    from vocabserver.records.formats import InputError, open_records
    from vocabserver.records.reports import write_csv, write_json, write_text
    from vocabserver.records.validate import Validation
    from vocabserver.records.verdicts import Checker

    if fix and len(files) != 1:
        raise Failure("--fix writes the corrected copy of one input: give one FILE", EXIT_INPUT)
    store, index = _engine(ctx)
    checker = Checker(index, store)
    try:
        validation = Validation(checker, fields.split(",") if fields else None)
    except ValueError as exc:
        raise Failure(str(exc), EXIT_INPUT) from None
    sources, streams = [], []
    try:
        for path in files:
            source, records = open_records(path, input_format, encoding)
            sources.append(source)
            streams.append(records)
    except (InputError, LookupError, UnicodeDecodeError) as exc:
        raise Failure(str(exc), EXIT_INPUT) from None

    show = sys.stderr.isatty() if progress is None else progress
    if workers is None:
        import os

        big = sum(path.stat().st_size for path in files) > 1_000_000
        workers = min(2, os.cpu_count() or 1) if big and sys.platform.startswith("linux") else 1
    if workers > 1:
        checker.offline()  # the workers are forked: the store is read now, then closed
        store.close()

    def all_results():
        from vocabserver.records import parallel

        errors = validation.summary.errors
        for source, records in zip(sources, streams):
            before = len(errors)
            records = _progress(records, source.name) if show else records
            yield from (parallel.run(validation, records, workers, every=output == "json") if workers > 1
                        else validation.run(records, every=output == "json"))
            for error in errors[before:]:  # which input: several may be checked together
                error["file"] = source.name

    out = open(output_file, "w", encoding="utf-8", newline="") if output_file else sys.stdout
    try:
        if output == "json":
            write_json(out, validation, all_results(), _combined(sources))
        elif output == "csv":
            write_csv(out, all_results())
        else:
            write_text(out, validation, all_results(), _combined(sources))
    finally:
        if output_file:
            out.close()
    if fix:
        from vocabserver.records.fixes import write_fixed

        changed = write_fixed(files[0], sources[0], validation, fix)
        click.echo(f"corrected copy: {fix} ({changed} field values changed)", err=True)
    if report:
        from vocabserver.records.html import write_html

        write_html(report, validation, _combined(sources))
    summary = validation.summary
    for error in summary.errors[:20]:
        click.echo(f"{'error' if error.get('fatal') else 'bad record'}: line {error['line']} of {error['file']}: "
                   f"{error['message']}", err=True)
    if any(e.get("fatal") for e in summary.errors):
        sys.exit(EXIT_INPUT)
    if summary.values - summary.verdicts.get("valid", 0) or summary.missing:
        sys.exit(1)


def _combined(sources):
    if len(sources) == 1:
        return sources[0]
    from vocabserver.records.formats import Source

    first = sources[0]
    return Source(", ".join(s.name for s in sources), first.format, first.encoding,
                  notes=[f"{s.name}: {n}" for s in sources for n in s.notes])


def _progress(records, name: str):
    """The records passed on; every second, how many were read and how fast, on standard error."""
    import time

    started = last = time.monotonic()
    count = 0
    for count, record in enumerate(records, start=1):
        now = time.monotonic()
        if now - last >= 1:
            last = now
            click.echo(f"\r{name}: {count:,} records ({count / (now - started):,.0f}/s)", err=True, nl=False)
        yield record
    elapsed = max(time.monotonic() - started, 1e-9)
    click.echo(f"\r{name}: {count:,} records in {elapsed:.1f} s ({count / elapsed:,.0f}/s)", err=True)
