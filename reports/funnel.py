"""The participation funnel: invited -> accepted -> trained -> acknowledged -> eligible -> first
post -> posted in the period, as of the period's end, for the tenant and per group.

Each step counts the members who have reached it (not only those who passed every step before:
someone who posted before a new guideline came out still counts as having posted); ``rate`` is
the step's share of the invited. ``median_days`` is the median time from the step before (the
latest earlier step with a date) to this one, over the members with both dates.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from reports import people, suppression
from reports.periods import Period
from tenants.services import setting

DAY_SECONDS = 86400


def report(period: Period, group_by: str | None) -> dict[str, Any]:
    since, until = period.bounds()
    standings = people.standings(since, until)
    result: dict[str, Any] = {"period": period.view(), "group_by": group_by, "steps": steps(standings)}
    if group_by is None:
        result.update(groups=[], suppressed={"groups": 0, "min_group_size": setting("min_group_size")})
        return result
    members_by_group: dict[str | None, list[people.Standing]] = defaultdict(list)
    for standing in standings:
        members_by_group[getattr(standing, group_by)].append(standing)
    groups = [
        {"key": key, "members": len(members), "steps": steps(members)}
        for key, members in sorted(members_by_group.items(), key=lambda item: (item[0] is None, item[0] or ""))
    ]
    kept = suppression.suppress(groups, lambda group: group["members"], setting("min_group_size"))
    result.update(groups=kept.shown, suppressed=kept.view())
    return result


def steps(standings: Sequence[people.Standing]) -> list[dict[str, Any]]:
    invited = len(standings)
    out = []
    for index, step in enumerate(people.STEPS):
        reached = [s for s in standings if s.reached[step]]
        out.append(
            {
                "key": step,
                "count": len(reached),
                "rate": round(len(reached) / invited, 4) if invited else None,
                "median_days": _median_days(reached, index),
            }
        )
    return out


def _median_days(reached: Sequence[people.Standing], index: int) -> float | None:
    step = people.STEPS[index]
    waits = []
    for standing in reached:
        at = standing.at[step]
        earlier = [standing.at[s] for s in people.STEPS[:index] if standing.at[s] is not None]
        if at is None or not earlier:
            continue
        waits.append(max(0.0, (at - max(earlier)).total_seconds() / DAY_SECONDS))
    return round(statistics.median(waits), 1) if waits else None


def csv_rows(result: dict[str, Any], total_label: str) -> list[dict[str, Any]]:
    """One row for the whole tenant (``total_label``) and one per group shown: a column per step."""

    def row(key, step_list):
        return {"group": key, **{step["key"]: step["count"] for step in step_list}}

    return [row(total_label, result["steps"]), *(row(group["key"], group["steps"]) for group in result["groups"])]
