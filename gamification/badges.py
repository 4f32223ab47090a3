"""Badges: declarative criteria (a metric, a threshold, an optional window), awarded once.

Built-in badges are code (:data:`BUILTIN`, the same for every tenant); a tenant adds its own
(:class:`~gamification.models.Badge`). A criterion is checked whenever one of its metric's
facts arrives for the member, and a new badge is awarded at once to every member who already
meets an all-time criterion.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app import clock
from app.auth import Principal
from app.db import db, upsert_insert
from app.errors import NotFound
from gamification import activities, ledger
from gamification.models import ALL_TIME_START, Badge, BadgeAward, MemberCounter, MemberPoints, PointEntry
from tenants import audit


@dataclass(frozen=True)
class Criterion:
    key: str
    name: dict[str, str] | str
    description: dict[str, str] | str | None
    metric: str
    threshold: int
    window_days: int | None
    builtin: bool

    def text(self, field: str, locale: str) -> str | None:
        value = getattr(self, field)
        return value.get(locale) or value.get("en") if isinstance(value, dict) else value


def _builtin(key, de, en, de_text, en_text, metric, threshold, window_days=None) -> Criterion:
    return Criterion(key, {"de": de, "en": en}, {"de": de_text, "en": en_text}, metric, threshold, window_days, True)


BUILTIN: tuple[Criterion, ...] = (
    _builtin(
        "first_steps",
        "Erste Schritte",
        "First steps",
        "Das erste Training bestanden.",
        "Passed the first training module.",
        "modules_passed",
        1,
    ),
    _builtin(
        "quiz_ace",
        "Quiz-Ass",
        "Quiz ace",
        "Drei Module mit 100 % bestanden.",
        "Passed three modules with 100%.",
        "perfect_scores",
        3,
    ),
    _builtin(
        "own_voice",
        "Eigene Stimme",
        "Own voice",
        "Fünf eigene Beiträge veröffentlicht.",
        "Published five own posts.",
        "own_posts",
        5,
    ),
    _builtin(
        "amplifier",
        "Verstärker",
        "Amplifier",
        "Zehn Inhalte aus der Bibliothek geteilt.",
        "Shared ten library items.",
        "library_shares",
        10,
    ),
    _builtin(
        "steady_voice",
        "Dranbleiber",
        "Steady voice",
        "Vier Beiträge in 28 Tagen.",
        "Four posts within 28 days.",
        "posts_published",
        4,
        28,
    ),
    _builtin(
        "crowd_puller",
        "Publikumsmagnet",
        "Crowd puller",
        "250 eindeutige Klicks auf Ihre Links.",
        "250 unique clicks on your links.",
        "clicks",
        250,
    ),
    _builtin(
        "challenger",
        "Herausforderer",
        "Challenger",
        "Die erste Challenge geschafft.",
        "Completed a first challenge.",
        "challenges_completed",
        1,
    ),
    _builtin(
        "thousand_club",
        "Tausender-Club",
        "Thousand club",
        "1.000 Punkte gesammelt.",
        "Collected 1,000 points.",
        "points",
        1000,
    ),
)


def criterion_of(badge: Badge) -> Criterion:
    return Criterion(
        str(badge.id), badge.name, badge.description, badge.metric, badge.threshold, badge.window_days, False
    )


def catalogue() -> list[Criterion]:
    """Every badge that can still be earned: built-in ones, then the tenant's (oldest first)."""
    own = db.session.scalars(select(Badge).where(Badge.retired_at.is_(None)).order_by(Badge.created_at, Badge.id))
    return [*BUILTIN, *(criterion_of(badge) for badge in own)]


def _retired_but_earned(have: dict[str, datetime]) -> list[Criterion]:
    """Retired tenant badges stay on the profiles of those who earned them."""
    ids = []
    for badge_key in have:
        try:
            ids.append(uuid.UUID(badge_key))
        except ValueError:
            continue  # a built-in key
    if not ids:
        return []
    retired = db.session.scalars(
        select(Badge).where(Badge.id.in_(ids), Badge.retired_at.is_not(None)).order_by(Badge.created_at, Badge.id)
    )
    return [criterion_of(badge) for badge in retired]


def all_time(member_id: uuid.UUID) -> dict[str, int]:
    """Every metric's all-time value of the member: the counters and the points, two reads."""
    return {**activities.counters(member_id), "points": ledger.total(member_id)}


