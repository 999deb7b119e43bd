"""The `vocabserver` command line, over the same core as the web interfaces.

Exit codes: 0 success; 1 integrity errors (a check failed, a load was
refused); 2 bad input (usage, missing file, syntax error, unknown
vocabulary, a file over the load limits); 3 the store or the port cannot be
used (locked by another process, other base URI, port in use).
"""

from __future__ import annotations

import errno
import os
import gzip
import json
import signal
import sys
from pathlib import Path

import click

from vocabserver.config import DEFAULT_HOST, DEFAULT_PORT, ConfigError, Settings
from vocabserver.core import open_store
from vocabserver.rdf.formats import EXPORT_FORMATS, RdfSyntaxError, UnknownFormat, format_by_name
from vocabserver.store.embedded import StoreError, UnknownVocabulary, VocabStore

EXIT_INTEGRITY, EXIT_INPUT, EXIT_STORE = 1, 2, 3


class Failure(click.ClickException):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.exit_code = code

    def show(self, file=None) -> None:
        click.secho(f"error: {self.format_message()}", err=True, fg="red")


class Context:
    def __init__(self, data_dir: str | None, base_uri: str | None):
        self.data_dir, self.base_uri = data_dir, base_uri
        self._store: VocabStore | None = None

    def settings(self, port: int | None = None) -> Settings:
        try:
            return Settings.load(self.data_dir, self.base_uri, port=port)
        except ConfigError as exc:
            raise Failure(str(exc), EXIT_INPUT) from None

    def store(self, port: int | None = None, create: bool = True) -> VocabStore:
        """The store, opened for writing (pyoxigraph allows one process at a time)."""
        if self._store is None:
            settings = self.settings(port)
            if not create and settings.remote is None and not (settings.data_dir / "CURRENT").exists():
                raise Failure(f"no store at {settings.data_dir}: load vocabularies first (vocabserver load)",
                              EXIT_STORE)
            try:
                self._store = open_store(settings)
            except StoreError as exc:
                raise Failure(str(exc), EXIT_STORE) from None
        return self._store


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", envvar="VOCABSERVER_DATA_DIR", metavar="DIR",
              help="Store directory [env VOCABSERVER_DATA_DIR; default ./vocabserver-data].")
@click.option("--base-uri", envvar="VOCABSERVER_BASE_URI", metavar="URI",
              help="Base of the URIs the server mints [env VOCABSERVER_BASE_URI; default http://localhost:PORT/].")
@click.version_option(package_name="vocabserver")
@click.pass_context
def main(ctx: click.Context, data_dir: str | None, base_uri: str | None) -> None:
    """Publish and maintain the Joconde vocabularies (SKOS; an embedded Oxigraph store, or a remote SPARQL store
    named by VOCABSERVER_STORE_QUERY_URL)."""
    ctx.obj = Context(data_dir, base_uri)


def _progress(items: list[str], label: str):
    """A progress bar on stderr that the caller advances with the item being worked on."""
    bar = click.progressbar(length=len(items), label=label, file=sys.stderr,
                            item_show_func=lambda item: item or "", show_pos=True)
    return bar


@main.command("build-vocabularies")
@click.option("--from", "source", type=click.Path(file_okay=False, path_type=Path), default="../shared/data",
              show_default=True, help="The reference data folder (joconde-lexicons-2014, opentheso-th294-domn, …).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder [default: the project's vocabularies/].")
@click.option("--only", multiple=True, metavar="ID", help="Build only these vocabularies.")
def build_vocabularies(source: Path, out: Path | None, only: tuple[str, ...]) -> None:
    """Generate the 16 SKOS vocabularies from the official lexicons (deterministic)."""
    from vocabserver.lexicons.run import SourceMissing, build_all
    from vocabserver.lexicons.sources import BY_ID
    from vocabserver.resources import shipped

    unknown = [i for i in only if i not in BY_ID]
    if unknown:
        raise Failure(f"unknown vocabulary {', '.join(unknown)}; known: {', '.join(BY_ID)}", EXIT_INPUT)
    if not source.is_dir():
        raise Failure(f"{source}: reference data folder not found (give --from)", EXIT_INPUT)
    out = out or shipped("vocabularies")
    ids = list(only) or list(BY_ID)
    with _progress(ids, "building") as bar:
        def step(vocab_id: str) -> None:
            bar.current_item = vocab_id
            bar.update(1)
        try:
            results = build_all(source, out, list(only) or None, progress=step)
        except SourceMissing as exc:
            raise Failure(str(exc), EXIT_INPUT) from None
    for r in results:
        click.echo(f"{r['id']:8} {r['terms']:6} concepts  {r['triples']:7} triples  <- {r['entries']} entries "
                   f"of {r['lines']} source lines  -> {out / r['file']}")


