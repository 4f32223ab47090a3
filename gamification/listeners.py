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
from typing import Any, NamedTuple

from sqlalchemy import select

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


AfterItem = tuple[Member, set[str], datetime, dict[str, Any]]


def _after(member: Member, changed: set[str], at: datetime, details: dict[str, Any]) -> None:
    """What new facts move besides points: challenges, then milestones, then badges."""
    _after_many([(member, changed, at, details)])


def _after_many(items: list[AfterItem]) -> None:
    """:func:`_after` for a batch's facts: challenges count each fact; milestones and badges are
    evaluated once per member, as of the member's last fact in the batch."""
    completed = challenges.on_activity_many(items)
    by_member: dict[uuid.UUID, tuple[Member, set[str], datetime]] = {}
    for member, changed, at, _ in items:
        _, before, _ = by_member.get(member.id, (member, set(), at))
        by_member[member.id] = (member, before | changed, at)
    reached, checked = [], []
    for member, changed, at in by_member.values():
        if member.id in completed:
            changed = changed | {"challenges_completed"}
        keys = tuple(dict.fromkeys(key for metric in sorted(changed) for key in milestones.AFFECTED_BY.get(metric, ())))
        if keys:
            reached.append((member, keys, at))
        checked.append((member.id, changed | {"points"}, at))
    milestones.evaluate_many(reached)
    badges.evaluate_many(checked)


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


def _members(batch: list[events.OutboxEvent]) -> dict[str, Member]:
    """The members a batch of events names (one query), by the payload's ``member_id``."""
    ids = {}
    for event in batch:
        try:
            ids[event.field("member_id")] = uuid.UUID(event.field("member_id"))
        except (TypeError, ValueError, AttributeError):
            continue
    if not ids:
        return {}
    found = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(set(ids.values()))))}
    return {raw: found[member_id] for raw, member_id in ids.items() if member_id in found}


def _for_member(
    event_type: events.EventType | events.EventRef,
    *,
    batch: Callable[[list[tuple[events.OutboxEvent, Member]]], None] | None = None,
) -> Callable[[Callable[[events.OutboxEvent, Member], None]], events.Handler]:
    """Subscribe a handler that needs the event's member (events for unknown members are skipped).

    ``batch`` takes (event, member) pairs of a batch, in order, with the members read at once."""

    def register(fn: Callable[[events.OutboxEvent, Member], None]) -> events.Handler:
        @functools.wraps(fn)
        def handle(event: events.OutboxEvent) -> None:
            member = _member(event.field("member_id"))
            if member is not None:
                fn(event, member)

        def handle_batch(batch_events: list[events.OutboxEvent]) -> None:
            members = _members(batch_events)
            pairs = [(e, members[e.field("member_id")]) for e in batch_events if e.field("member_id") in members]
            if pairs:
                batch(pairs)

        return events.handler(event_type, batch=handle_batch if batch else None)(handle)

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


class _Post(NamedTuple):
    event: events.OutboxEvent
    member: Member
    post_id: uuid.UUID
    details: dict[str, Any]
    kind: str
    rule: str


def _post(event: events.OutboxEvent, member: Member) -> _Post:
    content_id = event.field("content_id")
    details = {"platform": event.field("platform"), "content_id": content_id, "topics": _topics(event)}
    kind, rule = ("library_shares", "library_share_published") if content_id else ("own_posts", "own_post_published")
    return _Post(event, member, uuid.UUID(event.field("post_id")), details, kind, rule)


def _posts_published(posts: list[_Post]) -> None:
    """Count each post, pay its rule (and the first post's bonus), then challenges, milestones
    and badges: set-based over a batch (two fact inserts, one ledger insert, one totals upsert,
    one histogram update), the same effect as one event at a time."""
    source = {post.event.id: f"post:{post.post_id}" for post in posts}
    published = activities.record_many(
        [
            activities.Fact(
                p.member.id, "posts_published", source[p.event.id], p.event.created_at, p.post_id, p.details
            )
            for p in posts
        ]
    )
    new = [p for p in posts if ("posts_published", source[p.event.id]) in published]
    kinds = activities.record_many(
        [
            activities.Fact(p.member.id, p.kind, source[p.event.id], p.event.created_at, p.post_id, p.details)
            for p in new
        ]
    )
    rules, version = config.current_rules()
    awards = []
    for p in new:
        at = p.event.created_at
        if (p.kind, source[p.event.id]) in kinds:
            awards.append(ledger.Award(p.member, p.rule, rules[p.rule], source[p.event.id], at, p.post_id, version))
        if published[("posts_published", source[p.event.id])] == 1:
            awards.append(
                ledger.Award(
                    p.member, "first_post", rules["first_post"], f"first_post:{p.member.id}", at, p.post_id, version
                )
            )
    ledger.award_many(awards)
    _after_many([(p.member, {"posts_published", p.kind}, p.event.created_at, p.details) for p in new])


@_for_member(POST_PUBLISHED, batch=lambda pairs: _posts_published([_post(e, m) for e, m in pairs]))
def on_post_published(event: events.OutboxEvent, member: Member) -> None:
    _posts_published([_post(event, member)])


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
