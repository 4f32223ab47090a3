"""``flask training remind``: the daily reminder run over every tenant (cron it)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from tenants.cron import run_per_tenant

training_cli = AppGroup("training", help="Training schedules.")


@training_cli.command("remind")
def remind() -> None:
    """Reopen expired certifications, remind members of due and overdue training, send HR digests."""
    from training import reminders

    totals = reminders.ReminderRun()
    for _, outcome in run_per_tenant(reminders.run):
        totals.reopened += outcome.reopened
        totals.reminders += outcome.reminders
        totals.digest_recipients += outcome.digest_recipients
    click.echo(f"reopened {totals.reopened}, reminded {totals.reminders}, digest recipients {totals.digest_recipients}")
