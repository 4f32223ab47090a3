"""Gamification tests read week, month and quarter leaderboards of "now": every test runs on a
clock pinned to the middle of a week, a month and a quarter (tests.clock_support), so none
depends on the day CI runs; tests that need another moment freeze the clock themselves."""

from __future__ import annotations

import pytest

from tests.clock_support import pinned


@pytest.fixture(autouse=True)
def _pinned_clock():
    with pinned():
        yield
