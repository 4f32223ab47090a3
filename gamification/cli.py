"""``flask gamification rebuild``: recompute the leaderboard aggregates and report differences."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from tenants.cron import run_per_tenant

gamification_cli = AppGroup("gamification", help="Points, badges, leaderboards.")


@gamification_cli.command("rebuild")
@click.option("--check", is_flag=True, help="Only report differences; change nothing (exit status 1 if any).")
def rebuild(check: bool) -> None:
    """Recompute points per member and period from the ledger, and counters from the activities.

    Prints every tenant's differences; without --check the aggregates are then corrected. The
    points histogram (behind each caller's rank) is compared with the points as stored, and
    rebuilt from them once they are corrected.
    """
    from gamification.rebuild import rebuild as run

    total = histogram_total = 0
    for tenant_id, report in run_per_tenant(lambda: run(apply=not check)):
        total += report["differences"]
        histogram_total += report["histogram_differences"]
        click.echo(
            f"tenant {tenant_id}: {report['members']} members, {report['entries']} ledger entries, "
            f"{report['differences']} difference(s){' corrected' if report['fixed'] else ''}"
        )
        if report["histogram_differences"]:
            click.echo(
                f"  points histogram: {report['histogram_differences']} row(s) out of step with the points{', rebuilt' if not check else ''}"
            )
        for example in report["examples"]:
            click.echo(f"  {example}")
    click.echo(f"{total} difference(s) in all; {histogram_total} histogram row(s)")
    if check and (total or histogram_total):
        sys.exit(1)


@gamification_cli.command("purge-caps")
@click.option("--days", default=2, show_default=True, help="Keep counters younger than this many days.")
def purge_caps(days: int) -> None:
    """Delete the counters behind daily point caps once their day is over (cron it daily)."""
    from datetime import timedelta

    from sqlalchemy import delete

    from app import clock
    from app.db import db
    from gamification.models import PointCap

    removed = 0
    cutoff = clock.now() - timedelta(days=days)

    def purge() -> int:
        return db.session.execute(delete(PointCap).where(PointCap.created_at < cutoff)).rowcount or 0

    removed = sum(count for _, count in run_per_tenant(purge))
    click.echo(f"deleted {removed} cap counter(s)")
