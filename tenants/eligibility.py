"""Who may post: one check, extended by later domains without tenants importing them.

``tenants`` checks consent and status; training registers required modules and the
guideline acknowledgement through :func:`requirement`. The same check gates ``submit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenants.models import Member


@dataclass(frozen=True)
class Missing:
    """One thing still blocking a member from posting."""

    code: str
    message: str


Requirement = Callable[[Member], list[Missing]]
_requirements: list[Requirement] = []


def requirement(fn: Requirement) -> Requirement:
    """Register a requirement (a function returning what the member still lacks)."""
    if fn not in _requirements:
        _requirements.append(fn)
    return fn


@requirement
def _consent_and_status(member: Member) -> list[Missing]:
    missing = []
    if member.participation_consent_at is None:
        missing.append(Missing("consent", "Give your consent to take part in the program."))
    if member.status != "active":
        missing.append(Missing("active_status", f"Your membership is {member.status}, not active."))
    return missing


def check(member: Member) -> list[Missing]:
    found: list[Missing] = []
    for fn in _requirements:
        found.extend(fn(member))
    return found


def view(member: Member) -> dict:
    missing = check(member)
    return {
        "can_post": not missing,
        "missing": [m.code for m in missing],
        "details": [{"code": m.code, "message": m.message} for m in missing],
    }
