"""Personal-branding milestones: fixed steps of a member's growth, each with progress.

A milestone is recorded once, with the time it was reached, when the event that moves it
arrives (:func:`evaluate`); progress is computed when read.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.db import db, upsert_insert
from gamification import activities, periods
from gamification.badges import progress
from gamification.models import MilestoneAchievement
from tenants import profiles
from tenants.models import Member
from tenants.progress import REQUIRED_TRAINING

STREAK_WEEKS = 4
#: A guideline counts as acknowledged "within a week" of its publication or of joining, whichever is later.
GUIDELINE_DAYS = 7


class MemberFacts:
    """What milestones measure, each read once however many milestones need it."""

    def __init__(self, member: Member, now: datetime):
        self.member, self.now = member, now

    @functools.cached_property
    def accounts(self) -> list:
        return profiles.accounts(self.member.id)

    @functools.cached_property
    def counters(self) -> dict[str, int]:
        return activities.counters(self.member.id)

    @functools.cached_property
    def post_times(self) -> list[datetime]:
        """When the member's posts of the last weeks were published (for the streak)."""
        return activities.occurrences(self.member.id, "posts_published", streak_since(self.now))

    def profile_parts(self) -> int:
        return len(profiles.COMPLETENESS_PARTS) - len(profiles.completeness(self.member, self.accounts)["missing"])

    def reach(self) -> int:
        return profiles.potential_reach(self.accounts)


def streak_since(now: datetime) -> datetime:
    """How far back :func:`streak_weeks` looks."""
    return now - timedelta(weeks=STREAK_WEEKS + 2)


def streak_weeks(member_id: uuid.UUID, now: datetime, post_times: list[datetime] | None = None) -> int:
    """Consecutive weeks (tenant time zone) with a published post, up to this week or the last.

    ``post_times``: the member's posts since :func:`streak_since` (read here when not given)."""
    zone = periods.tenant_zone()
    this_week = periods.start_of("week", periods.local_day(now, zone))
    if post_times is None:
        post_times = activities.occurrences(member_id, "posts_published", streak_since(now))
    weeks = {periods.start_of("week", periods.local_day(at, zone)) for at in post_times}
    week = this_week if this_week in weeks else this_week - timedelta(weeks=1)
    count = 0
    while week in weeks:
        count += 1
        week -= timedelta(weeks=1)
    return count


Measure = Callable[[MemberFacts], int | tuple[int, int]]


@dataclass(frozen=True)
class Milestone:
    key: str
    name: dict[str, str]
    target: int | None  # None: the target comes with the current value
    current: Measure | None  # None: reached only by an event

    def measure(self, facts: MemberFacts, reached: bool) -> tuple[int, int]:
        if self.current is None:
            return (1 if reached else 0), 1
        value = self.current(facts)
        return value if isinstance(value, tuple) else (value, self.target)


def _counter(metric: str) -> Measure:
    return lambda facts: facts.counters[metric]


MILESTONES: tuple[Milestone, ...] = (
    Milestone(
        "profile_completed",
        {"de": "Profil vollständig", "en": "Profile completed"},
        len(profiles.COMPLETENESS_PARTS),
        MemberFacts.profile_parts,
    ),
    Milestone(
        "first_social_account",
        {"de": "Erstes Social-Media-Konto", "en": "First social account"},
        1,
        lambda facts: len(facts.accounts),
    ),
    Milestone("first_post", {"de": "Erster Beitrag", "en": "First post"}, 1, _counter("posts_published")),
    Milestone("ten_posts", {"de": "10 Beiträge", "en": "10 posts"}, 10, _counter("posts_published")),
    Milestone("hundred_clicks", {"de": "100 Klicks", "en": "100 clicks"}, 100, _counter("clicks")),
    Milestone(
        "reach_1000", {"de": "1.000 potenzielle Reichweite", "en": "1,000 potential reach"}, 1000, MemberFacts.reach
    ),
    Milestone(
        "reach_10000", {"de": "10.000 potenzielle Reichweite", "en": "10,000 potential reach"}, 10000, MemberFacts.reach
    ),
    Milestone(
        "required_training_passed",
        {"de": "Pflichttrainings bestanden", "en": "All required training passed"},
        None,
        lambda facts: REQUIRED_TRAINING(facts.member.id),
    ),
    Milestone(
        "guideline_within_week",
        {"de": "Leitlinie innerhalb einer Woche bestätigt", "en": "Guideline acknowledged within a week"},
        1,
        None,
    ),
    Milestone(
        "posting_streak_4_weeks",
        {"de": "4 Wochen in Folge gepostet", "en": "Posted 4 weeks in a row"},
        STREAK_WEEKS,
        lambda facts: streak_weeks(facts.member.id, facts.now, facts.post_times),
    ),
)
BY_KEY = {milestone.key: milestone for milestone in MILESTONES}
#: What moves each milestone, so an event checks only its own.
AFFECTED_BY: dict[str, tuple[str, ...]] = {
    "profile": ("profile_completed", "first_social_account", "reach_1000", "reach_10000"),
    "posts_published": ("first_post", "ten_posts", "posting_streak_4_weeks"),
    "clicks": ("hundred_clicks",),
    "modules_passed": ("required_training_passed",),
}


