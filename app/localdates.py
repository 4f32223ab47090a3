"""Dates and times as people read them in emails: the tenant's time zone, the reader's language.

Every email template formats its times here, so no email shows UTC ISO strings with
microseconds. German: ``7. Dezember 2026, 14:30``; English: ``7 December 2026, 2:30 pm``.
Locales without their own format (and unknown time zones) fall back to English and UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = {
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def _zone(timezone: str | None):
    try:
        return ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def local(value: datetime, timezone: str | None) -> datetime:
    """``value`` (aware, or naive UTC as stored) in ``timezone``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_zone(timezone))


def format_date(value: date | datetime, locale: str | None, timezone: str | None = None) -> str:
    """``7. Dezember 2026`` / ``7 December 2026`` (a datetime is first moved into ``timezone``)."""
    if isinstance(value, datetime):
        value = local(value, timezone).date()
    if locale == "de":
        return f"{value.day}. {MONTHS['de'][value.month - 1]} {value.year}"
    return f"{value.day} {MONTHS['en'][value.month - 1]} {value.year}"


def format_datetime(value: datetime, locale: str | None, timezone: str | None) -> str:
    """``7. Dezember 2026, 14:30`` / ``7 December 2026, 2:30 pm``, in ``timezone``, to the minute."""
    moment = local(value, timezone)
    day = format_date(moment.date(), locale)
    if locale == "de":
        return f"{day}, {moment:%H:%M}"
    hour = moment.hour % 12 or 12
    return f"{day}, {hour}:{moment:%M} {'am' if moment.hour < 12 else 'pm'}"
