"""Governance modes and the effective policy each one implies.

The single place that maps a mode to what the product allows. Tenants may tighten a mode
(``policy_overrides``) but never loosen a Containment guarantee; the governance issue
enforces the policy on posts, this module states it.
"""

from __future__ import annotations

from typing import Any

from tenants.models import GOVERNANCE_MODES

PLATFORMS = ("linkedin", "x", "facebook", "instagram", "tiktok", "youtube", "xing", "pinterest")

#: Industries whose advertising and data-protection rules call for central control.
REGULATED_INDUSTRIES = frozenset({"healthcare", "medtech", "pharma", "finance"})

MODE_POLICIES: dict[str, dict[str, Any]] = {
    "empowerment": {
        "own_posts_allowed": True,
        "approval_required": False,
        "approval_on_blocking_findings": True,
        "training_required_before_posting": False,
        "guideline_acknowledgement_required": True,
        "archive_enabled": False,
        "sso_required": False,
        "allowed_platforms": list(PLATFORMS),
    },
    # Own posts stay allowed in Containment: every one of them passes the approval chain, which
    # is the central control. A tenant may forbid them (library shares only) by override.
    "containment": {
        "own_posts_allowed": True,
        "approval_required": True,
        "approval_on_blocking_findings": True,
        "training_required_before_posting": True,
        "guideline_acknowledgement_required": True,
        "archive_enabled": True,
        "sso_required": True,
        "allowed_platforms": ["linkedin", "xing", "x"],
    },
}

#: Boolean keys whose "safe" value is True: an override may switch them on, never off.
_TIGHTEN_ONLY_TRUE = (
    "approval_required",
    "approval_on_blocking_findings",
    "training_required_before_posting",
    "guideline_acknowledgement_required",
    "archive_enabled",
    "sso_required",
)


def loosening(mode: str, overrides: dict[str, Any]) -> dict[str, str]:
    """Overrides that would loosen the mode's policy, with the reason each is refused."""
    base = MODE_POLICIES[mode]
    refused = {}
    for key, value in overrides.items():
        if key in _TIGHTEN_ONLY_TRUE and value is False and base[key]:
            refused[key] = f"The {mode} mode requires {key}; an override can only tighten the policy."
        elif key == "own_posts_allowed" and value is True and not base[key]:
            refused[key] = f"The {mode} mode forbids own posts; an override can only tighten the policy."
        elif key == "allowed_platforms":
            extra = sorted(set(value) - set(base[key]))
            if extra:
                refused[key] = (
                    f"The {mode} mode does not allow {', '.join(extra)}; an override can only narrow the list."
                )
    return refused


def default_mode(industry: str) -> str:
    return "containment" if industry in REGULATED_INDUSTRIES else "empowerment"


def effective_policy(mode: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The mode's policy with the tenant's overrides applied in the safe direction only."""
    if mode not in GOVERNANCE_MODES:
        raise ValueError(f"unknown governance mode {mode!r}")
    policy = {k: (list(v) if isinstance(v, list) else v) for k, v in MODE_POLICIES[mode].items()}
    for key, value in (overrides or {}).items():
        if key in _TIGHTEN_ONLY_TRUE and value is True:
            policy[key] = True
        elif key == "own_posts_allowed" and value is False:
            policy[key] = False
        elif key == "allowed_platforms" and isinstance(value, list):
            policy[key] = [p for p in policy[key] if p in value]
    policy["mode"] = mode
    return policy
