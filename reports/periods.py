"""The period a report covers: calendar days in the tenant's time zone, and the one before it.

A report takes either ``from`` and ``to`` (both days included) or ``period`` (``week``: ISO week
from Monday, ``month``, ``quarter``, ``year``) around ``date`` (default: today in the tenant's
zone); without either, the current month. The previous period has the same length and ends the
day before, so "this month against last month" compares like with like for whole calendar
units (a month is compared with the whole previous month, not with as many days).
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from app import clock
from app.errors import field_error
from tenants.services import setting

PERIODS = ("week", "month", "quarter", "year")
#: The longest range a report covers (ten years and leap days).
MAX_DAYS = 3660


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included; ``unit`` when it is a whole calendar unit."""

    start: date
    end: date
    unit: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same calendar unit (or the same number of days) just before."""
        if self.unit is not None:
            return calendar_unit(self.unit, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as instants: local midnight of ``start`` up to (excluding) midnight after ``end``."""
        zone = zoneinfo.ZoneInfo(setting("timezone"))
        return (
            datetime.combine(self.start, time.min, zone).astimezone(UTC),
            datetime.combine(self.end + timedelta(days=1), time.min, zone).astimezone(UTC),
        )

    def view(self) -> dict[str, date]:
        return {"from": self.start, "to": self.end}


def calendar_unit(unit: str, day: date) -> Period:
    """The week (ISO, from Monday), month, quarter or year that contains ``day``."""
    if unit == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6), unit)
    if unit == "month":
        start = day.replace(day=1)
    elif unit == "quarter":
        start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    elif unit == "year":
        start = date(day.year, 1, 1)
    else:
        raise ValueError(f"unknown period {unit!r}")
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    next_month = start.month - 1 + months
    following = date(start.year + next_month // 12, next_month % 12 + 1, 1)
    return Period(start, following - timedelta(days=1), unit)


def today() -> date:
    """Today in the current tenant's time zone."""
    return clock.now().astimezone(zoneinfo.ZoneInfo(setting("timezone"))).date()


def from_arguments(args: dict) -> Period:
    """The period named by a report's query arguments (``from``, ``to``, ``period``, ``date``).

    Raises ``ValidationFailed`` (422, naming the fields) for a range that mixes both forms,
    lacks an end, runs backwards or is longer than :data:`MAX_DAYS`.
    """
    start, end, unit, day = args.get("from"), args.get("to"), args.get("period"), args.get("date")
    if start is not None or end is not None:
        if unit is not None or day is not None:
            raise field_error("query", "period", "Give either from and to, or period and date.")
        if start is None or end is None:
            missing = "from" if start is None else "to"
            raise field_error("query", missing, "A range needs both from and to.")
        if end < start:
            raise field_error("query", "to", "The end of the range is before its start.")
        period = Period(start, end)
        if period.days > MAX_DAYS:
            raise field_error("query", "to", f"A report covers at most {MAX_DAYS} days.")
        return period
    return calendar_unit(unit or "month", day or today())
