"""Reach and value: potential reach, amplification factor, earned media value, participation.

Clicks come from two sources that can see the same click: the platforms' reported ``clicks``
metric and the tracking links. Reports show both (``platform_clicks``, ``tracked_clicks``) and
count ``clicks`` as the larger of the two per post, which earned media value uses.

On PostgreSQL the reports read the maintained rollups (:mod:`engagement.metrics.rollups`): a
bounded number of rows however large the tenant (bench/growth.py). Elsewhere, and as the
reference the rollups are tested against, :func:`live_totals` adds up the latest value per post
and metric (``post_metrics``) and the click days in SQL: aggregate queries whose cost grows with
the tenant's posts, never an id list handed from one query to the next.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select

from app.db import db
from engagement.metrics import rollups
from engagement.metrics.models import METRICS, PostMetric
from engagement.posts.models import Post
from engagement.tracking.services import click_totals_by_post
from tenants.models import Member, SocialAccount
from tenants.services import setting

#: Tenant settings of this package (defaults in ``tenants.schemas.DEFAULT_SETTINGS``; money in
#: minor units of ``currency``).
VALUE_SETTINGS = ("corporate_followers", "cpm", "cpc", "currency")


def value_settings() -> dict[str, Any]:
    return {key: setting(key) for key in VALUE_SETTINGS}


def earned_media_value(impressions: int, clicks: int, cpm: int, cpc: int) -> int:
    """CPM x impressions / 1000 + CPC x clicks, in minor units, the CPM part rounded half up."""
    return (2 * cpm * impressions + 1000) // 2000 + cpc * clicks


def amplification(reach: int, corporate: int) -> float | None:
    """Employees' potential reach as a multiple of the corporate accounts' followers (None: no corporate followers)."""
    return round(reach / corporate, 2) if corporate > 0 else None


def _reach_expression():
    """The post's potential reach: its snapshot at publication, else the author's followers now."""
    return func.coalesce(Post.potential_reach, SocialAccount.followers, 0)


def _published(member_id: uuid.UUID | None, since: datetime | None, until: datetime | None) -> list:
    conditions = [Post.status == "published"]
    if member_id is not None:
        conditions.append(Post.member_id == member_id)
    if since is not None:
        conditions.append(Post.published_at >= since)
    if until is not None:
        conditions.append(Post.published_at < until)
    return conditions


def _greater(a, b):
    return case((a > b, a), else_=b)


def live_totals(member_id: uuid.UUID | None, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """Posts, potential reach per platform, metric sums and clicks of the matching published
    posts, added up from the source rows: three aggregate queries."""
    conditions = _published(member_id, since, until)
    author_account = and_(
        SocialAccount.member_id == Post.member_id,
        SocialAccount.platform == Post.platform,
        SocialAccount.tenant_id == Post.tenant_id,
    )
    by_platform = {
        platform: {"posts": int(posts), "potential_reach": int(reach or 0)}
        for platform, posts, reach in db.session.execute(
            select(Post.platform, func.count(), func.sum(_reach_expression()))
            .outerjoin(SocialAccount, author_account)
            .where(*conditions)
            .group_by(Post.platform)
        )
    }
    sums = dict.fromkeys(METRICS, 0)
    sums.update(
        db.session.execute(
            select(PostMetric.metric, func.sum(PostMetric.value))
            .join(Post, and_(Post.id == PostMetric.post_id, Post.tenant_id == PostMetric.tenant_id))
            .where(*conditions)
            .group_by(PostMetric.metric)
        )
        .tuples()
        .all()
    )
    sums = {metric: int(value or 0) for metric, value in sums.items()}
    tracked = click_totals_by_post()
    platform = (
        select(PostMetric.post_id, PostMetric.value).where(PostMetric.metric == "clicks").subquery("platform_clicks")
    )
    tracked_count = func.coalesce(tracked.c.clicks, 0)
    members_posting, tracked_clicks, unique_clicks, clicks = db.session.execute(
        select(
            func.count(func.distinct(Post.member_id)),
            func.sum(tracked_count),
            func.sum(func.coalesce(tracked.c.unique_clicks, 0)),
            func.sum(_greater(func.coalesce(platform.c.value, 0), tracked_count)),
        )
        .outerjoin(tracked, tracked.c.post_id == Post.id)
        .outerjoin(platform, platform.c.post_id == Post.id)
        .where(*conditions)
    ).one()
    return {
        "posts": sum(entry["posts"] for entry in by_platform.values()),
        "members_posting": int(members_posting or 0),
        "by_platform": by_platform,
        "metrics": sums,
        "tracked_clicks": int(tracked_clicks or 0),
        "unique_clicks": int(unique_clicks or 0),
        "clicks": int(clicks or 0),
    }


def _totals(member_id: uuid.UUID | None, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    """The figures' inputs: from the rollups where they are maintained, else from the source rows."""
    if not rollups.available():
        return live_totals(member_id, since, until)
    if member_id is not None:
        return rollups.member_totals(member_id, since, until)
    return rollups.tenant_totals(since, until)


