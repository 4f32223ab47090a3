"""A member's training data in their export: quiz attempts, assignments, guideline acknowledgements.

Nothing here is erased: attempts and acknowledgements hold the member id and the member's own
answers (option ids), no names or free text, so the pseudonymised member id suffices.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db import db
from tenants.models import Member
from training.models import Assignment, Attempt, Guideline, GuidelineAcknowledgement, Module


def export_member(member: Member) -> dict[str, Any]:
    titles = dict(db.session.execute(select(Module.id, Module.title)).all())
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.member_id == member.id).order_by(Attempt.created_at, Attempt.id)
    )
    assignments = db.session.scalars(
        select(Assignment).where(Assignment.member_id == member.id).order_by(Assignment.created_at, Assignment.id)
    )
    acknowledged = db.session.execute(
        select(GuidelineAcknowledgement, Guideline)
        .join(
            Guideline,
            (Guideline.id == GuidelineAcknowledgement.guideline_id)
            & (Guideline.tenant_id == GuidelineAcknowledgement.tenant_id),
        )
        .where(GuidelineAcknowledgement.member_id == member.id)
        .order_by(GuidelineAcknowledgement.created_at)
    )
    return {
        "quiz_attempts": [
            {
                "module_id": a.module_id,
                "module": titles.get(a.module_id),
                "answers": a.answers,
                "score": a.score,
                "passed": a.passed,
                "at": a.created_at,
            }
            for a in attempts
        ],
        "assignments": [
            {
                "module_id": a.module_id,
                "module": titles.get(a.module_id),
                "due_at": a.due_at,
                "assigned_at": a.created_at,
                "completed_at": a.completed_at,
                "best_score": a.best_score,
                "expires_at": a.expires_at,
            }
            for a in assignments
        ],
        "guideline_acknowledgements": [
            {"guideline_id": g.id, "title": g.title, "version": g.version, "locale": g.locale, "at": ack.created_at}
            for ack, g in acknowledged
        ],
    }
