"""Seats: invited and active members count against the plan's limit (402 beyond it).

Whoever takes seats counts them under a lock on the tenant row (``SELECT ... FOR NO KEY
UPDATE``, held until the transaction ends), so concurrent invitations, reactivations and
imports queue at the count and the limit holds. ``NO KEY UPDATE`` still lets other
transactions insert rows that reference the tenant (their foreign keys take ``KEY SHARE``).
"""

from __future__ import annotations

from sqlalchemy import func, select

from app import tenancy
from app.db import db
from app.errors import SeatLimitReached
from tenants.models import Member, Tenant

SEAT_STATUSES = ("invited", "active")


def seats_used() -> int:
    return db.session.scalar(select(func.count()).select_from(Member).where(Member.status.in_(SEAT_STATUSES))) or 0


def _locked_tenant() -> Tenant:
    return db.session.get(
        Tenant, tenancy.require(), with_for_update={"key_share": True}, populate_existing=True
    )  # populate_existing: the seat limit as committed now, not as first read in this transaction


def seats_left() -> int:
    """Seats still free, counted under the tenant lock (taken for the rest of the transaction)."""
    tenant = _locked_tenant()
    return tenant.seat_limit - seats_used()


def require_seats(additional: int = 1) -> None:
    """402 when ``additional`` more invited or active members would exceed the plan."""
    tenant = _locked_tenant()
    used = seats_used()
    if used + additional > tenant.seat_limit:
        raise SeatLimitReached(
            f"Seat limit reached: {used} of {tenant.seat_limit} seats are used by invited and "
            "active members. Offboard members or upgrade the plan."
        )