def value(member_id: uuid.UUID, criterion: Criterion, totals: dict[str, int], now: datetime) -> int:
    """The member's value of the criterion's metric: all time (from ``totals``), or over its window."""
    if criterion.window_days is None:
        return totals[criterion.metric]
    since = now - timedelta(days=criterion.window_days)
    if criterion.metric == "points":
        total = db.session.scalar(
            select(func.coalesce(func.sum(PointEntry.points), 0)).where(
                PointEntry.member_id == member_id, PointEntry.occurred_at >= since
            )
        )
        return int(total or 0)
    return activities.count_since(member_id, criterion.metric, since)


def awarded(member_id: uuid.UUID) -> dict[str, datetime]:
    return dict(
        db.session.execute(
            select(BadgeAward.badge_key, BadgeAward.awarded_at).where(BadgeAward.member_id == member_id)
        ).all()
    )


def _award(member_ids: list[uuid.UUID], badge_key: str, at: datetime) -> None:
    if not member_ids:
        return
    db.session.execute(
        upsert_insert(BadgeAward.__table__)
        .values([{"member_id": m, "badge_key": badge_key, "awarded_at": at} for m in member_ids])
        .on_conflict_do_nothing(index_elements=["tenant_id", "member_id", "badge_key"])
    )


def evaluate(member_id: uuid.UUID, metrics: set[str], now: datetime) -> list[str]:
    """Award the member every badge on ``metrics`` they now meet; the keys newly awarded."""
    candidates = [c for c in catalogue() if c.metric in metrics]
    if not candidates:
        return []
    have = awarded(member_id)
    pending = [c for c in candidates if c.key not in have]
    totals = all_time(member_id) if pending else {}
    new = [c.key for c in pending if value(member_id, c, totals, now) >= c.threshold]
    for badge_key in new:
        _award([member_id], badge_key, now)
    return new


def for_member(member_id: uuid.UUID, locale: str) -> list[dict[str, Any]]:
    """Every badge with the member's progress and, once earned, when."""
    have = awarded(member_id)
    now = clock.now()
    totals = all_time(member_id)
    items = []
    for criterion in catalogue() + _retired_but_earned(have):
        current = value(member_id, criterion, totals, now)
        items.append(
            {
                **view(criterion, locale),
                "awarded_at": have.get(criterion.key),
                "progress": progress(current, criterion.threshold),
            }
        )
    return items


def progress(current: int, target: int) -> dict[str, Any]:
    return {
        "current": current,
        "target": target,
        "ratio": 1.0 if target <= 0 else round(min(current, target) / target, 4),
    }


def view(criterion: Criterion, locale: str) -> dict[str, Any]:
    return {
        "key": criterion.key,
        "name": criterion.text("name", locale),
        "description": criterion.text("description", locale),
        "criteria": {
            "metric": criterion.metric,
            "threshold": criterion.threshold,
            "window_days": criterion.window_days,
        },
        "builtin": criterion.builtin,
    }


def create(data: dict[str, Any], principal: Principal) -> Badge:
    criteria = data["criteria"]
    badge = Badge(
        name=data["name"],
        description=data.get("description"),
        metric=criteria["metric"],
        threshold=criteria["threshold"],
        window_days=criteria.get("window_days"),
        created_by=principal.member_id,
    )
    db.session.add(badge)
    db.session.flush()
    if badge.window_days is None:
        _award(_already_meeting(badge.metric, badge.threshold), str(badge.id), badge.created_at)
    audit.record(
        "gamification.badge_created",
        "badge",
        badge.id,
        after={"name": badge.name, **criteria},
        actor_member_id=principal.member_id,
    )
    return badge


def _already_meeting(metric: str, threshold: int) -> list[uuid.UUID]:
    if metric == "points":
        query = select(MemberPoints.member_id).where(
            MemberPoints.period == "all", MemberPoints.period_start == ALL_TIME_START, MemberPoints.points >= threshold
        )
    else:
        query = select(MemberCounter.member_id).where(MemberCounter.metric == metric, MemberCounter.value >= threshold)
    return list(db.session.scalars(query))


def get(badge_id: uuid.UUID) -> Badge:
    badge = db.session.scalar(select(Badge).where(Badge.id == badge_id))
    if badge is None:
        raise NotFound("No such badge.")
    return badge


def retire(badge: Badge, principal: Principal) -> None:
    """Stop awarding a tenant badge; members keep it."""
    if badge.retired_at is None:
        badge.retired_at = clock.now()
        audit.record("gamification.badge_retired", "badge", badge.id, actor_member_id=principal.member_id)