def achieved(member_id: uuid.UUID) -> dict[str, datetime]:
    return achieved_many([member_id])[member_id]


def achieved_many(member_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, datetime]]:
    found: dict[uuid.UUID, dict[str, datetime]] = {m: {} for m in member_ids}
    rows = db.session.execute(
        select(MilestoneAchievement.member_id, MilestoneAchievement.milestone, MilestoneAchievement.achieved_at).where(
            MilestoneAchievement.member_id.in_(member_ids)
        )
    )
    for member_id, milestone, achieved_at in rows:
        found[member_id][milestone] = achieved_at
    return found


def achieve(member_id: uuid.UUID, key: str, at: datetime) -> None:
    achieve_many([(member_id, key, at)])


def achieve_many(achievements: list[tuple[uuid.UUID, str, datetime]]) -> None:
    """Record (member, milestone, when) once each, in one statement."""
    if achievements:
        db.session.execute(
            upsert_insert(MilestoneAchievement.__table__).on_conflict_do_nothing(
                index_elements=["tenant_id", "member_id", "milestone"]
            ),
            [{"member_id": m, "milestone": key, "achieved_at": at} for m, key, at in achievements],
        )


def evaluate(member: Member, keys: tuple[str, ...], now: datetime) -> list[str]:
    """Record the milestones among ``keys`` the member has now reached; the keys newly reached."""
    return evaluate_many([(member, keys, now)])[member.id]


def evaluate_many(items: list[tuple[Member, tuple[str, ...], datetime]]) -> dict[uuid.UUID, list[str]]:
    """:func:`evaluate` for several members (one each), what they have read in a few queries
    for all: achievements, counters and, for a pending streak, recent posts."""
    if not items:
        return {}
    ids = [member.id for member, _, _ in items]
    have = achieved_many(ids)
    pending = {member.id: [k for k in keys if k not in have[member.id]] for member, keys, _ in items}
    waiting = [member_id for member_id, keys in pending.items() if keys]
    counters = activities.counters_many(waiting) if waiting else {}
    streaking = [m for m in waiting if "posting_streak_4_weeks" in pending[m]]
    post_times = (
        activities.occurrences_many(streaking, "posts_published", streak_since(min(now for _, _, now in items)))
        if streaking
        else {}
    )
    new: dict[uuid.UUID, list[str]] = {}
    achievements = []
    for member, _, now in items:
        facts = MemberFacts(member, now)
        if member.id in counters:
            facts.counters = counters[member.id]  # fills the cached property
        if member.id in post_times:
            facts.post_times = [at for at in post_times[member.id] if at >= streak_since(now)]
        reached = new.setdefault(member.id, [])
        for key in pending[member.id]:
            current, target = BY_KEY[key].measure(facts, False)
            if target > 0 and current >= target:
                achievements.append((member.id, key, now))
                reached.append(key)
    achieve_many(achievements)
    return new


def for_member(member: Member, now: datetime) -> list[dict[str, Any]]:
    have = achieved(member.id)
    facts = MemberFacts(member, now)
    items = []
    for milestone in MILESTONES:
        reached_at = have.get(milestone.key)
        current, target = milestone.measure(facts, reached_at is not None)
        items.append(
            {
                "key": milestone.key,
                "name": milestone.name.get(member.locale) or milestone.name["en"],
                "achieved_at": reached_at,
                "progress": progress(current, target),
            }
        )
    return items
