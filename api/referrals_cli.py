"""``lead referrals purge`` (retention) and ``lead webhooks deliver`` (send what is due, e.g. from cron)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import click
from flask import Flask
from flask.cli import AppGroup

from api.runtime import runtime

referrals_group = AppGroup("referrals", help="Referrals: retention.")
webhooks_group = AppGroup("webhooks", help="Outgoing webhooks: send what is due.")


@referrals_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def purge_command(dry_run: bool) -> None:
    """Delete closed and withdrawn referrals that ended more than LEAD_REFERRAL_RETENTION_DAYS ago, and
    webhook deliveries as old."""
    rt = runtime()
    n = rt.referrals.purge(dry_run=dry_run)
    days = rt.settings.referral_retention_days
    if dry_run:
        click.echo(f"{n} referrals ended more than {days:g} days ago would be deleted")
        return
    deliveries = rt.webhooks.purge(datetime.now(timezone.utc) - timedelta(days=days))
    click.echo(f"deleted {n} referrals and {deliveries} webhook deliveries older than {days:g} days")


@webhooks_group.command("deliver")
def deliver_command() -> None:
    """Send every webhook delivery that is due now (run it from cron when no app process is up to send them);
    failures are retried by a later run, after their backoff."""
    rt = runtime()
    sent = rt.webhooks.deliver_due()
    click.echo(f"attempted {sent} deliveries")


def init_app(app: Flask) -> None:
    app.cli.add_command(referrals_group)
    app.cli.add_command(webhooks_group)
