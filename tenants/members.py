"""Member actions: invite, update, roles, lifecycle (invited -> active -> paused -> offboarded).

Every action checks its preconditions, writes an audit row without personal data (ids, roles,
departments, never names or emails) and leaves committing to the request.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, String, cast, func, or_, select

from app import auth, clock
from app.auth import Principal
from app.db import db
from app.errors import Conflict, Forbidden, NotFound, field_error
from tenants import audit, invitations, tokens
from tenants.models import Member
from tenants.seats import require_seats
from tenants.services import current_tenant

#: Fields an audit row may carry verbatim; other changed fields are listed by name only.
AUDITABLE_FIELDS = ("roles", "department", "location", "locale", "title", "status")


def attribute_key(value: str | None) -> str | None:
    """How a member attribute (department, location) is compared, with others and with the
    content library's tags: trimmed and case-folded; None when unset or blank."""
    return value.strip().casefold() if value and value.strip() else None


def get(member_id: uuid.UUID) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise NotFound("No such member.")
    return member


def by_id(member_ids) -> dict[uuid.UUID, Member]:
    """``{id: member}`` for the given ids of the current tenant, in one query (unknown ids left out)."""
    ids = set(member_ids)
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(ids)))}


def get_by_email(email: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.email == email.strip().lower()))


def _check_role_grant(actor: Principal, roles: list[str]) -> None:
    if set(roles) - {"influencer"} and not actor.has("members:roles"):
        raise Forbidden("Only owners and admins assign roles other than influencer.")
    if "owner" in roles and "owner" not in actor.roles:
        raise Forbidden("Only an owner can make someone an owner.")


def invite(data: dict[str, Any], actor: Principal) -> tuple[Member, str, Any]:
    """Create an invited member and send the invitation. Returns (member, secret, invitation)."""
    email = data["email"].strip().lower()
    roles = sorted(set(data.get("roles") or ["influencer"]))
    _check_role_grant(actor, roles)
    if get_by_email(email) is not None:
        raise Conflict("A member with this email already exists.", errors={"json": {"email": ["Already a member."]}})
    require_seats(1)
    tenant = current_tenant()
    member = Member(
        email=email,
        name=data["name"],
        department=data.get("department"),
        location=data.get("location"),
        locale=data.get("locale") or tenant.settings.get("default_locale", "de"),
        title=data.get("title"),
        roles=roles,
        status="invited",
    )
    db.session.add(member)
    db.session.flush()
    invitation, secret = invitations.issue(member, tenant)
    audit.record("member.invited", "member", member.id, after=_auditable(member))
    return member, secret, invitation


def _auditable(member: Member) -> dict[str, Any]:
    return {field: getattr(member, field) for field in AUDITABLE_FIELDS}


def holding(role: str):
    """SQL condition: the member holds ``role`` (roles are a JSON list of known role names)."""
    return cast(Member.roles, String).like(f'%"{role}"%')


def active_with_role(role: str) -> list[Member]:
    return list(
        db.session.scalars(select(Member).where(Member.status == "active", holding(role)).order_by(Member.created_at))
    )


def owner_count() -> int:
    owners = select(Member.id).where(Member.status != "offboarded", holding("owner"))
    return db.session.scalar(select(func.count()).select_from(owners.subquery())) or 0


def _guard_last_owner(member: Member) -> None:
    if member.has_role("owner") and owner_count() <= 1:
        raise Conflict("The last owner cannot be demoted or offboarded; make someone else owner first.")


def require_not_offboarded(member: Member) -> None:
    if member.status == "offboarded":
        raise Conflict("The member is offboarded.")


def update(member: Member, changes: dict[str, Any], actor: Principal) -> Member:
    require_not_offboarded(member)
    before = _auditable(member)
    changed_personal = []
    if "roles" in changes:
        roles = sorted(set(changes["roles"]))
        if not actor.has("members:roles"):
            raise Forbidden("Only owners and admins change roles.")
        _check_role_grant(actor, roles)
        if "owner" in member.roles and "owner" not in roles:
            _guard_last_owner(member)
        member.roles = roles
    for field in ("name", "department", "location", "locale", "title"):
        if field in changes and getattr(member, field) != changes[field]:
            setattr(member, field, changes[field])
            if field == "name":
                changed_personal.append(field)
    old, new = audit.changes(before, _auditable(member))
    if new or changed_personal:
        audit.record(
            "member.updated",
            "member",
            member.id,
            before=old,
            after={**new, **({"changed": changed_personal} if changed_personal else {})},
        )
    return member


def _set_status(member: Member, status: str, action: str, **extra) -> Member:
    before = {"status": member.status}
    member.status = status
    audit.record(action, "member", member.id, before=before, after={"status": status, **extra})
    return member


def pause(member: Member, reason: str = "staff", note: str | None = None) -> Member:
    """Pause an active member; ``note`` is staff's free text (kept on the member, not in the audit log)."""
    if member.status != "active":
        raise Conflict(f"Only active members can be paused (this one is {member.status}).")
    member.paused_at, member.pause_reason, member.pause_note = clock.now(), reason, note
    return _set_status(member, "paused", "member.paused", reason=reason, note=note is not None)


def reactivate(member: Member) -> Member:
    """Paused -> active, only while the member's own participation consent stands."""
    if member.status != "paused":
        raise Conflict(f"Only paused members can be reactivated (this one is {member.status}).")
    if member.participation_consent_at is None or member.pause_reason == "consent_withdrawn":
        raise Conflict("The member withdrew consent; only the member can rejoin by consenting again.")
    require_seats(1)
    member.paused_at, member.pause_reason, member.pause_note = None, None, None
    return _set_status(member, "active", "member.reactivated")


def offboard(member: Member) -> Member:
    """Offboard: revoke every token and open invitation, keep the member's history."""
    require_not_offboarded(member)
    _guard_last_owner(member)
    tokens.revoke_all(member.id)
    invitations.revoke_open(member.id)
    member.offboarded_at = clock.now()
    return _set_status(member, "offboarded", "member.offboarded")


def list_query(filters: dict[str, Any]) -> Select:
    """Members matching ``status``, ``role``, ``department`` and a free-text ``q``."""
    statement = select(Member)
    if filters.get("status"):
        statement = statement.where(Member.status == filters["status"])
    if filters.get("role"):
        if filters["role"] not in auth.ROLES:
            raise field_error("query", "role", "Unknown role.")
        statement = statement.where(holding(filters["role"]))
    if filters.get("department"):
        statement = statement.where(Member.department == filters["department"])
    if filters.get("q"):
        needle = "%" + filters["q"].lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        statement = statement.where(or_(func.lower(Member.name).like(needle), Member.email.like(needle)))
    return statement.order_by(Member.created_at, Member.id)
