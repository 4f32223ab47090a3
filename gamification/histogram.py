"""The points histogram: how many listed members hold each point value, per board.

Every change of a member's points (:func:`gamification.ledger.add_to_totals`) or of what
lists them (:mod:`gamification.standings`) moves one member from one value to another, in the
same transaction. Only positive values of listed members are kept; a row whose count fell to
zero stays until the next rebuild. Rows are written in one sorted statement, so concurrent
writers lock them in the same order.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select

from app.db import db, upsert_insert
from gamification.models import PointsHistogram

_TABLE = PointsHistogram.__table__
WHOLE_BOARD = ""
#: A second, coarse level counts members per bucket of this many points (scope ``c|<scope>``),
#: so a rank sums the buckets above and the values above within the caller's bucket: a few
#: hundred rows at most, however spread the totals are.
BUCKET = 100
COARSE = "c|"


def coarse(scope: str) -> str:
    return COARSE + scope


def bucket(points: int) -> int:
    return points - points % BUCKET


#: (period, period_start, points before, points after) of one member's row.
Move = tuple[str, date, int, int]


def department_scope(department_key: str) -> str:
    return f"d:{department_key}"


def location_scope(location_key: str) -> str:
    return f"l:{location_key}"


def scopes(standing) -> list[str]:
    """The boards a member with this standing is counted on (none unless listed)."""
    if not standing.listed:
        return []
    found = [WHOLE_BOARD]
    if standing.department_key:
        found.append(department_scope(standing.department_key))
    if standing.location_key:
        found.append(location_scope(standing.location_key))
    return found


def scope_for(department_key: str | None, location_key: str | None) -> str | None:
    """The histogram of a board filtered this way (None: both filters, no histogram)."""
    if department_key is not None and location_key is not None:
        return None
    if department_key is not None:
        return department_scope(department_key)
    if location_key is not None:
        return location_scope(location_key)
    return WHOLE_BOARD


def move(
    moves: Iterable[Move], old_scopes: list[str], new_scopes: list[str], tenant_id: uuid.UUID | None = None
) -> None:
    """Take each member out of their old value on ``old_scopes``, into the new one on ``new_scopes``.

    The rows go to the current tenant; ``tenant_id`` names the member's tenant when a flush runs
    unscoped (platform work).
    """
    move_many(((one, old_scopes, new_scopes) for one in moves), tenant_id)


def move_many(moves: Iterable[tuple[Move, list[str], list[str]]], tenant_id: uuid.UUID | None = None) -> None:
    """:func:`move` for members on boards of their own (a batch of events): one statement for all."""
    deltas: dict[tuple[str, date, str, int], int] = defaultdict(int)
    for (period, start, before, after), old_scopes, new_scopes in moves:
        if before > 0:
            for scope in old_scopes:
                deltas[(period, start, scope, before)] -= 1
                deltas[(period, start, coarse(scope), bucket(before))] -= 1
        if after > 0:
            for scope in new_scopes:
                deltas[(period, start, scope, after)] += 1
                deltas[(period, start, coarse(scope), bucket(after))] += 1
    tenant = {} if tenant_id is None else {"tenant_id": tenant_id}
    rows = [
        {**tenant, "period": p, "period_start": s, "scope": scope, "points": points, "members": delta}
        for (p, s, scope, points), delta in sorted(deltas.items())
        if delta
    ]
    if not rows:
        return
    # One compiled statement for any number of rows (executemany in multi-row batches).
    statement = upsert_insert(_TABLE)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "period", "period_start", "scope", "points"],
            set_={"members": _TABLE.c.members + statement.excluded.members},
        ),
        rows,
    )


def above(period: str, start: date, scope: str, points: int) -> int:
    """Listed members of the board with more than ``points``: whole buckets above the caller's,
    plus the values above theirs inside it."""
    own_bucket = bucket(points)

    def members(*where):
        return (
            select(func.coalesce(func.sum(PointsHistogram.members), 0))
            .where(PointsHistogram.period == period, PointsHistogram.period_start == start, *where)
            .scalar_subquery()
        )

    total = db.session.scalar(
        select(
            members(PointsHistogram.scope == coarse(scope), PointsHistogram.points > own_bucket)
            + members(
                PointsHistogram.scope == scope,
                PointsHistogram.points > points,
                PointsHistogram.points < own_bucket + BUCKET,
            )
        )
    )
    return int(total or 0)
