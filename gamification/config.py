"""The tenant's point rules and level thresholds, with defaults that work out of the box.

Rules are versioned: every change is a new version and applies from then on. Ledger entries
keep the points and the version they were written with, so a change never rescores the past.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app import clock
from app.auth import Principal
from app.db import db, transaction_cache
from gamification.models import GamificationSettings
from tenants import audit

#: rule -> (default points, what earns them). Own posts earn more than library shares: a
#: personal text is more work and more authentic; both are worth more than a click.
POINT_RULES: dict[str, tuple[int, str]] = {
    "module_passed": (20, "A training module passed (each version once)."),
    "perfect_score": (10, "Bonus for passing a module with 100%."),
    "guideline_acknowledged": (10, "The current social media guideline acknowledged."),
    "own_post_published": (15, "An own post published."),
    "library_share_published": (10, "A content-library item shared and published."),
    "first_post": (25, "Bonus for the first published post."),
    "click": (1, "A unique visitor clicked the tracking link of a post (capped per post and day)."),
    "profile_completed": (15, "Profile completed: headline, bio, photo and a social account."),
    "challenge_completed": (50, "A challenge completed (the challenge's bonus; this is the default)."),
}
#: Limits that are not points.
LIMIT_RULES: dict[str, tuple[int, str]] = {
    "click_daily_cap_per_post": (20, "Most click points one post earns per day."),
}
DEFAULT_RULES: dict[str, int] = {key: value for key, (value, _) in (POINT_RULES | LIMIT_RULES).items()}
MAX_RULE_VALUE = 1000

#: Levels by all-time points; tenants set their own names and thresholds.
DEFAULT_LEVELS: list[dict[str, Any]] = [
    {"name": "Starter", "min_points": 0},
    {"name": "Advocate", "min_points": 100},
    {"name": "Ambassador", "min_points": 500},
    {"name": "Thought Leader", "min_points": 1500},
]


def _row(lock: bool = False) -> GamificationSettings | None:
    statement = select(GamificationSettings)
    return db.session.scalar(statement.with_for_update() if lock else statement)


_RULES_KEY = "gamification.rules"


def current_rules() -> tuple[dict[str, int], int]:
    """The rules in force (defaults for keys the tenant never set) and their version.

    Read once per transaction: an event handler pays several rules.
    """
    cache = transaction_cache()
    if _RULES_KEY not in cache:
        row = _row()
        cache[_RULES_KEY] = (
            (dict(DEFAULT_RULES), 1) if row is None else ({**DEFAULT_RULES, **row.rules}, row.rules_version)
        )
    rules, version = cache[_RULES_KEY]
    return dict(rules), version


def levels() -> list[dict[str, Any]]:
    row = _row()
    return list(row.levels) if row is not None and row.levels else list(DEFAULT_LEVELS)


def rules_view() -> dict[str, Any]:
    rules, version = current_rules()
    row = _row()
    return {"rules": rules, "version": version, "updated_at": row.rules_updated_at if row else None}


def _settings_row(principal: Principal) -> GamificationSettings:
    row = _row(lock=True)
    if row is None:
        row = GamificationSettings(rules={}, rules_version=1, levels=[], updated_by=principal.member_id)
        db.session.add(row)
    return row


def update_rules(changes: dict[str, int], principal: Principal) -> dict[str, Any]:
    """Set some rules; the rest keep their value. A real change starts a new version."""
    row = _settings_row(principal)
    transaction_cache().pop(_RULES_KEY, None)
    before = {**DEFAULT_RULES, **row.rules}
    after = {**before, **changes}
    if after != before:
        row.rules = {key: after[key] for key in DEFAULT_RULES}
        row.rules_version = (row.rules_version or 1) + 1
        row.rules_updated_at = row.updated_at = clock.now()
        row.updated_by = principal.member_id
        db.session.flush()
        audit.record(
            "gamification.rules_changed",
            "gamification_settings",
            row.id,
            before={k: before[k] for k in changes},
            after=changes,
            actor_member_id=principal.member_id,
        )
    return rules_view()


def replace_levels(new_levels: list[dict[str, Any]], principal: Principal) -> list[dict[str, Any]]:
    row = _settings_row(principal)
    before = levels()
    row.levels = [{"name": level["name"], "min_points": level["min_points"]} for level in new_levels]
    row.updated_at, row.updated_by = clock.now(), principal.member_id
    db.session.flush()
    audit.record(
        "gamification.levels_changed",
        "gamification_settings",
        row.id,
        before={"levels": before},
        after={"levels": row.levels},
        actor_member_id=principal.member_id,
    )
    return levels()


def level_for(points: int, tenant_levels: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The level reached with ``points`` and how far the next one is."""
    ordered = sorted(tenant_levels or levels(), key=lambda level: level["min_points"])
    reached = ordered[0]
    upcoming = None
    for level in ordered:
        if points >= level["min_points"]:
            reached = level
        else:
            upcoming = level
            break
    return {
        "name": reached["name"],
        "min_points": reached["min_points"],
        "next": None if upcoming is None else {**upcoming, "points_to_go": upcoming["min_points"] - points},
    }
