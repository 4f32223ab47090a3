"""Signup, the tenant resource, governance mode and the audit log through the API."""

from __future__ import annotations

import pytest

from tests.factories import add_member


def _signup(anon, slug, **organization):
    return anon.post(
        "/signup",
        json={
            "organization": {"name": "Acme", "slug": slug, **organization},
            "owner": {"email": "o@acme.example", "name": "Olga"},
        },
    )


@pytest.mark.parametrize(
    ("industry", "mode"),
    [
        ("healthcare", "containment"),
        ("medtech", "containment"),
        ("pharma", "containment"),
        ("finance", "containment"),
        ("generic", "empowerment"),
        ("public", "empowerment"),
    ],
)
def test_governance_mode_defaults_by_industry(anon, world, industry, mode):
    response = _signup(anon, f"acme-{industry}", industry=industry)
    assert response.status_code == 201
    body = response.get_json()
    assert body["tenant"]["governance_mode"] == mode
    assert body["member"]["roles"] == ["owner"] and body["member"]["status"] == "active"
    assert body["token"].startswith("cip_")
    policy = body["tenant"]["policy"]
    assert policy["approval_required"] is (mode == "containment")
    assert policy["archive_enabled"] is (mode == "containment")
    assert policy["training_required_before_posting"] is (mode == "containment")


def test_explicit_mode_wins_and_duplicate_slug_conflicts(anon, world):
    assert (
        _signup(anon, "bank-x", industry="finance", governance_mode="empowerment").get_json()["tenant"][
            "governance_mode"
        ]
        == "empowerment"
    )
    duplicate = _signup(anon, world.a.slug)
    assert duplicate.status_code == 409


def test_signup_validates_and_can_be_disabled(anon, app, world):
    bad = anon.post(
        "/signup",
        json={
            "organization": {"name": "", "slug": "NO SPACES", "industry": "mining"},
            "owner": {"email": "nope"},
            "tenant_id": "x",
        },
    )
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]["json"]
    assert {"slug", "industry", "name"} <= set(errors["organization"])
    assert {"email", "name"} <= set(errors["owner"]) and "tenant_id" in errors
    app.config["SIGNUP_ENABLED"] = False
    assert _signup(anon, "later-co").status_code == 404


def test_tenant_shows_policy_seats_and_settings(world):
    tenant = world.a.api.get("/tenant").get_json()
    assert tenant["seats"] == {"limit": 25, "used": 1}
    assert tenant["settings"]["timezone"] == "Europe/Berlin"
    for key in (
        "own_posts_allowed",
        "approval_required",
        "training_required_before_posting",
        "archive_enabled",
        "sso_required",
    ):
        assert key in tenant["policy"]


def test_patch_tenant_merges_settings_and_is_audited(world, app):
    response = world.a.api.patch("/tenant", json={"name": "MedTech Nord GmbH", "settings": {"min_group_size": 8}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "MedTech Nord GmbH" and body["settings"]["min_group_size"] == 8
    assert body["settings"]["invitation_ttl_days"] == 14
    assert world.a.api.patch("/tenant", json={"settings": {"timezone": "Mars/Olympus"}}).status_code == 422
    events = world.a.api.get("/audit-events", query_string={"action": "tenant.updated"}).get_json()["items"]
    assert len(events) == 1
    assert events[0]["before"]["name"] == "Medtech Nord" and events[0]["after"]["name"] == "MedTech Nord GmbH"
    assert events[0]["actor_member_id"] == str(world.a.owner_id)
    _, hr = add_member(app, world.a.tenant_id, "hr")
    assert world.a.api.as_(hr).patch("/tenant", json={"name": "HR rules"}).status_code == 403


def test_governance_switch_is_owner_only_needs_reason_and_is_audited(world, app):
    _, admin = add_member(app, world.a.tenant_id, "admin")
    assert (
        world.a.api.as_(admin).put("/tenant/governance", json={"mode": "empowerment", "reason": "pilot"}).status_code
        == 403
    )
    assert world.a.api.put("/tenant/governance", json={"mode": "empowerment"}).status_code == 422
    assert world.a.api.put("/tenant/governance", json={"mode": "anarchy", "reason": "why not"}).status_code == 422
    switched = world.a.api.put("/tenant/governance", json={"mode": "empowerment", "reason": "Pilot in marketing"})
    assert switched.status_code == 200
    assert switched.get_json()["governance_mode"] == "empowerment"
    assert switched.get_json()["policy"]["approval_required"] is False
    event = world.a.api.get("/audit-events", query_string={"action": "tenant.governance_changed"}).get_json()["items"][
        0
    ]
    assert event["before"] == {"governance_mode": "containment"}
    assert event["after"] == {"governance_mode": "empowerment", "reason": "Pilot in marketing"}
    assert world.b.api.get("/tenant").get_json()["governance_mode"] == "empowerment"
    assert (
        world.b.api.get("/audit-events", query_string={"action": "tenant.governance_changed"}).get_json()["items"] == []
    )


def test_audit_log_pages_with_an_opaque_cursor(world, app):
    for i in range(5):
        assert world.a.api.patch("/tenant", json={"name": f"Name {i}"}).status_code == 200
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = world.a.api.get("/audit-events", query_string=query).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6  # tenant.created + 5 updates
    assert world.a.api.get("/audit-events", query_string={"cursor": "garbage!"}).status_code == 422
    assert world.a.api.get("/audit-events", query_string={"limit": 0}).status_code == 422
    _, influencer = add_member(app, world.a.tenant_id, "influencer")
    assert world.a.api.as_(influencer).get("/audit-events").status_code == 403
