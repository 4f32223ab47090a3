"""Assignments: who must complete which module lineage by when, and where they stand.

Status is computed, never stored, from the assignment, the member's attempts and the clock:
``passed`` until a re-certification expiry (then ``expired``); ``failed`` when the attempts
are used up; ``overdue`` past the due date; ``in_progress`` after a first attempt;
otherwise ``assigned``.

Attempts count per module *version* and since the assignment's ``opened_at``: publishing a new
version gives fresh attempts, and so do a re-certification and a staff reset (both move
``opened_at`` forward; the attempts themselves are kept).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app import clock, events
from app.auth import Principal
from app.db import db, upsert_insert
from app.errors import Conflict, field_error
from tenants import audit
from tenants.events import MEMBER_ACTIVATED
from tenants.models import Member
from training import modules
from training.events import REQUIRED_MODULE_PUBLISHED
from training.models import Assignment, Attempt, Module

#: Members who can be assigned training (invited members are assigned ahead of joining).
ASSIGNABLE_STATUSES = ("invited", "active")
#: Due date for required modules assigned automatically when a member becomes active.
AUTO_ASSIGN_DUE_DAYS = 30


def status(assignment: Assignment, module: Module | None, attempts_used: int, now: datetime | None = None) -> str:
    now = now or clock.now()
    if assignment.completed_at is not None:
        if assignment.expires_at is not None and assignment.expires_at <= now:
            return "expired"
        return "passed"
    max_attempts = module.max_attempts if module else None
    if max_attempts is not None and attempts_used >= max_attempts:
        return "failed"
    if assignment.due_at is not None and assignment.due_at <= now:
        return "overdue"
    return "in_progress" if attempts_used else "assigned"


def attempts_used(member_id: uuid.UUID, module_id: uuid.UUID, since: datetime | None) -> int:
    """The member's attempts on this module version since ``since`` (the assignment's opening)."""
    statement = (
        select(func.count()).select_from(Attempt).where(Attempt.member_id == member_id, Attempt.module_id == module_id)
    )
    if since is not None:
        statement = statement.where(Attempt.created_at >= since)
    return db.session.scalar(statement) or 0


def standing(assignment: Assignment, now: datetime | None = None) -> tuple[Module, int, str]:
    """The module version the assignment is taken on now (the published one, else the one
    assigned), the attempts used on it in this round, and the status."""
    module = modules.current_version(assignment.lineage_id) or db.session.get(Module, assignment.module_id)
    used = attempts_used(assignment.member_id, module.id, assignment.opened_at)
    return module, used, status(assignment, module, used, now)


def for_member(member_id: uuid.UUID, lineage_id: uuid.UUID) -> Assignment | None:
    return db.session.scalar(
        select(Assignment).where(Assignment.member_id == member_id, Assignment.lineage_id == lineage_id)
    )


def assign(data: dict[str, Any], actor: Principal | None) -> int:
    """Assign a published module to members, a department or everybody; repeats are no-ops."""
    module = db.session.get(Module, data["module_id"])
    if module is None:
        raise field_error("json", "module_id", "No such training module.")
    if module.status != "published":
        raise Conflict("Only published modules can be assigned.")
    targets = select(Member.id).where(Member.status.in_(ASSIGNABLE_STATUSES))
    if data.get("member_ids"):
        wanted = set(data["member_ids"])
        found = set(db.session.scalars(targets.where(Member.id.in_(wanted))))
        unknown = sorted(str(i) for i in wanted - found)
        if unknown:
            raise field_error("json", "member_ids", f"Unknown or not assignable: {', '.join(unknown)}")
        member_ids = found
    elif data.get("department"):
        member_ids = set(db.session.scalars(targets.where(Member.department == data["department"])))
    else:
        member_ids = set(db.session.scalars(targets))
    created = _create(module, member_ids, data.get("due_at"), actor.member_id if actor else None)
    audit.record(
        "training.assigned", "training_module", module.id, after={"created": created, "due_at": data.get("due_at")}
    )
    return created


def _create(module: Module, member_ids: set[uuid.UUID], due_at: datetime | None, assigned_by: uuid.UUID | None) -> int:
    if not member_ids:
        return 0
    existing = set(
        db.session.scalars(
            select(Assignment.member_id).where(
                Assignment.lineage_id == module.lineage_id, Assignment.member_id.in_(member_ids)
            )
        )
    )
    now = clock.now()
    rows = [
        {
            "id": uuid.uuid4(),
            "member_id": member_id,
            "lineage_id": module.lineage_id,
            "module_id": module.id,
            "due_at": due_at,
            "assigned_by": assigned_by,
            "created_at": now,
            "opened_at": now,
        }
        for member_id in sorted(member_ids - existing)
    ]
    if rows:
        db.session.execute(upsert_insert(Assignment.__table__), rows)
    return len(rows)


def assign_required_to(member_id: uuid.UUID) -> int:
    """Give a newly active member every required, published module."""
    created = 0
    due = clock.now() + timedelta(days=AUTO_ASSIGN_DUE_DAYS)
    for module in db.session.scalars(select(Module).where(Module.status == "published", Module.required.is_(True))):
        created += _create(module, {member_id}, due, None)
    return created


@events.handler(MEMBER_ACTIVATED)
def _on_member_activated(event) -> None:
    assign_required_to(uuid.UUID(event.field("member_id")))


def assign_to_active_members(lineage_id: uuid.UUID) -> int:
    """Assign a required module's published version to every active member who lacks it.

    Idempotent (existing assignments are kept, whatever version they name); nothing when the
    lineage has no published, required version any more by the time this runs.
    """
    module = modules.current_version(lineage_id)
    if module is None or not module.required:
        return 0
    members = set(db.session.scalars(select(Member.id).where(Member.status == "active")))
    created = _create(module, members, clock.now() + timedelta(days=AUTO_ASSIGN_DUE_DAYS), None)
    audit.record("training.assigned", "training_module", module.id, after={"created": created, "automatic": True})
    return created


@events.handler(REQUIRED_MODULE_PUBLISHED)
def _on_required_module_published(event) -> None:
    assign_to_active_members(uuid.UUID(event.field("lineage_id")))


def mine(member_id: uuid.UUID, lineage_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """The member's assignments (of one lineage, if given) with their module (current version)
    and computed status.

    Three queries whatever the number of assignments: assignments, the modules they need,
    and attempt counts per assignment round and module version.
    """
    now = clock.now()
    mine_only = Assignment.member_id == member_id
    if lineage_id is not None:
        mine_only &= Assignment.lineage_id == lineage_id
    rows = list(
        db.session.scalars(select(Assignment).where(mine_only).order_by(Assignment.due_at, Assignment.created_at))
    )
    if not rows:
        return []
    lineages = {a.lineage_id for a in rows}
    candidates = db.session.scalars(
        select(Module).where(
            (Module.lineage_id.in_(lineages) & (Module.status == "published"))
            | Module.id.in_({a.module_id for a in rows})
        )
    )
    published, by_id = {}, {}
    for module in candidates:
        by_id[module.id] = module
        if module.status == "published":
            published[module.lineage_id] = module
    counts = {
        (assignment_id, module_id): count
        for assignment_id, module_id, count in db.session.execute(
            select(Assignment.id, Attempt.module_id, func.count(Attempt.id))
            .join(
                Attempt,
                (Attempt.member_id == Assignment.member_id)
                & (Attempt.lineage_id == Assignment.lineage_id)
                & (Attempt.tenant_id == Assignment.tenant_id)
                & (Attempt.created_at >= Assignment.opened_at),
            )
            .where(mine_only)
            .group_by(Assignment.id, Attempt.module_id)
        )
    }
    items = []
    for assignment in rows:
        module = published.get(assignment.lineage_id) or by_id[assignment.module_id]
        used = counts.get((assignment.id, module.id), 0)
        items.append(
            {
                "id": assignment.id,
                "module": module,
                "status": status(assignment, module, used, now),
                "due_at": assignment.due_at,
                "best_score": assignment.best_score,
                "completed_at": assignment.completed_at,
                "expires_at": assignment.expires_at,
                "attempts_used": used,
                "attempts_left": None if module.max_attempts is None else max(0, module.max_attempts - used),
            }
        )
    return items


def record_attempt(attempt: Attempt, module: Module) -> Assignment:
    """Update (or create, for self-started training) the assignment after a graded attempt."""
    member_id, score, passed = attempt.member_id, attempt.score, attempt.passed
    assignment = for_member(member_id, module.lineage_id)
    if assignment is None:  # self-started: the round began with this attempt
        assignment = Assignment(
            member_id=member_id,
            lineage_id=module.lineage_id,
            module_id=module.id,
            created_at=attempt.created_at,
            opened_at=attempt.created_at,
        )
        db.session.add(assignment)
    if assignment.best_score is None or score > assignment.best_score:
        assignment.best_score = score
    if passed and assignment.completed_at is None:
        now = clock.now()
        assignment.completed_at, assignment.completed_module_id = now, module.id
        assignment.expires_at = (
            now + timedelta(days=module.recertify_after_days) if module.recertify_after_days else None
        )
    db.session.flush()
    return assignment


def reset_attempts(module: Module, member: Member) -> dict[str, Any]:
    """Staff give a member fresh attempts on a module lineage: the round restarts now.

    The member's earlier attempts stay (they are the record); only those after the new
    ``opened_at`` count. It lies after the newest attempt even when the clock stands still.
    """
    assignment = for_member(member.id, module.lineage_id)
    if assignment is None:
        raise Conflict("The member has neither an assignment nor attempts for this module.")
    _, used, _ = standing(assignment)
    newest = db.session.scalar(
        select(func.max(Attempt.created_at)).where(
            Attempt.member_id == member.id, Attempt.lineage_id == module.lineage_id
        )
    )
    now = clock.now()
    assignment.opened_at = max(now, newest + timedelta(microseconds=1)) if newest else now
    audit.record(
        "training.attempts_reset",
        "training_module",
        module.id,
        before={"attempts_used": used},
        after={"member_id": member.id, "lineage_id": module.lineage_id},
    )
    db.session.flush()
    return mine(member.id, module.lineage_id)[0]


def reopen_expired(now: datetime | None = None) -> int:
    """Re-certification: an expired completion reopens the assignment with a fresh due date."""
    now = now or clock.now()
    count = 0
    for assignment in db.session.scalars(
        select(Assignment).where(Assignment.completed_at.is_not(None), Assignment.expires_at <= now)
    ):
        assignment.completed_at = assignment.completed_module_id = assignment.expires_at = None
        assignment.opened_at, assignment.due_at = now, now + timedelta(days=AUTO_ASSIGN_DUE_DAYS)
        assignment.best_score = None
        count += 1
    return count


def missing_required(member_id: uuid.UUID, now: datetime | None = None) -> list[Module]:
    """Required published modules the member has not passed (or whose pass expired)."""
    passed, required = _required_and_passed(member_id, now or clock.now())
    return [m for m in required if m.lineage_id not in passed]


def required_progress(member_id: uuid.UUID, now: datetime | None = None) -> tuple[int, int]:
    """How many required published modules the member has passed (and not let expire), of how many."""
    passed, required = _required_and_passed(member_id, now or clock.now())
    lineages = {m.lineage_id for m in required}
    return len(lineages & passed), len(lineages)


def _required_and_passed(member_id: uuid.UUID, now: datetime) -> tuple[set[uuid.UUID], list[Module]]:
    passed = {
        a.lineage_id
        for a in db.session.scalars(
            select(Assignment).where(Assignment.member_id == member_id, Assignment.completed_at.is_not(None))
        )
        if a.expires_at is None or a.expires_at > now
    }
    required = db.session.scalars(
        select(Module).where(Module.status == "published", Module.required.is_(True)).order_by(Module.title)
    )
    return passed, list(required)
