"""Tenants: organisations, members, roles, tokens, audit log, governance mode and policy.

The other domains build on this one: it owns the extension points they register with
(``data_rights`` exporters and erasers, ``demo`` seeders, ``eligibility`` requirements) and
the ``cron`` loop over every tenant.
"""

from __future__ import annotations

from app.auth import EVERY_ROLE, OWNER_AND_ADMIN, PEOPLE_ADMINS, STAFF_ROLES
from app.domains import Domain


def register(app) -> None:
    from app import tenancy
    from app.api import register_blueprints
    from app.auth import set_credential_resolver
    from tenants import cron, member_routes, routes, tokens
    from tenants.cli import demo_cli, tenants_cli

    register_blueprints(app, routes.signup_blp, routes.tenant_blp, routes.tokens_blp, routes.audit_blp)
    register_blueprints(app, member_routes.members_blp, member_routes.invitations_blp, member_routes.profile_blp)
    set_credential_resolver(tokens.resolve)  # bearer tokens live in this package
    tenancy.set_directory(cron.tenant_ids)  # so does the list of tenants
    app.cli.add_command(tenants_cli)
    app.cli.add_command(demo_cli)


DOMAIN = Domain(
    name="tenants",
    register=register,
    models=("tenants.models", "tenants.audit", "tenants.tokens"),
    scopes={
        "tenant:read": EVERY_ROLE,
        "tenant:write": OWNER_AND_ADMIN,
        "tenant:governance": frozenset({"owner"}),
        "audit:read": OWNER_AND_ADMIN,
        "members:read": STAFF_ROLES,
        "members:write": PEOPLE_ADMINS,
        "members:roles": OWNER_AND_ADMIN,
        "members:erase": OWNER_AND_ADMIN,
        "members:export": PEOPLE_ADMINS,  # a member's data export (GDPR art. 15), also after offboarding
    },
)
