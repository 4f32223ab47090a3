"""The rules under the reports, tested directly: periods, suppression (with the derivation
attack a works council asks about), and the CSV dialects."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date

import pytest

from reports import csv_output
from reports.periods import Period, calendar_unit
from reports.suppression import suppress


@pytest.mark.parametrize(
    ("unit", "day", "start", "end"),
    [
        ("week", date(2026, 12, 2), date(2026, 11, 30), date(2026, 12, 6)),
        ("week", date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 3)),  # an ISO week across the year
        ("month", date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29)),
        ("quarter", date(2026, 11, 18), date(2026, 10, 1), date(2026, 12, 31)),
        ("year", date(2026, 6, 1), date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_calendar_units(unit, day, start, end):
    period = calendar_unit(unit, day)
    assert (period.start, period.end) == (start, end)


def test_the_previous_period_is_the_whole_unit_before_or_as_many_days():
    march = calendar_unit("month", date(2026, 3, 15))
    assert (march.previous().start, march.previous().end) == (date(2026, 2, 1), date(2026, 2, 28))
    q1 = calendar_unit("quarter", date(2026, 2, 1))
    assert (q1.previous().start, q1.previous().end) == (date(2025, 10, 1), date(2025, 12, 31))
    ten_days = Period(date(2026, 11, 11), date(2026, 11, 20))
    assert (ten_days.previous().start, ten_days.previous().end) == (date(2026, 11, 1), date(2026, 11, 10))


def _size(group):
    return group["members"]


def test_a_small_group_is_hidden_and_one_more_with_it():
    groups = [{"key": "Pflege", "members": 40}, {"key": "IT", "members": 6}, {"key": "Labor", "members": 3}]
    kept = suppress(groups, _size, 5)
    assert [g["key"] for g in kept.shown] == ["Pflege"]
    assert kept.view() == {"groups": 2, "min_group_size": 5}


def test_nothing_is_hidden_when_every_group_is_large_enough():
    groups = [{"key": "A", "members": 5}, {"key": "B", "members": 9}]
    assert suppress(groups, _size, 5).hidden == 0


def test_two_small_groups_need_no_third():
    groups = [{"key": "A", "members": 20}, {"key": "B", "members": 2}, {"key": "C", "members": 4}]
    kept = suppress(groups, _size, 5)
    assert [g["key"] for g in kept.shown] == ["A"] and kept.hidden == 2


def test_the_derivation_attack_total_minus_shown_groups_never_yields_one_small_group():
    """An attacker knows the total and every group shown; for any mix of sizes the difference is
    never the figure of exactly one group, and no group under the minimum is ever shown."""
    for sizes in itertools.product([1, 2, 4, 5, 7, 30], repeat=4):
        groups = [{"key": str(i), "members": size} for i, size in enumerate(sizes)]
        kept = suppress(groups, _size, 5)
        shown = {g["key"] for g in kept.shown}
        hidden = [g for g in groups if g["key"] not in shown]
        assert all(g["members"] >= 5 for g in kept.shown)
        assert len(hidden) != 1, sizes  # one hidden group would equal total - shown
        assert kept.hidden == len(hidden)


def _parse(body: bytes, dialect: str):
    text = body.decode("utf-8")
    if dialect == "excel-de":
        assert text.startswith("\ufeff")
        text = text[1:]
    return list(csv.reader(io.StringIO(text), delimiter=";" if dialect == "excel-de" else ","))


def test_csv_for_german_excel_and_rfc4180():
    columns = [csv_output.Column("name", "Name", "Name"), csv_output.Column("rate", "Quote", "Rate")]
    rows = [{"name": "Pflege; Station 3", "rate": 0.25}, {"name": "IT", "rate": None}]
    german = _parse(csv_output.render(rows, columns, dialect="excel-de", language="de"), "excel-de")
    assert german == [["Name", "Quote"], ["Pflege; Station 3", "0,25"], ["IT", ""]]
    plain = _parse(csv_output.render(rows, columns, dialect="rfc4180", language="en"), "rfc4180")
    assert plain == [["Name", "Rate"], ["Pflege; Station 3", "0.25"], ["IT", ""]]


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd"])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(dangerous):
    assert csv_output.cell(dangerous, "excel-de") == "'" + dangerous
    assert csv_output.cell(-3, "excel-de") == "-3"  # numbers stay numbers
