"""Leaderboards: top members of a period and the caller's rank, and the fair team board.

Both read maintained aggregates: the top of a board is one range of the partial index on
listed ``member_points`` rows (``ix_member_points_board``), the caller's rank a sum over the
distinct point values above theirs in the points histogram. Neither depends on the size of
the ledger, nor on how far down the caller ranks. Ties share a rank (1, 2, 2, 4). Only members who are active and opted in
appear; everybody else still learns their own rank, the one they would have among them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from app.db import db
from gamification import histogram, periods
from gamification.models import MemberPoints
from gamification.standings import Standing, key
from tenants.models import Member
from tenants.services import setting


def _filters(department_key: str | None, location_key: str | None) -> list:
    clauses = []
    if department_key is not None:
        clauses.append(MemberPoints.department_key == department_key)
    if location_key is not None:
        clauses.append(MemberPoints.location_key == location_key)
    return clauses


def _window_view(window: periods.Window) -> dict[str, Any]:
    return {
        "period": window.period,
        "starts_on": None if window.period == "all" else window.start,
        "ends_on": None if window.end is None else window.end - timedelta(days=1),
        "timezone": setting("timezone"),
    }


def board(
    period: str,
    me: Member,
    *,
    department: str | None = None,
    location: str | None = None,
    limit: int = 10,
    day: date | None = None,
) -> dict[str, Any]:
    window = periods.window(period, day)
    department_key, location_key = key(department), key(location)  # the schema refuses blank filters
    clauses = [
        MemberPoints.period == window.period,
        MemberPoints.period_start == window.start,
        MemberPoints.listed,  # bare, so PostgreSQL matches the partial indexes (`IS true` does not)
        *_filters(department_key, location_key),
    ]
    top = db.session.execute(
        select(MemberPoints.member_id, MemberPoints.points, Member.name)
        .join(Member, (Member.tenant_id == MemberPoints.tenant_id) & (Member.id == MemberPoints.member_id))
        .where(*clauses, MemberPoints.points > 0)
        .order_by(MemberPoints.points.desc(), MemberPoints.member_id.desc())  # a backward scan of the index
        .limit(limit)
    ).all()
    items = []
    for position, row in enumerate(top):
        rank = items[-1]["rank"] if items and items[-1]["points"] == row.points else position + 1
        items.append({"rank": rank, "member": {"id": row.member_id, "name": row.name}, "points": row.points})
    return {**_window_view(window), "items": items, "me": _my_rank(me, window, clauses, department_key, location_key)}


def _my_rank(
    me: Member, window: periods.Window, clauses: list, department_key: str | None, location_key: str | None
) -> dict[str, Any] | None:
    standing = Standing.of(me)
    if (department_key is not None and standing.department_key != department_key) or (
        location_key is not None and standing.location_key != location_key
    ):
        return None  # the caller is not part of this board
    points = db.session.scalar(
        select(MemberPoints.points).where(
            MemberPoints.member_id == me.id,
            MemberPoints.period == window.period,
            MemberPoints.period_start == window.start,
        )
    )
    points = int(points or 0)
    scope = histogram.scope_for(department_key, location_key)
    if scope is not None:
        above = histogram.above(window.period, window.start, scope, max(points, 0))
    else:  # both filters: count the members above in the (small) department range
        above = int(
            db.session.scalar(
                select(func.count()).select_from(MemberPoints).where(*clauses, MemberPoints.points > max(points, 0))
            )
            or 0
        )
    return {"rank": above + 1, "points": points, "listed": standing.listed}


def teams(period: str, day: date | None = None) -> dict[str, Any]:
    """Departments ranked by average points per active member; small groups are hidden.

    Every active member counts in their department's average, with or without points and
    whether or not they appear on the personal board: the team board names no one.
    """
    window = periods.window(period, day)
    minimum = int(setting("min_group_size"))
    sums = dict(
        db.session.execute(
            select(MemberPoints.department_key, func.sum(MemberPoints.points))
            .where(MemberPoints.period == window.period, MemberPoints.period_start == window.start, MemberPoints.active)
            .where(MemberPoints.department_key.is_not(None))
            .group_by(MemberPoints.department_key)
        ).all()
    )
    sizes: dict[str, int] = defaultdict(int)
    labels: dict[str, tuple[int, str]] = {}
    for department, count in db.session.execute(
        select(Member.department, func.count())
        .where(Member.status == "active", Member.department.is_not(None))
        .group_by(Member.department)
    ):
        department_key = key(department)
        if department_key is None:
            continue
        sizes[department_key] += count
        if department_key not in labels or count > labels[department_key][0]:
            labels[department_key] = (count, department.strip())  # the most common spelling names the group
    shown = sorted(
        ((round(int(sums.get(k, 0)) / size, 1), labels[k][1], size) for k, size in sizes.items() if size >= minimum),
        key=lambda team: (-team[0], team[1]),
    )
    items = []
    for position, (average, name, size) in enumerate(shown):
        rank = items[-1]["rank"] if items and items[-1]["average_points"] == average else position + 1
        items.append({"rank": rank, "department": name, "average_points": average, "active_members": size})
    return {
        **_window_view(window),
        "items": items,
        "hidden_groups": sum(1 for size in sizes.values() if size < minimum),
        "min_group_size": minimum,
    }
