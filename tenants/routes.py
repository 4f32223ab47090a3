"""HTTP routes for signup, the tenant, governance mode, tokens, the caller and the audit log."""

from __future__ import annotations

import uuid

from flask import current_app
from flask.views import MethodView

from app import ratelimit
from app.api import cross_field_rules, make_blueprint
from app.auth import current_principal, public, require_scope
from app.db import db
from app.errors import NotFound, field_error
from tenants import audit, services, tokens
from tenants.models import Member
from tenants.schemas import (
    AuditArgsSchema,
    AuditPageSchema,
    GovernanceChangeSchema,
    NewTokenSchema,
    SignupResultSchema,
    SignupSchema,
    TenantSchema,
    TenantUpdateSchema,
    TokenCreateSchema,
    TokenSchema,
)

signup_blp = make_blueprint("signup", __name__, "Self-service creation of a tenant and its owner.")
tenant_blp = make_blueprint("tenant", __name__, "The caller's tenant: settings, seats, governance mode.")
tokens_blp = make_blueprint("tokens", __name__, "The caller's API tokens.")
audit_blp = make_blueprint("audit", __name__, "The tenant's audit log.")


@signup_blp.route("/signup")
class Signup(MethodView):
    @ratelimit.per_client("RATELIMIT_SIGNUP", "signups")
    @public
    @signup_blp.arguments(SignupSchema)
    @signup_blp.response(201, SignupResultSchema)
    @signup_blp.alt_response(404, description="Signup is disabled on this server.")
    @signup_blp.alt_response(409, description="The slug is taken.")
    @signup_blp.alt_response(429, description="Too many signups from this client (`Retry-After` says when to retry).")
    def post(self, payload):
        """Create a tenant, its owner and the owner's first token.

        Governance mode defaults to containment for healthcare, medtech, pharma and finance,
        empowerment otherwise. Answers 404 when signup is disabled by configuration.
        """
        if not current_app.config.get("SIGNUP_ENABLED"):
            raise NotFound()
        tenant, member, secret = services.signup(payload["organization"], payload["owner"])
        return {"tenant": services.tenant_view(tenant), "member": member, "token": secret}


@tenant_blp.route("/tenant")
class TenantResource(MethodView):
    @require_scope("tenant:read")
    @tenant_blp.response(200, TenantSchema)
    def get(self):
        """The caller's tenant with its effective governance policy and seat usage."""
        return services.tenant_view(services.current_tenant())

    @require_scope("tenant:write")
    @tenant_blp.arguments(TenantUpdateSchema, required=False)
    @tenant_blp.response(200, TenantSchema)
    @tenant_blp.doc(
        **cross_field_rules(
            "`policy_overrides` may only tighten the current governance mode's policy (422 names each refused key)."
        )
    )
    def patch(self, changes):
        """Change the tenant's name, settings or policy overrides (owner, admin).

        Settings are merged; policy overrides are replaced as a whole and may only tighten the
        governance mode (switch safeguards on, forbid own posts, narrow the platforms).
        """
        tenant = services.update_tenant(services.current_tenant(), changes)
        return services.tenant_view(tenant)


@tenant_blp.route("/tenant/governance")
class Governance(MethodView):
    @require_scope("tenant:governance")
    @tenant_blp.arguments(GovernanceChangeSchema)
    @tenant_blp.response(200, TenantSchema)
    def put(self, payload):
        """Switch the governance mode (owner only); the reason is kept in the audit log."""
        tenant = services.change_governance(
            services.current_tenant(), payload["mode"], payload["reason"], current_principal()
        )
        return services.tenant_view(tenant)


@tokens_blp.route("/tokens")
class Tokens(MethodView):
    @require_scope("self")
    @tokens_blp.response(200, TokenSchema(many=True))
    def get(self):
        """The caller's live tokens (secrets are never shown again)."""
        return tokens.for_member(current_principal().member_id)

    @require_scope("self")
    @tokens_blp.doc(**cross_field_rules("`scopes` may name only scopes the caller's token holds."))
    @tokens_blp.arguments(TokenCreateSchema, required=False)
    @tokens_blp.response(201, NewTokenSchema)
    def post(self, payload):
        """Create a token for the caller, optionally limited to some scopes; the secret is in this response only."""
        principal = current_principal()
        unheld = sorted(set(payload.get("scopes") or ()) - principal.scopes)
        if unheld:
            raise field_error("json", "scopes", f"Your roles do not hold: {', '.join(unheld)}.")
        member = db.session.get(Member, principal.member_id)
        token, secret = tokens.issue(member, payload["name"], payload.get("scopes"))
        audit.record("token.created", "api_token", token.id, after={"name": token.name, "scopes": token.scopes})
        return {**_token_fields(token), "token": secret}


def _token_fields(token: tokens.ApiToken) -> dict:
    return {k: getattr(token, k) for k in ("id", "name", "prefix", "created_at", "last_used_at", "scopes")}


@tokens_blp.route("/tokens/<uuid:token_id>")
class TokenResource(MethodView):
    @require_scope("self")
    @tokens_blp.response(204)
    @tokens_blp.alt_response(404, description="No live token of the caller has this id.")
    def delete(self, token_id: uuid.UUID):
        """Revoke one of the caller's tokens."""
        token = tokens.get_own(current_principal().member_id, token_id)
        if token is None:
            raise NotFound()
        tokens.revoke(token)


@audit_blp.route("/audit-events")
class AuditEvents(MethodView):
    @require_scope("audit:read")
    @audit_blp.arguments(AuditArgsSchema, location="query")
    @audit_blp.response(200, AuditPageSchema)
    def get(self, args):
        """Audit events, newest first, with an opaque cursor (owner, admin)."""
        return audit.page(args["cursor"], args["limit"], args["action"])
