"""Leaderboard periods in the tenant's time zone: ISO weeks (Monday), months, quarters, all time."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app import clock
from gamification.models import ALL_TIME_START, PERIODS
from tenants.services import setting


def tenant_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(setting("timezone"))


def start_of(period: str, day: date) -> date:
    """The first day of the ``period`` that contains ``day``."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    if period == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return ALL_TIME_START


def next_start(period: str, start: date) -> date | None:
    """The first day after the period that starts on ``start`` (None for all time)."""
    if period == "week":
        return start + timedelta(days=7)
    if period in ("month", "quarter"):
        months = start.month - 1 + (1 if period == "month" else 3)
        return date(start.year + months // 12, months % 12 + 1, 1)
    return None


def local_day(moment: datetime, zone: zoneinfo.ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def starts_for(moment: datetime, zone: zoneinfo.ZoneInfo) -> dict[str, date]:
    """The start of every period ``moment`` falls in, in ``zone``."""
    day = local_day(moment, zone)
    return {period: start_of(period, day) for period in PERIODS}


@dataclass(frozen=True)
class Window:
    period: str
    start: date
    end: date | None  # the first day of the next period (None: all time)


def window(period: str, day: date | None = None) -> Window:
    """The ``period`` containing ``day`` (default: today in the tenant's time zone)."""
    start = start_of(period, day or local_day(clock.now(), tenant_zone()))
    return Window(period, start, next_start(period, start))
