"""The command line's operations: a consistent backup of a serving store, and its restore into an empty data
directory (vocabserver/backup.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vocabserver.cli import EXIT_INPUT, EXIT_STORE, Context, Failure, main

pass_context = click.make_pass_decorator(Context)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the backup's manifest as JSON.")
@pass_context
def backup(ctx: Context, folder: Path, as_json: bool) -> None:
    """Back up the store, the change log, the accounts and the session key into FOLDER (new or empty), while a
    server serves and writes: the running server takes the checkpoint (it holds the store); with no server,
    this command does."""
    from vocabserver import control
    from vocabserver.backup import BackupError, BackupResult, make_backup
    from vocabserver.core import Core

    settings = ctx.settings()
    folder = folder.resolve()
    answer = control.ask(settings.data_dir, {"op": "backup", "target": str(folder)})
    if answer is not None:
        if not answer.get("ok"):
            raise Failure(f"backup refused by the server: {answer.get('error')}", EXIT_INPUT)
        result = BackupResult(Path(answer["folder"]), answer["manifest"])
    else:
        if settings.remote is None and not (settings.data_dir / "CURRENT").exists():
            raise Failure(f"no store at {settings.data_dir}: nothing to back up", EXIT_STORE)
        store = ctx.store(create=False)  # no server answers for it: this command holds it
        try:
            result = make_backup(Core(settings, store), folder)
        except BackupError as exc:
            raise Failure(str(exc), EXIT_INPUT) from None
    if as_json:
        click.echo(json.dumps(result.manifest, indent=1, ensure_ascii=False))
    else:
        click.echo(result.summary())


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@pass_context
def restore(ctx: Context, folder: Path) -> None:
    """Restore the backup in FOLDER into the data directory (VOCABSERVER_DATA_DIR or --data-dir), which must be
    new or empty; every file is checked against the backup's manifest first, and the restored store against
    the state it names."""
    from vocabserver.backup import BackupError, restore as restore_backup

    settings = ctx.settings()
    try:
        manifest = restore_backup(folder, settings.data_dir, settings.base_uri)
    except BackupError as exc:
        raise Failure(str(exc), EXIT_INPUT) from None
    store = manifest["store"]
    click.echo(f"restored {store['vocabularies_count']} vocabularies ({store['triples']} triples), change log up to "
               f"change {store['last_change']}, state {store['modified']}, {manifest['accounts']['users']} users, "
               f"{manifest['accounts']['tokens']} tokens into {settings.data_dir} "
               f"(base URI {manifest['settings']['base_uri']})")
