"""``flask tenants create`` and ``flask demo seed``: platform work across tenants.

Looking tenants up is visibly :func:`app.tenancy.unscoped`; anything touching a tenant's own
rows runs with that tenant active (on PostgreSQL, row-level security requires it).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from app import tenancy, transactions
from app.db import db

tenants_cli = AppGroup("tenants", help="Platform administration of tenants.")
demo_cli = AppGroup("demo", help="The demo tenant.")


@contextmanager
def _platform_work():
    """Run a command's unit of work and restore the tenant context afterwards."""
    previous = tenancy.current()
    try:
        yield
    finally:
        transactions.rollback()  # a no-op after a commit; discards a failed unit of work
        tenancy.activate(previous)


def _format_errors(messages, prefix: str = "") -> str:
    """``{"organization": {"slug": ["..."]}}`` -> ``organization.slug: ...``."""
    if isinstance(messages, dict):
        return "; ".join(_format_errors(value, f"{prefix}{key}.") for key, value in messages.items())
    if isinstance(messages, list):
        return f"{prefix.rstrip('.')}: {' '.join(str(m) for m in messages)}"
    return f"{prefix.rstrip('.')}: {messages}"


@tenants_cli.command("create")
@click.option("--name", required=True, help="Organisation name.")
@click.option("--slug", required=True, help="Unique short name.")
@click.option("--industry", default="generic", show_default=True)
@click.option("--mode", "governance_mode", default=None, help="empowerment or containment.")
@click.option("--owner-email", required=True)
@click.option("--owner-name", required=True)
def create_tenant(name, slug, industry, governance_mode, owner_email, owner_name) -> None:
    """Create a tenant with its owner and print the owner's token."""
    from marshmallow import ValidationError

    from app.errors import DomainError
    from tenants import services
    from tenants.schemas import SignupSchema

    try:
        payload = SignupSchema().load(
            {
                "organization": {"name": name, "slug": slug, "industry": industry, "governance_mode": governance_mode},
                "owner": {"email": owner_email, "name": owner_name},
            }
        )
    except ValidationError as exc:
        raise click.ClickException(_format_errors(exc.messages)) from exc
    with _platform_work():
        try:
            tenant, member, secret = services.signup(payload["organization"], payload["owner"])
        except DomainError as exc:
            raise click.ClickException(exc.message or str(exc)) from exc
        transactions.commit()
    click.echo(f"tenant {tenant.slug} ({tenant.id}) created, mode {tenant.governance_mode}")
    click.echo(f"owner token: {secret}")


def _base_url() -> str:
    """Where ``make run`` serves: 127.0.0.1 on ``PORT`` if set, else ``PUBLIC_BASE_URL``."""
    port = os.environ.get("PORT")
    return f"http://127.0.0.1:{port}" if port else current_app.config["PUBLIC_BASE_URL"]


@demo_cli.command("seed")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Seed only into a database without tenants. Either way, an existing demo tenant "
    "is not seeded again; its owner gets a fresh token.",
)
def seed_demo(if_empty: bool) -> None:
    """Create the demo tenant (a MedTech company, ~50 members) and print an owner token."""
    from tenants import demo
    from tenants.models import Tenant

    with _platform_work():
        with tenancy.unscoped():
            tenant_count = db.session.scalar(select(func.count()).select_from(Tenant)) or 0
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == demo.DEMO_SLUG))
        if tenant is not None:
            with tenancy.scope(tenant.id):
                try:
                    owner, secret = demo.issue_owner_token(tenant)
                except LookupError as exc:
                    raise click.ClickException(str(exc)) from exc
                transactions.commit()
            click.echo(f"The demo tenant {tenant.slug} exists already; issued a fresh token for its owner.")
        elif if_empty and tenant_count:
            click.echo(
                f"The database has {tenant_count} tenant(s) and no demo tenant; not seeding it "
                "(run `flask demo seed` to add it, or `flask tenants create` for a tenant of your own)."
            )
            return
        else:
            tenant, owner, secret = demo.seed()
            transactions.commit()
            click.echo(
                f"Seeded the demo tenant {tenant.slug} ({tenant.name}): {len(demo.MEMBERS)} members, "
                f"governance mode {tenant.governance_mode}."
            )
    click.echo(f"Demo tenant: {tenant.slug} (owner {owner.name} <{owner.email}>)")
    click.echo(f"Demo token: {secret}")
    click.echo(f'Try: curl -H "Authorization: Bearer {secret}" {_base_url()}/api/v1/tenant')
