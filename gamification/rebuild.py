"""Recompute the maintained aggregates from the append-only sources and report differences.

Points per member and period come from the ledger (in the tenant's current time zone), the
counters from the activities, the points histogram from the corrected points. Members are checked in chunks, so memory stays flat whatever
the size of the ledger. Without ``apply`` nothing is written: a report only.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import delete, func, select

from app.db import db, upsert_insert
from gamification import histogram, periods
from gamification.models import Activity, MemberCounter, MemberPoints, PointEntry, PointsHistogram
from gamification.standings import Standing
from tenants.models import Member

CHUNK = 500
EXAMPLES = 10

Key = tuple[uuid.UUID, str, Any]


def rebuild(apply: bool) -> dict[str, Any]:
    zone = periods.tenant_zone()
    member_ids = list(db.session.scalars(select(Member.id).order_by(Member.id)))
    report: dict[str, Any] = {
        "members": len(member_ids),
        "entries": 0,
        "differences": 0,
        "histogram_differences": 0,
        "examples": [],
        "fixed": False,
    }
    for start in range(0, len(member_ids), CHUNK):
        chunk = member_ids[start : start + CHUNK]
        expected_points, expected_counters = _expected_points(chunk, zone, report), _expected_counters(chunk)
        points_diff = _compare(expected_points, _stored_points(chunk), "points", report)
        counter_diff = _compare(expected_counters, _stored_counters(chunk), "counter", report)
        if apply and (points_diff or counter_diff):
            _rewrite(
                _of_members(expected_points, points_diff),
                points_diff,
                _of_members(expected_counters, counter_diff),
                counter_diff,
            )
            report["fixed"] = True
    _rebuild_histogram(apply, report)
    return report


def _rebuild_histogram(apply: bool, report: dict[str, Any]) -> None:
    """The histogram follows from ``member_points`` (as corrected above): compare, then replace."""
    expected: dict[tuple, int] = defaultdict(int)
    grouping = (
        MemberPoints.period,
        MemberPoints.period_start,
        MemberPoints.points,
        MemberPoints.department_key,
        MemberPoints.location_key,
    )
    rows = db.session.execute(
        select(*grouping, func.count()).where(MemberPoints.listed, MemberPoints.points > 0).group_by(*grouping)
    )
    for period, start, points, department_key, location_key, members in rows:
        for scope in histogram.scopes(Standing(department_key, location_key, True, True)):
            expected[(period, start, scope, int(points))] += int(members)
            expected[(period, start, histogram.coarse(scope), histogram.bucket(int(points)))] += int(members)
    every_stored = {
        (row.period, row.period_start, row.scope, int(row.points)): int(row.members)
        for row in db.session.scalars(select(PointsHistogram))
    }
    stored = {row_key: members for row_key, members in every_stored.items() if members}
    differing = [k for k in expected.keys() | stored.keys() if expected.get(k, 0) != stored.get(k, 0)]
    report["histogram_differences"] = len(differing)
    for period, start, scope, points in sorted(differing)[: max(0, EXAMPLES - len(report["examples"]))]:
        report["examples"].append(
            {
                "kind": "histogram",
                "what": f"{period} {scope or 'board'} at {points} points",
                "period_start": start.isoformat(),
                "expected": expected.get((period, start, scope, points), 0),
                "stored": stored.get((period, start, scope, points), 0),
            }
        )
    if apply and (differing or len(stored) != len(every_stored)):  # also clears rows counted down to zero
        db.session.execute(delete(PointsHistogram).execution_options(synchronize_session=False))
        rows = [
            {
                "period": p,
                "period_start": s,
                "scope": scope,
                "points": points,
                "members": members,
            }
            for (p, s, scope, points), members in expected.items()
        ]
        for start in range(0, len(rows), 5000):
            db.session.execute(upsert_insert(PointsHistogram.__table__), rows[start : start + 5000])
        report["histogram_fixed"] = bool(differing)


def _expected_points(chunk: list[uuid.UUID], zone, report: dict[str, Any]) -> dict[Key, int]:
    expected: dict[Key, int] = defaultdict(int)
    rows = db.session.execute(
        select(PointEntry.member_id, PointEntry.points, PointEntry.occurred_at).where(PointEntry.member_id.in_(chunk))
    )
    for member_id, points, occurred_at in rows:
        report["entries"] += 1
        for period, start in periods.starts_for(occurred_at, zone).items():
            expected[(member_id, period, start)] += points
    return expected


def _stored_points(chunk: list[uuid.UUID]) -> dict[Key, int]:
    rows = db.session.execute(
        select(MemberPoints.member_id, MemberPoints.period, MemberPoints.period_start, MemberPoints.points).where(
            MemberPoints.member_id.in_(chunk)
        )
    )
    return {(member_id, period, start): int(points) for member_id, period, start, points in rows}


def _expected_counters(chunk: list[uuid.UUID]) -> dict[Key, int]:
    rows = db.session.execute(
        select(Activity.member_id, Activity.metric, func.count())
        .where(Activity.member_id.in_(chunk))
        .group_by(Activity.member_id, Activity.metric)
    )
    return {(member_id, metric, None): int(count) for member_id, metric, count in rows}


def _stored_counters(chunk: list[uuid.UUID]) -> dict[Key, int]:
    rows = db.session.execute(
        select(MemberCounter.member_id, MemberCounter.metric, MemberCounter.value).where(
            MemberCounter.member_id.in_(chunk)
        )
    )
    return {(member_id, metric, None): int(value) for member_id, metric, value in rows}


def _compare(expected: dict[Key, int], stored: dict[Key, int], kind: str, report: dict[str, Any]) -> set[uuid.UUID]:
    """Members whose stored rows differ; a zero row and a missing row are the same."""
    differing = set()
    for row_key in expected.keys() | stored.keys():
        want, have = expected.get(row_key, 0), stored.get(row_key, 0)
        if want != have:
            differing.add(row_key[0])
            report["differences"] += 1
            if len(report["examples"]) < EXAMPLES:
                member_id, name, start = row_key
                report["examples"].append(
                    {
                        "kind": kind,
                        "member_id": str(member_id),
                        "what": name,
                        "period_start": start and start.isoformat(),
                        "expected": want,
                        "stored": have,
                    }
                )
    return differing


def _of_members(expected: dict[Key, int], member_ids: set[uuid.UUID]) -> dict[Key, int]:
    return {row_key: value for row_key, value in expected.items() if row_key[0] in member_ids}


def _rewrite(
    points: dict[Key, int], points_members: set[uuid.UUID], counters: dict[Key, int], counter_members: set[uuid.UUID]
) -> None:
    """Replace the rows of the members that differ with what the ledger and activities say."""
    if points_members:
        members = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(points_members)))}
        db.session.execute(
            delete(MemberPoints)
            .where(MemberPoints.member_id.in_(points_members))
            .execution_options(synchronize_session=False)
        )
        rows = [
            {
                "member_id": m,
                "period": period,
                "period_start": start,
                "points": value,
                **Standing.of(members[m]).columns(),
            }
            for (m, period, start), value in points.items()
        ]
        if rows:
            db.session.execute(upsert_insert(MemberPoints.__table__), rows)
    if counter_members:
        db.session.execute(
            delete(MemberCounter)
            .where(MemberCounter.member_id.in_(counter_members))
            .execution_options(synchronize_session=False)
        )
        rows = [{"member_id": m, "metric": metric, "value": value} for (m, metric, _), value in counters.items()]
        if rows:
            db.session.execute(upsert_insert(MemberCounter.__table__).values(rows).on_conflict_do_nothing())
