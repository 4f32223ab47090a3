"""A pinned clock that still ticks, for tests whose assertions depend on the date.

``clock.frozen`` stops time: right for "what happens at 09:00 on a Monday", but every write in
the block shares one timestamp, so newest-first orders fall back to random ids. :func:`pinned`
starts the clock at a fixed instant and lets it run at real speed, so a test reading the week's
leaderboard or today's clicks never straddles midnight, a week, a month or a quarter, whatever
day CI runs on; ``clock.frozen`` inside it still wins.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from app import clock

#: Wednesday 18 November 2026, 12:00 UTC (13:00 in Berlin): the middle of an ISO week, of a
#: month and of a quarter in every time zone, and before the fixed dates tests freeze to.
PINNED_AT = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@contextmanager
def pinned(start: datetime = PINNED_AT) -> Iterator[None]:
    """Run with :func:`app.clock.now` starting at ``start`` and ticking in real time."""
    origin = time.perf_counter()

    class _PinnedDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            current = start.astimezone(UTC) + timedelta(seconds=time.perf_counter() - origin)
            return current.astimezone(tz) if tz is not None else current.replace(tzinfo=None)

    # app.clock reads the real time only through its module-level `datetime.now(UTC)`.
    original = clock.datetime
    clock.datetime = _PinnedDatetime
    try:
        yield
    finally:
        clock.datetime = original


@pytest.fixture
def pinned_clock() -> Iterator[datetime]:
    """The test runs on a clock started at :data:`PINNED_AT` (see :func:`pinned`)."""
    with pinned(PINNED_AT):
        yield PINNED_AT
