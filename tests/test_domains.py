"""The wiring: every domain declares itself once, scopes are checked when the app is built, and
the schema is every domain's tables plus the shell's."""

from __future__ import annotations

import importlib

import pytest
from flask import Flask

from app import auth, domains
from app.domains import DOMAINS, SHELL_MODELS, Domain


def test_every_domain_declares_a_domain_named_after_its_package():
    declared = domains.domains()
    assert [d.name for d in declared] == list(DOMAINS)
    assert all(isinstance(d, Domain) and callable(d.register) and isinstance(d.models, tuple) for d in declared)
    assert all(d.models for d in declared if d.name != "reports")  # reports reads the others; no tables yet


def test_the_schema_holds_a_table_of_every_model_module():
    metadata = domains.metadata()
    owners = {table.name: None for table in metadata.sorted_tables}
    for module_name in (*SHELL_MODELS, *(m for d in domains.domains() for m in d.models)):
        module = importlib.import_module(module_name)
        tables = {
            value.__table__.name
            for value in vars(module).values()
            if isinstance(value, type)
            and getattr(value, "__module__", None) == module_name
            and hasattr(value, "__table__")
        }
        assert tables and tables <= set(owners), module_name


def test_each_scope_is_declared_by_exactly_one_domain_or_the_shell(app):
    seen: dict[str, str] = {scope: "app" for scope in ("self", "jobs:read")}
    for domain in domains.domains():
        for scope in domain.scopes:
            assert scope not in seen, f"{scope} declared by {seen[scope]} and {domain.name}"
            seen[scope] = domain.name
    assert set(seen) == set(auth.SCOPE_ROLES)


def test_a_view_needing_an_undeclared_scope_stops_the_app_from_being_built():
    probe = Flask("probe")

    @probe.get("/probe")
    @auth.require_scope("reports:rea")  # a typo: nobody could ever call it
    def view():
        return ""

    with pytest.raises(ValueError, match="undeclared scope 'reports:rea'"):
        auth.check_scopes(probe)


def test_scopes_cannot_be_redeclared_with_other_roles_or_unknown_roles(app):
    auth.declare_scopes({"tenant:read": auth.EVERY_ROLE})  # the same again: fine
    with pytest.raises(ValueError, match="declared twice"):
        auth.declare_scopes({"tenant:read": auth.OWNER_AND_ADMIN})
    with pytest.raises(ValueError, match="unknown roles"):
        auth.declare_scopes({"insights:read": frozenset({"auditor"})})
    assert "insights:read" not in auth.SCOPE_ROLES