@main.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--as", "vocab_id", metavar="ID", help="Vocabulary id to load FILE as (new, or replacing).")
@click.option("--format", "fmt", metavar="FORMAT",
              help="Format of FILE: an RDF syntax (turtle, rdfxml, ntriples, nquads, jsonld…), opentheso-csv or "
              "opentheso-json (default: from its suffix; .csv is Opentheso CSV, .json without @context the "
              "reduced Opentheso JSON).")
@click.option("--bundled", multiple=True, metavar="ID", help="Load only these bundled vocabularies.")
@click.option("--force", is_flag=True, help="Load even when the vocabulary's policy would refuse it.")
@click.option("--strict", is_flag=True, help="Strict policy for FILE: refuse error-level findings and ambiguous "
              "prefLabels (the bundled vocabularies always are).")
@click.option("--dry-run", is_flag=True, help="Report what loading FILE would do; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="The load report as JSON on standard output.")
@click.option("--reload", is_flag=True, help="Reload bundled vocabularies even when their file has not changed.")
@click.option("--no-normalise", is_flag=True, help="Skip the repairs and skosify normalisation of FILE.")
@pass_context
def load(ctx: Context, file: Path | None, vocab_id: str | None, fmt: str | None, bundled: tuple[str, ...],
         force: bool, strict: bool, dry_run: bool, as_json: bool, reload: bool, no_normalise: bool) -> None:
    """Load the bundled vocabularies, or FILE (Turtle, RDF/XML, N-Triples, JSON-LD, TriG) --as ID."""
    from vocabserver.changes.loading import LoadRefused, bundled_files, load_bundled, load_file

    if dry_run and file is None:
        raise Failure("--dry-run reports on a FILE (the bundled vocabularies are checked at build)", EXIT_INPUT)
    store = ctx.store()
    try:
        if file is None:
            if vocab_id:
                raise Failure("--as needs a FILE to load", EXIT_INPUT)
            ids = list(bundled) or list(bundled_files())
            with _progress(ids, "loading") as bar:
                def step(vid: str) -> None:
                    bar.current_item = vid
                    bar.update(1)
                results = load_bundled(store, list(bundled) or None, force=force, progress=step, reload=reload,
                                       actor=_actor())
        else:
            results = [load_file(store, file, vocab_id or file.name.split(".")[0].lower(), fmt, force, no_normalise,
                                 ctx.settings().load_limits, strict=strict, dry_run=dry_run, actor=_actor())]
    except LoadRefused as exc:
        if as_json:
            click.echo(json.dumps({"vocabulary": exc.report.vocabulary, "status": "refused", "message": str(exc),
                                   "refusals": [f.as_dict() for f in exc.refusals],
                                   "findings": [f.as_dict() for f in exc.report.findings]}, ensure_ascii=False,
                                  indent=1))
        else:
            _print_findings(exc.report)
        raise Failure(str(exc), EXIT_INTEGRITY) from None
    except RdfSyntaxError as exc:
        raise Failure(f"syntax error: {exc}; the store is unchanged", EXIT_INPUT) from None
    except (FileNotFoundError, UnknownFormat, ValueError, KeyError) as exc:
        raise Failure(str(exc).strip('"'), EXIT_INPUT) from None
    if any(r.status in ("loaded", "replaced") for r in results):
        _refresh_label_index(store)
        _tell_readers(store)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results] if file is None else results[0].as_dict(),
                              ensure_ascii=False, indent=1))
        return
    for r in results:
        if r.status == "unchanged":
            click.echo(f"unchanged {r.vocabulary}: same file as loaded (use --reload to load it again)")
        elif r.status == "edited":
            click.echo(f"kept {r.vocabulary}: edited since it was loaded (`vocabserver history {r.vocabulary}`); "
                       "--reload replaces it with the bundled file")
            continue
        click.echo(f"{r.status} {r.vocabulary}: {r.counts.get('concepts', 0)} concepts, {r.counts.get('triples', 0)} "
                   f"triples, {len(r.report.errors)} errors, {len(r.report.warnings)} warnings "
                   f"({r.seconds:.2f} s) from {r.source}, {r.policy} policy"
                   + (f"; change {r.change} in the log" if r.change else ""))
        if r.read:
            click.echo(f"  read {r.read} triples, kept {r.counts.get('triples', 0)}")
        for change in r.changes:
            click.echo(f"  changed: {change['kind']}: {change['count']}"
                       + (f" {change['property']}" if "property" in change else "")
                       + (f" ({change['reason']})" if "reason" in change else "")
                       + (f" e.g. {' '.join(change['examples'][:3])}" if change.get("examples") else ""))
        for drop in r.dropped:
            click.echo(f"  dropped: {drop['count']} {drop['property']}")
        for note in r.notes[:10]:
            click.echo(f"  normalisation {note}")
        if len(r.notes) > 10:
            click.echo(f"  … {len(r.notes) - 10} more normalisation notes")
        for finding in r.report.findings[:20]:
            click.echo(f"  {finding.severity}: {finding.check}: {finding.message} {' '.join(finding.resources[:3])}")


