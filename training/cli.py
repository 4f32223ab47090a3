"""``flask training remind``: the daily reminder run over every tenant (cron it)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import transactions

training_cli = AppGroup("training", help="Training schedules.")


@training_cli.command("remind")
def remind() -> None:
    """Reopen expired certifications, remind members of due and overdue training, send HR digests."""
    from app.cli import each_tenant
    from training import reminders

    totals = reminders.ReminderRun()
    for _ in each_tenant():
        outcome = reminders.run()
        transactions.commit()
        totals.reopened += outcome.reopened
        totals.reminders += outcome.reminders
        totals.digest_recipients += outcome.digest_recipients
    click.echo(f"reopened {totals.reopened}, reminded {totals.reminders}, digest recipients {totals.digest_recipients}")
