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

from sqlalchemy import func, literal, select

from app import clock
from app.auth import Principal
from app.db import db, upsert_insert
from app.errors import NotFound
from gamification import activities, ledger
from gamification.models import (
    ALL_TIME_START,
    Activity,
    Badge,
    BadgeAward,
    MemberCounter,
    MemberPoints,
    PointEntry,
)
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


def _windowed_many(criterion: Criterion, moments: dict[uuid.UUID, datetime]) -> dict[uuid.UUID, int]:
    """:func:`value` of a windowed criterion for several members (each as of their moment), one query."""
    window = timedelta(days=criterion.window_days)
    since = min(moments.values()) - window
    if criterion.metric == "points":
        statement = select(PointEntry.member_id, PointEntry.occurred_at, PointEntry.points).where(
            PointEntry.member_id.in_(list(moments)), PointEntry.occurred_at >= since
        )
    else:
        statement = select(Activity.member_id, Activity.occurred_at, literal(1)).where(
            Activity.member_id.in_(list(moments)), Activity.metric == criterion.metric, Activity.occurred_at >= since
        )
    found = dict.fromkeys(moments, 0)
    for member_id, occurred_at, amount in db.session.execute(statement):
        if occurred_at >= moments[member_id] - window:
            found[member_id] += int(amount)
    return found


def awarded(member_id: uuid.UUID) -> dict[str, datetime]:
    return dict(
        db.session.execute(
            select(BadgeAward.badge_key, BadgeAward.awarded_at).where(BadgeAward.member_id == member_id)
        ).all()
    )


def _award(member_ids: list[uuid.UUID], badge_key: str, at: datetime) -> None:
    _award_many([(m, badge_key, at) for m in member_ids])


def _award_many(awards: list[tuple[uuid.UUID, str, datetime]]) -> None:
    """Award (member, badge, when) once each, in one statement."""
    if awards:
        db.session.execute(
            upsert_insert(BadgeAward.__table__).on_conflict_do_nothing(
                index_elements=["tenant_id", "member_id", "badge_key"]
            ),
            [{"member_id": m, "badge_key": key, "awarded_at": at} for m, key, at in awards],
        )


def evaluate(member_id: uuid.UUID, metrics: set[str], now: datetime) -> list[str]:
    """Award the member every badge on ``metrics`` they now meet; the keys newly awarded."""
    return evaluate_many([(member_id, metrics, now)])[member_id]


def evaluate_many(items: list[tuple[uuid.UUID, set[str], datetime]]) -> dict[uuid.UUID, list[str]]:
    """:func:`evaluate` for several members (one each) with a few queries for all: the catalogue,
    the awards, counters and points of those with a badge to check, one per windowed criterion."""
    new: dict[uuid.UUID, list[str]] = {member_id: [] for member_id, _, _ in items}
    wanted = {m for _, metrics, _ in items for m in metrics}
    candidates = [c for c in catalogue() if c.metric in wanted] if items else []
    if not candidates:
        return new
    have: dict[uuid.UUID, set[str]] = {member_id: set() for member_id in new}
    for member_id, badge_key in db.session.execute(
        select(BadgeAward.member_id, BadgeAward.badge_key).where(BadgeAward.member_id.in_(list(new)))
    ):
        have[member_id].add(badge_key)
    pending = {
        member_id: [c for c in candidates if c.metric in metrics and c.key not in have[member_id]]
        for member_id, metrics, _ in items
    }
    waiting = [member_id for member_id, criteria in pending.items() if criteria]
    if not waiting:
        return new
    counters = activities.counters_many(waiting)
    points = ledger.totals_many(waiting)
    moments = {member_id: now for member_id, _, now in items}
    windowed = {
        c.key: _windowed_many(c, {m: moments[m] for m in waiting if c in pending[m]})
        for c in candidates
        if c.window_days is not None and any(c in pending[m] for m in waiting)
    }
    awards = []
    for member_id in waiting:
        totals = {**counters[member_id], "points": points[member_id]}
        for c in pending[member_id]:
            current = windowed[c.key][member_id] if c.window_days is not None else totals[c.metric]
            if current >= c.threshold:
                awards.append((member_id, c.key, moments[member_id]))
                new[member_id].append(c.key)
    _award_many(awards)
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
