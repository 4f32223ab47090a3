"""Where each member of the program stands at a moment: the facts the funnel and overview count.

One query returns, per member enrolled at ``until`` (invited before it, not offboarded before
it, not erased), the group keys and the moment each step was reached: invitation, consent,
the pass of the last required module (still valid at ``until``), the acknowledgement of the
guideline current at ``until``, the first published post, and whether a post was published in
the period. The tenant's policy decides which steps make a member eligible to post, as
``tenants.eligibility`` does for one member now.

Status (active, paused) is the member's status today: the history of pauses is not kept per
day, so a past period's ``eligible`` counts today's pauses. Item 7 of the reports issue (daily
rollups) replaces this per-member query at scale.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, or_, select

from app.db import db
from engagement.posts.models import Post
from tenants.models import Member
from tenants.services import current_policy
from training.models import Assignment, Guideline, GuidelineAcknowledgement, Module

#: The funnel's steps, in order.
STEPS = ("invited", "accepted", "trained", "acknowledged", "eligible", "first_post", "posted_in_period")
GROUP_KEYS = ("department", "location")


@dataclass(frozen=True)
class Standing:
    """One member's steps: the moment each was reached (None: not reached, or no moment kept)."""

    member_id: uuid.UUID
    department: str | None
    location: str | None
    reached: dict[str, bool]
    at: dict[str, datetime | None]


def standings(since: datetime, until: datetime) -> list[Standing]:
    """Every member enrolled at ``until`` with the steps reached by then (``posted_in_period``:
    a post published in ``[since, until)``)."""
    required = select(Module.lineage_id).where(Module.status == "published", Module.required.is_(True)).distinct()
    required_count = db.session.scalar(select(func.count()).select_from(required.subquery())) or 0
    passed = (
        select(
            Assignment.member_id,
            func.count(distinct(Assignment.lineage_id)).label("modules"),
            func.max(Assignment.completed_at).label("at"),
        )
        .where(
            Assignment.lineage_id.in_(required),
            Assignment.completed_at < until,
            or_(Assignment.expires_at.is_(None), Assignment.expires_at > until),
        )
        .group_by(Assignment.member_id)
        .subquery()
    )
    guideline = current_guideline(until)
    guideline_id = guideline.id if guideline else None
    acknowledged = (
        select(GuidelineAcknowledgement.member_id, func.min(GuidelineAcknowledgement.created_at).label("at"))
        .where(GuidelineAcknowledgement.guideline_id == guideline_id, GuidelineAcknowledgement.created_at < until)
        .group_by(GuidelineAcknowledgement.member_id)
        .subquery()
    )
    posts = (
        select(
            Post.member_id,
            func.min(Post.published_at).label("first"),
            func.max(Post.published_at).label("last"),
        )
        .where(Post.published_at.is_not(None), Post.published_at < until)
        .group_by(Post.member_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Member.id,
            Member.department,
            Member.location,
            Member.status,
            Member.created_at,
            Member.participation_consent_at,
            passed.c.modules,
            passed.c.at.label("trained_at"),
            acknowledged.c.at.label("acknowledged_at"),
            posts.c.first,
            posts.c.last,
        )
        .outerjoin(passed, passed.c.member_id == Member.id)
        .outerjoin(acknowledged, acknowledged.c.member_id == Member.id)
        .outerjoin(posts, posts.c.member_id == Member.id)
        .where(
            Member.erased_at.is_(None),
            Member.created_at < until,
            or_(Member.offboarded_at.is_(None), Member.offboarded_at >= until),
        )
        .order_by(Member.id)
    ).all()
    policy = current_policy()
    return [_standing(row, since, until, required_count, guideline_id is not None, policy) for row in rows]


def current_guideline(until: datetime):
    """The guideline current at ``until`` (``id``, ``version``), or None before the first."""
    return db.session.execute(
        select(Guideline.id, Guideline.version)
        .where(Guideline.created_at < until)
        .order_by(Guideline.version.desc())
        .limit(1)
    ).first()


def _standing(row, since, until, required_count, has_guideline, policy) -> Standing:
    consented_at = (
        row.participation_consent_at if row.participation_consent_at and row.participation_consent_at < until else None
    )
    accepted = consented_at is not None
    trained = accepted and (required_count == 0 or (row.modules or 0) >= required_count)
    acknowledged = accepted and (not has_guideline or row.acknowledged_at is not None)
    eligible = (
        accepted
        and row.status == "active"
        and (trained or not policy["training_required_before_posting"])
        and (acknowledged or not policy["guideline_acknowledgement_required"])
    )
    reached = {
        "invited": True,
        "accepted": accepted,
        "trained": trained,
        "acknowledged": acknowledged,
        "eligible": eligible,
        "first_post": row.first is not None,
        "posted_in_period": row.last is not None and row.last >= since,
    }
    at = {
        "invited": row.created_at,
        "accepted": consented_at,
        "trained": row.trained_at if trained else None,
        "acknowledged": row.acknowledged_at if acknowledged else None,
        "eligible": None,
        "first_post": row.first,
        "posted_in_period": None,
    }
    return Standing(row.id, row.department, row.location, reached, at)
