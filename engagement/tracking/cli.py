"""``flask tracking purge-visitors``: drop the visitor hashes of past days (cron it daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import transactions

tracking_cli = AppGroup("tracking", help="Tracking links and click counting.")


@tracking_cli.command("purge-visitors")
def purge_visitors() -> None:
    """Delete the visitor hashes of days before today (UTC); they only serve the day's unique count."""
    from app.cli import each_tenant
    from engagement.tracking import services

    purged = 0
    for _ in each_tenant():
        purged += services.purge_visitors()
        transactions.commit()
    click.echo(f"purged {purged} visitor hash(es)")
