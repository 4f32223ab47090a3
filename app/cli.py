"""The shell's command line: ``flask db``, ``flask events``, ``flask notifications`` (domains add their own)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app import jobs, migrate, tenancy, transactions

db_cli = AppGroup("db", help="Schema migrations (Alembic).")
events_cli = AppGroup("events", help="Domain event outbox.")
jobs_cli = AppGroup("jobs", help="Background jobs.")
notifications_cli = AppGroup("notifications", help="Email outbox.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (default: one step; `base` for empty)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)


@db_cli.command("current")
def db_current() -> None:
    """Show the database's revision."""
    migrate.current(current_app.config["DATABASE_URL"])


@jobs_cli.command("recover")
@click.option("--grace", type=click.IntRange(min=0), help="Seconds work must have waited [JOB_RECOVERY_GRACE].")
def jobs_recover(grace: int | None) -> None:
    """Re-enqueue jobs and events that Redis or a dead worker lost (what workers do every minute)."""
    from app import recovery

    click.echo(recovery.sweep(current_app._get_current_object(), grace).summary())


@events_cli.command("redispatch")
@click.option("--older-than", default=60, show_default=True, help="Seconds an event has waited.")
@click.option("--include-given-up", is_flag=True, help="Also events that used up their attempts.")
def events_redispatch(older_than: int, include_given_up: bool) -> None:
    """Re-enqueue events whose dispatch was interrupted (safe to run from cron)."""
    from app import events

    count = 0
    for tenant_id in tenancy.each_tenant():
        stuck = events.pending(timedelta(seconds=older_than), include_given_up=include_given_up)
        for event in stuck:
            event.gave_up_at = None  # one more attempt for an event given up
        transactions.commit()
        for event in stuck:
            if event.attempts:  # a batch could not deliver it: on its own again
                events.enqueue_dispatch(tenant_id, event.id)
        if any(event.attempts == 0 for event in stuck):  # never tried: the tenant's batch takes it
            events.enqueue_batch(tenant_id, force=True)
        count += len(stuck)
    click.echo(f"re-enqueued {count} event(s)")


@notifications_cli.command("flush")
@click.option("--include-failed", is_flag=True, help="Also retry messages that used up their attempts.")
def notifications_flush(include_failed: bool) -> None:
    """Send every pending email in the outbox (e.g. after configuring SMTP_URL)."""
    from app import notifications

    count = 0
    for tenant_id in tenancy.each_tenant():
        for message in notifications.pending(include_failed=include_failed):
            jobs.enqueue(notifications.send, tenant_id, str(message.id))
            count += 1
    click.echo(f"enqueued {count} email(s)")


def register_cli(app) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(events_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(notifications_cli)
