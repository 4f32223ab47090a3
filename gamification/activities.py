"""Activities: the facts badges, milestones and challenges count, each counted once.

A fact (``metric``, ``source_key``) is inserted once; only a new fact moves the member's
all-time counter, in the same transaction. Windowed counts ("5 posts in 30 days") read the
facts through their index.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select

from app.db import db
from gamification import bulk
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


class Fact(NamedTuple):
    """One fact for :func:`record_many`."""

    member_id: uuid.UUID
    metric: str
    source_key: str
    occurred_at: datetime
    subject_id: uuid.UUID | None = None
    details: dict[str, Any] | None = None


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
    counted = record_many([Fact(member_id, metric, source_key, occurred_at, subject_id, details)])
    return counted.get((metric, source_key))


def record_many(facts: list[Fact]) -> dict[tuple[str, str], int]:
    """Count facts at once (one insert, one counter upsert): for each newly counted fact, by
    ``(metric, source_key)``, the member's count once it was counted, in the order given."""
    unique: dict[tuple[str, str], Fact] = {}
    for fact in facts:
        unique.setdefault((fact.metric, fact.source_key), fact)
    if not unique:
        return {}
    rows = [
        {
            "member_id": f.member_id,
            "metric": f.metric,
            "source_key": f.source_key,
            "subject_id": f.subject_id,
            "details": f.details or {},
            "occurred_at": f.occurred_at,
        }
        for f in unique.values()
    ]
    inserted = set(
        bulk.insert(
            _ACTIVITIES,
            rows,
            lambda statement: statement.on_conflict_do_nothing(
                index_elements=["tenant_id", "metric", "source_key"]
            ).returning(_ACTIVITIES.c.metric, _ACTIVITIES.c.source_key),
        ).tuples()
    )
    new = [fact for key, fact in unique.items() if key in inserted]  # in the order given
    if not new:
        return {}
    added: dict[tuple[uuid.UUID, str], int] = defaultdict(int)
    for fact in new:
        added[(fact.member_id, fact.metric)] += 1
    values = {
        (member_id, metric): value
        for member_id, metric, value in bulk.insert(
            _COUNTERS,
            [{"member_id": m, "metric": metric, "value": n} for (m, metric), n in sorted(added.items())],
            lambda statement: statement.on_conflict_do_update(
                index_elements=["tenant_id", "member_id", "metric"],
                set_={"value": _COUNTERS.c.value + statement.excluded.value},
            ).returning(_COUNTERS.c.member_id, _COUNTERS.c.metric, _COUNTERS.c.value),
        )
    }
    counts: dict[tuple[str, str], int] = {}
    seen: dict[tuple[uuid.UUID, str], int] = defaultdict(int)
    for fact in new:
        key = (fact.member_id, fact.metric)
        seen[key] += 1
        counts[(fact.metric, fact.source_key)] = values[key] - added[key] + seen[key]
    return counts


def counters(member_id: uuid.UUID) -> dict[str, int]:
    return counters_many([member_id])[member_id]


def counters_many(member_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Each member's all-time counters, every counted metric (0 when none), in one query."""
    found: dict[uuid.UUID, dict[str, int]] = {m: dict.fromkeys(COUNTED, 0) for m in member_ids}
    rows = db.session.execute(
        select(MemberCounter.member_id, MemberCounter.metric, MemberCounter.value).where(
            MemberCounter.member_id.in_(member_ids)
        )
    )
    for member_id, metric, value in rows:
        found[member_id][metric] = int(value)
    return found


def occurrences_many(member_ids: list[uuid.UUID], metric: str, since: datetime) -> dict[uuid.UUID, list[datetime]]:
    """:func:`occurrences` of several members, in one query."""
    found: dict[uuid.UUID, list[datetime]] = {m: [] for m in member_ids}
    rows = db.session.execute(
        select(Activity.member_id, Activity.occurred_at).where(
            Activity.member_id.in_(member_ids), Activity.metric == metric, Activity.occurred_at >= since
        )
    )
    for member_id, occurred_at in rows:
        found[member_id].append(occurred_at)
    return found


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
