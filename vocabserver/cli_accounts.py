"""The command line's accounts: API tokens for tools and users who sign in to the pages, kept in the accounts
database beside the store (usable while a server holds the store)."""

from __future__ import annotations

import click

from vocabserver.cli import EXIT_INPUT, Context, Failure, main

pass_context = click.make_pass_decorator(Context)


@main.group()
def token() -> None:
    """API tokens for tools that write (SPARQL Update, Graph Store, the changes API)."""


def _accounts(ctx: Context):
    """The accounts database beside the store (usable while a server holds the store)."""
    from vocabserver.auth.database import ACCOUNTS_FILE, Database

    settings = ctx.settings()
    folder = settings.data_dir
    folder.mkdir(parents=True, exist_ok=True)
    return Database(folder / ACCOUNTS_FILE, settings.database_url)


def _tokens(ctx: Context):
    from vocabserver.auth.tokens import Tokens

    return Tokens(_accounts(ctx))


@token.command("create")
@click.option("--name", required=True, help="Who or what uses it (a tool, a person).")
@click.option("--role", required=True, type=click.Choice(["admin", "editor", "contributor", "reader"]))
@click.option("--vocab", "vocabularies", multiple=True, metavar="ID", help="For an editor: a vocabulary it may change.")
@click.option("--user", help="The user it acts for (never more rights than theirs; revoked with them).")
@pass_context
def token_create(ctx: Context, name: str, role: str, vocabularies: tuple[str, ...], user: str | None) -> None:
    """Create a token and print it, alone, on the last line (it is shown once: only its hash is kept)."""
    from vocabserver.auth.tokens import TokenError

    try:
        value = _tokens(ctx).create(name, role, list(vocabularies), user)
    except TokenError as exc:
        raise Failure(str(exc), EXIT_INPUT) from None
    click.echo(f"token {name!r} ({role}{': ' + ', '.join(vocabularies) if vocabularies else ''}) created; "
               "keep it now, it is not shown again:", err=True)
    click.echo(value)


@token.command("list")
@pass_context
def token_list(ctx: Context) -> None:
    """The tokens: name, role, vocabularies, creation date (never the tokens themselves)."""
    for row in _tokens(ctx).list():
        click.echo(f"{row['name']}\t{row['role']}\t{','.join(row['vocabularies']) or '-'}\t{row['created']}\t"
                   f"{row['user'] or '-'}")


@token.command("revoke")
@click.argument("name")
@pass_context
def token_revoke(ctx: Context, name: str) -> None:
    """Revoke the token NAME: requests carrying it are refused at once."""
    if not _tokens(ctx).revoke(name):
        raise Failure(f"no token named {name!r}", EXIT_INPUT)
    click.echo(f"revoked {name}")


# -- users -------------------------------------------------------------------------------------------
@main.group()
def user() -> None:
    """People who sign in to the pages (passwords hashed with Argon2id)."""


def _users(ctx: Context):
    from vocabserver.auth.users import Users

    return Users(_accounts(ctx))


def _password(confirm: bool = True) -> str:
    """From VOCABSERVER_PASSWORD, else standard input: asked twice, hidden, at a terminal; one line otherwise."""
    import os
    import sys

    if os.environ.get("VOCABSERVER_PASSWORD"):
        return os.environ["VOCABSERVER_PASSWORD"]
    if sys.stdin.isatty():
        return click.prompt("password", hide_input=True, confirmation_prompt=confirm, err=True)
    line = sys.stdin.readline()
    if not line.strip():
        raise Failure("no password: set VOCABSERVER_PASSWORD or write it on standard input", EXIT_INPUT)
    return line.rstrip("\r\n")


@user.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["admin", "editor", "contributor", "reader"]))
@click.option("--vocab", "vocabularies", multiple=True, metavar="ID", help="For an editor: a vocabulary they may change.")
@pass_context
def user_create(ctx: Context, name: str, role: str, vocabularies: tuple[str, ...]) -> None:
    """Create the user NAME; the password comes from VOCABSERVER_PASSWORD or standard input (no default)."""
    from vocabserver.auth.users import UserError

    try:
        _users(ctx).create(name, role, _password(), list(vocabularies))
    except UserError as exc:
        raise Failure(str(exc), EXIT_INPUT) from None
    click.echo(f"user {name} created ({role}{': ' + ', '.join(vocabularies) if vocabularies else ''})")


@user.command("list")
@pass_context
def user_list(ctx: Context) -> None:
    """The users: name, role, vocabularies, creation date, last sign-in."""
    for row in _users(ctx).list():
        click.echo(f"{row['name']}\t{row['role']}\t{','.join(row['vocabularies']) or '-'}\t{row['created']}\t"
                   f"{row['lastLogin'] or '-'}")


@user.command("password")
@click.argument("name")
@pass_context
def user_password(ctx: Context, name: str) -> None:
    """Set the password of NAME (from VOCABSERVER_PASSWORD or standard input)."""
    from vocabserver.auth.users import UserError

    try:
        found = _users(ctx).set_password(name, _password())
    except UserError as exc:
        raise Failure(str(exc), EXIT_INPUT) from None
    if not found:
        raise Failure(f"no user named {name!r}", EXIT_INPUT)
    click.echo(f"password of {name} changed")


@user.command("signout")
@click.argument("name")
@pass_context
def user_signout(ctx: Context, name: str) -> None:
    """End every session of NAME in the pages (signed out everywhere, at their next request)."""
    users = _users(ctx)
    if users.get(name) is None:
        raise Failure(f"no user named {name!r}", EXIT_INPUT)
    click.echo(f"{name} signed out everywhere ({users.end_sessions(name)} session(s) ended)")


@user.command("delete")
@click.argument("name")
@pass_context
def user_delete(ctx: Context, name: str) -> None:
    """Delete NAME and revoke their tokens."""
    if not _users(ctx).delete(name):
        raise Failure(f"no user named {name!r}", EXIT_INPUT)
    click.echo(f"deleted {name} (and revoked their tokens)")


@main.command("private")
@click.argument("vocab_id", required=False)
@click.option("--off", is_flag=True, help="Make the vocabulary public again.")
@pass_context
def private(ctx: Context, vocab_id: str | None, off: bool) -> None:
    """Make VOCAB_ID private (readable only with an account: a token or a signed-in user), or public again with
    --off; without VOCAB_ID, list the private vocabularies. Takes effect within a second on a running server."""
    import getpass

    from vocabserver.auth.privacy import Privacy

    privacy = Privacy(_accounts(ctx))
    if vocab_id is None:
        for name in sorted(privacy.private()):
            click.echo(name)
        return
    if not vocab_id.replace("-", "").replace("_", "").isalnum() or len(vocab_id) > 40:
        raise Failure(f"{vocab_id!r} is not a vocabulary id", EXIT_INPUT)
    changed = privacy.set(vocab_id, not off, getpass.getuser())
    state = "public" if off else "private"
    click.echo(f"{vocab_id} is {state}" + ("" if changed else " (it already was)"))
