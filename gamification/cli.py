"""``flask gamification rebuild``: recompute the leaderboard aggregates and report differences."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app import transactions

gamification_cli = AppGroup("gamification", help="Points, badges, leaderboards.")


@gamification_cli.command("rebuild")
@click.option("--check", is_flag=True, help="Only report differences; change nothing (exit status 1 if any).")
def rebuild(check: bool) -> None:
    """Recompute points per member and period from the ledger, and counters from the activities.

    Prints every tenant's differences; without --check the aggregates are then corrected.
    """
    from app.cli import each_tenant
    from gamification.rebuild import rebuild as run

    total = 0
    for tenant_id in each_tenant():
        report = run(apply=not check)
        transactions.commit()
        total += report["differences"]
        click.echo(
            f"tenant {tenant_id}: {report['members']} members, {report['entries']} ledger entries, "
            f"{report['differences']} difference(s){' corrected' if report['fixed'] else ''}"
        )
        for example in report["examples"]:
            click.echo(f"  {example}")
    click.echo(f"{total} difference(s) in all")
    if check and total:
        sys.exit(1)
