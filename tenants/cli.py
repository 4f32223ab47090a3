"""``flask tenants create`` and ``flask demo seed``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app import transactions

tenants_cli = AppGroup("tenants", help="Platform administration of tenants.")
demo_cli = AppGroup("demo", help="The demo tenant.")


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
        raise click.ClickException(str(exc.messages)) from exc
    from werkzeug.exceptions import HTTPException

    try:
        tenant, member, secret = services.signup(payload["organization"], payload["owner"])
    except HTTPException as exc:
        raise click.ClickException(getattr(exc, "data", {}).get("message", str(exc))) from exc
    transactions.commit()
    click.echo(f"tenant {tenant.slug} ({tenant.id}) created, mode {tenant.governance_mode}")
    click.echo(f"owner token: {secret}")