def _active_members() -> int:
    if rollups.available():
        return rollups.active_members()
    return db.session.scalar(select(func.count()).select_from(Member).where(Member.status == "active")) or 0


def _figures(totals: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """The figures of :class:`StatsSchema`. ``clicks`` takes per post the larger of the platform's
    count and the tracking link's: both may count the same person's click (the platform counts a
    click on the tracking link in the post), so adding them would count it twice; earned media
    value values ``clicks``, so each click once."""
    metrics = totals["metrics"]
    clicks = totals["clicks"]
    impressions = metrics["impressions"]
    engaged = metrics["reactions"] + metrics["comments"] + metrics["reshares"]
    return {
        "posts": totals["posts"],
        "impressions": impressions,
        "reactions": metrics["reactions"],
        "comments": metrics["comments"],
        "reshares": metrics["reshares"],
        "clicks": clicks,
        "platform_clicks": metrics["clicks"],
        "tracked_clicks": totals["tracked_clicks"],
        "unique_clicks": totals["unique_clicks"],
        "engagement_rate": round(engaged / impressions, 4) if impressions else None,
        "potential_reach": sum(p["potential_reach"] for p in totals["by_platform"].values()),
        "earned_media_value": earned_media_value(impressions, clicks, settings["cpm"], settings["cpc"]),
        "currency": settings["currency"],
    }


def member_stats(member_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
    """The member's own published posts and what they achieved."""
    return {"since": since, "until": until, **_figures(_totals(member_id, since, until), value_settings())}


def tenant_stats(since: datetime | None = None, until: datetime | None = None) -> dict[str, Any]:
    """The tenant's totals, reach per platform next to corporate followers, EMV and participation."""
    settings = value_settings()
    totals = _totals(None, since, until)
    corporate = {platform: int(count) for platform, count in (settings["corporate_followers"] or {}).items()}
    platforms = sorted(set(totals["by_platform"]) | set(corporate))
    reach = [
        {
            "platform": platform,
            "posts": totals["by_platform"].get(platform, {}).get("posts", 0),
            "potential_reach": totals["by_platform"].get(platform, {}).get("potential_reach", 0),
            "corporate_followers": corporate.get(platform, 0),
            "amplification_factor": amplification(
                totals["by_platform"].get(platform, {}).get("potential_reach", 0), corporate.get(platform, 0)
            ),
        }
        for platform in platforms
    ]
    figures = _figures(totals, settings)
    active = _active_members()
    return {
        "since": since,
        "until": until,
        **figures,
        "corporate_followers": sum(corporate.values()),
        "amplification_factor": amplification(figures["potential_reach"], sum(corporate.values())),
        "reach_by_platform": reach,
        "cpm": settings["cpm"],
        "cpc": settings["cpc"],
        "members_posting": totals["members_posting"],
        "active_members": active,
        "participation_rate": round(totals["members_posting"] / active, 4) if active else None,
    }
