"""Reading the maintained stats rollups: tenant-wide figures from a bounded number of rows.

PostgreSQL triggers (migration 0019) keep ``post_stats`` (one row per published post),
``stats_days`` (its sums per UTC day of publication and platform), ``stats_members`` and
``stats_tenants`` (members posting, active members) in the transaction of every write that changes them:
metric ingestion, click counting, publication and (cascaded) deletion. Nothing in Python adds
to them, so a new write path (a buffered click fold, a bulk import) is covered without a hook.

A period reads whole UTC days from ``stats_days`` and only its partial first and last day from
``post_stats``; a member's figures read only that member's ``post_stats`` rows. On other
databases (SQLite) :func:`available` is false and the reports add up the source rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Uuid, any_, bindparam, func, select, tuple_
from sqlalchemy.dialects import postgresql

from app.db import db
from engagement.metrics.models import METRICS, PostStat, StatsDay, StatsTenant

#: ``post_stats``/``stats_days`` column of each platform metric.
METRIC_COLUMNS = {metric: ("platform_clicks" if metric == "clicks" else metric) for metric in METRICS}
_SUMMED = ("reach", *METRIC_COLUMNS.values(), "tracked_clicks", "unique_clicks")


def available() -> bool:
    """Are the rollups maintained here? (PostgreSQL: by triggers; elsewhere not at all.)"""
    return db.session.get_bind().dialect.name == "postgresql"


def lock_for_posts(post_ids) -> None:
    """Lock the rollup rows that changes to these posts' metrics or clicks will update, in a fixed
    order: ``post_stats`` by post, then ``stats_days`` by day and platform.

    A multi-row write (a metric batch, a bulk click fold) updates them in two statements (its
    inserted and its updated rows fire separate triggers); taking every lock first in one global
    order means two such writers, or one and a single click (post row, then its day row), never
    wait on each other in a cycle. PostgreSQL only; a no-op elsewhere.
    """
    if not available():
        return
    ids = sorted(set(post_ids), key=str)
    if not ids:
        return
    match = PostStat.post_id == any_(bindparam("post_ids", ids, type_=postgresql.ARRAY(Uuid())))
    db.session.execute(select(PostStat.id).where(match).order_by(PostStat.post_id).with_for_update())
    days = select(PostStat.day, PostStat.platform).where(match)
    db.session.execute(
        select(StatsDay.id)
        .where(tuple_(StatsDay.day, StatsDay.platform).in_(days))
        .order_by(StatsDay.day, StatsDay.platform)
        .with_for_update()
    )


def _empty() -> dict[str, Any]:
    return {
        "by_platform": {},
        "metrics": dict.fromkeys(METRICS, 0),
        "tracked_clicks": 0,
        "unique_clicks": 0,
        "clicks": 0,
    }


def _add(totals: dict[str, Any], rows) -> None:
    """Add rows of ``platform, posts, reach, <metrics...>, tracked, unique, clicks`` sums."""
    for row in rows:
        platform, posts, reach, *rest = (value if isinstance(value, str) else int(value or 0) for value in row)
        entry = totals["by_platform"].setdefault(platform, {"posts": 0, "potential_reach": 0})
        entry["posts"] += posts
        entry["potential_reach"] += reach
        metric_values, (tracked, unique, clicks) = rest[: len(METRICS)], rest[len(METRICS) :]
        for metric, value in zip(METRICS, metric_values, strict=True):
            totals["metrics"][metric] += value
        totals["tracked_clicks"] += tracked
        totals["unique_clicks"] += unique
        totals["clicks"] += clicks


def _post_sums(*conditions) -> Any:
    columns = [func.sum(getattr(PostStat, name)) for name in _SUMMED]
    clicks = func.sum(func.greatest(PostStat.platform_clicks, PostStat.tracked_clicks))
    return db.session.execute(
        select(PostStat.platform, func.count(), *columns, clicks).where(*conditions).group_by(PostStat.platform)
    )


def _day_sums(*conditions) -> Any:
    columns = [func.sum(getattr(StatsDay, name)) for name in (*_SUMMED, "clicks")]
    return db.session.execute(
        select(StatsDay.platform, func.sum(StatsDay.posts), *columns).where(*conditions).group_by(StatsDay.platform)
    )


def _midnight_after(moment: datetime) -> datetime:
    """The first UTC midnight at or after ``moment``."""
    moment = moment.astimezone(UTC)
    start = datetime.combine(moment.date(), time(), tzinfo=UTC)
    return start if start == moment else start + timedelta(days=1)


def _midnight_before(moment: datetime) -> datetime:
    """The last UTC midnight at or before ``moment``."""
    moment = moment.astimezone(UTC)
    return datetime.combine(moment.date(), time(), tzinfo=UTC)


def _between(since: datetime | None, until: datetime | None) -> list:
    conditions = []
    if since is not None:
        conditions.append(PostStat.published_at >= since)
    if until is not None:
        conditions.append(PostStat.published_at < until)
    return conditions


def tenant_totals(since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """The tenant's published posts in ``[since, until)`` in the shape of ``stats._totals``.

    Whole UTC days come from ``stats_days`` (a row per day and platform); the parts of a day at
    either end of the period from ``post_stats``. Members posting: the maintained count for all
    time, a distinct count over the period's ``post_stats`` rows for a period.
    """
    totals = _empty()
    first = _midnight_after(since) if since is not None else None
    last = _midnight_before(until) if until is not None else None
    if first is not None and last is not None and first >= last:
        _add(totals, _post_sums(*_between(since, until)))  # within one day
    else:
        days = []
        if first is not None:
            days.append(StatsDay.day >= first.date())
            if since < first:
                _add(totals, _post_sums(*_between(since, first)))
        if last is not None:
            days.append(StatsDay.day < last.date())
            if last < until:
                _add(totals, _post_sums(*_between(last, until)))
        _add(totals, _day_sums(*days))
    if since is None and until is None:
        members = db.session.scalar(select(StatsTenant.members_posting)) or 0
    else:
        members = db.session.scalar(
            select(func.count(func.distinct(PostStat.member_id))).where(*_between(since, until))
        )
    return _shape(totals, members)


def active_members() -> int:
    """The tenant's active members: the maintained count."""
    return int(db.session.scalar(select(StatsTenant.active_members)) or 0)


def member_totals(member_id: uuid.UUID, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """The member's published posts in ``[since, until)``: only their ``post_stats`` rows."""
    totals = _empty()
    _add(totals, _post_sums(PostStat.member_id == member_id, *_between(since, until)))
    return _shape(totals, 1 if totals["by_platform"] else 0)


def _shape(totals: dict[str, Any], members_posting: int) -> dict[str, Any]:
    totals["by_platform"] = {p: e for p, e in totals["by_platform"].items() if e["posts"]}
    return {
        "posts": sum(entry["posts"] for entry in totals["by_platform"].values()),
        "members_posting": int(members_posting or 0),
        **totals,
    }
