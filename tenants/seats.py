"""Seats: invited and active members count against the plan's limit (402 beyond it)."""

from __future__ import annotations

from sqlalchemy import func, select

from app import tenancy
from app.db import db
from app.errors import SeatLimitReached
from tenants.models import Member, Tenant

SEAT_STATUSES = ("invited", "active")


def seats_used() -> int:
    return db.session.scalar(select(func.count()).select_from(Member).where(Member.status.in_(SEAT_STATUSES))) or 0


def require_seats(additional: int = 1) -> None:
    """402 when ``additional`` more invited or active members would exceed the plan."""
    tenant = db.session.get(Tenant, tenancy.require())
    used = seats_used()
    if used + additional > tenant.seat_limit:
        raise SeatLimitReached(
            f"Seat limit reached: {used} of {tenant.seat_limit} seats are used by invited and "
            "active members. Offboard members or upgrade the plan."
        )
