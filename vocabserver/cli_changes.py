"""The commands of the change log, over the same write path as the web: `history`, `revert`."""

from __future__ import annotations

import getpass
import json

import click

from vocabserver.cli import EXIT_INPUT, EXIT_INTEGRITY, Context, Failure, _refresh_label_index, _tell_readers, main
from vocabserver.changes.changeset import Conflict, NotFound, WriteError
from vocabserver.changes.writer import Writer

pass_context = click.make_pass_decorator(Context)


def _actor(given: str | None) -> str:
    if given:
        return given
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@main.command()
@click.argument("vocab_id", required=False, metavar="[ID]")
@click.option("--concept", metavar="URI", help="Only the changes about this concept (or any resource).")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--triples", is_flag=True, help="Print the triples each change removed (-) and added (+).")
@click.option("--json", "as_json", is_flag=True, help="The changes as JSON (with their triples).")
@pass_context
def history(ctx: Context, vocab_id: str | None, concept: str | None, limit: int, triples: bool, as_json: bool) -> None:
    """The changes recorded, newest first: of every vocabulary, of ID, or of one concept."""
    store = ctx.store(create=False)
    if vocab_id and vocab_id not in store.vocabularies():
        raise Failure(f"unknown vocabulary {vocab_id!r}; known: {', '.join(store.vocabularies())}", EXIT_INPUT)
    log = Writer(store).history
    numbers = log.numbers(vocab_id, concept)[:limit]
    changes = [log.get(n, with_triples=triples or as_json) for n in numbers]
    if as_json:
        click.echo(json.dumps({"changes": [c.as_dict(with_triples=True) for c in changes]}, ensure_ascii=False,
                              indent=1))
        return
    if not changes:
        click.echo("no change recorded" + (f" for {vocab_id}" if vocab_id else "") +
                   (f" about {concept}" if concept else ""))
    for change in changes:
        reverted = f" (reverts {change.reverts})" if change.reverts is not None else ""
        click.echo(f"{change.number:>6}  {change.time[:19].replace('T', ' ')}  {change.vocabulary or change.graph:10} "
                   f"{change.kind:13} -{change.removed_count} +{change.added_count}  {change.actor}"
                   f"{': ' + change.comment if change.comment else ''}{reverted}")
        if triples:
            for sign, items in (("-", change.removed), ("+", change.added)):
                for triple in items or []:
                    click.echo(f"        {sign} {triple}")


@main.command()
@click.argument("change", type=int)
@click.option("--actor", metavar="NAME", help="Who reverts [default: cli:<user>].")
@click.option("--comment", metavar="TEXT", default="", help="Why.")
@click.option("--json", "as_json", is_flag=True, help="The new change as JSON.")
@pass_context
def revert(ctx: Context, change: int, actor: str | None, comment: str, as_json: bool) -> None:
    """Undo change CHANGE by applying its inverse as a new change (refused when a later change touched the
    same triples: revert that one first)."""
    store = ctx.store(create=False)
    try:
        done, _findings = Writer(store).revert(change, _actor(actor), comment)
    except NotFound as exc:
        raise Failure(str(exc), EXIT_INPUT) from None
    except Conflict as exc:
        raise Failure(str(exc), EXIT_INTEGRITY) from None
    except WriteError as exc:
        raise Failure(str(exc), EXIT_INTEGRITY) from None
    if done is None:
        click.echo(f"change {change} left nothing to undo")
        return
    _refresh_label_index(store)
    _tell_readers(store)
    if as_json:
        click.echo(json.dumps(done.as_dict(with_triples=True), ensure_ascii=False, indent=1))
    else:
        click.echo(f"reverted change {change} as change {done.number} (-{done.removed_count} +{done.added_count})")
