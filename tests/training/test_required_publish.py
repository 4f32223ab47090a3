"""Publishing a required module assigns it to the members already active (through the API)."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from tests.factories import add_member
from tests.training.test_modules import published_module


def _mine(world, token):
    return {a["module"]["lineage_id"]: a for a in world.a.api.as_(token).get("/me/assignments").get_json()}


def test_a_required_module_published_later_is_assigned_to_existing_active_members(world, app):
    _, active = add_member(app, world.a.tenant_id, "influencer")
    _, paused = add_member(app, world.a.tenant_id, "influencer", status="paused")
    optional = published_module(world.a.api, title="Freiwillig", required=False)
    assert _mine(world, active) == {}
    with clock.frozen(clock.now()):
        required = published_module(world.a.api)
        mine = _mine(world, active)
        assert list(mine) == [required["lineage_id"]]
        assert mine[required["lineage_id"]]["status"] == "assigned"
        assert mine[required["lineage_id"]]["due_at"] == clock.isoformat(clock.now() + timedelta(days=30))
    assert required["lineage_id"] in _mine(world, world.a.token)  # the owner is an active member too
    assert _mine(world, paused) == {}  # not active: assigned on reactivation's terms, not here
    assert _mine(world, world.b.token) == {}  # other tenants are untouched

    # Becoming required in a new version assigns it too; a member assigned by hand keeps theirs.
    _, by_hand = add_member(app, world.a.tenant_id, "influencer")
    by_hand_id = world.a.api.as_(by_hand).get("/me").get_json()["id"]
    due = clock.isoformat(clock.now() + timedelta(days=3))
    manual = {"module_id": optional["id"], "member_ids": [by_hand_id], "due_at": due}
    assert world.a.api.post("/training/assignments", json=manual).get_json() == {"created": 1}
    draft = world.a.api.post(f"/training/modules/{optional['id']}/revisions").get_json()
    world.a.api.patch(f"/training/modules/{draft['id']}", json={"required": True})
    world.a.api.post(f"/training/modules/{draft['id']}/publish")
    assert set(_mine(world, active)) == {required["lineage_id"], optional["lineage_id"]}
    kept = _mine(world, by_hand)[optional["lineage_id"]]
    assert kept["due_at"] == due and kept["module"]["version"] == 2

    # A further required version assigns nothing twice.
    again = world.a.api.post(f"/training/modules/{required['id']}/revisions").get_json()
    world.a.api.post(f"/training/modules/{again['id']}/publish")
    assert len(world.a.api.as_(active).get("/me/assignments").get_json()) == 2
    automatic = [
        e["after"]
        for e in world.a.api.get("/audit-events", query_string={"action": "training.assigned"}).get_json()["items"]
        if e["after"].get("automatic")
    ]
    # Owner and the active member each time (the member assigned by hand already had the second).
    assert [a["created"] for a in automatic] == [2, 2]
