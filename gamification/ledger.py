"""The append-only points ledger and the per-period totals written in the same transaction.

Every entry is inserted once per ``(source_key, rule)`` (``ON CONFLICT DO NOTHING``); only an
entry that was actually inserted moves the member's totals, so retries and replays never count
twice. Corrections are new entries (:func:`reverse`, :func:`adjust`), never updates.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from app import clock
from app.auth import Principal
from app.db import db, upsert_insert
from app.errors import Conflict, NotFound
from app.pagination import cursor_page
from gamification import bulk, histogram, periods
from gamification.models import ALL_TIME_START, MemberPoints, PointCap, PointEntry
from gamification.standings import STANDING_COLUMNS, Standing
from tenants import audit, members
from tenants.models import Member

MAX_ADJUSTMENT = 10_000

_ENTRIES = PointEntry.__table__
_TOTALS = MemberPoints.__table__
_CAPS = PointCap.__table__


def award(
    member: Member,
    rule: str,
    points: int,
    source_key: str,
    occurred_at: datetime,
    *,
    subject_id: uuid.UUID | None = None,
    reason: str | None = None,
    rule_version: int | None = None,
    reverses_id: uuid.UUID | None = None,
    actor_member_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Append an entry and move the totals; None when it was there already (or is worth 0)."""
    if points == 0:
        return None
    entry_id = uuid.uuid4()
    inserted = db.session.execute(
        upsert_insert(_ENTRIES)
        .values(
            id=entry_id,
            member_id=member.id,
            rule=rule,
            points=points,
            source_key=source_key,
            subject_id=subject_id,
            reason=reason,
            rule_version=rule_version,
            reverses_id=reverses_id,
            actor_member_id=actor_member_id,
            occurred_at=occurred_at,
            created_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "source_key", "rule"])
        .returning(_ENTRIES.c.id)
    ).scalar()
    if inserted is None:
        return None
    add_to_totals(member.id, Standing.of(member), points, occurred_at)
    return entry_id


class Award(NamedTuple):
    """One entry of :func:`award_many`."""

    member: Member
    rule: str
    points: int
    source_key: str
    occurred_at: datetime
    subject_id: uuid.UUID | None = None
    rule_version: int | None = None


def award_many(awards: list[Award]) -> list[Award]:
    """:func:`award` for a batch of events: one insert for the entries, and the totals and the
    histogram of those actually inserted moved once each (one upsert, one update). Entries worth
    0 are skipped, a ``(source_key, rule)`` given twice counts once; returns the awards inserted."""
    unique: dict[tuple[str, str], Award] = {}
    for award_ in awards:
        if award_.points:
            unique.setdefault((award_.source_key, award_.rule), award_)
    if not unique:
        return []
    now = clock.now()
    rows = [
        {
            "id": uuid.uuid4(),
            "member_id": a.member.id,
            "rule": a.rule,
            "points": a.points,
            "source_key": a.source_key,
            "subject_id": a.subject_id,
            "reason": None,
            "rule_version": a.rule_version,
            "reverses_id": None,
            "actor_member_id": None,
            "occurred_at": a.occurred_at,
            "created_at": now,
        }
        for a in unique.values()
    ]
    result = bulk.insert(
        _ENTRIES,
        rows,
        lambda statement: statement.on_conflict_do_nothing(
            index_elements=["tenant_id", "source_key", "rule"]
        ).returning(_ENTRIES.c.source_key, _ENTRIES.c.rule),
    )
    inserted = [unique[key] for key in result.tuples()]
    add_to_totals_many([(a.member.id, Standing.of(a.member), a.points, a.occurred_at) for a in inserted])
    return inserted


def add_to_totals(member_id: uuid.UUID, standing: Standing, points: int, occurred_at: datetime) -> None:
    """Add ``points`` to the member's week, month, quarter and all-time rows (one statement),
    and move the member to their new value in the points histogram (one more)."""
    add_to_totals_many([(member_id, standing, points, occurred_at)])


