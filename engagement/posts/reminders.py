"""Remind approvers of posts waiting longer than the tenant allows (``flask posts remind``).

Each approver gets one email per run listing the posts they may decide that have waited longer
than ``approval_reminder_hours``; a post is reminded about at most once per that interval and an
approver at most once a day (dedupe key), so an hourly cron is safe.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app import clock, localdates, notifications
from app.db import db
from engagement.posts.models import Post, PostDecision
from tenants import members
from tenants.models import Member
from tenants.services import setting

TEXTS = {
    "de": {
        "subject": "{count} Beiträge warten auf Ihre Freigabe",
        "intro": "Hallo {name},\n\ndiese Beiträge warten seit mehr als {hours} Stunden auf Ihre Entscheidung:\n\n",
        "outro": "\nIhre Warteschlange: GET /api/v1/posts?queue=true\n",
    },
    "en": {
        "subject": "{count} posts are waiting for your approval",
        "intro": "Hello {name},\n\nthese posts have waited more than {hours} hours for your decision:\n\n",
        "outro": "\nYour queue: GET /api/v1/posts?queue=true\n",
    },
}


def run(now: datetime | None = None) -> int:
    """Queue the current tenant's approver reminders; returns how many approvers were emailed."""
    now = now or clock.now()
    hours = int(setting("approval_reminder_hours"))
    interval = timedelta(hours=hours)
    waiting = list(
        db.session.scalars(
            select(Post)
            .where(
                Post.status == "pending_approval",
                Post.awaiting_since <= now - interval,
                or_(Post.reminded_at.is_(None), Post.reminded_at <= now - interval),
            )
            .order_by(Post.awaiting_since)
        )
    )
    if not waiting:
        return 0
    decided = defaultdict(set)
    for post_id, round_, member_id in db.session.execute(
        select(PostDecision.post_id, PostDecision.round, PostDecision.member_id).where(
            PostDecision.post_id.in_([p.id for p in waiting])
        )
    ):
        decided[(post_id, round_)].add(member_id)
    per_approver: dict[Member, list[Post]] = defaultdict(list)
    for role in sorted({p.awaiting_role for p in waiting}):
        for approver in members.active_with_role(role):
            for post in waiting:
                if (
                    post.awaiting_role == role
                    and post.member_id != approver.id
                    and approver.id not in decided[(post.id, post.round)]
                ):
                    per_approver[approver].append(post)
    zone = setting("timezone")
    for approver, posts in per_approver.items():
        texts = TEXTS.get(approver.locale, TEXTS["en"])
        lines = "".join(
            f"- {p.platform}, {localdates.format_datetime(p.awaiting_since, approver.locale, zone)}: {p.text[:80]}\n"
            for p in posts
        )
        notifications.queue_email(
            approver.email,
            texts["subject"].format(count=len(posts)),
            texts["intro"].format(name=approver.name, hours=hours) + lines + texts["outro"],
            kind="posts.approval_reminder",
            dedupe_key=f"approval-reminder:{approver.id}:{now.date().isoformat()}",
        )
    for post in waiting:
        post.reminded_at = now
    return len(per_approver)
