"""Tenant isolation over every route in the URL map, with a second tenant's ids.

The walk is generic: a route added later is covered without editing this file. Every route
whose path takes an id is called as tenant A's owner with each id tenant B owns; every list
route is read by tenant A. Nothing of tenant B may be returned or changed.
"""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select, text

from app import domains, jobs, tenancy, transactions
from app.db import db
from tests.factories import add_member

metadata = domains.metadata()  # every table of the shell and the domains

#: Path parameters that are not tenant-owned ids, with why.
NON_ID_PARAMETERS = {
    "filename": "Swagger UI asset file name (public, static)",
    "code": "tracking-link short code (public redirect)",
    "key": "training template key (a platform-wide catalogue, not tenant data)",
    "name": "compliance preset name (a platform-wide catalogue, not tenant data)",
    "period": "leaderboard period name (week, month, quarter, all)",
}
SKIPPED_BLUEPRINTS = {"api-docs", "swagger_assets", "health"}


def _tenant_owned_tables():
    return [t for t in metadata.sorted_tables if "tenant_id" in t.c]


def _snapshot(owner_engine, tenant_id: uuid.UUID) -> dict:
    rows = {}
    with owner_engine.connect() as connection:
        for table in _tenant_owned_tables():
            result = connection.execute(
                select(table).where(table.c.tenant_id == tenant_id).order_by(*table.primary_key.columns)
            )
            rows[table.name] = [tuple(map(str, row)) for row in result]
        rows["tenants"] = [
            tuple(map(str, row))
            for row in connection.execute(
                text("SELECT * FROM tenants WHERE id = :id"),
                {"id": str(tenant_id) if owner_engine.dialect.name == "postgresql" else tenant_id.hex},
            )
        ]
    return rows


