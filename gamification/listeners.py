"""Domain events of training, engagement and people turned into facts, points, badges, milestones.

Each handler runs in the event's delivery transaction (``app.events``), so a fact, its ledger
entries and every aggregate they move commit together with the delivery record, or not at all.
Facts and entries are keyed by what happened (the post, the click event, the member's pass of
a module version), so a replayed or duplicated event changes nothing. A key names the member
unless its subject belongs to one member only (a post, a click on a post).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app import events
from app.db import db
from gamification import activities, badges, challenges, config, ledger, milestones
from tenants.models import Member

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
    from engagement.content.models import ContentTag

    return sorted(db.session.scalars(select(ContentTag.key).where(ContentTag.content_id == uuid.UUID(content_id), ContentTag.kind == _TOPIC_KIND)))


def _after(member: Member, changed: set[str], at: datetime, details: dict[str, Any]) -> None:
    """What new facts move besides points: challenges, then milestones, then badges."""
    if any(challenges.on_activity(member, metric, at, details) for metric in sorted(changed & set(challenges.METRICS))):
        changed = changed | {"challenges_completed"}
    keys = tuple(key for metric in sorted(changed) for key in milestones.AFFECTED_BY.get(metric, ()))
    if keys:
        milestones.evaluate(member, keys, at)
    badges.evaluate(member.id, changed | {"points"}, at)


@events.handler("training.module_passed")
def on_module_passed(event: events.OutboxEvent) -> None:
    payload, at = event.payload, event.created_at
    member = _member(payload)
    if member is None:
        return
    module_id = uuid.UUID(payload["module_id"])
    source = f"module:{module_id}:{member.id}"  # each module version once per member, however often passed
    if activities.record(member.id, "modules_passed", source, at, subject_id=module_id) is None:
        return
    rules, version = config.current_rules()
    ledger.award(member, "module_passed", rules["module_passed"], source, at, subject_id=module_id, rule_version=version)
    changed = {"modules_passed"}
    if payload.get("score", 0) >= 100:
        activities.record(member.id, "perfect_scores", source, at, subject_id=module_id)
        ledger.award(member, "perfect_score", rules["perfect_score"], source, at, subject_id=module_id, rule_version=version)
        changed.add("perfect_scores")
    _after(member, changed, at, {})


@events.handler("training.guideline_acknowledged")
def on_guideline_acknowledged(event: events.OutboxEvent) -> None:
    from training.models import Guideline

    payload, at = event.payload, event.created_at
    member = _member(payload)
    if member is None:
        return
    guideline_id = uuid.UUID(payload["guideline_id"])
    source = f"guideline:{guideline_id}:{member.id}"
    if activities.record(member.id, "guidelines_acknowledged", source, at, subject_id=guideline_id) is None:
        return
    rules, version = config.current_rules()
    ledger.award(member, "guideline_acknowledged", rules["guideline_acknowledged"], source, at, subject_id=guideline_id, rule_version=version)
    guideline = db.session.get(Guideline, guideline_id)
    if guideline is not None:
        since = max(guideline.created_at, member.activated_at or guideline.created_at)
        if at - since <= timedelta(days=milestones.GUIDELINE_DAYS):
            milestones.achieve(member.id, "guideline_within_week", at)
    _after(member, {"guidelines_acknowledged"}, at, {})


@events.handler("engagement.post_published")
def on_post_published(event: events.OutboxEvent) -> None:
    payload, at = event.payload, event.created_at
    member = _member(payload)
    if member is None:
        return
    post_id = uuid.UUID(payload["post_id"])
    source = f"post:{post_id}"
    content_id = payload.get("content_id")
    details = {"platform": payload.get("platform"), "content_id": content_id, "topics": _topics(content_id)}
    published = activities.record(member.id, "posts_published", source, at, subject_id=post_id, details=details)
    if published is None:
        return
    kind = "library_shares" if content_id else "own_posts"
    activities.record(member.id, kind, source, at, subject_id=post_id, details=details)
    rules, version = config.current_rules()
    rule = "library_share_published" if content_id else "own_post_published"
    ledger.award(member, rule, rules[rule], source, at, subject_id=post_id, rule_version=version)
    if published == 1:
        ledger.award(member, "first_post", rules["first_post"], f"first_post:{member.id}", at, subject_id=post_id, rule_version=version)
    _after(member, {"posts_published", kind}, at, details)


@events.handler("engagement.link_clicked")
def on_link_clicked(event: events.OutboxEvent) -> None:
    """A unique visitor's click: a fact, and points up to the daily cap of the post."""
    payload, at = event.payload, event.created_at
    if not payload.get("unique"):
        return
    member = _member(payload)
    if member is None:
        return
    post_id = uuid.UUID(payload["post_id"])
    source = f"click:{event.id}"
    content_id = payload.get("content_id")
    details = {"platform": payload.get("platform"), "content_id": content_id, "topics": _topics(content_id), "post_id": str(post_id)}
    if activities.record(member.id, "clicks", source, at, subject_id=post_id, details=details) is None:
        return
    rules, version = config.current_rules()
    if rules["click"] and ledger.take_from_cap(f"click:{post_id}:{payload.get('day')}", rules["click_daily_cap_per_post"]):
        ledger.award(member, "click", rules["click"], source, at, subject_id=post_id, rule_version=version)
    _after(member, {"clicks"}, at, details)


@events.handler("tenants.profile_changed")
def on_profile_changed(event: events.OutboxEvent) -> None:
    """Profile milestones (completeness, accounts, potential reach) and the one-time profile bonus."""
    at = event.created_at
    member = _member(event.payload)
    if member is None:
        return
    new = milestones.evaluate(member, milestones.AFFECTED_BY["profile"], at)
    if "profile_completed" in new:
        rules, version = config.current_rules()
        ledger.award(member, "profile_completed", rules["profile_completed"], f"profile:{member.id}", at, rule_version=version)
        badges.evaluate(member.id, {"points"}, at)
