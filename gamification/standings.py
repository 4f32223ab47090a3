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
from gamification import histogram
from gamification.models import MemberPoints
from tenants.members import attribute_key
from tenants.models import Member

WATCHED = ("department", "location", "status", "leaderboard_visible")


#: The case-folded form filters compare (``Vertrieb`` and ``vertrieb`` are one department), the
#: same the content library gives topics (events carry them so): topic challenges compare the two.
key = attribute_key


@dataclass(frozen=True)
class Standing:
    department_key: str | None
    location_key: str | None
    active: bool
    listed: bool

    @classmethod
    def of(cls, member: Member) -> Standing:
        return cls.from_values(member.department, member.location, member.status, member.leaderboard_visible)

    @classmethod
    def from_values(cls, department: str | None, location: str | None, status: str, visible: bool | None) -> Standing:
        active = status == "active"
        return cls(key(department), key(location), active, active and bool(visible))

    def columns(self) -> dict:
        return {
            "department_key": self.department_key,
            "location_key": self.location_key,
            "active": self.active,
            "listed": self.listed,
        }


#: The columns :meth:`Standing.columns` fills on a member's aggregate rows.
STANDING_COLUMNS = ("department_key", "location_key", "active", "listed")


def _before(state, name: str):
    history = state.attrs[name].history
    return history.deleted[0] if history.deleted else getattr(state.obj(), name)


@event.listens_for(TenantSession, "before_flush")
def _copy_member_changes(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty):
        if not isinstance(obj, Member):
            continue
        state = inspect(obj)
        if not any(state.attrs[name].history.has_changes() for name in WATCHED):
            continue
        before = Standing.from_values(*(_before(state, name) for name in WATCHED))
        after = Standing.of(obj)
        if before == after:
            continue
        rows = session.execute(
            update(MemberPoints)
            .where(MemberPoints.tenant_id == obj.tenant_id, MemberPoints.member_id == obj.id)
            .values(**after.columns())
            .returning(MemberPoints.period, MemberPoints.period_start, MemberPoints.points)
            .execution_options(synchronize_session=False)
        ).all()
        histogram.move(
            ((p, start, points, points) for p, start, points in rows),
            histogram.scopes(before),
            histogram.scopes(after),
            obj.tenant_id,
        )
