"""The program at a glance for a period, next to the period before.

People (as of the period's end): ``enrolled`` (joined: consented at least once and not
offboarded), ``active`` (published a post or took a quiz in the period), ``trained``,
``eligible`` (as the funnel counts them), ``posting`` (published in the period). Results: the
engagement figures of ``/engagement/stats`` for the posts published in the period: ``posts``,
``shares`` (posts of content-library items), ``clicks``, ``impressions``, ``reach`` (potential
reach) and ``emv`` (earned media value in minor units of the tenant's currency).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, select, union

from app.db import db
from engagement.metrics import stats
from engagement.posts.models import Post
from reports import people
from reports.periods import Period
from training.models import Attempt

FIGURES = (
    "enrolled",
    "active",
    "trained",
    "eligible",
    "posting",
    "posts",
    "shares",
    "clicks",
    "impressions",
    "reach",
    "emv",
)


def report(period: Period) -> dict[str, Any]:
    previous = period.previous()
    return {
        "period": period.view(),
        "previous_period": previous.view(),
        "current": figures(*period.bounds()),
        "previous": figures(*previous.bounds()),
    }


def figures(since: datetime, until: datetime) -> dict[str, Any]:
    standings = people.standings(since, until)
    engagement = stats.tenant_stats(since, until)
    return {
        "enrolled": sum(1 for s in standings if s.reached["accepted"]),
        "active": _active(since, until),
        "trained": sum(1 for s in standings if s.reached["trained"]),
        "eligible": sum(1 for s in standings if s.reached["eligible"]),
        "posting": sum(1 for s in standings if s.reached["posted_in_period"]),
        "posts": engagement["posts"],
        "shares": _shares(since, until),
        "clicks": engagement["clicks"],
        "impressions": engagement["impressions"],
        "reach": engagement["potential_reach"],
        "emv": engagement["earned_media_value"],
    }


def _active(since: datetime, until: datetime) -> int:
    posted = select(Post.member_id).where(Post.published_at >= since, Post.published_at < until)
    quizzed = select(Attempt.member_id).where(Attempt.created_at >= since, Attempt.created_at < until)
    members = union(posted, quizzed).subquery()
    return db.session.scalar(select(func.count(distinct(members.c.member_id)))) or 0


def _shares(since: datetime, until: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count()).where(
                Post.content_id.is_not(None), Post.published_at >= since, Post.published_at < until
            )
        )
        or 0
    )


def csv_rows(result: dict[str, Any], labels: dict[str, str]) -> list[dict[str, Any]]:
    """One row per figure: its label, the period's value and the previous period's."""
    return [
        {"figure": labels.get(name, name), "current": result["current"][name], "previous": result["previous"][name]}
        for name in FIGURES
    ]
