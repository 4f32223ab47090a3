"""Compliance rules of the current tenant: CRUD, presets and :func:`check`.

:func:`check` is what the posts module calls. It compiles the tenant's enabled rules once
(``engine.compile_rules``) and keeps the compiled set per tenant, keyed by the tenant's
rule-set version: every change (create, update, delete, preset) bumps the version in the same
transaction, so each worker process recompiles exactly when the rules changed and a check
costs one small query plus the matching.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update

from app import clock, tenancy
from app.auth import Principal
from app.db import FILTERED_BY_HAND, db, upsert_insert
from app.errors import Conflict, NotFound, ValidationFailed
from engagement.compliance import engine, presets
from engagement.compliance.models import ComplianceRule, ComplianceRuleSet
from engagement.compliance.text import parse_term
from tenants import audit

#: Rules a tenant may have (each check runs all of them).
MAX_RULES = 2000
#: Fields that only some kinds take, and the kinds that need each.
KIND_FIELDS = {"terms": engine.TERM_KINDS, "pattern": ("regex",), "max_links": ("link_limit",)}
EDITABLE = ("kind", "severity", "message", "terms", "pattern", "max_links", "locales", "platforms", "enabled")

#: Compiled rule sets by tenant: (version, RuleSet), least recently used dropped first.
_CACHE_SIZE = 512
_cache: OrderedDict[uuid.UUID, tuple[int, engine.RuleSet]] = OrderedDict()
_cache_lock = threading.Lock()


# --- Validation ----------------------------------------------------------------------------


def kind_errors(data: dict[str, Any]) -> dict[str, list[str]]:
    """Field errors of a rule whose fields do not fit its kind (JSON Schema cannot say this)."""
    kind = data.get("kind")
    errors: dict[str, list[str]] = {}
    if kind not in engine.KINDS:
        return errors
    for name, kinds in KIND_FIELDS.items():
        present = data.get(name) not in (None, [])
        if kind in kinds and not present:
            errors[name] = [f"Required for kind {kind}."]
        elif kind not in kinds and present:
            errors[name] = [f"Only for kind {' or '.join(kinds)}, not {kind}."]
    return errors


def term_errors(terms: list[str]) -> list[str]:
    return [f"Term {i + 1} has no letter or digit to match on." for i, t in enumerate(terms) if parse_term(t) is None]


# --- Reading -------------------------------------------------------------------------------


def listing(kind: str | None = None, preset: str | None = None) -> Select:
    statement = select(ComplianceRule).order_by(ComplianceRule.created_at, ComplianceRule.id)
    if kind:
        statement = statement.where(ComplianceRule.kind == kind)
    if preset:
        statement = statement.where(ComplianceRule.preset == preset)
    return statement


def get(rule_id: uuid.UUID) -> ComplianceRule:
    rule = db.session.get(ComplianceRule, rule_id)
    if rule is None:
        raise NotFound("No such compliance rule.")
    return rule


def view(rule: ComplianceRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "kind": rule.kind,
        "severity": rule.severity,
        "message": rule.message or engine.DEFAULT_MESSAGES[rule.kind],
        "terms": rule.terms,
        "pattern": rule.pattern,
        "max_links": rule.max_links,
        "locales": rule.locales or [],
        "platforms": rule.platforms or [],
        "enabled": rule.enabled,
        "preset": rule.preset,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def _audit_view(rule: ComplianceRule) -> dict[str, Any]:
    data = view(rule)
    data.pop("created_at")
    data.pop("updated_at")
    return data


# --- Changing ------------------------------------------------------------------------------


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ComplianceRule)) or 0


def _unique(values: list[str] | None) -> list[str]:
    return list(dict.fromkeys(values or []))


def _bump_version() -> None:
    """Next rule-set version of the current tenant (compiled sets of older versions are stale)."""
    tenant_id = tenancy.require()

    def bump() -> int:
        result = db.session.execute(
            update(ComplianceRuleSet)
            .where(ComplianceRuleSet.tenant_id == tenant_id)
            .values(version=ComplianceRuleSet.version + 1, updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount

    if bump():
        return
    db.session.execute(
        upsert_insert(ComplianceRuleSet)
        .values(id=uuid.uuid4(), version=1, updated_at=clock.now())
        .on_conflict_do_nothing(index_elements=["tenant_id"])
    )
    bump()  # a concurrent first change inserted the row: count this one on top


def create(
    data: dict[str, Any], actor: Principal | None, preset: str | None = None, preset_key: str | None = None
) -> ComplianceRule:
    if _count() >= MAX_RULES:
        raise Conflict(f"A tenant can have at most {MAX_RULES} compliance rules.")
    rule = _new_rule(data, actor, preset, preset_key)
    db.session.add(rule)
    db.session.flush()
    audit.record("compliance_rule.created", "compliance_rule", rule.id, after=_audit_view(rule))
    _bump_version()
    return rule


def _new_rule(
    data: dict[str, Any], actor: Principal | None, preset: str | None, preset_key: str | None
) -> ComplianceRule:
    kind = data["kind"]
    return ComplianceRule(
        kind=kind,
        severity=data["severity"],
        message=data.get("message"),
        terms=_unique(data.get("terms")) if kind in engine.TERM_KINDS else None,
        pattern=data.get("pattern") if kind == "regex" else None,
        max_links=data.get("max_links") if kind == "link_limit" else None,
        locales=_unique(data.get("locales")),
        platforms=_unique(data.get("platforms")),
        enabled=data.get("enabled", True),
        preset=preset,
        preset_key=preset_key,
        created_by=actor.member_id if actor else None,
    )


def update_rule(rule: ComplianceRule, data: dict[str, Any]) -> ComplianceRule:
    """Apply a partial change; the resulting rule must fit its kind (422 otherwise)."""
    merged = {name: getattr(rule, name) for name in EDITABLE}
    if "kind" in data and data["kind"] != rule.kind:
        # Fields of the old kind go, unless the change itself sets them (then they are checked).
        for name, kinds in KIND_FIELDS.items():
            if data["kind"] not in kinds:
                merged[name] = None
    merged.update(data)
    errors = kind_errors(merged)
    if errors:
        raise ValidationFailed({"json": errors}, message="The rule's fields do not fit its kind.")
    before = _audit_view(rule)
    for name in EDITABLE:
        value = merged[name]
        if name in ("terms", "locales", "platforms") and value is not None:
            value = _unique(value)
        setattr(rule, name, value)
    db.session.flush()
    old, new = audit.changes(before, _audit_view(rule))
    if new:
        audit.record("compliance_rule.updated", "compliance_rule", rule.id, before=old, after=new)
        _bump_version()
    return rule


def delete(rule: ComplianceRule) -> None:
    audit.record("compliance_rule.deleted", "compliance_rule", rule.id, before=_audit_view(rule))
    db.session.delete(rule)
    db.session.flush()
    _bump_version()


def preset_summaries() -> list[dict[str, Any]]:
    return [
        {"name": name, "description": preset["description"], "rules": len(preset["rules"])}
        for name, preset in presets.PRESETS.items()
    ]


def apply_preset(name: str, actor: Principal | None) -> dict[str, Any]:
    """Add the preset's rules the tenant does not have yet; a second application adds nothing."""
    preset = presets.get(name)
    if preset is None:
        raise NotFound("No such compliance preset.")
    have = set(db.session.scalars(select(ComplianceRule.preset_key).where(ComplianceRule.preset == name)))
    missing = [spec for spec in preset["rules"] if spec["key"] not in have]
    if missing and _count() + len(missing) > MAX_RULES:
        raise Conflict(f"A tenant can have at most {MAX_RULES} compliance rules.")
    added = []
    for spec in missing:
        data = {k: v for k, v in spec.items() if k != "key"}
        rule = _new_rule(data, actor, name, spec["key"])
        db.session.add(rule)
        added.append(rule)
    db.session.flush()
    if added:
        audit.record(
            "compliance_preset.applied",
            "compliance_preset",
            name,
            after={"added": len(added), "rule_ids": [rule.id for rule in added]},
        )
        _bump_version()
    rules = list(db.session.scalars(listing(preset=name)))
    return {
        "preset": name,
        "added": len(added),
        "skipped": len(preset["rules"]) - len(added),
        "rules": [view(r) for r in rules],
    }


