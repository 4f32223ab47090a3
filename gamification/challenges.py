"""Challenges: time-boxed goals ("three shares of a topic this month") with a bonus on completion.

Progress moves with each matching fact (:func:`on_activity`) in the fact's transaction. A
challenge that starts in the past counts the facts already in its window when it is created.
Completing awards the bonus once per member (ledger source ``challenge:<id>:<member id>``) and counts as a
``challenges_completed`` fact.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from app import clock
from app.auth import Principal
from app.db import db, upsert_insert
from app.errors import NotFound
from gamification import activities, badges, config, ledger
from gamification.badges import progress
from gamification.models import Activity, Challenge, ChallengeProgress
from gamification.standings import key
from tenants import audit
from tenants.models import Member

#: Facts a challenge can count, and which of them carry a topic (from the shared library item).
METRICS = ("posts_published", "own_posts", "library_shares", "clicks", "modules_passed", "guidelines_acknowledged")
TOPIC_METRICS = ("posts_published", "library_shares", "clicks")
PLATFORM_METRICS = ("posts_published", "own_posts", "library_shares", "clicks")
STATUSES = ("upcoming", "running", "ended", "cancelled")

_PROGRESS = ChallengeProgress.__table__


def status(challenge: Challenge, now: datetime) -> str:
    if challenge.cancelled_at is not None:
        return "cancelled"
    if now < challenge.starts_at:
        return "upcoming"
    return "running" if now < challenge.ends_at else "ended"


def _takes_part(challenge: Challenge, department_key: str | None) -> bool:
    return not challenge.departments or department_key in {key(d) for d in challenge.departments}


def _matches(challenge: Challenge, department_key: str | None, details: dict[str, Any]) -> bool:
    if not _takes_part(challenge, department_key):
        return False
    if challenge.topic and key(challenge.topic) not in (details.get("topics") or ()):
        return False
    return not challenge.platform or details.get("platform") == challenge.platform


def on_activity(member: Member, metrics: set[str], occurred_at: datetime, details: dict[str, Any]) -> bool:
    """Count new facts (one per metric) towards the open challenges they match; True if one was completed."""
    return member.id in on_activity_many([(member, metrics, occurred_at, details)])


def on_activity_many(items: list[tuple[Member, set[str], datetime, dict[str, Any]]]) -> set[uuid.UUID]:
    """:func:`on_activity` for a batch's facts, in order, with one query for the challenges open
    to any of them; the members who completed one."""
    counted = sorted(set().union(*(metrics for _, metrics, _, _ in items)) & set(METRICS))
    if not counted:
        return set()
    moments = [at for _, _, at, _ in items]
    open_challenges = list(
        db.session.scalars(
            select(Challenge)
            .where(
                Challenge.metric.in_(counted),
                Challenge.cancelled_at.is_(None),
                Challenge.starts_at <= max(moments),
                Challenge.ends_at > min(moments),
            )
            .order_by(Challenge.id)
        )
    )
    completed = set()
    for member, metrics, occurred_at, details in items if open_challenges else ():
        for challenge in open_challenges:
            if (
                challenge.metric in metrics
                and challenge.starts_at <= occurred_at < challenge.ends_at
                and _matches(challenge, key(member.department), details)
                and _advance(challenge, member, 1, occurred_at)
            ):
                completed.add(member.id)
    return completed


def _advance(challenge: Challenge, member: Member, by: int, at: datetime) -> bool:
    statement = upsert_insert(_PROGRESS).values(challenge_id=challenge.id, member_id=member.id, progress=by)
    row = db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "challenge_id", "member_id"], set_={"progress": _PROGRESS.c.progress + by}
        ).returning(_PROGRESS.c.progress, _PROGRESS.c.completed_at)
    ).one()
    if row.progress >= challenge.target and row.completed_at is None:
        _complete(challenge, member, at)
        return True
    return False


def _complete(challenge: Challenge, member: Member, at: datetime) -> None:
    done = db.session.execute(
        update(ChallengeProgress)
        .where(
            ChallengeProgress.challenge_id == challenge.id,
            ChallengeProgress.member_id == member.id,
            ChallengeProgress.completed_at.is_(None),
        )
        .values(completed_at=at)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return
    source = f"challenge:{challenge.id}:{member.id}"
    _, version = config.current_rules()
    ledger.award(
        member, "challenge_completed", challenge.bonus_points, source, at, subject_id=challenge.id, rule_version=version
    )
    activities.record(member.id, "challenges_completed", source, at, subject_id=challenge.id)


def create(data: dict[str, Any], principal: Principal) -> Challenge:
    now = clock.now()
    rules, _ = config.current_rules()
    challenge = Challenge(
        title=data["title"],
        description=data.get("description"),
        metric=data["metric"],
        target=data["target"],
        topic=data.get("topic"),
        platform=data.get("platform"),
        departments=data.get("departments") or [],
        bonus_points=data.get("bonus_points", rules["challenge_completed"]),
        starts_at=data.get("starts_at") or now,
        ends_at=data["ends_at"],
        created_by=principal.member_id,
    )
    db.session.add(challenge)
    db.session.flush()
    _count_past_facts(challenge, now)
    audit.record(
        "gamification.challenge_created",
        "challenge",
        challenge.id,
        after={"title": challenge.title, "metric": challenge.metric, "target": challenge.target},
        actor_member_id=principal.member_id,
    )
    return challenge


def _count_past_facts(challenge: Challenge, now: datetime) -> None:
    """A challenge that started before it was created counts the facts already in its window."""
    if challenge.starts_at >= now:
        return
    facts = db.session.execute(
        select(Activity.member_id, Activity.details, Activity.occurred_at).where(
            Activity.metric == challenge.metric,
            Activity.occurred_at >= challenge.starts_at,
            Activity.occurred_at < min(now, challenge.ends_at),
        )
    ).all()
    by_member: dict[uuid.UUID, list[datetime]] = defaultdict(list)
    members = (
        {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_({f.member_id for f in facts})))}
        if facts
        else {}
    )
    for fact in facts:
        member = members.get(fact.member_id)
        if member is not None and _matches(challenge, key(member.department), fact.details or {}):
            by_member[fact.member_id].append(fact.occurred_at)
    for member_id, moments in by_member.items():
        moments.sort()
        reached = moments[min(challenge.target, len(moments)) - 1]
        if _advance(challenge, members[member_id], len(moments), reached):
            badges.evaluate(
                member_id, {"challenges_completed", "points"}, reached
            )  # events do this in listeners._after


def get(challenge_id: uuid.UUID) -> Challenge:
    challenge = db.session.scalar(select(Challenge).where(Challenge.id == challenge_id))
    if challenge is None:
        raise NotFound("No such challenge.")
    return challenge


def visible_to(challenge: Challenge, member: Member, staff: bool) -> bool:
    return staff or _takes_part(challenge, key(member.department))


def listing(member: Member, staff: bool, wanted_status: str | None) -> list[Challenge]:
    now = clock.now()
    rows = db.session.scalars(select(Challenge).order_by(Challenge.starts_at.desc(), Challenge.id))
    return [
        c for c in rows if visible_to(c, member, staff) and (wanted_status is None or status(c, now) == wanted_status)
    ]


def cancel(challenge: Challenge, principal: Principal) -> Challenge:
    """Stop a challenge; completions and their bonus stay."""
    if challenge.cancelled_at is None:
        challenge.cancelled_at = clock.now()
        audit.record("gamification.challenge_cancelled", "challenge", challenge.id, actor_member_id=principal.member_id)
    return challenge


def views(challenges: list[Challenge], member: Member, staff: bool) -> list[dict[str, Any]]:
    """The challenges as the API shows them: with the caller's progress, and totals for staff."""
    ids = [c.id for c in challenges]
    mine = {}
    totals: dict[uuid.UUID, tuple[int, int]] = {}
    if ids:
        mine = {
            row.challenge_id: row
            for row in db.session.scalars(
                select(ChallengeProgress).where(
                    ChallengeProgress.member_id == member.id, ChallengeProgress.challenge_id.in_(ids)
                )
            )
        }
        if staff:
            totals = {
                row.challenge_id: (row.participants, row.completed)
                for row in db.session.execute(
                    select(
                        ChallengeProgress.challenge_id,
                        func.count().label("participants"),
                        func.count(ChallengeProgress.completed_at).label("completed"),
                    )
                    .where(ChallengeProgress.challenge_id.in_(ids))
                    .group_by(ChallengeProgress.challenge_id)
                )
            }
    now = clock.now()
    result = []
    for challenge in challenges:
        own = mine.get(challenge.id)
        view = {
            "id": challenge.id,
            "title": challenge.title,
            "description": challenge.description,
            "metric": challenge.metric,
            "target": challenge.target,
            "topic": challenge.topic,
            "platform": challenge.platform,
            "departments": challenge.departments,
            "bonus_points": challenge.bonus_points,
            "starts_at": challenge.starts_at,
            "ends_at": challenge.ends_at,
            "status": status(challenge, now),
            "created_at": challenge.created_at,
            "me": {
                "progress": progress(own.progress if own else 0, challenge.target),
                "completed_at": own.completed_at if own else None,
            },
        }
        if staff:
            participants, completed = totals.get(challenge.id, (0, 0))
            view["participants"], view["completed"] = participants, completed
        result.append(view)
    return result