def _refresh_label_index(store: VocabStore) -> None:
    """Save the label index of the new state beside the store, so a server starts with it ready."""
    from vocabserver.index.holder import LabelIndexHolder, index_path

    LabelIndexHolder(store, index_path(store)).current()


def _tell_readers(store: VocabStore) -> None:
    if store.readers_present():
        click.echo("note: read-only servers are serving this store: they switch to the new state within a "
                   "second (their SPARQL workers reload it)", err=True)


def _print_findings(report, limit: int = 50) -> None:
    for finding in report.findings[:limit]:
        click.echo(f"{report.vocabulary}: {finding.severity}: {finding.check}: {finding.message} "
                   f"{' '.join(finding.resources[:4])}", err=True)
    if len(report.findings) > limit:
        click.echo(f"{report.vocabulary}: … {len(report.findings) - limit} more", err=True)


def _known(store: VocabStore, ids: tuple[str, ...]) -> list[str]:
    vocabularies = store.vocabularies()
    for vocab_id in ids:
        if vocab_id not in vocabularies:
            raise Failure(str(UnknownVocabulary(vocab_id, vocabularies)), EXIT_INPUT)
    return list(ids) or list(vocabularies)


@main.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--json", "as_json", is_flag=True, help="The report as JSON.")
@click.option("--warnings/--no-warnings", default=True, help="List warnings too.")
@pass_context
def check(ctx: Context, ids: tuple[str, ...], as_json: bool, warnings: bool) -> None:
    """Integrity report of the stored vocabularies; exit code 1 if any has errors."""
    from vocabserver.changes.checks import run_checks
    import pyoxigraph as ox

    store = ctx.store(create=False)
    reports = []
    for vocab_id in _known(store, ids):
        reports.append(run_checks(store, ox.NamedNode(store.info(vocab_id).graph), vocab_id, full=True))
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=1))
    else:
        for r in reports:
            click.echo(f"{r.vocabulary:10} {len(r.errors):5} errors {len(r.warnings):5} warnings {len(r.infos):5} info")
            for f in r.findings:
                if f.severity == "error" or warnings:
                    click.echo(f"    {f.severity}: {f.check}: {f.message} {' '.join(f.resources[:4])}")
    if any(r.errors for r in reports):
        sys.exit(EXIT_INTEGRITY)


@main.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--format", "formats", multiple=True, default=("turtle",), show_default=True,
              help="turtle, rdfxml, ntriples, jsonld, or all (repeatable).")
@click.option("--gzip", "compress", is_flag=True, help="Write .gz files.")
@click.option("-o", "--output", default=".", show_default=True,
              help="Folder to write ID.SUFFIX files into, or - for standard output (one vocabulary, one format).")
@pass_context
def export(ctx: Context, ids: tuple[str, ...], formats: tuple[str, ...], compress: bool, output: str) -> None:
    """Export vocabularies (all by default) as RDF files."""
    try:
        chosen = list(EXPORT_FORMATS) if "all" in formats else [format_by_name(f) for f in formats]
    except UnknownFormat as exc:
        raise Failure(str(exc), EXIT_INPUT) from None
    store = ctx.store(create=False)
    targets = _known(store, ids)
    if output == "-":
        if len(targets) != 1 or len(chosen) != 1:
            raise Failure("-o - writes one vocabulary in one format", EXIT_INPUT)
        data = store.export(targets[0], chosen[0])
        sys.stdout.buffer.write(gzip.compress(data, mtime=0) if compress else data)
        return
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(v, f) for v in targets for f in chosen]
    with _progress([f"{v}.{f.suffix}" for v, f in jobs], "exporting") as bar:
        for vocab_id, fmt in jobs:
            bar.current_item = f"{vocab_id}.{fmt.suffix}"
            data = store.export(vocab_id, fmt)
            path = folder / f"{vocab_id}.{fmt.suffix}{'.gz' if compress else ''}"
            path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
            bar.update(1)
    click.echo(f"wrote {len(jobs)} file(s) to {folder}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Statistics as JSON.")
