"""Tenant actions: signup, settings, governance mode. Each writes its audit row."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import inspect, select

from app import clock, events, tenancy
from app.auth import Principal
from app.db import db, transaction_cache
from app.errors import Conflict, NotFound, ValidationFailed
from tenants import audit, consent, policy, tokens
from tenants.events import GOVERNANCE_CHANGED
from tenants.models import Member, Tenant
from tenants.policy import default_mode, effective_policy
from tenants.schemas import DEFAULT_SETTINGS
from tenants.seats import seats_used


def signup(organization: dict[str, Any], owner: dict[str, Any]) -> tuple[Tenant, Member, str]:
    """Create a tenant with its owner and the owner's first token."""
    slug = organization["slug"]
    with tenancy.unscoped():
        if db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)):
            raise Conflict(
                f"The slug '{slug}' is taken.", errors={"json": {"organization": {"slug": ["Already taken."]}}}
            )
    industry = organization.get("industry") or "generic"
    tenant = Tenant(
        name=organization["name"],
        slug=slug,
        industry=industry,
        governance_mode=organization.get("governance_mode") or default_mode(industry),
        settings=dict(DEFAULT_SETTINGS),
        seat_limit=current_app.config["SEAT_LIMIT_DEFAULT"],
    )
    db.session.add(tenant)
    db.session.flush()
    tenancy.activate(tenant.id)
    member = create_owner(tenant, owner["email"], owner["name"])
    _, secret = tokens.issue(member, "signup")
    audit.record(
        "tenant.created",
        "tenant",
        tenant.id,
        after={
            "name": tenant.name,
            "slug": tenant.slug,
            "industry": industry,
            "governance_mode": tenant.governance_mode,
        },
        actor_member_id=member.id,
    )
    return tenant, member, secret


def create_owner(tenant: Tenant, email: str, name: str) -> Member:
    """The first member of a tenant: an active owner (signing up is their own consent)."""
    member = Member(
        tenant_id=tenant.id,
        email=email.strip().lower(),
        name=name,
        roles=["owner"],
        status="active",
        locale=tenant.settings.get("default_locale", "de"),
        activated_at=clock.now(),
    )
    db.session.add(member)
    db.session.flush()
    consent.record(member, participation=True, leaderboard_visible=False, source="signup")
    return member


def current_tenant() -> Tenant:
    """The current tenant's row, looked up once per transaction (settings are read on many paths)."""
    tenant_id = tenancy.require()
    cache = transaction_cache()
    cached = cache.get(_TENANT_KEY)
    if cached is not None:
        state = inspect(cached)
        if state.persistent and state.identity == (tenant_id,):
            return cached
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound()
    cache[_TENANT_KEY] = tenant
    return tenant


_TENANT_KEY = "tenants.current_tenant"


def setting(name: str) -> Any:
    """One of the current tenant's settings, or its default (``tenants.schemas.DEFAULT_SETTINGS``)."""
    settings = current_tenant().settings or {}
    return settings[name] if name in settings else DEFAULT_SETTINGS[name]


def local_date(instant: datetime) -> date:
    """The calendar day ``instant`` falls on in the current tenant's time zone (setting
    ``timezone``): the day clicks are counted on, like the days leaderboards cut their periods at."""
    return instant.astimezone(zoneinfo.ZoneInfo(setting("timezone"))).date()


def tenant_view(tenant: Tenant) -> dict[str, Any]:
    """The tenant as the API shows it, with effective policy and seat usage."""
    return {
        "id": tenant.id,
        "name": tenant.name,
        "slug": tenant.slug,
        "industry": tenant.industry,
        "governance_mode": tenant.governance_mode,
        "policy": effective_policy(tenant.governance_mode, tenant.policy_overrides),
        "policy_overrides": tenant.policy_overrides or {},
        "seats": {"limit": tenant.seat_limit, "used": seats_used()},
        "settings": {**DEFAULT_SETTINGS, **tenant.settings},
        "plan": tenant.plan,
        "created_at": tenant.created_at,
    }


def current_policy() -> dict[str, Any]:
    """The effective governance policy of the current tenant."""
    tenant = current_tenant()
    return effective_policy(tenant.governance_mode, tenant.policy_overrides)


def update_tenant(tenant: Tenant, changes: dict[str, Any]) -> Tenant:
    before = {
        "name": tenant.name,
        "settings": dict(tenant.settings),
        "policy_overrides": dict(tenant.policy_overrides or {}),
    }
    if "policy_overrides" in changes:
        refused = policy.loosening(tenant.governance_mode, changes["policy_overrides"])
        if refused:
            raise ValidationFailed({"json": {"policy_overrides": {key: [message] for key, message in refused.items()}}})
        tenant.policy_overrides = dict(changes["policy_overrides"])
    if "name" in changes:
        tenant.name = changes["name"]
    if "settings" in changes:
        tenant.settings = {**tenant.settings, **changes["settings"]}
    after = {
        "name": tenant.name,
        "settings": dict(tenant.settings),
        "policy_overrides": dict(tenant.policy_overrides or {}),
    }
    old, new = audit.changes(before, after)
    if new:
        audit.record("tenant.updated", "tenant", tenant.id, before=old, after=new)
    return tenant


def change_governance(tenant: Tenant, mode: str, reason: str, actor: Principal) -> Tenant:
    """Switch the governance mode (owner only).

    Work in flight falls under the new policy: the ``tenants.governance_changed`` event lets
    the posts domain re-route approved-but-unpublished posts (and the archive record the
    switch) in the same way whether the change came from the API or the CLI. The audit action
    is ``tenant.governance_changed``, one letter apart (``tenants.events`` says why).
    """
    if tenant.governance_mode != mode:
        before = {"governance_mode": tenant.governance_mode}
        tenant.governance_mode = mode
        audit.record(
            "tenant.governance_changed",
            "tenant",
            tenant.id,
            before=before,
            after={"governance_mode": mode, "reason": reason},
        )
        events.emit(
            GOVERNANCE_CHANGED,
            {"from": before["governance_mode"], "to": mode, "reason": reason, "actor_member_id": str(actor.member_id)},
        )
    return tenant