def add_to_totals_many(items: list[tuple[uuid.UUID, Standing, int, datetime]]) -> None:
    """:func:`add_to_totals` for several (member, standing, points, when): the deltas summed per
    row, one upsert (rows in key order, so concurrent writers lock alike) and one histogram update."""
    if not items:
        return
    zone = periods.tenant_zone()
    deltas: dict[tuple[uuid.UUID, str, date], int] = defaultdict(int)
    standings: dict[uuid.UUID, Standing] = {}
    for member_id, standing, points, occurred_at in items:
        standings[member_id] = standing
        for period, start in periods.starts_for(occurred_at, zone).items():
            deltas[(member_id, period, start)] += points
    rows = [
        {
            "member_id": member_id,
            "period": period,
            "period_start": start,
            "points": points,
            **standings[member_id].columns(),
        }
        for (member_id, period, start), points in sorted(deltas.items())
    ]
    totals = bulk.insert(
        _TOTALS,
        rows,
        lambda statement: statement.on_conflict_do_update(
            index_elements=["tenant_id", "member_id", "period", "period_start"],
            set_={
                "points": _TOTALS.c.points + statement.excluded.points,
                **{name: statement.excluded[name] for name in STANDING_COLUMNS},
            },
        ).returning(_TOTALS.c.member_id, _TOTALS.c.period, _TOTALS.c.period_start, _TOTALS.c.points),
    ).all()
    moves = []
    for member_id, period, start, total in totals:
        listed_on = histogram.scopes(standings[member_id])
        moves.append(((period, start, total - deltas[(member_id, period, start)], total), listed_on, listed_on))
    histogram.move_many(moves)


def take_from_cap(cap_key: str, cap: int) -> bool:
    """Use one unit under ``cap_key`` if fewer than ``cap`` were used (atomic under concurrency)."""
    if cap <= 0:
        return False
    statement = upsert_insert(_CAPS).values(cap_key=cap_key, used=1, created_at=clock.now())
    used = db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "cap_key"], set_={"used": _CAPS.c.used + 1}, where=_CAPS.c.used < cap
        ).returning(_CAPS.c.used)
    ).scalar()
    return used is not None


def total(member_id: uuid.UUID) -> int:
    return totals_many([member_id])[member_id]


def totals_many(member_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """Each member's all-time points (0 when none), in one query."""
    found = dict.fromkeys(member_ids, 0)
    rows = db.session.execute(
        select(MemberPoints.member_id, MemberPoints.points).where(
            MemberPoints.member_id.in_(member_ids),
            MemberPoints.period == "all",
            MemberPoints.period_start == ALL_TIME_START,
        )
    )
    for member_id, points in rows:
        found[member_id] = int(points or 0)
    return found


def entries(member_id: uuid.UUID | None, cursor: str | None, limit: int) -> dict[str, Any]:
    """Newest first; one member's entries, or (``None``) the tenant's."""
    statement = select(PointEntry)
    if member_id is not None:
        statement = statement.where(PointEntry.member_id == member_id)
    return cursor_page(statement, PointEntry, cursor, limit)


def reverse(entry_id: uuid.UUID, reason: str, principal: Principal) -> PointEntry:
    """Cancel an entry with one of the opposite points, in the periods of the original."""
    original = db.session.scalar(select(PointEntry).where(PointEntry.id == entry_id))
    if original is None:
        raise NotFound("No such ledger entry.")
    if original.reverses_id is not None:
        raise Conflict("A reversal cannot be reversed; make an adjustment instead.")
    member = members.get(original.member_id)
    created = award(
        member,
        "reversal",
        -original.points,
        f"reversal:{original.id}",
        original.occurred_at,
        subject_id=original.subject_id,
        reason=reason,
        reverses_id=original.id,
        actor_member_id=principal.member_id,
    )
    if created is None:
        raise Conflict("This entry has been reversed already.")
    audit.record(
        "gamification.entry_reversed",
        "point_entry",
        original.id,
        before={"points": original.points},
        after={"reversal_id": str(created), "reason": reason},
        actor_member_id=principal.member_id,
    )
    return db.session.get(PointEntry, created)


def adjust(member_id: uuid.UUID, points: int, reason: str, principal: Principal) -> PointEntry:
    """A manual correction (positive or negative), written as its own entry now."""
    member = members.get(member_id)
    created = award(
        member,
        "adjustment",
        points,
        f"adjustment:{uuid.uuid4()}",
        clock.now(),
        reason=reason,
        actor_member_id=principal.member_id,
    )
    audit.record(
        "gamification.points_adjusted",
        "member",
        member.id,
        after={"points": points, "reason": reason, "entry_id": str(created)},
        actor_member_id=principal.member_id,
    )
    return db.session.get(PointEntry, created)
