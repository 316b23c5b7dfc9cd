"""``lead lines``: the statewide 24/7 lines and the places that stand in for a need, as the app reads
them (``directory/data/always_open.json`` or ``LEAD_ALWAYS_OPEN_FILE``); checks the file."""
from __future__ import annotations

import sys

import click
from flask import Flask

from api.runtime import runtime
from directory import always_open


@click.command("lines")
def lines_command() -> None:
    """Check the 24/7 lines file and print each line with where its number was verified."""
    path = runtime().settings.always_open_file
    try:
        data = always_open.load(path)
    except always_open.AlwaysOpenError as exc:
        click.echo(f"lines: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{path or always_open.DEFAULT_FILE}: {len(data.lines)} lines, {len(data.places)} place rules")
    for line in data.lines:
        needs = ", ".join(line.needs) or "(any need: the fallback)"
        click.echo(f"  {line.dial:<16} {line.name['en']}  [{needs}]  verified {line.verified['on']}:")
        for source in line.verified["sources"]:
            click.echo(f"{'':20}{source}")


def init_app(app: Flask) -> None:
    app.cli.add_command(lines_command)
