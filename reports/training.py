"""Training completion per module (its published version) and per group, as of the period's end.

Each assignment of a member still in the program gets the status the member sees
(``training.assignments.status``: passed, expired, failed, overdue, in progress, not started),
computed at the period's end (or now, for a period still running) from one query for the
assignments and one for the attempts on each module's published version since the assignment
opened. ``completion_rate`` is passed / assigned; ``median_score`` the median best score of
those passed; ``median_attempts`` the median attempts of those who tried. Groups (department,
location) are suppressed per module like every report's (``reports.suppression``). Guideline
coverage: the members enrolled at that moment who acknowledged the guideline current then.
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, func, or_, select

from app import clock
from app.db import db
from reports import people, suppression
from reports.periods import Period
from tenants.models import Member
from tenants.services import setting
from training.assignments import status
from training.models import Assignment, Attempt, Module

STATUSES = ("not_started", "in_progress", "passed", "failed", "overdue", "expired")


def report(period: Period, group_by: str | None, module_id: uuid.UUID | None = None) -> dict[str, Any]:
    since, until = period.bounds()
    as_of = min(until, clock.now())
    modules = _published(module_id)
    rows = _assignments(as_of, [m.lineage_id for m in modules.values()])
    attempts = _attempts(as_of, [m.id for m in modules.values()])
    by_module: dict[uuid.UUID, list[tuple[Any, str, int]]] = defaultdict(list)
    for row in rows:
        module = modules[row.lineage_id]
        used = attempts.get((row.id, module.id), 0)
        label = status(_as_of(row, as_of), module, used, as_of)
        by_module[row.lineage_id].append((row, "not_started" if label == "assigned" else label, used))
    minimum = setting("min_group_size")
    hidden = 0
    result_modules = []
    for lineage_id, module in sorted(modules.items(), key=lambda item: item[1].title):
        entries = by_module.get(lineage_id, [])
        item = {"module": {"id": module.id, "title": module.title, "version": module.version}, **_figures(entries)}
        if group_by is not None:
            grouped: dict[str | None, list] = defaultdict(list)
            for entry in entries:
                grouped[getattr(entry[0], group_by)].append(entry)
            groups = [
                {"key": key, **_figures(members)}
                for key, members in sorted(grouped.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
            ]
            kept = suppression.suppress(groups, lambda group: group["assigned"], minimum)
            item["groups"] = kept.shown
            hidden += kept.hidden
        result_modules.append(item)
    return {
        "period": period.view(),
        "as_of": as_of,
        "group_by": group_by,
        "modules": result_modules,
        "guideline": _guideline_coverage(since, until),
        "suppressed": {"groups": hidden, "min_group_size": minimum},
    }


def _figures(entries: list[tuple[Any, str, int]]) -> dict[str, Any]:
    counts = Counter(label for _, label, _ in entries)
    assigned = len(entries)
    scores = [row.best_score for row, label, _ in entries if label == "passed" and row.best_score is not None]
    tries = [used for _, _, used in entries if used]
    return {
        "assigned": assigned,
        **{label: counts.get(label, 0) for label in STATUSES},
        "completion_rate": round(counts.get("passed", 0) / assigned, 4) if assigned else None,
        "median_score": statistics.median(scores) if scores else None,
        "median_attempts": statistics.median(tries) if tries else None,
    }


def _as_of(row, as_of: datetime) -> SimpleNamespace:
    """The assignment as it stood at ``as_of``: a pass recorded later had not happened yet."""
    fields = dict(row._mapping)
    if fields["completed_at"] is not None and fields["completed_at"] >= as_of:
        fields.update(completed_at=None, expires_at=None)
    return SimpleNamespace(**fields)


def _published(module_id: uuid.UUID | None) -> dict[uuid.UUID, Module]:
    statement = select(Module).where(Module.status == "published")
    if module_id is not None:
        statement = statement.where(Module.id == module_id)
    return {module.lineage_id: module for module in db.session.scalars(statement)}


def _assignments(as_of: datetime, lineages: list[uuid.UUID]) -> list:
    if not lineages:
        return []
    return db.session.execute(
        select(
            Assignment.id,
            Assignment.lineage_id,
            Assignment.due_at,
            Assignment.opened_at,
            Assignment.completed_at,
            Assignment.expires_at,
            Assignment.best_score,
            Member.department,
            Member.location,
        )
        .join(Member, Member.id == Assignment.member_id)
        .where(
            Assignment.lineage_id.in_(lineages),
            Assignment.created_at < as_of,
            Member.erased_at.is_(None),
            or_(Member.offboarded_at.is_(None), Member.offboarded_at >= as_of),
        )
    ).all()


def _attempts(as_of: datetime, module_ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """(assignment id, module version id) -> attempts on that version since the assignment opened."""
    if not module_ids:
        return {}
    rows = db.session.execute(
        select(Assignment.id, Attempt.module_id, func.count())
        .join(
            Attempt,
            and_(
                Attempt.member_id == Assignment.member_id,
                Attempt.lineage_id == Assignment.lineage_id,
                Attempt.created_at >= Assignment.opened_at,
            ),
        )
        .where(Attempt.module_id.in_(module_ids), Attempt.created_at < as_of)
        .group_by(Assignment.id, Attempt.module_id)
    ).all()
    return {(assignment_id, module_id): count for assignment_id, module_id, count in rows}


def _guideline_coverage(since: datetime, until: datetime) -> dict[str, Any]:
    guideline = people.current_guideline(until)
    version = guideline.version if guideline else None
    standings = [s for s in people.standings(since, until) if s.reached["accepted"]]
    acknowledged = sum(1 for s in standings if s.at["acknowledged"] is not None) if version else 0
    return {
        "version": version,
        "members": len(standings),
        "acknowledged": acknowledged,
        "coverage": round(acknowledged / len(standings), 4) if standings else None,
    }


def csv_rows(result: dict[str, Any], total_label: str) -> list[dict[str, Any]]:
    """A row per module (group ``total_label``) and one per module and group shown."""
    rows = []
    for item in result["modules"]:
        title = item["module"]["title"]
        figures = {key: value for key, value in item.items() if key not in ("module", "groups")}
        rows.append({"module": title, "group": total_label, **figures})
        rows += [{"module": title, "group": group["key"], **group} for group in item.get("groups", [])]
    return rows
