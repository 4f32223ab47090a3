"""Scheduled training reminders, run daily per tenant (``flask training remind``).

- Members whose assignment is due within three days or overdue get an email, at most once a
  day each (``last_reminded_at`` plus a per-day dedupe key, so a re-run never doubles it).
- HR gets a weekly digest of overdue members (one per ISO week and recipient).
- Expired re-certifications reopen their assignment first, so they are reminded too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app import clock, localdates, notifications
from app.db import db
from tenants import members
from tenants.models import Member
from tenants.services import current_tenant, setting
from training import assignments
from training.models import Assignment, Module

DUE_SOON = timedelta(days=3)
REMIND_EVERY = timedelta(days=1)
DIGEST_ROLES = ("hr",)
DIGEST_FALLBACK_ROLES = ("admin", "owner")

TEXTS = {
    "de": {
        "due_subject": "Erinnerung: Schulung „{module}“ bis {due}",
        "overdue_subject": "Überfällig: Schulung „{module}“",
        "body": "Hallo {name},\n\ndie Schulung „{module}“ ist {when}. Sie finden sie unter GET /api/v1/me/assignments.\n\nDanke, dass Sie dabei sind!\n",
        "due_when": "bis {due} fällig",
        "overdue_when": "seit {due} überfällig",
        "digest_subject": "Wochenbericht: {count} überfällige Schulungen",
        "digest_intro": "Hallo {name},\n\ndiese Schulungen sind überfällig:\n\n",
    },
    "en": {
        "due_subject": 'Reminder: training "{module}" due {due}',
        "overdue_subject": 'Overdue: training "{module}"',
        "body": 'Hello {name},\n\nthe training "{module}" is {when}. You find it at GET /api/v1/me/assignments.\n\nThank you for taking part!\n',
        "due_when": "due on {due}",
        "overdue_when": "overdue since {due}",
        "digest_subject": "Weekly report: {count} overdue trainings",
        "digest_intro": "Hello {name},\n\nthese trainings are overdue:\n\n",
    },
}


@dataclass
class ReminderRun:
    reopened: int = 0
    reminders: int = 0
    digest_recipients: int = 0  # a digest is queued once per ISO week and recipient


def _texts(locale: str) -> dict[str, str]:
    return TEXTS.get(locale, TEXTS["en"])


def run(now: datetime | None = None) -> ReminderRun:
    """Send the current tenant's reminders and digest for ``now`` (default: the clock)."""
    now = now or clock.now()
    outcome = ReminderRun(reopened=assignments.reopen_expired(now))
    db.session.flush()
    overdue: list[tuple[Member, Module, Assignment]] = []
    rows = db.session.execute(
        select(Assignment, Member)
        .join(Member, (Member.id == Assignment.member_id) & (Member.tenant_id == Assignment.tenant_id))
        .where(
            Assignment.completed_at.is_(None),
            Assignment.due_at.is_not(None),
            Assignment.due_at <= now + DUE_SOON,
            Member.status == "active",
        )
        .order_by(Assignment.due_at)
    ).all()
    for assignment, member in rows:
        module, _, state = assignments.standing(assignment, now)
        if state == "failed":
            continue
        if state == "overdue":
            overdue.append((member, module, assignment))
        if assignment.last_reminded_at is not None and now - assignment.last_reminded_at < REMIND_EVERY:
            continue
        _remind(member, module, assignment, state, now)
        assignment.last_reminded_at = now
        outcome.reminders += 1
    if overdue:
        outcome.digest_recipients = _digest(overdue, now)
    return outcome


def _remind(member: Member, module: Module, assignment: Assignment, state: str, now: datetime) -> None:
    texts = _texts(member.locale)
    due = localdates.format_datetime(assignment.due_at, member.locale, setting("timezone"))
    values = {"name": member.name, "module": module.title, "due": due}
    kind = "overdue" if state == "overdue" else "due"
    values["when"] = texts[f"{kind}_when"].format(**values)
    notifications.queue_email(
        member.email,
        texts[f"{kind}_subject"].format(**values),
        texts["body"].format(**values),
        kind="training.reminder",
        dedupe_key=f"training-reminder:{assignment.id}:{now.date().isoformat()}",
    )


def _digest_recipients() -> list[Member]:
    for roles in (DIGEST_ROLES, DIGEST_FALLBACK_ROLES):
        found = [m for role in roles for m in members.active_with_role(role)]
        if found:
            return list({m.id: m for m in found}.values())
    return []


def _digest(overdue: list[tuple[Member, Module, Assignment]], now: datetime) -> int:
    year, week, _ = now.isocalendar()
    zone = setting("timezone")
    recipients = _digest_recipients()
    for recipient in recipients:
        texts = _texts(recipient.locale)
        lines = "".join(
            f"- {member.name} ({member.department or '-'}): {module.title}, "
            f"{localdates.format_datetime(assignment.due_at, recipient.locale, zone)}\n"
            for member, module, assignment in overdue
        )
        notifications.queue_email(
            recipient.email,
            texts["digest_subject"].format(count=len(overdue)),
            texts["digest_intro"].format(name=recipient.name) + lines + f"\n{current_tenant().name}\n",
            kind="training.digest",
            dedupe_key=f"training-digest:{year}-W{week:02d}:{recipient.id}",
        )
    return len(recipients)
