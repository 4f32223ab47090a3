"""Activities: the facts badges, milestones and challenges count, each counted once.

A fact (``metric``, ``source_key``) is inserted once; only a new fact moves the member's
all-time counter, in the same transaction. Windowed counts ("5 posts in 30 days") read the
facts through their index.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from app.db import db, upsert_insert
from gamification.models import Activity, MemberCounter

#: Metric -> what it counts. Every metric is a badge criterion; ``points`` is read from the
#: ledger's totals rather than from activities.
METRICS: dict[str, str] = {
    "points": "Points (all time, or within the window).",
    "posts_published": "Posts published (own posts and library shares).",
    "own_posts": "Own posts published.",
    "library_shares": "Content-library items shared and published.",
    "modules_passed": "Training modules passed (each version once).",
    "perfect_scores": "Training modules passed with 100%.",
    "guidelines_acknowledged": "Guideline versions acknowledged.",
    "clicks": "Unique visitors who clicked a tracking link of the member's posts (per link and day).",
    "challenges_completed": "Challenges completed.",
}
COUNTED = tuple(metric for metric in METRICS if metric != "points")

_ACTIVITIES = Activity.__table__
_COUNTERS = MemberCounter.__table__


def record(
    member_id: uuid.UUID,
    metric: str,
    source_key: str,
    occurred_at: datetime,
    *,
    subject_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> int | None:
    """Count a fact; the member's new all-time count, or None when it was counted before."""
    inserted = db.session.execute(
        upsert_insert(_ACTIVITIES)
        .values(
            member_id=member_id,
            metric=metric,
            source_key=source_key,
            subject_id=subject_id,
            details=details or {},
            occurred_at=occurred_at,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "metric", "source_key"])
        .returning(_ACTIVITIES.c.metric)
    ).scalar()
    if inserted is None:
        return None
    statement = upsert_insert(_COUNTERS).values(member_id=member_id, metric=metric, value=1)
    return db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "member_id", "metric"], set_={"value": _COUNTERS.c.value + 1}
        ).returning(_COUNTERS.c.value)
    ).scalar_one()


def counters(member_id: uuid.UUID) -> dict[str, int]:
    rows = db.session.execute(
        select(MemberCounter.metric, MemberCounter.value).where(MemberCounter.member_id == member_id)
    )
    return {metric: 0 for metric in COUNTED} | {metric: int(value) for metric, value in rows}


def count_since(member_id: uuid.UUID, metric: str, since: datetime) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Activity)
            .where(Activity.member_id == member_id, Activity.metric == metric, Activity.occurred_at >= since)
        )
        or 0
    )


def occurrences(member_id: uuid.UUID, metric: str, since: datetime) -> list[datetime]:
    return list(
        db.session.scalars(
            select(Activity.occurred_at).where(
                Activity.member_id == member_id, Activity.metric == metric, Activity.occurred_at >= since
            )
        )
    )
