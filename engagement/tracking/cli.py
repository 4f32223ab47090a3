"""``flask tracking purge-visitors``: drop the visitor hashes of past days (cron it daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from tenants.cron import run_per_tenant

tracking_cli = AppGroup("tracking", help="Tracking links and click counting.")


@tracking_cli.command("purge-visitors")
def purge_visitors() -> None:
    """Delete the visitor hashes of days before each tenant's today; they only serve the day's unique count."""
    from engagement.tracking import services

    purged = sum(count for _, count in run_per_tenant(services.purge_visitors))
    click.echo(f"purged {purged} visitor hash(es)")
