"""``flask posts remind``: remind approvers of posts waiting too long (cron it hourly or daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import transactions

posts_cli = AppGroup("posts", help="Post approval schedules.")


@posts_cli.command("remind")
def remind() -> None:
    """Email approvers whose queue holds posts waiting longer than the tenant's approval_reminder_hours."""
    from app.cli import each_tenant
    from engagement.posts import reminders

    emailed = 0
    for _ in each_tenant():
        emailed += reminders.run()
        transactions.commit()
    click.echo(f"reminded {emailed} approvers")
