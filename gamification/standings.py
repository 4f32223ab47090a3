"""What leaderboards filter on, copied onto each member's aggregate rows and kept current.

A board reads one index range of ``member_points``; it never joins the members table to learn
who is active, who opted in, or who works where. When a member's department, location, status
or leaderboard consent changes (through the ORM, in any package), the copies change in the
same flush.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from app.db import TenantSession
from gamification.models import MemberPoints
from tenants.models import Member

WATCHED = ("department", "location", "status", "leaderboard_visible")


def key(value: str | None) -> str | None:
    """The case-folded form filters compare (``Vertrieb`` and ``vertrieb`` are one department)."""
    return value.strip().casefold() if value and value.strip() else None


@dataclass(frozen=True)
class Standing:
    department_key: str | None
    location_key: str | None
    active: bool
    listed: bool

    @classmethod
    def of(cls, member: Member) -> Standing:
        active = member.status == "active"
        return cls(key(member.department), key(member.location), active, active and bool(member.leaderboard_visible))

    def columns(self) -> dict:
        return {"department_key": self.department_key, "location_key": self.location_key, "active": self.active, "listed": self.listed}


@event.listens_for(TenantSession, "before_flush")
def _copy_member_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty):
        if not isinstance(obj, Member):
            continue
        state = inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in WATCHED):
            session.execute(
                update(MemberPoints)
                .where(MemberPoints.tenant_id == obj.tenant_id, MemberPoints.member_id == obj.id)
                .values(**Standing.of(obj).columns())
                .execution_options(synchronize_session=False)
            )
