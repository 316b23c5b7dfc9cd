"""``lead backup`` / ``lead restore``: snapshots of the directory to the fs repository."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from api.runtime import runtime
from directory.indices.backup import Backups, BackupError


def _backups() -> Backups:
    store = runtime().store.batch()  # a snapshot of a large directory takes longer than a web request may
    return Backups(store.es, store.settings)


@click.command("backup")
@with_appcontext
@click.option("--list", "list_only", is_flag=True, help="List this prefix's snapshots instead of taking one.")
def backup_command(list_only: bool) -> None:
    """Snapshot the live directory, edits, capacity history, audit and accounts (named by the time)."""
    backups = _backups()
    try:
        if list_only:
            for snap in backups.snapshots():
                click.echo(snap.line())
            return
        snap = backups.create()
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"snapshot {snap.name} in repository {backups.repository}: {', '.join(snap.indices)}")


@click.command("restore")
@with_appcontext
@click.argument("snapshot", required=False)
@click.option("--replace", is_flag=True, help="Delete this prefix's existing indices first.")
def restore_command(snapshot: str | None, replace: bool) -> None:
    """Restore SNAPSHOT (default: the newest) with the aliases the app expects."""
    backups = _backups()
    try:
        snap = backups.restore(snapshot, replace=replace)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {snap.name}: {', '.join(snap.indices)}")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
