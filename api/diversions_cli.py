"""``lead diversions escalate``: mark every diversion nobody acknowledged in time as escalated and notify the
program's webhook (from cron, for a program whose inbox nobody is reading; readers do the same on sight)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from api.runtime import runtime
from api.usecases import diversions

group = AppGroup("diversions", help="Diversions to a LEAD program: escalation.")


@group.command("escalate")
def escalate_command() -> None:
    """Escalate the diversions still unacknowledged after LEAD_DIVERSION_ESCALATE_MINUTES."""
    done = diversions.escalate_due(runtime())
    click.echo(f"escalated {len(done)} diversions")


def init_app(app: Flask) -> None:
    app.cli.add_command(group)
