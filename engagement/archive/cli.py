"""``flask archive prune``: the retention run over every tenant (cron it daily)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import clock
from tenants.cron import run_per_tenant

archive_cli = AppGroup("archive", help="The tamper-evident archive.")


@archive_cli.command("prune")
def prune() -> None:
    """Delete archive entries older than each tenant's `archive_retention_days` (anchored, verified first)."""
    from engagement.archive import services

    now = clock.now()
    pruned = tenants = refused = 0
    for tenant_id, outcome in run_per_tenant(lambda: services.prune(now)):
        if outcome.get("refused"):
            refused += 1
            bad = outcome["refused"]
            click.echo(
                f"tenant {tenant_id}: not pruned, the chain does not verify at entry {bad['seq']}: {bad['reason']}",
                err=True,
            )
        elif outcome["pruned"]:
            tenants += 1
            pruned += outcome["pruned"]
    click.echo(f"pruned {pruned} entr{'y' if pruned == 1 else 'ies'} in {tenants} tenant(s); {refused} refused")
