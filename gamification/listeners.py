"""Domain events of training, engagement and people turned into facts, points, badges, milestones.

Everything a handler needs comes with the event (a post's topics, a guideline's publication):
gamification reads no training or engagement table, and names their events through
``gamification.events``. Payload fields are read with ``event.field``, which knows only declared
fields; a field added in a later version of an event has a default for events emitted before.

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

from app import events
from app.db import db
from gamification import activities, badges, challenges, config, ledger, milestones
from gamification.events import GUIDELINE_ACKNOWLEDGED, LINK_CLICKED, MODULE_PASSED, POST_PUBLISHED
from tenants.events import PROFILE_CHANGED
from tenants.models import Member


def _member(member_id: Any) -> Member | None:
    try:
        return db.session.get(Member, uuid.UUID(member_id))
    except (TypeError, ValueError, AttributeError):
        return None


def _topics(event: events.OutboxEvent) -> list[str]:
    """The shared item's topic keys (case-folded), for topic challenges; none for events emitted
    before they carried topics (version 1)."""
    return list(event.field("topics") or ())


def _published_at(event: events.OutboxEvent) -> datetime | None:
    """When the acknowledged guideline version was published. Events emitted before they carried
    it (version 1) give whole days only: the publication is taken as that many days earlier."""
    published = event.field("published_at")
    if published is not None:
        return datetime.fromisoformat(published)
    days = event.field("days_after_publication")
    return event.created_at - timedelta(days=days) if days is not None else None


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


def _for_member(
    event_type: events.EventType | events.EventRef,
) -> Callable[[Callable[[events.OutboxEvent, Member], None]], events.Handler]:
    """Subscribe a handler that needs the event's member (events for unknown members are skipped)."""

    def register(fn: Callable[[events.OutboxEvent, Member], None]) -> events.Handler:
        @functools.wraps(fn)
        def handle(event: events.OutboxEvent) -> None:
            member = _member(event.field("member_id"))
            if member is not None:
                fn(event, member)

        return events.handler(event_type)(handle)

    return register


@_for_member(MODULE_PASSED)
def on_module_passed(event: events.OutboxEvent, member: Member) -> None:
    at = event.created_at
    module_id = uuid.UUID(event.field("module_id"))
    source = f"module:{module_id}:{member.id}"  # each module version once per member, however often passed
    if _credit(member, "modules_passed", "module_passed", source, at, subject_id=module_id) is None:
        return
    changed = {"modules_passed"}
    if event.field("score", 0) >= 100:
        _credit(member, "perfect_scores", "perfect_score", source, at, subject_id=module_id)
        changed.add("perfect_scores")
    _after(member, changed, at, {})


@_for_member(GUIDELINE_ACKNOWLEDGED)
def on_guideline_acknowledged(event: events.OutboxEvent, member: Member) -> None:
    at = event.created_at
    guideline_id = uuid.UUID(event.field("guideline_id"))
    source = f"guideline:{guideline_id}:{member.id}"
    if (
        _credit(member, "guidelines_acknowledged", "guideline_acknowledged", source, at, subject_id=guideline_id)
        is None
    ):
        return
    published = _published_at(event)
    if published is not None:
        since = max(published, member.activated_at or published)
        if at - since <= timedelta(days=milestones.GUIDELINE_DAYS):
            milestones.achieve(member.id, "guideline_within_week", at)
    _after(member, {"guidelines_acknowledged"}, at, {})


@_for_member(POST_PUBLISHED)
def on_post_published(event: events.OutboxEvent, member: Member) -> None:
    at = event.created_at
    post_id = uuid.UUID(event.field("post_id"))
    source = f"post:{post_id}"
    content_id = event.field("content_id")
    details = {"platform": event.field("platform"), "content_id": content_id, "topics": _topics(event)}
    published = _credit(member, "posts_published", None, source, at, subject_id=post_id, details=details)
    if published is None:
        return
    kind, rule = ("library_shares", "library_share_published") if content_id else ("own_posts", "own_post_published")
    _credit(member, kind, rule, source, at, subject_id=post_id, details=details)
    if published == 1:
        _pay(member, "first_post", f"first_post:{member.id}", at, post_id)
    _after(member, {"posts_published", kind}, at, details)


@_for_member(LINK_CLICKED)
def on_link_clicked(event: events.OutboxEvent, member: Member) -> None:
    """A unique visitor's click: a fact, and points up to the daily cap of the post."""
    at = event.created_at
    if not event.field("unique"):
        return
    post_id = uuid.UUID(event.field("post_id"))
    source = f"click:{event.id}"
    content_id = event.field("content_id")
    details = {
        "platform": event.field("platform"),
        "content_id": content_id,
        "topics": _topics(event),
        "post_id": str(post_id),
    }
    if _credit(member, "clicks", None, source, at, subject_id=post_id, details=details) is None:
        return
    rules, _ = config.current_rules()
    if rules["click"] and ledger.take_from_cap(
        f"click:{post_id}:{event.field('day')}", rules["click_daily_cap_per_post"]
    ):
        _pay(member, "click", source, at, post_id)
    _after(member, {"clicks"}, at, details)


@_for_member(PROFILE_CHANGED)
def on_profile_changed(event: events.OutboxEvent, member: Member) -> None:
    """Profile milestones (completeness, accounts, potential reach) and the one-time profile bonus."""
    at = event.created_at
    if "profile_completed" in milestones.evaluate(member, milestones.AFFECTED_BY["profile"], at):
        _pay(member, "profile_completed", f"profile:{member.id}", at)
        badges.evaluate(member.id, {"points"}, at)
