"""``flask posts remind``: remind approvers of posts waiting too long (cron it hourly or daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from tenants.cron import run_per_tenant

posts_cli = AppGroup("posts", help="Post approval schedules.")


@posts_cli.command("remind")
def remind() -> None:
    """Email approvers whose queue holds posts waiting longer than the tenant's approval_reminder_hours."""
    from engagement.posts import reminders

    emailed = sum(count for _, count in run_per_tenant(reminders.run))
    click.echo(f"reminded {emailed} approvers")
