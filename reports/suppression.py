"""Small groups never show: the rule a works council signs before reports go live.

A group (a department, a location) with fewer people than the tenant's ``min_group_size``
(default 5) is left out of a report. Leaving it out is not enough when the report also gives
the total: the total minus the groups shown would be the hidden group. So when exactly one
group is hidden, the smallest group still shown is hidden with it (complementary suppression),
and the difference is then the sum of two groups, which tells nothing about either. The
response says how many groups were hidden; it never says which.

Only the size of the population decides (the people a group stands for), not each figure:
"2 of the 40 people in Sales posted" is a figure about a group, not about a person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

Group = TypeVar("Group")


@dataclass(frozen=True)
class Suppressed:
    """The groups a report may show, and how many it had to hide."""

    shown: list[Any]
    hidden: int
    min_group_size: int

    def view(self) -> dict[str, int]:
        return {"groups": self.hidden, "min_group_size": self.min_group_size}


def suppress(groups: Sequence[Group], size: Callable[[Group], int], min_group_size: int) -> Suppressed:
    """Keep the groups of at least ``min_group_size`` people, and hide one more when only one is hidden.

    ``size`` gives a group's population. The order of ``groups`` is kept for those shown.
    """
    hidden = {index for index, group in enumerate(groups) if size(group) < min_group_size}
    if len(hidden) == 1:
        shown = [index for index in range(len(groups)) if index not in hidden]
        if shown:  # the smallest shown group goes with it, so the total cannot single it out
            hidden.add(min(shown, key=lambda index: (size(groups[index]), index)))
    return Suppressed(
        shown=[group for index, group in enumerate(groups) if index not in hidden],
        hidden=len(hidden),
        min_group_size=min_group_size,
    )
