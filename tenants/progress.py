"""A member's progress along what a domain requires of them, for domains that may not import it.

Like :mod:`tenants.eligibility`, an extension point: the domain owning the figure provides it,
another reads it through here. Training provides :data:`REQUIRED_TRAINING`; gamification's
"required training passed" milestone reads it live (its target moves when a required module is
published, its count when a pass expires), without importing training.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

#: A member id -> (done, of how many).
Measure = Callable[[uuid.UUID], tuple[int, int]]


@dataclass(eq=False)
class Progress:
    """One figure, provided by one domain."""

    name: str
    measure: Measure | None = None

    def provided_by(self, fn: Measure) -> Measure:
        """Register the function that measures it (its domain does, once)."""
        self.measure = fn
        return fn

    def __call__(self, member_id: uuid.UUID) -> tuple[int, int]:
        if self.measure is None:
            raise LookupError(f"no domain provides the progress {self.name!r}")
        return self.measure(member_id)


#: Required, published modules the member has passed (and not let expire), of how many.
REQUIRED_TRAINING = Progress("required_training")
