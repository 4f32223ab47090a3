"""Domain events of training, engagement and people turned into facts, points, badges, milestones.

Each handler runs in the event's delivery transaction (``app.events``), so a fact, its ledger
entries and every aggregate they move commit together with the delivery record, or not at all.
Facts and entries are keyed by what happened (the post, the click event, the member's pass of
a module version), so a replayed or duplicated event changes nothing. A key names the member
unless its subject belongs to one member only (a post, a click on a post).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app import events
from app.db import db
from engagement.content.models import ContentTag
from gamification import activities, badges, challenges, config, ledger, milestones
from tenants import profiles
from tenants.models import Member
from training.models import Guideline

#: Content topics (case-folded) travel with post and click facts, for topic challenges.
_TOPIC_KIND = "topic"


def _member(payload: dict[str, Any]) -> Member | None:
    try:
        return db.session.get(Member, uuid.UUID(payload["member_id"]))
    except (KeyError, TypeError, ValueError):
        return None


def _topics(content_id: str | None) -> list[str]:
    if not content_id:
        return []
    return sorted(
        db.session.scalars(
            select(ContentTag.key).where(ContentTag.content_id == uuid.UUID(content_id), ContentTag.kind == _TOPIC_KIND)
        )
    )


def _after(member: Member, changed: set[str], at: datetime, details: dict[str, Any]) -> None:
    """What new facts move besides points: challenges, then milestones, then badges."""
    if challenges.on_activity(member, changed, at, details):
        changed = changed | {"challenges_completed"}
    keys = tuple(key for metric in sorted(changed) for key in milestones.AFFECTED_BY.get(metric, ()))
    if keys:
        milestones.evaluate(member, keys, at)
    badges.evaluate(member.id, changed | {"points"}, at)


def _pay(member: Member, rule: str, source: str, at: datetime, subject_id: uuid.UUID | None = None) -> None:
    """Append the rule's points as the rules stand now (never rescored later)."""
    rules, version = config.current_rules()
    ledger.award(member, rule, rules[rule], source, at, subject_id=subject_id, rule_version=version)


def _credit(
    member: Member, metric: str, rule: str | None, source: str, at: datetime, *, subject_id=None, details=None
) -> int | None:
    """Count a fact and pay its rule; the member's new count, or None when it was counted before."""
    count = activities.record(member.id, metric, source, at, subject_id=subject_id, details=details)
    if count is not None and rule is not None:
        _pay(member, rule, source, at, subject_id)
    return count


def _for_member(event_name: str) -> Callable[[Callable[[events.OutboxEvent, Member], None]], events.Handler]:
    """Subscribe a handler that needs the event's member (events for unknown members are skipped)."""

    def register(fn: Callable[[events.OutboxEvent, Member], None]) -> events.Handler:
        @functools.wraps(fn)
        def handle(event: events.OutboxEvent) -> None:
            member = _member(event.payload)
            if member is not None:
                fn(event, member)

        return events.handler(event_name)(handle)

    return register


@_for_member("training.module_passed")
def on_module_passed(event: events.OutboxEvent, member: Member) -> None:
    payload, at = event.payload, event.created_at
    module_id = uuid.UUID(payload["module_id"])
    source = f"module:{module_id}:{member.id}"  # each module version once per member, however often passed
    if _credit(member, "modules_passed", "module_passed", source, at, subject_id=module_id) is None:
        return
    changed = {"modules_passed"}
    if payload.get("score", 0) >= 100:
        _credit(member, "perfect_scores", "perfect_score", source, at, subject_id=module_id)
        changed.add("perfect_scores")
    _after(member, changed, at, {})


@_for_member("training.guideline_acknowledged")
def on_guideline_acknowledged(event: events.OutboxEvent, member: Member) -> None:
    at = event.created_at
    guideline_id = uuid.UUID(event.payload["guideline_id"])
    source = f"guideline:{guideline_id}:{member.id}"
    if (
        _credit(member, "guidelines_acknowledged", "guideline_acknowledged", source, at, subject_id=guideline_id)
        is None
    ):
        return
    guideline = db.session.get(Guideline, guideline_id)
    if guideline is not None:
        since = max(guideline.created_at, member.activated_at or guideline.created_at)
        if at - since <= timedelta(days=milestones.GUIDELINE_DAYS):
            milestones.achieve(member.id, "guideline_within_week", at)
    _after(member, {"guidelines_acknowledged"}, at, {})


@_for_member("engagement.post_published")
def on_post_published(event: events.OutboxEvent, member: Member) -> None:
    payload, at = event.payload, event.created_at
    post_id = uuid.UUID(payload["post_id"])
    source = f"post:{post_id}"
    content_id = payload.get("content_id")
    details = {"platform": payload.get("platform"), "content_id": content_id, "topics": _topics(content_id)}
    published = _credit(member, "posts_published", None, source, at, subject_id=post_id, details=details)
    if published is None:
        return
    kind, rule = ("library_shares", "library_share_published") if content_id else ("own_posts", "own_post_published")
    _credit(member, kind, rule, source, at, subject_id=post_id, details=details)
    if published == 1:
        _pay(member, "first_post", f"first_post:{member.id}", at, post_id)
    _after(member, {"posts_published", kind}, at, details)


@_for_member("engagement.link_clicked")
def on_link_clicked(event: events.OutboxEvent, member: Member) -> None:
    """A unique visitor's click: a fact, and points up to the daily cap of the post."""
    payload, at = event.payload, event.created_at
    if not payload.get("unique"):
        return
    post_id = uuid.UUID(payload["post_id"])
    source = f"click:{event.id}"
    content_id = payload.get("content_id")
    details = {
        "platform": payload.get("platform"),
        "content_id": content_id,
        "topics": _topics(content_id),
        "post_id": str(post_id),
    }
    if _credit(member, "clicks", None, source, at, subject_id=post_id, details=details) is None:
        return
    rules, _ = config.current_rules()
    if rules["click"] and ledger.take_from_cap(
        f"click:{post_id}:{payload.get('day')}", rules["click_daily_cap_per_post"]
    ):
        _pay(member, "click", source, at, post_id)
    _after(member, {"clicks"}, at, details)


@_for_member(profiles.PROFILE_CHANGED)
def on_profile_changed(event: events.OutboxEvent, member: Member) -> None:
    """Profile milestones (completeness, accounts, potential reach) and the one-time profile bonus."""
    at = event.created_at
    if "profile_completed" in milestones.evaluate(member, milestones.AFFECTED_BY["profile"], at):
        _pay(member, "profile_completed", f"profile:{member.id}", at)
        badges.evaluate(member.id, {"points"}, at)
