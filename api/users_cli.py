"""``lead users ...``: create, list, disable and reset tokens of accounts; demo accounts for make run."""
from __future__ import annotations

import secrets
import sys

import click
from flask import Flask
from flask.cli import AppGroup

from api.runtime import runtime
from directory import permissions
from directory.accounts import ROLES, AccountError

users_group = AppGroup("users", help="Accounts and API tokens.")


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--org", "organizations", multiple=True, help="Organisation id (providers; repeatable).")
@click.option("--program", default=None, help="Case managers and officers: their LEAD site (scopes referrals).")
@click.option("--password", is_flag=True, help="Also set a password for web sign-in (prompted).")
def create_command(username: str, role: str, organizations: tuple[str, ...], program: str | None,
                   password: bool) -> None:
    """Create an account and print its API token (shown once)."""
    accounts = runtime().accounts
    accounts.ensure_index()
    secret = click.prompt("Password", hide_input=True, confirmation_prompt=True) if password else None
    try:
        created, token = accounts.create(username, role, organizations=list(organizations), password=secret,
                                         program=program, actor="cli")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {created.username} ({created.role})")
    click.echo(f"API token (shown once): {token}")


@users_group.command("list")
def list_command() -> None:
    """List accounts."""
    for u in runtime().accounts.list():
        state = "disabled" if u.disabled else "active"
        click.echo(f"{u.username:<28} {u.role:<13} {state:<9} {u.program or '-':<14} {','.join(u.organizations)}")


@users_group.command("disable")
@click.argument("username")
def disable_command(username: str) -> None:
    """Disable an account (it loses access at once)."""
    try:
        runtime().accounts.set_disabled(username, True, actor="cli")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"disabled {username}")


@users_group.command("reset-token")
@click.argument("username")
def reset_command(username: str) -> None:
    """Revoke an account's tokens and print a new one (shown once)."""
    try:
        token = runtime().accounts.reset_token(username, actor="cli")
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"API token for {username} (shown once): {token}")


DEMO = (("demo-admin", permissions.ADMIN, [], None), ("demo-casemanager", permissions.CASE_MANAGER, [], "hartford"),
        ("demo-officer", permissions.OFFICER, [], "hartford"), ("demo-provider", permissions.PROVIDER, ["org-0001"], None))


@users_group.command("demo")
def demo_command() -> None:
    """Demo accounts for `make run` only: fresh tokens and passwords each start, printed here."""
    accounts = runtime().accounts
    accounts.ensure_index()
    click.echo("Demo accounts (sample data only; new secrets on every start):")
    for username, role, orgs, program in DEMO:
        password = secrets.token_urlsafe(12)
        if accounts.get(username) is None:
            accounts.create(username, role, organizations=orgs, password=password, program=program, actor="demo")
        accounts.set_disabled(username, False, actor="demo")
        accounts.set_password(username, password, actor="demo")
        token = accounts.reset_token(username, actor="demo")
        scope = f" for {','.join(orgs)}" if orgs else ""
        click.echo(f"  {role:<13}{scope:<14} user {username:<17} password {password}  token {token}")
    sys.stdout.flush()


def init_app(app: Flask) -> None:
    app.cli.add_command(users_group)
    app.cli.add_command(permissions_command)


@click.command("permissions")
def permissions_command() -> None:
    """Print who may do what (the permission table) as the README's Markdown table."""
    click.echo(permissions.matrix_markdown())