# --- Checking ------------------------------------------------------------------------------


def _spec(rule: ComplianceRule) -> engine.RuleSpec:
    return engine.RuleSpec(
        id=str(rule.id),
        kind=rule.kind,
        severity=rule.severity,
        message=rule.message,
        terms=tuple(rule.terms or ()),
        pattern=rule.pattern,
        max_links=rule.max_links,
        locales=tuple(rule.locales or ()),
        platforms=tuple(rule.platforms or ()),
    )


#: The tenant's rule-set version, on every check: a Core statement built once, filtered by
#: hand and run on the session's connection (the ORM's execution and tenant criteria cost
#: more than the query itself).
_VERSION = (
    select(ComplianceRuleSet.__table__.c.version)
    .where(ComplianceRuleSet.__table__.c.tenant_id == bindparam("tenant_id"))
    .execution_options(**{FILTERED_BY_HAND: True})
)


def rule_set() -> engine.RuleSet:
    """The current tenant's enabled rules, compiled (cached until the rule-set version changes)."""
    tenant_id = tenancy.require()
    # The version is read before the rules: a change committed in between makes the cached set
    # newer than its key (recompiled once more next time), never older.
    version = db.session.connection().scalar(_VERSION, {"tenant_id": tenant_id}) or 0
    with _cache_lock:
        cached = _cache.get(tenant_id)
        if cached is not None and cached[0] == version:
            _cache.move_to_end(tenant_id)
            return cached[1]
    rules = db.session.scalars(listing().where(ComplianceRule.enabled.is_(True)))
    compiled = engine.compile_rules(_spec(rule) for rule in rules)
    with _cache_lock:
        _cache[tenant_id] = (version, compiled)
        _cache.move_to_end(tenant_id)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def check(text: str, platform: str | None = None, locale: str | None = None) -> list[dict[str, Any]]:
    """Findings of the current tenant's rules for ``text``, sorted by start.

    Each finding: ``rule_id`` (str), ``kind``, ``severity`` (block|warn), ``message``, ``start``,
    ``end`` (character offsets into ``text``, end exclusive), ``excerpt`` and ``detail``.
    """
    return rule_set().check(text, platform, locale)


def blocks(findings: list[dict[str, Any]]) -> bool:
    return any(finding["severity"] == "block" for finding in findings)