@pass_context
def stats(ctx: Context, as_json: bool) -> None:
    """Concepts, labels, depth and size of each stored vocabulary."""
    from vocabserver.store.stats import depth
    import pyoxigraph as ox

    store = ctx.store(create=False)
    rows = []
    for info in store.vocabularies().values():
        row = info.as_dict()
        row["depth"] = depth(store, ox.NamedNode(info.graph), info.concepts)
        rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    columns = ("id", "concepts", "prefLabels", "altLabels", "hiddenLabels", "topConcepts", "depth",
               "collections", "triples")
    click.echo(" ".join(f"{c:>12}" if i else f"{c:10}" for i, c in enumerate(columns)))
    for row in rows:
        click.echo(" ".join(f"{row[c]:>12}" if i else f"{row[c]:10}" for i, c in enumerate(columns)))
    totals = {c: sum(r[c] for r in rows) for c in columns[1:] if c != "depth"}
    click.echo(" ".join([f"{'total':10}"] + [f"{totals.get(c, ''):>12}" for c in columns[1:]]))


@main.command()
@click.argument("vocab_id", metavar="ID")
@pass_context
def remove(ctx: Context, vocab_id: str) -> None:
    """Remove a vocabulary from the store."""
    store = ctx.store(create=False)
    _known(store, (vocab_id,))
    store.remove(vocab_id)
    _refresh_label_index(store)
    _tell_readers(store)
    click.echo(f"removed {vocab_id}")


def _with_releasing_allocator() -> None:
    """Run this command again, once, under the allocator the worker processes use (web/workers.py says why):
    the writer also replaces its label index at each rebuild. Python reads PYTHONMALLOC only at start."""
    if os.environ.get("PYTHONMALLOC") or not any(a.startswith("--workers") for a in sys.argv):
        return  # set by the operator, or already run again; or called in-process (not from a command line)
    env = {**os.environ, "PYTHONMALLOC": "malloc", "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "vocabserver", *sys.argv[1:]], env)


@main.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Processes answering requests. 1: one process (waitress). N > 1: N worker processes under "
                   "granian answer the reads; writes go to this process, which holds the store.")
@pass_context
def serve(ctx: Context, host: str, port: int, threads: int, workers: int) -> None:
    """Serve the web interfaces; an empty store first gets the bundled vocabularies."""
    from waitress import create_server

    from vocabserver.changes.loading import load_bundled
    from vocabserver.web import create_app

    if workers > 1:
        _with_releasing_allocator()
    _check_port(host, port)  # before opening the store and starting workers: say it at once
    settings = ctx.settings(port)
    if workers > 1 and (settings.read_only or settings.remote is not None):
        raise Failure("--workers applies to an embedded store this command writes; over a remote store or "
                      "read-only, start one `vocabserver serve` per process (README, Deployment)", EXIT_INPUT)
    if settings.read_only:
        # Beside a writer (`vocabserver load`) or other read-only servers: follows the writer's commits.
        try:
            store = open_store(settings, read_only=True)
        except StoreError as exc:
            raise Failure(str(exc), EXIT_STORE) from None
    else:
        store = ctx.store(port=port)
    if not store.vocabularies() and not settings.read_only:
        click.echo("empty store: loading the bundled vocabularies…", err=True)
        results = load_bundled(store, actor="vocabserver serve")
        click.echo(f"loaded {len(results)} vocabularies, {sum(r.counts['concepts'] for r in results)} concepts",
                   err=True)
    if workers > 1:
        from vocabserver.web.workers import serve_with_workers

        serve_with_workers(settings, store, host, port, workers, threads)
        return
    from vocabserver.core import Core

    core = Core(settings, store).start()
    app = create_app(core)
    control = _control(core)
    from vocabserver.memory import keep_trimming

    keep_trimming()
    click.echo(f"vocabserver on http://{host}:{port}/ (base URI {store.base_uri}, store "
               f"{store.remote.describe() if store.remote else store.path})", err=True)
    # A polite stop (SIGTERM from a service manager) must run the exit clean-up (SPARQL snapshots).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="vocabserver")
    except OSError as exc:
        raise Failure(f"cannot listen on {host}:{port}: {exc.strerror or exc}", EXIT_STORE) from None
    try:
        server.run()
    finally:
        if control is not None:
            control.stop()


def _control(core):
    """The control socket of the process holding an embedded store (`vocabserver backup` asks it)."""
    if core.store.read_only or core.store.remote is not None:
        return None
    from vocabserver.control import ControlServer

    return ControlServer(core).start()


def _actor() -> str:
    """Who a load is recorded as: the account running the command."""
    import getpass

    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def _check_port(host: str, port: int) -> None:
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Failure(f"cannot listen on {host}:{port}: {exc}", EXIT_INPUT) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            reason = "the port is in use (another server?)" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise Failure(f"cannot listen on {host}:{port}: {reason}", EXIT_STORE) from None


# The change log's commands (history, revert) and the accounts' (token, user) live beside, registered on `main`
# when this module loads.
from vocabserver import cli_accounts, cli_changes, cli_operations, cli_records  # noqa: E402,F401

if __name__ == "__main__":
    main()