def _ids_of(owner_engine, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    ids = {tenant_id}
    with owner_engine.connect() as connection:
        for table in _tenant_owned_tables():
            if "id" in table.c:
                ids.update(connection.scalars(select(table.c.id).where(table.c.tenant_id == tenant_id)))
    return sorted(ids, key=str)


def _populate(app, tenant_id: uuid.UUID) -> None:
    """Give a tenant at least one row of each kind the API exposes."""
    from app.auth import Principal, scopes_for
    from engagement.compliance import services as compliance
    from engagement.content import services as content
    from engagement.posts import chain
    from engagement.posts import services as posts
    from engagement.tracking import services as tracking
    from tenants import profiles
    from tenants.models import Member
    from training import assignments, attempts, guidelines, modules, templates

    influencer_id, _ = add_member(app, tenant_id, "influencer")
    approver_id, _ = add_member(app, tenant_id, "hr", "approver")
    author = Principal(tenant_id, influencer_id, ("influencer",), scopes=scopes_for(["influencer"]))
    approver = Principal(tenant_id, approver_id, ("hr", "approver"), scopes=scopes_for(["hr", "approver"]))
    with app.app_context(), tenancy.scope(tenant_id):
        db.session.add(jobs.Job(kind="isolation.fixture", status="finished", progress=100, result={"ok": True}))
        member = db.session.get(Member, influencer_id)
        profiles.add_account(member, {"platform": "linkedin", "handle": "walker", "followers": 10})
        module = modules.publish(modules.create(templates.get_template("data_protection_basics_de")["module"], None))
        modules.create(templates.get_template("brand_values_workshop_de")["module"], None)  # a draft
        assignments.assign({"module_id": module.id, "all_members": True}, None)
        attempts.submit(module.id, _answers(module.id, correct=False), member)  # a failed attempt
        attempts.submit(module.id, _answers(module.id, correct=True), member)  # passed: the member may post
        guideline = guidelines.publish({"title": "Leitlinie", "body": "Sei respektvoll.", "locale": "de"}, None)
        guidelines.acknowledge(guideline, member)
        compliance.create({"kind": "terms", "severity": "warn", "terms": ["Projekt Nordstern"]}, None)
        compliance.apply_preset("generic", None)
        chain.replace([{"name": "Freigabe", "role": "approver"}], approver)
        item = content.create(
            {
                "title": "Isolation",
                "kind": "statement",
                "pinned": True,
                "url": "https://example.com/statement",
                "captions": [{"locale": "de", "text": "Isolation walk #Mitarbeiter"}],
            },
            approver,
        )
        content.share(item.id, {"platform": "linkedin"}, author)
        post = posts.create(
            {"platform": "linkedin", "text": "Isolation walk https://example.com/walk #Mitarbeiter"}, author
        )
        posts.submit(post, author)
        if post.status == "pending_approval":
            posts.decide(post, "approve", "ok", approver)
        tracking.record_click(tracking.link_for_post(post.id), "192.0.2.1", "Mozilla/5.0 Firefox/120.0")
        posts.create({"platform": "linkedin", "text": "A draft"}, author)
        _populate_gamification(influencer_id, approver)
        transactions.commit()


def _populate_gamification(member_id: uuid.UUID, staff) -> None:
    from datetime import timedelta

    from app import clock
    from gamification import badges, challenges, config, ledger

    config.update_rules({"click": 2}, staff)
    config.replace_levels([{"name": "Starter", "min_points": 0}, {"name": "Profi", "min_points": 50}], staff)
    badges.create({"name": "Isolation", "criteria": {"metric": "posts_published", "threshold": 1}}, staff)
    challenges.create(
        {"title": "Isolation", "metric": "posts_published", "target": 1, "ends_at": clock.now() + timedelta(days=7)},
        staff,
    )
    ledger.adjust(member_id, 5, "Isolation walk", staff)


def _answers(module_id: uuid.UUID, correct: bool) -> list[dict]:
    """Every question answered: with its correct options, or with one wrong option each."""
    from training.models import Option, Question

    questions = db.session.scalars(select(Question).where(Question.module_id == module_id))
    answers = []
    for q in questions:
        chosen = list(
            db.session.scalars(select(Option.id).where(Option.question_id == q.id, Option.correct == correct))
        )
        answers.append({"question_id": q.id, "option_ids": chosen if correct else chosen[:1]})
    return answers


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.split(".")[0] in SKIPPED_BLUEPRINTS:
            continue
        yield rule


def _fill(rule, value: uuid.UUID) -> str:
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<uuid:{argument}>", str(value))
    return path


@pytest.fixture
def populated(app, world, owner_engine):
    _populate(app, world.a.tenant_id)
    _populate(app, world.b.tenant_id)
    return world


def test_every_path_parameter_is_a_typed_id_or_known(app):
    for rule in _api_rules(app):
        for argument, converter in rule._converters.items():
            if argument in NON_ID_PARAMETERS:
                continue
            assert type(converter).__name__ == "UUIDConverter", (
                f"{rule.rule}: parameter '{argument}' is not a <uuid:...> id; declare it in NON_ID_PARAMETERS "
                "with a reason or make it a UUID so the isolation walk covers it"
            )


def test_other_tenants_ids_answer_404_on_every_route(app, populated, owner_engine):
    world = populated
    b_ids = _ids_of(owner_engine, world.b.tenant_id)
    before = _snapshot(owner_engine, world.b.tenant_id)
    checked = 0
    for rule in _api_rules(app):
        if not any(a not in NON_ID_PARAMETERS for a in rule.arguments):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for b_id in b_ids:
                kwargs = {"json": {}} if method in {"POST", "PUT", "PATCH"} else {}
                response = world.a.api.request(method, _fill(rule, b_id), **kwargs)
                allowed = {404} if not kwargs else {404, 422}
                assert response.status_code in allowed, (method, rule.rule, response.status_code, response.get_json())
                assert str(b_id) not in response.get_data(as_text=True) or response.status_code != 200
                checked += 1
    assert checked > 0
    assert _snapshot(owner_engine, world.b.tenant_id) == before


def test_list_and_singleton_routes_never_show_another_tenant(app, populated, owner_engine):
    world = populated
    b_ids = {str(i) for i in _ids_of(owner_engine, world.b.tenant_id)}
    b_markers = b_ids | {world.b.slug, f"owner@{world.b.slug}.example"}
    read = 0
    for rule in _api_rules(app):
        if rule.arguments or "GET" not in rule.methods:
            continue
        response = world.a.api.get(rule.rule)
        assert response.status_code < 500, rule.rule
        body = response.get_data(as_text=True)
        leaked = [marker for marker in b_markers if marker in body]
        assert not leaked, f"{rule.rule} shows tenant B data: {leaked}"
        read += 1
    assert read > 0


def test_request_bodies_never_accept_a_tenant_id(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    text_spec = json.dumps(spec.get("components", {}).get("schemas", {}))
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            body = json.dumps(operation.get("requestBody", {}))
            assert "tenant_id" not in body, (method, path)
            for parameter in operation.get("parameters", []):
                assert parameter.get("name") != "tenant_id", (method, path)
    assert '"tenant_id"' not in text_spec
